/**
 * Failure policies act while a run is still being submitted: under `cancel-run`, a step that
 * fails while later steps are still going in stops the submission within one poll, rather than
 * once every job went in. Counted at the server (through a recording proxy) against the time
 * the failed job stopped.
 */
import * as path from 'path';
import { createWorkflowBatchClient, defineWorkflow, Journal, startRun, type StepDefinition } from '../../../runtime/workflow';
import { BlackHoleProxy, startBlackHoleProxy } from '../../integration/black-hole-proxy';
import { LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
let recorder: BlackHoleProxy;
beforeAll(async () => {
  local = await startLocalBatch();
  recorder = await startBlackHoleProxy(local.url);
});
afterAll(async () => {
  await recorder?.close();
  await local?.close();
});

const FILLERS = 120;
const SUBMITS_PER_SECOND = 40;
const CONCURRENCY = 4;
const POLL_MS = 100;

test('cancel-run stops submitting within one poll of a failure during submission', async () => {
  // GIVEN: a step that fails at once, submitted first, then 120 independent steps at 40 per second (3 s)
  const fillers: Record<string, StepDefinition> = Object.fromEntries(Array.from({ length: FILLERS }, (_, i) => [`filler-${i}`, { command: ['sh', '-c', 'sleep 1'] }]));
  const workflow = defineWorkflow({
    name: 'fails-early',
    defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
    steps: { boom: { command: ['sh', '-c', 'exit 3'] }, ...fillers },
  });
  const client = createWorkflowBatchClient({ endpoint: recorder.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  // WHEN
  const handle = await startRun(workflow, {
    client, journalDir: path.join(local.dir, 'journal'), failurePolicy: 'cancel-run',
    submitsPerSecond: SUBMITS_PER_SECOND, submitConcurrency: CONCURRENCY, poll: { minIntervalMs: POLL_MS, maxIntervalMs: 500 },
  });
  const report = await handle.wait();
  handle.close();
  client.destroy();
  // THEN: the run failed because of boom, and submission stopped soon after boom stopped
  expect(report.status).toBe('FAILED');
  expect(report.failures[0]).toEqual(expect.objectContaining({ step: 'boom', exitCode: 3 }));
  expect(new Set(report.failures.slice(1).map((f) => f.statusReason))).toEqual(new Set(["batchkit: step 'boom' failed and the run's failure policy is cancel-run"]));
  const stoppedAt = stoppedAtOf(handle.runId);
  const submitsAfter = recorder.requests.filter((r) => r.path === '/v1/submitjob' && r.at > stoppedAt).length;
  // One wave: the calls in flight (one per worker) plus what the rate lets through until the
  // next poll (interval plus one DescribeJobs round trip, 100 ms allowed) sees the failure.
  const oneWave = CONCURRENCY + Math.ceil(SUBMITS_PER_SECOND * (POLL_MS + 100) / 1000);
  expect(submitsAfter).toBeLessThanOrEqual(oneWave);
  const submitted = report.steps.filter((s) => s.status !== 'NOT_SUBMITTED').length;
  expect(submitted).toBeLessThan(FILLERS / 2);
  // every job that did go in was stopped: none succeeded
  expect(report.steps.filter((s) => s.status === 'SUCCEEDED')).toEqual([]);
});

function stoppedAtOf(runId: string): number {
  const journal = Journal.open(path.join(local.dir, 'journal'));
  try {
    return journal.jobs(runId).find((j) => j.step === 'boom')!.stoppedAt!;
  } finally {
    journal.close();
  }
}
