/**
 * A job Batch can never place stays RUNNABLE, and the run waits forever without saying why. The
 * tracker reports such a step once, with Batch's reason: a single job's reason comes with the
 * DescribeJobs it already makes, an array step's from one of its children (ListJobs).
 */
import * as path from 'path';
import { cancelRun, defineWorkflow, RunEvent, startRun, WaitAbortedError } from '../../../runtime/workflow';
import { LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
let journalDir: string;
beforeAll(async () => {
  local = await startLocalBatch();
  journalDir = path.join(local.dir, 'journal');
});
afterAll(async () => {
  await local?.close();
});

const FAST_POLL = { minIntervalMs: 20, maxIntervalMs: 50 };
/** More than the local Batch's 256-vCPU compute environment offers. */
const TOO_MANY_VCPUS = 512;

type BlockedEvent = Extract<RunEvent, { type: 'step-blocked' }>;

/** Runs `steps` for `polls` polls, then cancels the run; returns the blocked reports. */
async function blockedReportsOf(name: string, steps: Parameters<typeof defineWorkflow>[0]['steps'], polls = 40): Promise<BlockedEvent[]> {
  const events: RunEvent[] = [];
  const workflow = defineWorkflow({ name, defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition }, steps });
  const run = await startRun(workflow, { client: local.client, journalDir, poll: FAST_POLL, onEvent: (event) => events.push(event) });
  const following = new AbortController();
  const waited = run.wait(following.signal).catch((err: unknown) => err);
  try {
    for (let i = 0; i < 800 && events.filter((e) => e.type === 'poll').length < polls; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(events.filter((e) => e.type === 'poll').length).toBeGreaterThanOrEqual(polls);
  } finally {
    following.abort();
    expect(await waited).toBeInstanceOf(WaitAbortedError);
    run.close();
    // The queue's head would block the next test's jobs: cancel what waits.
    await cancelRun(run.runId, { journalDir, client: local.client, poll: FAST_POLL });
  }
  return events.filter((e): e is BlockedEvent => e.type === 'step-blocked');
}

describe('steps Batch cannot place', () => {
  test('a single job is reported once, with the reason Batch gives, however many polls see it', async () => {
    // WHEN
    const reports = await blockedReportsOf('blocked-single', { huge: { vcpus: TOO_MANY_VCPUS } });
    // THEN
    expect(reports).toEqual([{
      type: 'step-blocked', runId: expect.stringMatching(/^blocked-single-/), step: 'huge', jobId: expect.any(String),
      statusReason: expect.stringMatching(/^MISCONFIGURATION:(JOB_RESOURCE_REQUIREMENT|COMPUTE_ENVIRONMENT_MAX_RESOURCE) - .* The job asks for 512 vCPUs/),
    }]);
  });

  test('an array step is reported through one of its RUNNABLE children', async () => {
    // WHEN
    const reports = await blockedReportsOf('blocked-array', { wide: { vcpus: TOO_MANY_VCPUS, arraySize: 3 } });
    // THEN
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ step: 'wide', jobId: expect.stringMatching(/^[0-9a-f-]{36}:[0-2]$/), statusReason: expect.stringMatching(/^MISCONFIGURATION:/) });
  });

  test('jobs that wait for capacity or for their dependencies are not reported', async () => {
    // WHEN: a step that holds 200 of the 256 vCPUs a while, one that waits RUNNABLE for them, and one waiting for both
    const reports = await blockedReportsOf('not-blocked', {
      first: { vcpus: 200, command: ['sh', '-c', 'sleep 30'] },
      second: { vcpus: 200 },
      after: { dependsOn: ['first', 'second'], arraySize: 2 },
    });
    // THEN
    expect(reports).toEqual([]);
  });
});
