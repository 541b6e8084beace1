/**
 * A 1,000-step workflow (chains, arrays with N_TO_N, fan-ins past Batch's 20-dependency limit)
 * run through a proxy that throttles, fails, resets connections and delays at set rates: the
 * run succeeds and the server saw exactly one SubmitJob per planned job.
 */
import * as path from 'path';
import { createWorkflowBatchClient, defineWorkflow, jobNameFor, planWorkflow, RunEvent, startRun, StepDefinition } from '../../runtime/workflow';
import { jobsByName, LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from '../runtime/workflow/local-batch';
import { ChaosProxy, startChaosProxy } from './chaos-proxy';

const LANES = 45;
const LANE_LENGTH = 20;
const ARRAY_PAIRS = 20;
const TAILS = 58;

/** 1 + 45 x 20 + 20 x 2 + 58 + 1 = 1,000 steps. */
function thousandStepWorkflow(queue: string, jobDefinition: string) {
  const steps: Record<string, StepDefinition> = { root: {} };
  for (let lane = 0; lane < LANES; lane++) {
    for (let i = 0; i < LANE_LENGTH; i++) {
      steps[`lane${lane}-${i}`] = { dependsOn: [i === 0 ? 'root' : `lane${lane}-${i - 1}`] };
    }
  }
  for (let pair = 0; pair < ARRAY_PAIRS; pair++) {
    steps[`items${pair}`] = { arraySize: 4, dependsOn: ['root'] };
    steps[`perItem${pair}`] = { arraySize: 4, dependsOn: [{ step: `items${pair}`, type: 'N_TO_N' }] };
  }
  for (let tail = 0; tail < TAILS; tail++) {
    steps[`tail${tail}`] = { dependsOn: [`lane${tail % LANES}-${LANE_LENGTH - 1}`] };
  }
  steps.merge = { dependsOn: Array.from({ length: ARRAY_PAIRS }, (_, pair) => `perItem${pair}`).concat(Array.from({ length: 10 }, (_, t) => `tail${t}`)) };
  return defineWorkflow({ name: 'chaos', defaults: { jobQueue: queue, jobDefinition }, steps });
}

let local: LocalBatch;
let proxy: ChaosProxy;
beforeAll(async () => {
  local = await startLocalBatch();
  proxy = await startChaosProxy(local.url, {
    seed: 7,
    rates: { 'throttle': 0.08, 'error-before': 0.03, 'error-after': 0.04, 'reset-before': 0.03, 'reset-after': 0.04 },
    latencyRate: 0.2,
    maxLatencyMs: 40,
  });
});
afterAll(async () => {
  await proxy?.close();
  await local?.close();
});

describe('a 1,000-step run through a proxy injecting 429s, 500s, resets and latency', () => {
  test('succeeds with every planned job submitted exactly once, counted on the server', async () => {
    // GIVEN
    const workflow = thousandStepWorkflow(local.queue, local.shellJobDefinition);
    expect(workflow.steps).toHaveLength(1000);
    const client = createWorkflowBatchClient({ endpoint: proxy.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const events: RunEvent[] = [];
    // WHEN
    const run = await startRun(workflow, {
      client, journalDir: path.join(local.dir, 'journal'), registerJoinJobDefinition: true, onEvent: (e) => events.push(e),
      submitsPerSecond: 1000, submitConcurrency: 16,
      poll: { minIntervalMs: 50, maxIntervalMs: 200 }, backoff: { baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 30 },
    });
    const report = await run.wait();
    run.close();
    client.destroy();
    // THEN: the run succeeded
    expect(report.status).toBe('SUCCEEDED');
    // every planned job (steps and join jobs) exists once on the server, and SubmitJob reached the engine once per job
    const plannedKeys = planWorkflow(workflow).jobs.map((job) => job.key);
    const counts = await jobsByName(local.client, local.queue);
    expect(plannedKeys.filter((key) => counts.get(jobNameFor(run.runId, key)) !== 1)).toEqual([]);
    expect([...counts.keys()].filter((name) => name.startsWith(`${run.runId}__`))).toHaveLength(plannedKeys.length);
    expect(local.requestCounts.submitJob).toBe(plannedKeys.length);
    // and every kind of fault hit SubmitJob, so the count above was earned
    const submitOutcomes = proxy.outcomes['/v1/submitjob'];
    const injected = Object.entries(proxy.outcomes).reduce((sum, [, outcomes]) => sum
      + Object.entries(outcomes).filter(([outcome]) => outcome !== 'pass').reduce((n, [, count]) => n + (count ?? 0), 0), 0);
    expect(Object.keys(submitOutcomes).sort()).toEqual(['error-after', 'error-before', 'pass', 'reset-after', 'reset-before', 'throttle']);
    expect(events.some((e) => e.type === 'job-submitted' && e.reconciled)).toBe(true);
    process.stdout.write(`fault injection: ${plannedKeys.length} jobs, ${injected} faults injected (${JSON.stringify(submitOutcomes)} on SubmitJob), ${proxy.delayed} requests delayed\n`);
  }, 150_000);
});
