import * as path from 'path';
import { createWorkflowBatchClient, defineWorkflow, jobNameFor, planWorkflow, RunEvent, startRun, StepDefinition } from '../../../runtime/workflow';
import { startFaultyProxy } from './faulty-proxy';
import { jobsByName, LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

describe('a run through a proxy that throttles, fails and drops connections', () => {
  test('completes with every job submitted exactly once', async () => {
    // GIVEN
    const proxy = await startFaultyProxy(local.url);
    const client = createWorkflowBatchClient({ endpoint: proxy.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    const steps: Record<string, StepDefinition> = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`step-${i}`, { dependsOn: i > 0 ? [`step-${i - 1}`] : [] }]));
    const workflow = defineWorkflow({
      name: 'throttled',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: { ...steps, wide: { arraySize: 10 }, merge: { dependsOn: [...Object.keys(steps), 'wide'] } },
    });
    const events: RunEvent[] = [];
    // WHEN
    const run = await startRun(workflow, {
      client, journalDir: path.join(local.dir, 'journal'), registerJoinJobDefinition: true, onEvent: (e) => events.push(e),
      poll: { minIntervalMs: 20, maxIntervalMs: 100 }, backoff: { baseDelayMs: 5, maxDelayMs: 40, maxAttempts: 20 },
    });
    const report = await run.wait();
    run.close();
    client.destroy();
    await proxy.close();
    // THEN: the run succeeded, and each planned job exists once on the server
    expect(report.status).toBe('SUCCEEDED');
    const counts = await jobsByName(local.client, local.queue);
    const keys = planWorkflow(workflow).jobs.map((j) => j.key);
    expect(keys.filter((key) => counts.get(jobNameFor(run.runId, key)) !== 1)).toEqual([]);
    expect([...counts.keys()].filter((name) => name.startsWith(`${run.runId}__`))).toHaveLength(keys.length);
    // and the proxy did hit SubmitJob with faults after the request took effect
    const submitFaults = proxy.faults['/v1/submitjob'];
    expect((submitFaults['drop-after'] ?? 0) + (submitFaults['error-after'] ?? 0)).toBeGreaterThan(0);
    expect(submitFaults.throttle).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'job-submitted' && e.reconciled)).toBe(true);
  });
});
