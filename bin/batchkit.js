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
require(entry).main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`batchkit: ${err && err.stack ? err.stack : err}\n`); process.exitCode = 1; },
);
