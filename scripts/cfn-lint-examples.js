#!/usr/bin/env node
'use strict';
// Runs cfn-lint over every template the project commits to: those the example app synthesizes
// and those of the integ snapshots (integ/*.snapshot/*.template.json), which render what the
// example app does not (cluster placement groups, EFA devices, open node ranges, unmanaged
// compute, ...). The snapshots' assertion stacks are linted too: they pass as they are, since
// the integ apps mark the provider resources' own redundant DependsOn for cfn-lint. cfn-lint is part of
// the toolchain (DEVELOPERS.md): when it is missing, this fails and says so rather than skipping.
const { spawnSync } = require('child_process');
const os = require('os');
const fs = require('fs');
const path = require('path');
const { synthExamples } = require('./synth-examples');

const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error('cfn-lint: not found on PATH. Install it (pip install cfn-lint) and run again; templates were not checked.');
  process.exit(1);
}
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cfn-lint-'));
const exampleTemplates = synthExamples(outdir);
if (exampleTemplates.length === 0) {
  console.error('cfn-lint: the example app synthesized no template');
  process.exit(1);
}
const integTemplates = integSnapshotTemplates(path.join(__dirname, '..', 'integ'));
if (integTemplates.length === 0) {
  console.error('cfn-lint: found no integ snapshot template (integ/*.snapshot/*.template.json); expected one per integ stack');
  process.exit(1);
}
const templates = [...exampleTemplates, ...integTemplates];
const result = spawnSync('cfn-lint', ['--', ...templates], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`cfn-lint: findings in ${templates.length} template(s) (exit ${result.status})`);
  process.exit(1);
}
console.log(`cfn-lint ${probe.stdout.trim().replace(/^cfn-lint /, '')}: ${templates.length} template(s) `
  + `(${exampleTemplates.length} of the example app, ${integTemplates.length} of integ snapshots), no findings`);

/** The templates of every committed integ snapshot, sorted. */
function integSnapshotTemplates(integDir) {
  return fs.readdirSync(integDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name.endsWith('.snapshot'))
    .flatMap((dir) => fs.readdirSync(path.join(integDir, dir.name))
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => path.join(integDir, dir.name, file)))
    .sort();
}
