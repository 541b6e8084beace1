/**
 * kill -9 of `batchkit local serve` (the built CLI) while jobs run and wait: after a restart on
 * the same data directory no accepted job is missing, each interrupted attempt ends with the
 * host-terminated reason and then follows its retry strategy, and the waiting jobs run.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, JobDetail, ListJobsCommand,
  RegisterJobDefinitionCommand, SubmitJobCommand, SubmitJobCommandInput,
} from '@aws-sdk/client-batch';
import { HOST_TERMINATED_REASON } from '../../runtime/engine/engine';
import type { LocalServeReady } from '../../runtime/cli/commands/local-serve';

const ROOT = path.join(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'batchkit.js');
const STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;

let dir: string;
const servers: ChildProcess[] = [];
const clients: BatchClient[] = [];

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'runtime', 'cli', 'main.js'))) {
    throw new Error('dist/runtime/cli/main.js is missing: run `npm run build` before these tests (npm test does)');
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-server-crash-'));
});
afterAll(async () => {
  fs.writeFileSync(path.join(dir, 'gate'), '');
  for (const client of clients) client.destroy();
  for (const server of servers) {
    if (server.exitCode === null && server.signalCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  }
  killJobProcesses();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `batchkit local serve` on the data directory and resolves with its endpoint. */
async function serve(): Promise<{ child: ChildProcess; client: BatchClient }> {
  const child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0', '--json', '--data-dir', path.join(dir, 'data')], {
    cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' },
  });
  servers.push(child);
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('local serve printed no endpoint within 20 s')), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
  const ready = JSON.parse(firstLine) as LocalServeReady;
  const client = new BatchClient({ endpoint: ready.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  clients.push(client);
  return { child, client };
}

/** Direct children of a process, from /proc (the engine's launcher helper). */
function childrenOf(pid: number): number[] {
  return fs.readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((entry) => {
    try {
      return Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === pid;
    } catch {
      return false;
    }
  }).map(Number);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Job processes orphaned by the crash record their pids; each leads its own process group. */
function killJobProcesses(): void {
  const pidFile = path.join(dir, 'pids');
  for (const pid of fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) : []) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function describe1(client: BatchClient, jobId: string): Promise<JobDetail> {
  return (await client.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs![0];
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; !(await check()); waited += 50) {
    if (waited >= timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('kill -9 of the local server while jobs are queued and running', () => {
  test('loses no accepted job; interrupted attempts end with the host-terminated reason and follow their retry strategy', async () => {
    // GIVEN: two jobs running (each takes 40% of the host's memory, so a third waits), one queued, an array and two dependents
    const first = await serve();
    const gate = path.join(dir, 'gate');
    const memoryMiB = Math.floor(os.totalmem() / 1024 / 1024 * 0.4);
    await first.client.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED' }));
    await first.client.send(new CreateJobQueueCommand({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
    await first.client.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'gated', type: 'container',
      containerProperties: {
        // Bounded: a job never outlives the test by more than 30 s even if nobody opens the gate.
        command: ['sh', '-c', `echo $$ >> '${path.join(dir, 'pids')}'; i=0; while [ ! -f '${gate}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done`],
        resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: String(memoryMiB) }],
      },
    }));
    const submit = async (jobName: string, extra: Partial<SubmitJobCommandInput> = {}) =>
      (await first.client.send(new SubmitJobCommand({ jobName, jobQueue: 'q', jobDefinition: 'gated', ...extra }))).jobId!;
    const retried = await submit('retried', { retryStrategy: { attempts: 2 } });
    const exits = await submit('exits', { retryStrategy: { attempts: 3, evaluateOnExit: [{ onStatusReason: 'Host EC2*', action: 'EXIT' }] } });
    const queued = await submit('queued');
    const array = await submit('array', { arrayProperties: { size: 3 } });
    const afterRetried = await submit('after-retried', { dependsOn: [{ jobId: retried }] });
    const afterExits = await submit('after-exits', { dependsOn: [{ jobId: exits }] });
    const accepted = [retried, exits, queued, array, afterRetried, afterExits];
    await waitUntil('two jobs to run', async () => (await describe1(first.client, retried)).status === 'RUNNING' && (await describe1(first.client, exits)).status === 'RUNNING');
    expect((await describe1(first.client, queued)).status).toBe('RUNNABLE');
    expect((await describe1(first.client, afterExits)).status).toBe('PENDING');
    const helpers = childrenOf(first.child.pid!);
    // WHEN: the server dies without a chance to clean up, then restarts on the same data
    const died = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await died;
    killJobProcesses();
    await waitUntil('the launcher helper to exit with its engine', () => helpers.every((pid) => !isAlive(pid)), 5_000);
    fs.writeFileSync(gate, '');
    const second = await serve();
    await waitUntil('every job to end', async () => {
      const jobs = (await second.client.send(new DescribeJobsCommand({ jobs: accepted }))).jobs ?? [];
      return jobs.length === accepted.length && jobs.every((job) => job.status === 'SUCCEEDED' || job.status === 'FAILED');
    });
    // THEN: every accepted job is there
    const listed = new Set<string>();
    for (const jobStatus of STATUSES) {
      for (const job of (await second.client.send(new ListJobsCommand({ jobQueue: 'q', jobStatus }))).jobSummaryList ?? []) listed.add(job.jobId!);
    }
    expect(accepted.filter((jobId) => !listed.has(jobId))).toEqual([]);
    // the interrupted attempts ended with the clear reason, then the retry strategies decided
    const retriedDetail = await describe1(second.client, retried);
    expect({ status: retriedDetail.status, reasons: retriedDetail.attempts!.map((a) => a.statusReason) })
      .toEqual({ status: 'SUCCEEDED', reasons: [HOST_TERMINATED_REASON, 'Essential container in task exited'] });
    const exitsDetail = await describe1(second.client, exits);
    expect({ status: exitsDetail.status, statusReason: exitsDetail.statusReason, attempts: exitsDetail.attempts!.length })
      .toEqual({ status: 'FAILED', statusReason: HOST_TERMINATED_REASON, attempts: 1 });
    // and the jobs that were waiting ran (once), or failed with their dependency
    const statusOf = async (jobId: string) => {
      const detail = await describe1(second.client, jobId);
      return { status: detail.status, attempts: detail.attempts?.length ?? 0, statusReason: detail.statusReason };
    };
    expect(await statusOf(queued)).toEqual(expect.objectContaining({ status: 'SUCCEEDED', attempts: 1 }));
    expect((await statusOf(array)).status).toBe('SUCCEEDED');
    expect(await statusOf(afterRetried)).toEqual(expect.objectContaining({ status: 'SUCCEEDED', attempts: 1 }));
    expect(await statusOf(afterExits)).toEqual({ status: 'FAILED', attempts: 0, statusReason: `Dependent Job failed: ${exits} is FAILED (${HOST_TERMINATED_REASON})` });
  }, 90_000);
});
