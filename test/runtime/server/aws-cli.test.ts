import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

const execFileAsync = promisify(execFile);

let engine: LocalBatchEngine;
let server: RunningBatchServer;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ killGraceMs: 100 });
  server = await startBatchServer({ api: engine });
  await engine.createComputeEnvironment({ computeEnvironmentName: 'local', type: 'UNMANAGED', unmanagedvCpus: 2 });
  await engine.createJobQueue({ jobQueueName: 'cli-queue', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }] });
  await engine.registerJobDefinition({
    jobDefinitionName: 'cli-job', type: 'container',
    containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  });
});

afterAll(async () => {
  await server.close();
  await engine.close();
});

/** Runs `aws batch <args> --endpoint-url <server>` (AWS CLI v1) and parses its JSON output. */
async function awsBatch(...args: string[]): Promise<Record<string, unknown>> {
  const env = {
    ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '',
  };
  const { stdout } = await execFileAsync('aws', ['batch', ...args, '--endpoint-url', server.url, '--output', 'json'], { env, timeout: 30000 });
  return stdout.trim() === '' ? {} : JSON.parse(stdout) as Record<string, unknown>;
}

async function awsBatchError(...args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await awsBatch(...args);
  } catch (err) {
    const failure = err as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr };
  }
  throw new Error(`aws batch ${args.join(' ')} succeeded; expected an error`);
}

describe('AWS CLI v1 against the local server', () => {
  test('submit-job, describe-jobs and list-jobs', async () => {
    // WHEN
    const submitted = await awsBatch('submit-job', '--job-name', 'from-cli', '--job-queue', 'cli-queue', '--job-definition', 'cli-job');
    const jobId = submitted.jobId as string;
    let described: Array<{ status?: string }> = [];
    for (let i = 0; i < 40 && described[0]?.status !== 'SUCCEEDED'; i++) {
      described = (await awsBatch('describe-jobs', '--jobs', jobId)).jobs as Array<{ status?: string }>;
    }
    const listed = await awsBatch('list-jobs', '--job-queue', 'cli-queue', '--job-status', 'SUCCEEDED');
    // THEN
    expect(submitted).toMatchObject({ jobName: 'from-cli', jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}` });
    expect(described).toMatchObject([{ jobId, jobName: 'from-cli', status: 'SUCCEEDED' }]);
    expect((listed.jobSummaryList as Array<{ jobId: string }>).map((s) => s.jobId)).toContain(jobId);
  });

  test('cancel-job fails a job that is still waiting', async () => {
    // GIVEN a job waiting on a long one
    const blocker = await awsBatch('submit-job', '--job-name', 'blocker', '--job-queue', 'cli-queue', '--job-definition', 'cli-job', '--container-overrides', 'command=sleep,30');
    const waiting = await awsBatch('submit-job', '--job-name', 'waiting', '--job-queue', 'cli-queue', '--job-definition', 'cli-job', '--depends-on', `jobId=${blocker.jobId as string}`);
    // WHEN
    await awsBatch('cancel-job', '--job-id', waiting.jobId as string, '--reason', 'cancelled from the CLI');
    await awsBatch('terminate-job', '--job-id', blocker.jobId as string, '--reason', 'cleanup');
    const described = await awsBatch('describe-jobs', '--jobs', waiting.jobId as string);
    // THEN
    expect(described.jobs).toMatchObject([{ status: 'FAILED', statusReason: 'cancelled from the CLI' }]);
  });

  test('prints the ClientException and exits non-zero for an unknown queue', async () => {
    // WHEN
    const failure = await awsBatchError('submit-job', '--job-name', 'x', '--job-queue', 'no-such-queue', '--job-definition', 'cli-job');
    // THEN
    expect(failure.code).not.toBe(0);
    expect(failure.stderr).toMatch(/An error occurred \(ClientException\) when calling the SubmitJob operation: .*no-such-queue/);
  });
});
