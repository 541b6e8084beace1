/**
 * Every change the local server acknowledges is durable: for each mutating operation, the server
 * (a child process) is killed with SIGKILL the instant its 200 arrives, and the data directory,
 * reopened, holds the change. A TerminateJob of a running job survives too: after the restart the
 * job is FAILED with the user's reason and makes no further attempt, retry strategy or not.
 */
import type * as batch from '@aws-sdk/client-batch';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../runtime/engine/engine';
import { HostProcessLauncher } from '../../runtime/engine/launcher';
import { batchRequest, call, eventually, killServer, send, ServerProcess, startServerProcess } from './server-process';

const SERVE = path.join(__dirname, 'fixtures', 'serve-engine.ts');

let root: string;
const servers: ServerProcess[] = [];

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-ack-durability-'));
});
afterAll(async () => {
  for (const server of servers) {
    await killServer(server);
  }
  killJobProcesses();
  fs.rmSync(root, { recursive: true, force: true });
});

/** What a case has to work with once the server runs with the common resources. */
interface Setup {
  readonly url: string;
  readonly dataDir: string;
}

interface DurabilityCase {
  /** Prepares what the operation acts on; returns what the check needs. */
  readonly prepare?: (setup: Setup) => Promise<Record<string, string>>;
  /** The operation and its input. */
  readonly operation: string;
  readonly input: (prepared: Record<string, string>) => Record<string, unknown>;
  /** Asserts the change on the reopened engine. */
  readonly check: (engine: LocalBatchEngine, prepared: Record<string, string>, answer: Record<string, unknown>) => Promise<void>;
}

