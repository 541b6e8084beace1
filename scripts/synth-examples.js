#!/usr/bin/env node
'use strict';
// Synthesizes the example app into cdk.out/ the way `cdk synth` does (same context, same
// path metadata), without the CLI's start-up cost. Prints the template paths, one a line.
const path = require('path');
const fs = require('fs');

function synthExamples(outdir = path.join(__dirname, '..', 'cdk.out')) {
  const root = path.join(__dirname, '..');
  const appEntry = path.join(root, 'dist', 'examples', 'app.js');
  if (!fs.existsSync(appEntry)) {
    throw new Error(`the example app is not built (${path.relative(root, appEntry)} is missing): run \`npm run build\` first`);
  }
  const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8'));
  process.env.CDK_OUTDIR = outdir;
  process.env.CDK_CONTEXT_JSON = JSON.stringify({ ...cdkJson.context, 'aws:cdk:enable-path-metadata': true });
  const { createExampleApp } = require(appEntry);
  const assembly = createExampleApp().synth();
  return assembly.stacks.map((s) => path.join(outdir, s.templateFile));
}

module.exports = { synthExamples };

if (require.main === module) {
  for (const t of synthExamples()) console.log(path.relative(process.cwd(), t));
}
