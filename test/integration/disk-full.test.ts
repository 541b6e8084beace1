/**
 * `batchkit local serve` on a full disk (a 5 MiB tmpfs filled with a filler file): a change it
 * cannot write is refused with ServerException, not a crash or a reset; reads go on; a job that
 * ends meanwhile is written once space returns, and no job starts while its start cannot be
 * written. Restarted on the still-full disk it opens read-only, says why, and accepts changes
 * again once space returns, with every job acknowledged before the disk filled in its right state.
 *
 * Mounting a tmpfs needs root: CI runs these tests as root, and they fail (not skip) otherwise.
 */
import type * as batch from '@aws-sdk/client-batch';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ManualClock } from '../../runtime/engine/clock';
import { HOST_TERMINATED_REASON, LocalBatchEngine } from '../../runtime/engine/engine';
import { HostProcessLauncher } from '../../runtime/engine/launcher';
import { batchRequest, call, eventually, killServer, send, ServerProcess, startServerProcess } from './server-process';

const CLI = path.join(__dirname, 'fixtures', 'batchkit-cli.ts');
const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];
const REFUSED = /^the local engine could not write its state to .*engine\.sqlite \((SQLITE_FULL|SQLITE_IOERR)[^)]*\): nothing of this request was accepted/;

let base: string;
let disk: string;
let mounted = false;
const servers: ServerProcess[] = [];