const CASES: Record<string, DurabilityCase> = {
  'SubmitJob': {
    operation: 'SubmitJob',
    input: () => ({ jobName: 'acknowledged', jobQueue: 'parked', jobDefinition: 'sleeper' }),
    check: async (engine, _prepared, answer) => {
      expect((await describeJob(engine, answer.jobId as string))?.jobName).toBe('acknowledged');
    },
  },
  'CancelJob of a RUNNABLE job': {
    prepare: async (setup) => ({ jobId: await submitRunnable(setup) }),
    operation: 'CancelJob',
    input: ({ jobId }) => ({ jobId, reason: 'cancelled by its owner' }),
    check: async (engine, { jobId }) => {
      const job = await describeJob(engine, jobId);
      expect({ status: job?.status, statusReason: job?.statusReason, isCancelled: job?.isCancelled })
        .toEqual({ status: 'FAILED', statusReason: 'cancelled by its owner', isCancelled: true });
    },
  },
  'TerminateJob of a RUNNING job with retries left': {
    prepare: async ({ url }) => {
      const jobId = (await call<batch.SubmitJobResponse>(url, 'SubmitJob', { jobName: 'running', jobQueue: 'q', jobDefinition: 'sleeper', retryStrategy: { attempts: 3 } })).jobId!;
      await eventually('the job to run', async () => (await describeOver(url, jobId)).status === 'RUNNING' && jobPid(jobId) !== undefined);
      return { jobId };
    },
    operation: 'TerminateJob',
    input: ({ jobId }) => ({ jobId, reason: 'terminated by its owner' }),
    check: async (engine, { jobId }) => {
      const job = await describeJob(engine, jobId);
      expect({ status: job?.status, statusReason: job?.statusReason, attempts: job?.attempts?.map((attempt) => attempt.statusReason) })
        .toEqual({ status: 'FAILED', statusReason: 'terminated by its owner', attempts: ['terminated by its owner'] });
      // and the attempt the killed server left running was stopped
      await eventually('the orphaned attempt to be stopped', () => !isAlive(jobPid(jobId)!));
    },
  },
  'TerminateJob of a RUNNABLE job': {
    prepare: async (setup) => ({ jobId: await submitRunnable(setup) }),
    operation: 'TerminateJob',
    input: ({ jobId }) => ({ jobId, reason: 'terminated before it ran' }),
    check: async (engine, { jobId }) => {
      const job = await describeJob(engine, jobId);
      expect({ status: job?.status, statusReason: job?.statusReason }).toEqual({ status: 'FAILED', statusReason: 'terminated before it ran' });
    },
  },
  'CreateComputeEnvironment': {
    operation: 'CreateComputeEnvironment',
    input: () => ({ computeEnvironmentName: 'created', type: 'UNMANAGED' }),
    check: async (engine) => {
      const { computeEnvironments } = await engine.describeComputeEnvironments({ computeEnvironments: ['created'] });
      expect(computeEnvironments?.map((ce) => ce.computeEnvironmentName)).toEqual(['created']);
    },
  },
  'UpdateComputeEnvironment': {
    operation: 'UpdateComputeEnvironment',
    input: () => ({ computeEnvironment: 'ce', state: 'DISABLED' }),
    check: async (engine) => {
      const { computeEnvironments } = await engine.describeComputeEnvironments({ computeEnvironments: ['ce'] });
      expect(computeEnvironments?.[0].state).toBe('DISABLED');
    },
  },
  'DeleteComputeEnvironment': {
    prepare: async ({ url }) => {
      await call(url, 'CreateComputeEnvironment', { computeEnvironmentName: 'spare', type: 'UNMANAGED', state: 'DISABLED' });
      return {};
    },
    operation: 'DeleteComputeEnvironment',
    input: () => ({ computeEnvironment: 'spare' }),
    check: async (engine) => {
      const { computeEnvironments } = await engine.describeComputeEnvironments({});
      expect(computeEnvironments?.map((ce) => ce.computeEnvironmentName).sort()).toEqual(['ce', 'off']);
    },
  },
  'CreateJobQueue': {
    operation: 'CreateJobQueue',
    input: () => ({ jobQueueName: 'created', priority: 5, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }),
    check: async (engine) => {
      const { jobQueues } = await engine.describeJobQueues({ jobQueues: ['created'] });
      expect(jobQueues?.map((queue) => queue.priority)).toEqual([5]);
    },
  },
  'UpdateJobQueue': {
    operation: 'UpdateJobQueue',
    input: () => ({ jobQueue: 'q', priority: 7 }),
    check: async (engine) => {
      const { jobQueues } = await engine.describeJobQueues({ jobQueues: ['q'] });
      expect(jobQueues?.[0].priority).toBe(7);
    },
  },
  'DeleteJobQueue (its unfinished jobs are terminated)': {
    prepare: async (setup) => {
      const jobId = await submitRunnable(setup);
      await call(setup.url, 'UpdateJobQueue', { jobQueue: 'parked', state: 'DISABLED' });
      return { jobId };
    },
    operation: 'DeleteJobQueue',
    input: () => ({ jobQueue: 'parked' }),
    check: async (engine, { jobId }) => {
      const { jobQueues } = await engine.describeJobQueues({});
      expect(jobQueues?.map((queue) => queue.jobQueueName)).toEqual(['q']);
      const job = await describeJob(engine, jobId);
      expect({ status: job?.status, statusReason: job?.statusReason }).toEqual({ status: 'FAILED', statusReason: 'Job queue parked was deleted' });
    },
  },
  'RegisterJobDefinition': {
    operation: 'RegisterJobDefinition',
    input: () => ({ jobDefinitionName: 'registered', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 } }),
    check: async (engine) => {
      const { jobDefinitions } = await engine.describeJobDefinitions({ jobDefinitionName: 'registered' });
      expect(jobDefinitions?.map((definition) => `${definition.revision} ${definition.status}`)).toEqual(['1 ACTIVE']);
    },
  },
  'DeregisterJobDefinition': {
    operation: 'DeregisterJobDefinition',
    input: () => ({ jobDefinition: 'sleeper:1' }),
    check: async (engine) => {
      const { jobDefinitions } = await engine.describeJobDefinitions({ jobDefinitions: ['sleeper:1'] });
      expect(jobDefinitions?.[0].status).toBe('INACTIVE');
    },
  },
  'TagResource of a job': {
    prepare: async (setup) => ({ jobId: await submitRunnable(setup) }),
    operation: 'TagResource',
    input: ({ jobId }) => ({ resourceArn: jobArnOf(jobId), tags: { team: 'ml' } }),
    check: async (engine, { jobId }) => {
      expect((await engine.listTagsForResource({ resourceArn: jobArnOf(jobId) })).tags).toEqual({ team: 'ml' });
    },
  },
  'TagResource of a job queue': {
    operation: 'TagResource',
    input: () => ({ resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/q', tags: { owner: 'ops' } }),
    check: async (engine) => {
      expect((await engine.listTagsForResource({ resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/q' })).tags).toEqual({ owner: 'ops' });
    },
  },
  'UntagResource of a job': {
    prepare: async (setup) => ({ jobId: await submitRunnable(setup, { team: 'ml', keep: 'yes' }) }),
    operation: 'UntagResource',
    input: ({ jobId }) => ({ resourceArn: jobArnOf(jobId), tagKeys: ['team'] }),
    check: async (engine, { jobId }) => {
      expect((await engine.listTagsForResource({ resourceArn: jobArnOf(jobId) })).tags).toEqual({ keep: 'yes' });
    },
  },
  'UntagResource of a job definition': {
    operation: 'UntagResource',
    input: () => ({ resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-definition/sleeper:1', tagKeys: ['stage'] }),
    check: async (engine) => {
      expect((await engine.listTagsForResource({ resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-definition/sleeper:1' })).tags).toEqual({ keep: 'yes' });
    },
  },
};

describe('kill -9 of the local server the instant it acknowledges a change', () => {
  test.each(Object.keys(CASES))('%s is in the reopened data directory', async (name) => {
    // GIVEN: a server with a queue that runs jobs (q) and one whose only compute environment is disabled (parked)
    const scenario = CASES[name];
    const dataDir = path.join(root, name.replace(/\W+/g, '-'));
    const server = await startServerProcess(SERVE, [dataDir], (line) => line);
    servers.push(server);
    await createCommonResources(server.url);
    const prepared = await scenario.prepare?.({ url: server.url, dataDir }) ?? {};
    // WHEN: the server dies the instant the answer arrives
    const answer = await send(server.url, batchRequest(scenario.operation, scenario.input(prepared)), () => server.child.kill('SIGKILL'));
    await killServer(server);
    // THEN: the change was acknowledged, and it is there when the data directory is reopened
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: expect.any(Object) });
    const engine = await LocalBatchEngine.open({ dataDir, launcher: new HostProcessLauncher(), hostCapacity: { vcpus: 2, memoryMiB: 4096 } });
    try {
      await scenario.check(engine, prepared, answer.body);
    } finally {
      await engine.close();
    }
  }, 60_000);
});

async function createCommonResources(url: string): Promise<void> {
  await call(url, 'CreateComputeEnvironment', { computeEnvironmentName: 'ce', type: 'UNMANAGED' });
  await call(url, 'CreateComputeEnvironment', { computeEnvironmentName: 'off', type: 'UNMANAGED', state: 'DISABLED' });
  await call(url, 'CreateJobQueue', { jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
  await call(url, 'CreateJobQueue', { jobQueueName: 'parked', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'off' }] });
  await call(url, 'RegisterJobDefinition', {
    jobDefinitionName: 'sleeper',
    type: 'container',
    tags: { stage: 'test', keep: 'yes' },
    containerProperties: {
      image: 'busybox',
      command: ['sh', '-c', `echo "$AWS_BATCH_JOB_ID $$" >> '${pidFile()}'; exec sleep 60`],
      vcpus: 1,
      memory: 64,
    },
  });
}

/** Submits a job to the parked queue and waits until it is RUNNABLE (it never starts there). */
async function submitRunnable({ url }: Setup, tags?: Record<string, string>): Promise<string> {
  const jobId = (await call<batch.SubmitJobResponse>(url, 'SubmitJob', { jobName: 'waiting', jobQueue: 'parked', jobDefinition: 'sleeper', tags })).jobId!;
  await eventually('the job to be RUNNABLE', async () => (await describeOver(url, jobId)).status === 'RUNNABLE');
  return jobId;
}

async function describeOver(url: string, jobId: string): Promise<batch.JobDetail> {
  const { jobs } = await call<batch.DescribeJobsResponse>(url, 'DescribeJobs', { jobs: [jobId] });
  return jobs![0];
}

async function describeJob(engine: LocalBatchEngine, jobId: string): Promise<batch.JobDetail | undefined> {
  return (await engine.describeJobs({ jobs: [jobId] })).jobs?.[0];
}

function jobArnOf(jobId: string): string {
  return `arn:aws:batch:us-east-1:123456789012:job/${jobId}`;
}

function pidFile(): string {
  return path.join(root, 'pids');
}

/** The pid of the job's process, which leads its own process group. */
function jobPid(jobId: string): number | undefined {
  const lines = fs.existsSync(pidFile()) ? fs.readFileSync(pidFile(), 'utf8').trim().split('\n') : [];
  const line = lines.find((candidate) => candidate.startsWith(`${jobId} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killJobProcesses(): void {
  for (const line of fs.existsSync(pidFile()) ? fs.readFileSync(pidFile(), 'utf8').trim().split('\n') : []) {
    try {
      process.kill(-Number(line.split(' ')[1]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
