#!/usr/bin/env node
'use strict';
// Verifies the committed integ snapshots offline: runs integ-runner with every AWS credential
// source removed, so a changed snapshot can never turn into a deployment, and fails unless
// every test reports UNCHANGED. `npm run integ:update` regenerates the snapshots (no deploy);
// `npm run integ` deploys the tests to the account of your credentials and runs their assertions.
const { spawnSync } = require('child_process');
const path = require('path');

const root = path.join(__dirname, '..');
const env = { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
for (const name of Object.keys(env)) {
  if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|WEB_IDENTITY_TOKEN_FILE|ROLE_ARN|CONTAINER_CREDENTIALS_\w+)$/.test(name)) delete env[name];
}
const result = spawnSync('npx', [
  'integ-runner', '--directory', 'integ', '--language', 'typescript',
  '--app', 'node -r ts-node/register/transpile-only {filePath}',
  '--parallel-regions', 'us-east-1', '--max-workers', '2',
], { cwd: root, env, encoding: 'utf8', timeout: 10 * 60 * 1000 });
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
process.stdout.write(output);
const unchanged = output.match(/^\s*UNCHANGED\s+\S+/gm) ?? [];
const others = output.match(/^\s*(CHANGED|NEW|FAILED|ERROR|DESTRUCTIVE)\S*\s+\S+/gm) ?? [];
if (result.status !== 0 || unchanged.length === 0 || others.length > 0) {
  console.error(`integ: snapshots are not current (${others.map((l) => l.trim()).join(', ') || `integ-runner exit ${result.status}`}); `
    + 'run `npm run integ:update`, review the diff and commit it');
  process.exit(1);
}
console.log(`integ: ${unchanged.length} snapshot(s) unchanged, verified offline`);
