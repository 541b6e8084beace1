#!/usr/bin/env node
'use strict';
// Runs the construct tests (test/lib) against the newest aws-cdk-lib on npm, in a scratch copy
// of the repository, so a release that breaks batchkit is caught the day it appears rather than
// by a user: batchkit's peer range (^2.x) lets users install any later minor release. The copy
// keeps the repository's node_modules and replaces only aws-cdk-lib (and constructs, its peer);
// the whole-stack snapshot is re-recorded there, since a new release changes details of the
// template (Lambda runtimes, asset hashes) that say nothing about batchkit. Nothing in the
// working tree changes.
//
// Run: node scripts/test-newest-cdk.js [version]   (default: latest)
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const wanted = process.argv[2] ?? 'latest';

function run(command, args, cwd, options = {}) {
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

// The files a clean clone has (tracked and new, not ignored): build output and caches stay out.
function repositoryFiles() {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  return listed.stdout.split('\0').filter((file) => file && fs.existsSync(path.join(root, file)));
}

function main() {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-newest-cdk-'));
  try {
    for (const file of repositoryFiles()) {
      fs.mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
      fs.copyFileSync(path.join(root, file), path.join(scratch, file));
    }
    fs.cpSync(path.join(root, 'node_modules'), path.join(scratch, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    const installed = run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `aws-cdk-lib@${wanted}`, 'constructs@^10'], scratch);
    if (installed !== 0) {
      console.error(`newest aws-cdk-lib: npm could not install aws-cdk-lib@${wanted} (exit ${installed})`);
      return installed;
    }
    const version = JSON.parse(fs.readFileSync(path.join(scratch, 'node_modules', 'aws-cdk-lib', 'package.json'), 'utf8')).version;
    console.log(`newest aws-cdk-lib: testing lib/ against aws-cdk-lib ${version}`);
    const status = run('npx', ['jest', 'test/lib', '--ci=false', '--updateSnapshot'], scratch);
    console.log(status === 0
      ? `newest aws-cdk-lib: the construct tests pass against aws-cdk-lib ${version}`
      : `newest aws-cdk-lib: the construct tests fail against aws-cdk-lib ${version} (exit ${status}): batchkit's peer range admits it, so users can hit this`);
    return status;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

process.exit(main());
