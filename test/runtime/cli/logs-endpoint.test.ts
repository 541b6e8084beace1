/**
 * `batchkit logs` against an endpoint reads the job's output through the endpoint's CloudWatch
 * Logs API, which the local server answers.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { loadTemplate } from '../../../runtime/template/load-template';
import { runCli, TEST_TEMPLATE } from './cli-process';

let dir: string;
let engine: LocalBatchEngine;
let server: RunningBatchServer;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-logs-endpoint-'));
  engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'engine'), killGraceMs: 500 });
  await loadTemplate(engine, TEST_TEMPLATE);
  server = await startBatchServer({ api: engine, port: 0 });
});
afterAll(async () => {
  await server?.close();
  await engine?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('logs --endpoint prints the output read from the endpoint\'s CloudWatch Logs API', async () => {
  // GIVEN a finished run on the endpoint
  const workflow = path.join(dir, 'printing.yaml');
  fs.writeFileSync(workflow, `
name: printing
defaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }
steps:
  say:
    command: [sh, -c, 'echo hello; echo world']
`);
  const journalDir = path.join(dir, 'runs');
  const ran = await runCli(['run', workflow, '--endpoint', server.url, '--template', TEST_TEMPLATE, '--journal-dir', journalDir, '--json']);
  expect(ran.code).toBe(0);
  const runId = (JSON.parse(ran.stdout) as { runId: string }).runId;
  // WHEN
  const plain = await runCli(['logs', runId, 'say', '--journal-dir', journalDir, '--endpoint', server.url]);
  const json = await runCli(['logs', runId, 'say', '--journal-dir', journalDir, '--json']);
  // THEN
  expect(plain.code).toBe(0);
  expect(plain.stdout).toBe('hello\nworld\n');
  expect(JSON.parse(json.stdout)).toMatchObject({ content: 'hello\nworld\n', log: { logGroupName: '/aws/batch/job', logStreamName: expect.stringMatching(/^cli-test-shell\/default\/\w+$/) } });
});
