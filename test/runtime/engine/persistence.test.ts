import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HOST_TERMINATED_REASON, LocalBatchEngine } from '../../../runtime/engine/engine';
import { eventually, EngineFixture, openEngine, WAIT_FOR_GATE, isProcessAlive } from './engine-fixture';

describe('persistence', () => {
  let dataDir: string;
  let gate: string;
  const open: EngineFixture[] = [];
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-persist-'));
    gate = path.join(dataDir, 'gate');
  });
  afterEach(async () => {
    fs.writeFileSync(gate, '');
    for (const fixture of open.splice(0)) {
      await fixture.engine.close();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const reopen = async () => {
    const fixture = await openEngine({ dataDir });
    open.push(fixture);
    return fixture;
  };
  const closeAll = async () => {
    for (const fixture of open.splice(0)) {
      await fixture.engine.close();
    }
  };
  const gatedDefinition = (fixture: EngineFixture) =>
    fixture.engine.registerJobDefinition({
      jobDefinitionName: 'gated',
      type: 'container',
      containerProperties: { command: ['sh', '-c', WAIT_FOR_GATE], environment: [{ name: 'GATE', value: gate }], vcpus: 1, memory: 128 },
    });

  test('resources, finished jobs and their logs are there after a reopen', async () => {
    // GIVEN
    const first = await reopen();
    await first.define('hello', ['sh', '-c', 'echo hello']);
    const jobId = await first.submit('hello', 'hello');
    await first.waitFor(jobId);
    await closeAll();
    // WHEN
    const second = await reopen();
    // THEN
    const detail = await second.describe(jobId);
    expect(detail.status).toBe('SUCCEEDED');
    expect(detail.attempts).toHaveLength(1);
    expect(fs.readFileSync(second.engine.logFileFor(jobId)!, 'utf8')).toBe('hello\n');
    expect((await second.engine.describeJobQueues({})).jobQueues!.map((queue) => queue.jobQueueName)).toEqual(['q']);
    expect((await second.engine.registerJobDefinition({ jobDefinitionName: 'hello', type: 'container', containerProperties: { command: ['true'] } })).revision).toBe(2);
    expect(fs.existsSync(path.join(dataDir, 'engine.sqlite'))).toBe(true);
    const logged = fs.readFileSync(path.join(dataDir, 'events.ndjson'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(logged.map((event) => event.detail.status)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
  });

  test('submits answered together are each stored, once, under the id each was answered with', async () => {
    // GIVEN
    const first = await reopen();
    await gatedDefinition(first);
    // WHEN
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => first.submit(`together-${i}`, 'gated')));
    await closeAll();
    const second = await reopen();
    // THEN
    const stored = (await second.engine.describeJobs({ jobs: answers })).jobs!;
    expect(stored.map((job) => job.jobName)).toEqual(answers.map((_, i) => `together-${i}`));
    const listed = await second.engine.listJobs({ jobQueue: 'q', filters: [{ name: 'JOB_NAME', values: ['together-*'] }] });
    expect(listed.jobSummaryList!.map((job) => job.jobId).sort()).toEqual([...answers].sort());
  });

  test('an attempt running at close ends with the host-terminated reason and is retried on reopen; its dependent then runs', async () => {
    // GIVEN
    const first = await reopen();
    await gatedDefinition(first);
    const running = await first.submit('running', 'gated', { retryStrategy: { attempts: 2 } });
    const dependent = await first.submit('dependent', 'gated', { dependsOn: [{ jobId: running }] });
    await first.waitFor(running, ['RUNNING']);
    await closeAll();
    fs.writeFileSync(gate, '');
    // WHEN
    const second = await reopen();
    const detail = await second.waitFor(running);
    // THEN
    expect(detail.status).toBe('SUCCEEDED');
    expect(detail.attempts!.map((attempt) => attempt.statusReason)).toEqual([HOST_TERMINATED_REASON, 'Essential container in task exited']);
    expect(detail.attempts![0].container!.exitCode).toBeUndefined();
    expect((await second.waitFor(dependent)).status).toBe('SUCCEEDED');
  });

  test('without attempts left, the interrupted job fails with the reason and its dependents fail too', async () => {
    // GIVEN
    const first = await reopen();
    await gatedDefinition(first);
    const running = await first.submit('running', 'gated');
    const dependent = await first.submit('dependent', 'gated', { dependsOn: [{ jobId: running }] });
    await first.waitFor(running, ['RUNNING']);
    await closeAll();
    // WHEN
    const second = await reopen();
    // THEN
    const detail = await second.describe(running);
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe(HOST_TERMINATED_REASON);
    expect((await second.describe(dependent)).statusReason).toBe(`Dependent Job failed: ${running} is FAILED (${HOST_TERMINATED_REASON})`);
  });

  test('a SEQUENTIAL array interrupted at child 0 resumes with its waiting children', async () => {
    // GIVEN
    const first = await reopen();
    await gatedDefinition(first);
    const parentId = await first.submit('array', 'gated', { arrayProperties: { size: 3 }, dependsOn: [{ type: 'SEQUENTIAL' }], retryStrategy: { attempts: 2 } });
    await first.waitFor(`${parentId}:0`, ['RUNNING']);
    await closeAll();
    fs.writeFileSync(gate, '');
    // WHEN
    const second = await reopen();
    const parent = await second.waitFor(parentId);
    // THEN
    expect(parent.status).toBe('SUCCEEDED');
    expect((await second.describe(`${parentId}:0`)).attempts).toHaveLength(2);
    expect((await second.describe(`${parentId}:2`)).attempts).toHaveLength(1);
  });

  test('a crashed engine process loses no accepted job: the running attempt is ended, its orphan killed, and the job retried', async () => {
    // GIVEN: an engine in another process, killed with SIGKILL while its job runs; while it ran,
    // a second engine on its data directory was refused (two would run the same jobs)
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'crashing-engine.ts'), dataDir], {
      env: { ...process.env, TS_NODE_SWC: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const pidFile = path.join(dataDir, 'job.pid');
    try {
      await eventually(() => output.includes('\n') && fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'), 'the job to run in the other engine', 20_000);
      await expect(LocalBatchEngine.open({ dataDir })).rejects.toThrow(
        `cannot open the engine database ${path.join(dataDir, 'engine.sqlite')}: another engine has it open`);
    } finally {
      child.kill('SIGKILL');
    }
    const jobId = output.trim();
    const orphanPid = Number(fs.readFileSync(pidFile, 'utf8'));
    try {
      // WHEN
      const second = await reopen();
      const detail = await second.waitFor(jobId);
      // THEN: the retry ran, and the attempt the crashed engine left running was stopped
      expect(detail.status).toBe('SUCCEEDED');
      expect(detail.attempts!.map((attempt) => attempt.statusReason)).toEqual([HOST_TERMINATED_REASON, 'Essential container in task exited']);
      await eventually(() => !isProcessAlive(orphanPid), 'the orphaned attempt to be killed');
    } finally {
      killQuietly(orphanPid);
    }
  });
});


function killQuietly(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