beforeAll(() => {
  if (process.getuid?.() !== 0) {
    throw new Error('the disk-full tests mount a tmpfs and must run as root (CI runs them as root): run them as root, e.g. in the CI container');
  }
  base = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-disk-full-'));
  disk = path.join(base, 'disk');
  fs.mkdirSync(disk);
  run('mount', ['-t', 'tmpfs', '-o', 'size=5m', 'tmpfs', disk]);
  mounted = true;
});
afterAll(async () => {
  for (const server of servers) {
    await killServer(server);
  }
  for (const pid of Object.values(jobPids())) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (mounted) {
    run('umount', [disk]);
  }
  if (base) {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

describe('the local server on a full disk', () => {
  test('refuses changes with ServerException, keeps serving reads, restarts read-only, and loses no acknowledged job', async () => {
    // GIVEN: a job running (it takes every vCPU) and one queued behind it
    const first = await serve();
    await createResources(first.url);
    const running = await submit(first.url, 'running');
    await eventually('the first job to run', async () => (await describe1(first.url, running)).status === 'RUNNING');
    const queued = await submit(first.url, 'queued', { openGate: true });
    await eventually('the second job to queue', async () => (await describe1(first.url, queued)).status === 'RUNNABLE');

    // WHEN the disk fills
    fill();
    // THEN a change is refused with ServerException, the server is still up and answers reads
    const refused = await send(first.url, batchRequest('SubmitJob', submitInput('refused', gate('refused'))));
    expect({ status: refused.status, errorType: refused.errorType, message: refused.body.message })
      .toEqual({ status: 500, errorType: 'ServerException', message: expect.stringMatching(REFUSED) });
    expect(first.child.exitCode).toBeNull();
    expect((await describe1(first.url, running)).status).toBe('RUNNING');
    expect(await jobNames(first.url)).toEqual(['queued', 'running']);

    // WHEN the running job ends while the disk is full
    openGate('running');
    await eventually('the engine to report that it cannot write', () => first.stderr().includes('cannot write its state to'));
    // THEN its end is served, the queued job does not start (its start could not be written), and changes are refused
    expect((await describe1(first.url, running)).status).toBe('SUCCEEDED');
    expect(jobPids()[queued]).toBeUndefined();
    expect(['RUNNABLE', 'STARTING']).toContain((await describe1(first.url, queued)).status);
    const refusedWhileDegraded = await send(first.url, batchRequest('TagResource', { resourceArn: jobArnOf(queued), tags: { late: 'yes' } }));
    expect({ status: refusedWhileDegraded.status, message: refusedWhileDegraded.body.message })
      .toEqual({ status: 500, message: expect.stringMatching(REFUSED) });

    // WHEN space returns
    unfill();
    // THEN the engine writes what waited, says so, and the queued job runs
    await eventually('the queued job to run once space returns', async () => (await describe1(first.url, queued)).status === 'SUCCEEDED');
    expect(first.stderr()).toMatch(/writes to .*engine\.sqlite succeed again/);

    // GIVEN a job running when the disk fills again and the server is killed
    const interrupted = await submit(first.url, 'interrupted', { retries: 2 });
    await eventually('the third job to run', async () => (await describe1(first.url, interrupted)).status === 'RUNNING' && jobPids()[interrupted] !== undefined);
    fill();
    await killServer(first);
    expect(first.child.signalCode).toBe('SIGKILL');

    // WHEN the server restarts on the still-full disk
    const second = await serve();
    // THEN it starts, says why it is read-only, serves reads, and refuses changes
    await eventually('the restarted engine to say why it is read-only', () => /cannot write its state to .*engine\.sqlite \(SQLITE_FULL/.test(second.stderr()));
    expect(await jobNames(second.url)).toEqual(['interrupted', 'queued', 'running']);
    const interruptedDetail = await describe1(second.url, interrupted);
    expect({ status: interruptedDetail.status, attempts: interruptedDetail.attempts?.map((attempt) => attempt.statusReason) })
      .toEqual({ status: 'RUNNABLE', attempts: [HOST_TERMINATED_REASON] });
    const refusedAfterRestart = await send(second.url, batchRequest('SubmitJob', submitInput('refused-again', gate('refused-again'))));
    expect({ status: refusedAfterRestart.status, errorType: refusedAfterRestart.errorType, message: refusedAfterRestart.body.message })
      .toEqual({ status: 500, errorType: 'ServerException', message: expect.stringMatching(REFUSED) });

    // WHEN space returns
    unfill();
    openGate('interrupted');
    // THEN changes are accepted again, and every acknowledged job is there in its right state
    const accepted = await submit(second.url, 'accepted', { openGate: true });
    await eventually('every job to end', async () => {
      const jobs = await describeMany(second.url, [running, queued, interrupted, accepted]);
      return jobs.every((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED');
    });
    const outcome = (await describeMany(second.url, [running, queued, interrupted, accepted]))
      .map((job) => ({ name: job.jobName, status: job.status, attempts: job.attempts?.map((attempt) => attempt.statusReason) }));
    expect(outcome).toEqual([
      { name: 'running', status: 'SUCCEEDED', attempts: ['Essential container in task exited'] },
      { name: 'queued', status: 'SUCCEEDED', attempts: ['Essential container in task exited'] },
      { name: 'interrupted', status: 'SUCCEEDED', attempts: [HOST_TERMINATED_REASON, 'Essential container in task exited'] },
      { name: 'accepted', status: 'SUCCEEDED', attempts: ['Essential container in task exited'] },
    ]);
    expect(await jobNames(second.url)).toEqual(['accepted', 'interrupted', 'queued', 'running']);
    expect(second.child.exitCode).toBeNull();
  }, 180_000);

  test('retries a failed write on the engine clock, waiting 100 ms and doubling, and resumes once one succeeds', async () => {
    // GIVEN: an engine on the tmpfs, on a manual clock, whose admission of a job cannot be written
    const clock = new ManualClock();
    // Observed, not replaced: the warnings still reach stderr.
    const emitWarning = jest.spyOn(process, 'emitWarning');
    const warnings = (): string[] => emitWarning.mock.calls.map(([warning]) => String(warning));
    const engine = await LocalBatchEngine.open({ dataDir: path.join(disk, 'in-process'), clock, launcher: new HostProcessLauncher() });
    try {
      await engine.createComputeEnvironment({ computeEnvironmentName: 'ce', type: 'UNMANAGED' });
      await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
      await engine.registerJobDefinition({ jobDefinitionName: 'quick', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 } });
      const { jobId } = await engine.submitJob({ jobName: 'admitted-later', jobQueue: 'q', jobDefinition: 'quick' });
      fill(); // before the scheduling pass that admits the job
      await eventually('the engine to degrade', () => warnings().some((message) => message.includes('cannot write its state to')));
      // WHEN the first retries come due on the still-full disk (after 100 ms, then 200 ms more)
      clock.advance(100);
      clock.advance(200);
      unfill();
      // THEN the next try waits 400 ms more: nothing resumes a moment before, and it resumes then
      clock.advance(399);
      expect(warnings().filter((message) => message.includes('succeed again'))).toEqual([]);
      clock.advance(1);
      expect(warnings().filter((message) => message.includes('succeed again'))).toHaveLength(1);
      await eventually('the job to end', async () => (await engine.describeJobs({ jobs: [jobId!] })).jobs![0].status === 'SUCCEEDED');
    } finally {
      emitWarning.mockRestore();
      unfill();
      await engine.close();
    }
  });

  test('a data directory closed cleanly opens on a full disk read-only (reads served, changes refused with the cause); local serve exits 2 with a message, not a stack', async () => {
    // GIVEN: a data directory closed cleanly (SQLite removed its -wal file), then the disk fills
    const dataDir = path.join(disk, 'closed');
    const first = await LocalBatchEngine.open({ dataDir, launcher: new HostProcessLauncher() });
    await first.createComputeEnvironment({ computeEnvironmentName: 'ce', type: 'UNMANAGED' });
    await first.close();
    fill();
    try {
      // WHEN it is opened again THEN it serves what it holds and refuses a change, saying why
      const engine = await LocalBatchEngine.open({ dataDir, launcher: new HostProcessLauncher() });
      try {
        expect((await engine.describeComputeEnvironments({})).computeEnvironments!.map((ce) => ce.computeEnvironmentName)).toEqual(['ce']);
        await expect(engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }))
          .rejects.toMatchObject({ name: 'ServerException', message: expect.stringMatching(REFUSED) });
        expect((await engine.describeJobQueues({})).jobQueues).toEqual([]);
      } finally {
        await engine.close();
      }
      // and `local serve` says why it cannot start, without a stack (it cannot even write its lock file)
      const cli = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', CLI, 'local', 'serve', '--port', '0', '--data-dir', dataDir],
        { encoding: 'utf8', env: { ...process.env, TS_NODE_SWC: 'true' }, timeout: 30_000 });
      expect({ status: cli.status, stderr: cli.stderr.trim() }).toEqual({
        status: 2,
        stderr: expect.stringMatching(/^batchkit: could not lock the local engine data directory .*closed: ENOSPC: no space left on device, write; expected a directory batchkit can write, with free space$/),
      });
    } finally {
      unfill();
    }
  });
});

/** `batchkit local serve` (from source, jobs as host processes) on the tmpfs. */
async function serve(): Promise<ServerProcess> {
  const server = await startServerProcess(CLI, ['local', 'serve', '--port', '0', '--json', '--data-dir', path.join(disk, 'data')],
    (line) => (JSON.parse(line) as { endpoint: string }).endpoint);
  servers.push(server);
  return server;
}

async function createResources(url: string): Promise<void> {
  await call(url, 'CreateComputeEnvironment', { computeEnvironmentName: 'ce', type: 'UNMANAGED' });
  await call(url, 'CreateJobQueue', { jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
  await call(url, 'RegisterJobDefinition', {
    jobDefinitionName: 'gated',
    type: 'container',
    containerProperties: {
      image: 'busybox',
      // Bounded: a job never outlives the test by more than a minute, gate or not.
      command: ['sh', '-c', `echo "$AWS_BATCH_JOB_ID $$" >> '${path.join(base, 'pids')}'; i=0; while [ ! -f "$GATE" ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done`],
      // Every vCPU of this host: one job runs at a time.
      vcpus: os.cpus().length,
      memory: 64,
    },
  });
}

function submitInput(name: string, gateFile: string, retries?: number): Record<string, unknown> {
  return {
    jobName: name, jobQueue: 'q', jobDefinition: 'gated',
    containerOverrides: { environment: [{ name: 'GATE', value: gateFile }] },
    ...(retries === undefined ? {} : { retryStrategy: { attempts: retries } }),
  };
}

async function submit(url: string, name: string, options: { openGate?: boolean; retries?: number } = {}): Promise<string> {
  if (options.openGate) {
    openGate(name);
  }
  return (await call<batch.SubmitJobResponse>(url, 'SubmitJob', submitInput(name, gate(name), options.retries))).jobId!;
}

function gate(name: string): string {
  return path.join(base, `gate-${name}`);
}

function openGate(name: string): void {
  fs.writeFileSync(gate(name), '');
}

/** Fills the tmpfs with a filler file until the kernel refuses (dd stops at ENOSPC). */
function fill(): void {
  spawnSync('dd', ['if=/dev/zero', `of=${path.join(disk, 'filler')}`, 'bs=64k'], { stdio: 'ignore' });
  expect(fs.statfsSync(disk).bavail).toBe(0);
}

function unfill(): void {
  fs.rmSync(path.join(disk, 'filler'), { force: true });
}

async function describe1(url: string, jobId: string): Promise<batch.JobDetail> {
  return (await describeMany(url, [jobId]))[0];
}

async function describeMany(url: string, jobIds: string[]): Promise<batch.JobDetail[]> {
  const { jobs } = await call<batch.DescribeJobsResponse>(url, 'DescribeJobs', { jobs: jobIds });
  return jobIds.map((jobId) => jobs!.find((job) => job.jobId === jobId)!);
}

/** Names of every job of the queue, whatever its status, sorted. */
async function jobNames(url: string): Promise<string[]> {
  const names: string[] = [];
  for (const jobStatus of STATUSES) {
    const { jobSummaryList } = await call<batch.ListJobsResponse>(url, 'ListJobs', { jobQueue: 'q', jobStatus });
    names.push(...(jobSummaryList ?? []).map((job) => job.jobName!));
  }
  return names.sort();
}

function jobArnOf(jobId: string): string {
  return `arn:aws:batch:us-east-1:123456789012:job/${jobId}`;
}

/** Job id to the pid of its latest process, from the lines the jobs append. */
function jobPids(): Record<string, number> {
  const file = base ? path.join(base, 'pids') : '';
  const lines = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n') : [];
  return Object.fromEntries(lines.filter(Boolean).map((line) => [line.split(' ')[0], Number(line.split(' ')[1])]));
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
}
