#!/usr/bin/env node
'use strict';
// The compiled CLI lives in dist/ (built by `npm run build`, which `npm ci` runs through `prepare`).
const path = require('path');
const fs = require('fs');
const entry = path.join(__dirname, '..', 'dist', 'runtime', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('batchkit: the CLI is not built yet; run `npm run build` first\n');
  process.exit(2);
}
// The AWS SDK warns on every command that its 2027 releases will need a newer Node; batchkit
// supports Node 20 (package.json engines), so in a CLI that warning is only noise. A user who
// sets the variable keeps their own choice.
if (process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED === undefined) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}
require(entry).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`batchkit: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
