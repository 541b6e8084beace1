import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DescribeJobsCommand, JobDetail, ListJobsCommand } from '@aws-sdk/client-batch';
import { BatchCalls, Journal, RunEvent, RuntimeServices, trackUntilDone, WaitAbortedError } from '../../../runtime/workflow';

/**
 * A stand-in for BatchClient that only answers DescribeJobs/ListJobs from a scripted list of
 * statuses per poll: enough to assert which ids go in which call and how long the tracker waits.
 */
class ScriptedDescribeClient {
  readonly describeBatches: string[][] = [];
  readonly config = { maxAttempts: async () => 1 };
  constructor(private readonly statusAt: (jobId: string, poll: number) => string, private readonly arrayJobs: Set<string> = new Set()) {}

  async send(command: unknown): Promise<unknown> {
    if (command instanceof DescribeJobsCommand) {
      const ids = command.input.jobs!;
      this.describeBatches.push(ids);
      const base = ids[0].split(':')[0];
      const poll = this.describeBatches.filter((b) => b.some((id) => id.split(':')[0] === base)).length;
      return { jobs: ids.map((jobId): JobDetail => this.detail(jobId, poll)) };
    }
    if (command instanceof ListJobsCommand) {
      return { jobSummaryList: [{ jobId: `${command.input.arrayJobId}:3`, jobName: 'x' }] };
    }
    throw new Error(`unexpected command ${(command as object).constructor.name}`);
  }

  private detail(jobId: string, poll: number): JobDetail {
    const status = this.statusAt(jobId.split(':')[0], poll) as JobDetail['status'];
    return {
      jobId, jobName: jobId, jobQueue: 'q', jobDefinition: 'd', startedAt: 1, status,
      statusReason: status === 'FAILED' ? 'Essential container in task exited' : undefined,
      container: status === 'FAILED' ? { exitCode: 3, logStreamName: `log/${jobId}` } : undefined,
      attempts: status === 'FAILED' ? [{}, {}] : [],
      arrayProperties: this.arrayJobs.has(jobId.split(':')[0]) ? (jobId.includes(':') ? { index: 3 } : { size: 500, statusSummary: { RUNNING: 500 } }) : undefined,
    };
  }
}

function setUp(stepCount: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'track-'));
  const journal = Journal.open(dir);
  const steps = Object.fromEntries(Array.from({ length: stepCount }, (_, i) => [`s${i}`, {}]));
  journal.createRun({
    runId: 'r1', workflowName: 'wf', workflowJson: JSON.stringify({ name: 'wf', defaults: { jobQueue: 'q', jobDefinition: 'd' }, steps }),
    references: {}, optionsJson: '{}', target: {}, status: 'RUNNING', createdAt: 0,
  });
  for (let i = 0; i < stepCount; i++) {
    journal.recordIntent({ runId: 'r1', key: `s${i}`, jobName: `r1__s${i}`, step: `s${i}`, kind: 'step', jobQueue: 'q', intentAt: i });
    journal.recordSubmitted('r1', `s${i}`, `job-${i}`, undefined, i);
  }
  return { dir, journal, parentsOf: new Map(Object.keys(steps).map((s) => [s, [] as string[]])) };
}

function services(): RuntimeServices & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, random: () => 0.5, sleep: async (ms) => { sleeps.push(ms); } };
}

describe('trackUntilDone', () => {
  test('describes only open jobs, 100 per call, and adapts its interval', async () => {
    // GIVEN: 250 jobs; job-0..149 succeed at poll 2, the rest at poll 5
    const { journal, parentsOf } = setUp(250);
    const client = new ScriptedDescribeClient((id, poll) => {
      const n = Number(id.slice(4));
      return (n < 150 && poll >= 2) || poll >= 5 ? 'SUCCEEDED' : 'RUNNING';
    });
    const time = services();
    const events: RunEvent[] = [];
    const calls = new BatchCalls({ client: client as never, services: time, backoff: {}, submitsPerSecond: 40, onRetry: () => undefined });
    // WHEN
    const status = await trackUntilDone({
      runId: 'r1', journal, calls, services: time, emit: (e) => events.push(e), failurePolicy: 'batch-default',
      poll: { minIntervalMs: 1000, maxIntervalMs: 3000, growthFactor: 2 }, parentsOf,
    });
    // THEN: poll 1 and 2 see all 250 (3 calls each); then 100 open jobs: 1 call per poll
    expect(status).toBe('SUCCEEDED');
    expect(client.describeBatches.map((b) => b.length)).toEqual([100, 100, 50, 100, 100, 50, 100, 100, 100]);
    expect(client.describeBatches[0][0]).toBe('job-0');
    expect(client.describeBatches[5]).toEqual(Array.from({ length: 50 }, (_, i) => `job-${200 + i}`));
    // changes at polls 1 and 2 keep the minimum; quiet polls 3 and 4 grow it (capped); each
    // sleep is a tenth shorter: random 0.5 of the default 0.2 jitter
    expect(time.sleeps).toEqual([900, 900, 1800, 2700]);
    expect(journal.getRun('r1')!.status).toBe('SUCCEEDED');
    journal.close();
  });

  test('costs one id per array step and keeps the failed children', async () => {
    // GIVEN: job-0 is a 500-child array that fails at poll 2
    const { journal, parentsOf } = setUp(1);
    const client = new ScriptedDescribeClient((_id, poll) => (poll >= 2 ? 'FAILED' : 'PENDING'), new Set(['job-0']));
    const time = services();
    const calls = new BatchCalls({ client: client as never, services: time, backoff: {}, submitsPerSecond: 40, onRetry: () => undefined });
    // WHEN
    const status = await trackUntilDone({
      runId: 'r1', journal, calls, services: time, emit: () => undefined, failurePolicy: 'batch-default', poll: { minIntervalMs: 10 }, parentsOf,
    });
    // THEN
    expect(status).toBe('FAILED');
    expect(client.describeBatches).toEqual([['job-0'], ['job-0'], ['job-0:3']]);
    expect(journal.failures('r1')).toEqual([expect.objectContaining({ jobId: 'job-0:3', arrayIndex: 3, exitCode: 3, attempt: 2, logStreamName: 'log/job-0:3' })]);
    journal.close();
  });

  test('fails when aborted, leaving the run open', async () => {
    const { journal, parentsOf } = setUp(1);
    const client = new ScriptedDescribeClient(() => 'RUNNING');
    const abort = new AbortController();
    const time = { ...services(), sleep: async () => { abort.abort(); throw new Error('aborted'); } };
    const calls = new BatchCalls({ client: client as never, services: time, backoff: {}, submitsPerSecond: 40, onRetry: () => undefined });
    await expect(trackUntilDone({
      runId: 'r1', journal, calls, services: time, emit: () => undefined, failurePolicy: 'batch-default', poll: {}, parentsOf, signal: abort.signal,
    })).rejects.toThrow(WaitAbortedError);
    expect(journal.getRun('r1')!.status).toBe('RUNNING');
    journal.close();
  });
});
