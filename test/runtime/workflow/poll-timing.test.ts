/**
 * The tracker's timing as a waiter's: exact sleeps for given random draws (jitter), growth
 * while nothing moves, a deadline that the last sleep is cut to, and options checked up front.
 * The deadline is exercised against the real local server with a job that outlives it.
 */
import * as path from 'path';
import {
  createWorkflowBatchClient, defineWorkflow, jitteredDelayMs, lostAnswerLookupDelaysMs, nextPollIntervalMs, resolvePollOptions, RunEvent, RuntimeServices, startRun,
} from '../../../runtime/workflow';
import { LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from './local-batch';

describe('poll timing', () => {
  test('grows while nothing moves, drops to the minimum on a change, and takes up to jitterRatio off', () => {
    // GIVEN
    const poll = resolvePollOptions({ minIntervalMs: 1000, maxIntervalMs: 5000, growthFactor: 2, jitterRatio: 0.5 });
    const changes = [false, false, false, true, false];
    const draws = [0, 1, 0.5, 0.2, 0.9];
    // WHEN
    let interval = poll.minIntervalMs;
    const sleeps = changes.map((changed, i) => {
      interval = nextPollIntervalMs(interval, changed, poll);
      return jitteredDelayMs(interval, poll, () => draws[i]);
    });
    // THEN: intervals 2000, 4000, 5000 (capped), 1000, 2000; each less random * half of it
    expect(sleeps).toEqual([2000, 2000, 3750, 900, 1100]);
  });

  test.each([
    [{ minIntervalMs: 0 }, /poll option minIntervalMs must be a number of milliseconds above 0, got 0/],
    [{ minIntervalMs: 500, maxIntervalMs: 100 }, /poll option maxIntervalMs must be at least minIntervalMs \(500\), got 100/],
    [{ growthFactor: 0.5 }, /poll option growthFactor must be a number of at least 1, got 0.5/],
    [{ jitterRatio: 1.5 }, /poll option jitterRatio must be a number from 0 to 1, got 1.5/],
    [{ deadlineMs: -1 }, /poll option deadlineMs must be a number of milliseconds above 0, got -1/],
  ])('fails when the options are %j', (options, message) => {
    expect(() => resolvePollOptions(options)).toThrow(message);
  });
});

describe('lookups after a lost SubmitJob answer', () => {
  test.each([
    [0, [0]],
    [2500, [0, 1000, 1000, 500]],
    [5000, [0, 1000, 1000, 1000, 1000, 1000]],
  ])('a window of %d ms looks at once, then every second until it has passed: %j', (windowMs, delays) => {
    expect(lostAnswerLookupDelaysMs(windowMs)).toEqual(delays);
  });
});

describe('tracking deadline', () => {
  let local: LocalBatch;
  beforeAll(async () => {
    local = await startLocalBatch();
  });
  afterAll(async () => {
    await local?.close();
  });

  test('stops waiting at the deadline, the last sleep cut short to poll at it, and the job goes on', async () => {
    // GIVEN: a job that runs for a minute, and a clock that only sleeps move, once the job runs
    const client = createWorkflowBatchClient({ endpoint: local.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    let now = 0;
    let running = false;
    const sleeps: number[] = [];
    const services: RuntimeServices = {
      now: () => now,
      random: () => 0.5,
      sleep: async (ms) => {
        if (!running) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return;
        }
        sleeps.push(ms);
        now += ms;
      },
    };
    const events: RunEvent[] = [];
    const handle = await startRun(defineWorkflow({
      name: 'outlives', defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition }, steps: { long: { command: ['sh', '-c', 'sleep 60'] } },
    }), {
      client, journalDir: path.join(local.dir, 'journal'), services,
      poll: { minIntervalMs: 1000, maxIntervalMs: 4000, growthFactor: 2, jitterRatio: 0.2, deadlineMs: 10_000 },
      onEvent: (event) => {
        events.push(event);
        if (event.type === 'step-status' && event.status === 'RUNNING') running = true;
      },
    });
    // WHEN
    const error = await handle.wait().catch((err: Error) => err);
    // THEN: from the poll that saw RUNNING (a change): intervals 1000, 2000, 4000, 4000 less a
    // tenth each (9900 ms on the clock), then the 100 ms left to the deadline; then it stops
    expect(error).toEqual(expect.objectContaining({ name: 'TrackDeadlineError', openJobs: 1, message: expect.stringMatching(/did not end within the 10000 ms deadline: 1 job still open/) }));
    expect(sleeps).toEqual([900, 1800, 3600, 3600, 100]);
    expect(handle.status().steps[0].status).toBe('RUNNING');
    await local.engine.terminateJob({ jobId: handle.status().steps[0].jobId!, reason: 'test over' });
    handle.close();
    client.destroy();
  });
});
