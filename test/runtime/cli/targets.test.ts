/**
 * How the workflow commands choose and open their target: flag combinations, the flags that
 * reach a target again (printed in hints), and the lock that keeps two processes off one
 * local engine data directory.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchClient, DescribeJobQueuesCommand, DescribeJobsCommand, SubmitJobCommand, type JobDetail } from '@aws-sdk/client-batch';
import { DATA_DIR_LOCK_FILE, openTarget, targetFlagsText, targetSpecOf } from '../../../runtime/cli/targets';
import { TEST_TEMPLATE } from './cli-process';

let dir: string;
let sleeper: ChildProcess;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-targets-'));
  sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => undefined, 60000)'], { stdio: 'ignore' });
});
afterAll(() => {
  sleeper.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('targetSpecOf', () => {
  test('no flags means AWS with the SDK chain', () => {
    expect(targetSpecOf({})).toEqual({ kind: 'aws', templates: [] });
  });

  test('--local takes the default data directory, absolute', () => {
    expect(targetSpecOf({ local: true, template: [TEST_TEMPLATE] })).toEqual({
      kind: 'local', dataDir: path.resolve('.batchkit/local'), templates: [TEST_TEMPLATE],
    });
  });

  test('--endpoint drops trailing slashes', () => {
    expect(targetSpecOf({ endpoint: 'http://127.0.0.1:8866/' })).toEqual({ kind: 'endpoint', endpoint: 'http://127.0.0.1:8866', templates: [] });
  });

  test.each([
    ['--data-dir without --local', { dataDir: 'x' }, /--data-dir x applies to the local engine only; add --local/],
    ['--local-vcpus without --local', { localVcpus: '4' }, /--vcpus, --memory and --gpus \(and --local-vcpus, --local-memory\) apply to the local engine only; add --local/],
    ['--local-memory of zero', { local: true, localMemory: '0' }, /--local-memory must be a whole number above 0; got '0'/],
    ['--launcher without --local', { launcher: 'process' }, /--launcher process applies to the local engine only; add --local/],
    ['--launcher of an unknown kind', { local: true, launcher: 'vm' }, /--launcher must be auto, container, process; got 'vm'/],
  ])('fails when %s', (_what, flags, message) => {
    expect(() => targetSpecOf(flags)).toThrow(message);
  });
});

describe('targetFlagsText', () => {
  test('gives back flags that produce the same target', () => {
    // GIVEN
    const spec = targetSpecOf({ local: true, dataDir: path.join(dir, 'my engine'), template: [TEST_TEMPLATE], localVcpus: '8', launcher: 'process' });
    // WHEN
    const text = targetFlagsText(spec);
    // THEN: quoted where the shell needs it, and parsing it back gives the same spec
    expect(text).toContain(`--data-dir '${path.join(dir, 'my engine')}'`);
    expect(text).toContain('--launcher process');
    const again = targetSpecOf({ local: true, dataDir: path.join(dir, 'my engine'), template: [path.relative(process.cwd(), TEST_TEMPLATE)], localVcpus: '8', launcher: 'process' });
    expect(again).toEqual(spec);
  });
});

describe('the local engine data directory', () => {
  test('opens with the template loaded and answers through its server, then frees the directory', async () => {
    // GIVEN
    const dataDir = path.join(dir, 'free');
    // WHEN
    const target = await openTarget(targetSpecOf({ local: true, dataDir, template: [TEST_TEMPLATE] }));
    const queues = await target.client.send(new DescribeJobQueuesCommand({}));
    const lockedWhileOpen = fs.existsSync(path.join(dataDir, DATA_DIR_LOCK_FILE));
    await target.close();
    // THEN
    expect(queues.jobQueues?.map((q) => q.jobQueueName)).toEqual(['cli-test-queue']);
    expect(target.loadedResources.map((r) => r.constructPath)).toEqual(['CliTest/Compute/Resource', 'CliTest/Queue/Resource', 'CliTest/Shell/Resource']);
    expect(lockedWhileOpen).toBe(true);
    expect(fs.existsSync(path.join(dataDir, DATA_DIR_LOCK_FILE))).toBe(false);
  });

  test('fails when a live process holds it, naming the process', async () => {
    // GIVEN
    const dataDir = path.join(dir, 'held');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), String(sleeper.pid));
    // WHEN / THEN
    await expect(openTarget(targetSpecOf({ local: true, dataDir }))).rejects.toThrow(
      new RegExp(`the local engine data directory ${dataDir} is in use by process ${sleeper.pid}`),
    );
  });

  test('takes over a lock whose process is gone', async () => {
    // GIVEN: the lock of a process that has exited
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise((resolve) => gone.on('exit', resolve));
    const dataDir = path.join(dir, 'stale');
    fs.mkdirSync(dataDir);
    fs.writeFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), String(gone.pid));
    // WHEN
    const target = await openTarget(targetSpecOf({ local: true, dataDir }));
    const holder = fs.readFileSync(path.join(dataDir, DATA_DIR_LOCK_FILE), 'utf8');
    await target.close();
    // THEN
    expect(holder).toBe(String(process.pid));
  });
});

describe('the local engine\'s server', () => {
  test("answers only its own client: the server refuses unsigned requests and other keys while the client's job runs", async () => {
    // GIVEN
    const target = await openTarget(targetSpecOf({ local: true, dataDir: path.join(dir, 'signed'), template: [TEST_TEMPLATE] }));
    const other = await openTarget(targetSpecOf({ local: true, dataDir: path.join(dir, 'signed-other') }));
    const endpoint = await target.client.config.endpoint!();
    const url = `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
    const otherKeys = new BatchClient({ endpoint: url, region: 'us-east-1', credentials: await other.client.config.credentials(), maxAttempts: 1 });
    try {
      // WHEN
      const { jobId } = await target.client.send(new SubmitJobCommand({ jobName: 'signed', jobQueue: 'cli-test-queue', jobDefinition: 'cli-test-shell' }));
      const unsigned = await fetch(`${url}/v1/submitjob`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jobName: 'unsigned', jobQueue: 'cli-test-queue', jobDefinition: 'cli-test-shell' }) });
      const foreign = await otherKeys.send(new DescribeJobsCommand({ jobs: [jobId!] })).catch((err: Error) => err);
      let job: JobDetail | undefined;
      for (let i = 0; i < 400 && job?.status !== 'SUCCEEDED' && job?.status !== 'FAILED'; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 25));
        job = (await target.client.send(new DescribeJobsCommand({ jobs: [jobId!] }))).jobs?.[0];
      }
      // THEN
      expect(unsigned.status).toBe(403);
      expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      expect(foreign).toMatchObject({ name: 'UnrecognizedClientException' });
      expect(job?.status).toBe('SUCCEEDED');
      expect(await target.engine!.listJobs({ jobQueue: 'cli-test-queue', filters: [{ name: 'JOB_NAME', values: ['unsigned'] }] })).toMatchObject({ jobSummaryList: [] });
    } finally {
      otherKeys.destroy();
      await target.close();
      await other.close();
    }
  });
});
