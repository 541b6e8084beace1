/**
 * What `npm start` runs (`node scripts/start.js`), in a scratch working directory: build if
 * needed, synthesize the example app, `batchkit check` it, and run the example workflow on
 * the local engine from the synthesized template, ending with the summary. Here as on a machine
 * with no container runtime (the only one it may try does not exist), so jobs run as host
 * processes; start-containers.test.ts runs it with podman.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliEnv, hasEscapeCodes, ROOT, runCli, type CliResult } from './cli-process';

let workdir: string;
let result: CliResult;
beforeAll(async () => {
  workdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-start-'));
  const env = cliEnv({ BATCHKIT_CONTAINER_CLI: path.join(workdir, 'no-such-docker') });
  delete env.BATCHKIT_LAUNCHER;
  result = await runCli(['--workdir', workdir], { script: path.join(ROOT, 'scripts', 'start.js'), timeoutMs: 110_000, env });
}, 120_000);
afterAll(() => {
  fs.rmSync(workdir, { recursive: true, force: true });
});

test('exits 0 after the example workflow succeeded', () => {
  expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({ code: 0, stderr: '' });
});

test('prints the batchkit check summary of the synthesized app', () => {
  expect(result.stdout).toContain('== batchkit check');
  expect(result.stdout).toMatch(/Stack BatchkitExample/);
  expect(result.stdout).toMatch(/^\d+ stack\(s\), 0 error\(s\), \d+ warning\(s\)$/m);
  expect(fs.existsSync(path.join(workdir, 'cdk.out', 'BatchkitExample.template.json'))).toBe(true);
});

test('ends with the summary of every kind of step the example shows', () => {
  const { stdout } = result;
  expect(stdout).toMatch(/^Run example-pipeline-\S+ \(example-pipeline\): SUCCEEDED in \S+$/m);
  expect(stdout).toMatch(/^ {2}prepare +single +SUCCEEDED /m);
  expect(stdout).toMatch(/^ {2}transform +array 10 +SUCCEEDED +SUCCEEDED 10 /m);
  expect(stdout).toMatch(/^ {2}validate +array 10 +SUCCEEDED +SUCCEEDED 10 /m);
  expect(stdout).toMatch(/^ {2}migrate +array 5 +SUCCEEDED +SUCCEEDED 5 /m);
  expect(stdout).toMatch(/^ {2}flaky +single +SUCCEEDED +2 attempts /m);
  expect(stdout).toMatch(/^ {2}train +2 nodes +SUCCEEDED /m);
  expect(stdout).toMatch(/^ {2}report +single +SUCCEEDED /m);
  expect(stdout).not.toMatch(/FAILED \d/);
});

test('says where the journal, the logs and the event logs are, inside the working directory', () => {
  const journal = /^journal: +(\S+)$/m.exec(result.stdout)![1];
  const logs = /^logs: +(\S+)$/m.exec(result.stdout)![1];
  const events = /^engine events: +(\S+)$/m.exec(result.stdout)![1];
  for (const location of [journal, logs, events]) {
    expect(location.startsWith(path.join(workdir, '.batchkit'))).toBe(true);
    expect(fs.existsSync(location)).toBe(true);
  }
  expect(result.stdout).toMatch(/^run events: +batchkit status example-pipeline-\S+ --events$/m);
});

test('says the jobs ran as host processes, and why', () => {
  expect(result.stdout).toMatch(/^npm start took .*; jobs ran as host processes \(--launcher process: no container runtime answers: .*no-such-docker/m);
});

test('writes plain timestamped progress lines, no escape codes, off a terminal', () => {
  expect(result.stdout).toMatch(/^\S+Z \d+\/53 done · /m);
  expect(hasEscapeCodes(result.stdout)).toBe(false);
});
