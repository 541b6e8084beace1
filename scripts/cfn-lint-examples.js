#!/usr/bin/env node
'use strict';
// Runs cfn-lint over every template the example app synthesizes. cfn-lint is part of the
// toolchain (DEVELOPERS.md): when it is missing, this fails and says so rather than skipping.
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
const templates = synthExamples(outdir);
if (templates.length === 0) {
  console.error('cfn-lint: the example app synthesized no template');
  process.exit(1);
}
const result = spawnSync('cfn-lint', ['--', ...templates], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`cfn-lint: findings in ${templates.length} template(s) (exit ${result.status})`);
  process.exit(1);
}
console.log(`cfn-lint ${probe.stdout.trim().replace(/^cfn-lint /, '')}: ${templates.length} template(s), no findings`);
