/**
 * `batchkit logs` on an AWS target reads the attempt's CloudWatch Logs stream. moto_server stands
 * in for AWS (Batch and CloudWatch Logs) through `AWS_ENDPOINT_URL`, which the SDK honours as it
 * would on any machine: the CLI runs exactly as against AWS. moto finishes every job at submit and
 * writes no output without docker, so the test puts the output into the stream moto names.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { createMotoServiceRole, startMoto, type RunningMoto } from '../server/moto';
import { cliEnv, runCli } from './cli-process';

const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'y' };

let dir: string;
let moto: RunningMoto;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-logs-'));
  moto = await startMoto();
  env = cliEnv({
    AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  });
  const serviceRole = await createMotoServiceRole(moto.url);
  const batch = new BatchClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'logs-ce', type: 'UNMANAGED', serviceRole }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'logs-queue', state: 'ENABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'logs-ce' }] }));
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'logs-job', type: 'container', containerProperties: { image: 'busybox', command: ['echo', 'hi'], vcpus: 1, memory: 128 } }));
  } finally {
    batch.destroy();
  }
}, 60_000);
afterAll(async () => {
  await moto?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs a two-step workflow on "AWS"; returns the run id and each step's log stream. */
async function finishedRun(): Promise<{ runId: string; streams: Record<string, string> }> {
  const workflow = path.join(dir, 'logged.yaml');
  fs.writeFileSync(workflow, 'name: logged\ndefaults: { jobQueue: logs-queue, jobDefinition: logs-job }\nsteps:\n  talk: {}\n  quiet: {}\n');
  const run = await runCli(['run', workflow, '--journal-dir', path.join(dir, 'runs'), '--json'], { env });
  expect(run.code).toBe(0);
  const doc = JSON.parse(run.stdout) as { runId: string; steps: { step: string; logStreamName?: string }[] };
  return { runId: doc.runId, streams: Object.fromEntries(doc.steps.map((s) => [s.step, s.logStreamName!])) };
}

test("prints the attempt's CloudWatch Logs events on stdout, the header on stderr; --json carries them too", async () => {
  // GIVEN: a finished run whose `talk` step wrote three lines to its stream
  const { runId, streams } = await finishedRun();
  expect(streams.talk).toMatch(/^logs-job\/default\/[\w-]+$/);
  const logs = new CloudWatchLogsClient({ endpoint: moto.url, region: 'us-east-1', credentials: CREDENTIALS });
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/batch/job' }));
    await logs.send(new CreateLogStreamCommand({ logGroupName: '/aws/batch/job', logStreamName: streams.talk }));
    await logs.send(new PutLogEventsCommand({
      logGroupName: '/aws/batch/job', logStreamName: streams.talk,
      logEvents: ['first line', 'second line', 'third line'].map((message, i) => ({ message, timestamp: Date.now() + i })),
    }));
  } finally {
    logs.destroy();
  }
  // WHEN
  const shown = await runCli(['logs', runId, 'talk', '--journal-dir', path.join(dir, 'runs')], { env });
  const json = await runCli(['logs', runId, 'talk', '--journal-dir', path.join(dir, 'runs'), '--json'], { env });
  // THEN
  expect(shown.code).toBe(0);
  expect(shown.stdout).toBe('first line\nsecond line\nthird line\n');
  expect(shown.stderr).toContain(`talk (job `);
  expect(shown.stderr).toContain(`attempt 1: CloudWatch Logs group /aws/batch/job, stream ${streams.talk}`);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.stdout)).toEqual(expect.objectContaining({
    step: 'talk', attempt: 1, log: { logGroupName: '/aws/batch/job', logStreamName: streams.talk }, content: 'first line\nsecond line\nthird line\n',
  }));

  // WHEN: a step whose stream does not exist
  const missing = await runCli(['logs', runId, 'quiet', '--journal-dir', path.join(dir, 'runs')], { env });
  // THEN: exit 1, and the error says where it looked and why that may be
  expect(missing.code).toBe(1);
  expect(missing.stdout).toBe('');
  expect(missing.stderr).toContain(`batchkit: CloudWatch Logs group /aws/batch/job, stream ${streams.quiet} (region us-east-1) does not exist: the job has written no output yet, or its job definition sends logs elsewhere`);
}, 120_000);
