/**
 * The CLI against a Batch endpoint (here the local engine behind its real HTTP server, as
 * `batchkit local serve` runs it): `run --detach` returns once everything is submitted while
 * Batch moves the run along, `watch` follows it by describing the open jobs itself, and `logs`
 * names the log stream of a target whose files it cannot read.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { loadTemplate } from '../../../runtime/template/load-template';
import { hasEscapeCodes, runCli, TEST_TEMPLATE } from './cli-process';

let dir: string;
let engine: LocalBatchEngine;
let server: RunningBatchServer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-endpoint-'));
  engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'engine'), killGraceMs: 500 });
  await loadTemplate(engine, TEST_TEMPLATE);
  server = await startBatchServer({ api: engine, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('run --detach, then watch follows the run to its end and logs names the stream', async () => {
  // GIVEN
  const workflow = path.join(dir, 'detached.yaml');
  fs.writeFileSync(workflow, `
name: detached
defaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }
steps:
  wait:
    command: [sh, -c, 'sleep 1; echo waited']
  after:
    dependsOn: [wait]
    arraySize: 2
`);
  const journalDir = path.join(dir, 'runs');
  // WHEN
  const detached = await runCli(['run', workflow, '--endpoint', server.url, '--template', TEST_TEMPLATE, '--journal-dir', journalDir, '--detach', '--json']);
  // THEN: submitted, not finished
  expect(detached.code).toBe(0);
  const submitted = JSON.parse(detached.stdout);
  expect(submitted).toEqual(expect.objectContaining({ following: 'detached', workflowName: 'detached' }));
  expect(submitted.stepCounts.NOT_SUBMITTED).toBeUndefined();
  expect(['SUBMITTING', 'RUNNING']).toContain(submitted.status);

  // WHEN: watch with only the run id (the endpoint is remembered)
  const watched = await runCli(['watch', submitted.runId, '--journal-dir', journalDir, '--interval', '0.2']);
  // THEN
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(new RegExp(`Run ${submitted.runId} \\(detached\\): SUCCEEDED`));
  expect(watched.stdout).toMatch(/^ {2}after +array 2 +SUCCEEDED +SUCCEEDED 2 /m);
  expect(watched.stdout).toContain(`logs:          log streams on ${server.url}`);
  expect(hasEscapeCodes(watched.stdout)).toBe(false);

  // WHEN: logs on an endpoint
  const logs = await runCli(['logs', submitted.runId, 'wait', '--journal-dir', journalDir, '--json']);
  // THEN: the stream is named, and it is the one the engine wrote the output to
  expect(logs.code).toBe(0);
  const located = JSON.parse(logs.stdout);
  expect(located.log.file).toBeUndefined();
  expect(located.log.logStreamName).toMatch(/^cli-test-shell\/default\/\w+$/);
  expect(fs.readFileSync(path.join(dir, 'engine', 'logs', `${located.log.logStreamName}.log`), 'utf8')).toBe('waited\n');
});
