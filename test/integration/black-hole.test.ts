/**
 * Requests that never get an answer (the connection stays open, nothing comes back), for
 * SubmitJob and DescribeJobs, through a proxy in front of the real local server: every request
 * has a time limit, a lost SubmitJob answer is looked up by name before anything is sent again,
 * and a run either gets past the hang or ends FAILED saying why; it never waits forever and
 * never submits a job twice.
 */
import * as path from 'path';
import { createWorkflowBatchClient, defineWorkflow, Journal, RunEvent, startRun, type StepDefinition } from '../../runtime/workflow';
import { jobsByName, LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from '../runtime/workflow/local-batch';
import { BlackHoleProxy, startBlackHoleProxy } from './black-hole-proxy';

let local: LocalBatch;
let proxy: BlackHoleProxy;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});
beforeEach(async () => {
  proxy = await startBlackHoleProxy(local.url);
});
afterEach(async () => {
  await proxy.close();
});

const REQUEST_TIMEOUT_MS = 400;

function workflow(name: string, steps = 6) {
  const all: Record<string, StepDefinition> = Object.fromEntries(Array.from({ length: steps }, (_, i) => [`s${i}`, i === 0 ? {} : { dependsOn: [`s${i - 1}`] }]));
  return defineWorkflow({ name, defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition }, steps: all });
}

async function run(name: string, options: { consistencyWindowMs?: number; steps?: number } = {}) {
  const client = createWorkflowBatchClient({ endpoint: proxy.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS }, { requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const events: RunEvent[] = [];
  const journalDir = path.join(local.dir, 'journal');
  try {
    const handle = await startRun(workflow(name, options.steps), {
      client, journalDir, runId: name, consistencyWindowMs: options.consistencyWindowMs,
      backoff: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 }, poll: { minIntervalMs: 50, maxIntervalMs: 200 },
      onEvent: (event) => events.push(event),
    });
    try {
      const outcome = await handle.wait().then((report) => ({ report, error: undefined }), (error: Error) => ({ report: handle.status(), error }));
      return { ...outcome, events, counts: await jobsByName(local.client, local.queue) };
    } finally {
      handle.close();
    }
  } finally {
    client.destroy();
  }
}

const submittedOnce = (counts: Map<string, number>, prefix: string, steps: number) =>
  Array.from({ length: steps }, (_, i) => counts.get(`${prefix}__s${i}`) ?? 0);

test('a SubmitJob whose answer never comes is found by name, not sent again', async () => {
  // GIVEN: the answers of the 2nd and 3rd SubmitJob vanish after the server acted on them
  proxy.holes.set('/v1/submitjob', { skip: 1, count: 2, where: 'after-forwarding' });
  // WHEN
  const { report, error, events, counts } = await run('lost-submit');
  // THEN: each lost answer timed out and was reconciled; every job exists once; the run succeeded
  expect(error).toBeUndefined();
  expect(report.status).toBe('SUCCEEDED');
  expect(submittedOnce(counts, 'lost-submit', 6)).toEqual([1, 1, 1, 1, 1, 1]);
  expect(proxy.requests.filter((r) => r.path === '/v1/submitjob' && r.held)).toHaveLength(2);
  expect(events.filter((e) => e.type === 'retry' && e.operation === 'SubmitJob').map((e) => (e as { error: string }).error))
    .toEqual([expect.stringMatching(/TimeoutError: .*400 ms/), expect.stringMatching(/TimeoutError: .*400 ms/)]);
  expect(events.filter((e) => e.type === 'job-submitted' && e.reconciled)).toHaveLength(2);
});

test('DescribeJobs calls that hang are retried until the hang clears, and the run ends', async () => {
  // GIVEN: the next three DescribeJobs requests vanish without reaching the server
  proxy.holes.set('/v1/describejobs', { count: 3, where: 'before-forwarding' });
  // WHEN
  const { report, error, events, counts } = await run('hung-describe', { steps: 2 });
  // THEN
  expect(error).toBeUndefined();
  expect(report.status).toBe('SUCCEEDED');
  expect(submittedOnce(counts, 'hung-describe', 2)).toEqual([1, 1]);
  expect(events.filter((e) => e.type === 'retry' && e.operation === 'DescribeJobs').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2, 3]);
});

test('a SubmitJob black hole that never clears ends the run FAILED with the reason, nothing sent twice', async () => {
  // GIVEN: from the 3rd SubmitJob on, no request reaches the server and no answer comes
  proxy.holes.set('/v1/submitjob', { skip: 2, count: Infinity, where: 'before-forwarding' });
  // WHEN
  const { report, error, counts } = await run('dead-submit');
  // THEN: the wait rejected with the reason; the journal says FAILED with it; what went in was stopped
  expect(error).toEqual(expect.objectContaining({ name: 'SubmissionFailedError', message: expect.stringMatching(/SubmitJob failed after 4 attempts: TimeoutError/) }));
  expect(report.status).toBe('FAILED');
  expect(report.statusReason).toMatch(/^submission failed: BatchCallError: SubmitJob failed after 4 attempts: TimeoutError.*; 2 submitted jobs stopped$/);
  expect(submittedOnce(counts, 'dead-submit', 6)).toEqual([1, 1, 0, 0, 0, 0]);
  const journal = Journal.open(path.join(local.dir, 'journal'));
  expect(journal.getRun('dead-submit')).toEqual(expect.objectContaining({ status: 'FAILED', statusReason: report.statusReason }));
  journal.close();
});

test('a lost SubmitJob answer whose job ListJobs does not list at first is found within the consistency window', async () => {
  // GIVEN: the first SubmitJob's answer vanishes after the server created the job, and the
  // first ListJobs after it lists nothing, as a listing that lags creation would
  proxy.holes.set('/v1/submitjob', { count: 1, where: 'after-forwarding' });
  proxy.hideListedJobs = 1;
  // WHEN: a one-second window
  const { report, counts, events } = await run('lagging-list', { steps: 1, consistencyWindowMs: 1000 });
  // THEN: a second lookup found it: one job, reconciled, two ListJobs
  expect(report.status).toBe('SUCCEEDED');
  expect(counts.get('lagging-list__s0')).toBe(1);
  expect(proxy.requests.filter((r) => r.path === '/v1/listjobs')).toHaveLength(2);
  expect(events.find((e) => e.type === 'job-submitted')).toEqual(expect.objectContaining({ reconciled: true }));
});
