import * as path from 'path';
import { DescribeJobsCommand, JobDetail } from '@aws-sdk/client-batch';
import { defineWorkflow, RunEvent, startRun, StepDefinition } from '../../../runtime/workflow';
import { jobsByName, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

const FAST_POLL = { minIntervalMs: 50, maxIntervalMs: 400 };

describe('a workflow on the local engine, through the SDK', () => {
  test('runs fan-out, N_TO_N, SEQUENTIAL, retries, multi-node and a 30-parent fan-in', async () => {
    // GIVEN
    const shards: Record<string, StepDefinition> = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`shard-${i}`, { command: ['sh', '-c', 'true'] }]));
    const workflow = defineWorkflow({
      name: 'graph',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: {
        prepare: { command: ['sh', '-c', 'echo prepared'] },
        fanout: { arraySize: 20, dependsOn: ['prepare'], command: ['sh', '-c', 'echo item $AWS_BATCH_JOB_ARRAY_INDEX'] },
        follow: { arraySize: 20, dependsOn: [{ step: 'fanout', type: 'N_TO_N' }] },
        ordered: { arraySize: 3, sequential: true, dependsOn: ['prepare'] },
        flaky: { retry: { attempts: 3 }, command: ['sh', '-c', 'test "$AWS_BATCH_JOB_ATTEMPT" -ge 2'] },
        cluster: { jobDefinition: local.multiNodeJobDefinition, numNodes: 2 },
        ...shards,
        merge: { dependsOn: [...Object.keys(shards), 'follow', 'ordered', 'flaky', 'cluster'] },
      },
    });
    const events: RunEvent[] = [];
    // WHEN
    const run = await startRun(workflow, {
      client: local.client, journalDir: path.join(local.dir, 'journal'), poll: FAST_POLL, registerJoinJobDefinition: true, onEvent: (e) => events.push(e),
    });
    const report = await run.wait();
    run.close();
    // THEN
    expect(report.status).toBe('SUCCEEDED');
    expect(report.stepCounts).toEqual({ SUCCEEDED: 37 });
    expect(report.steps.find((s) => s.step === 'flaky')).toEqual(expect.objectContaining({ attempts: 2, exitCode: 0 }));
    expect(report.jobCounts.SUCCEEDED).toBe(34 + 20 + 20 + 3);
    const counts = await jobsByName(local.client, local.queue);
    const ofRun = [...counts.entries()].filter(([name]) => name.startsWith(`${run.runId}__`));
    // 37 steps + 1 join job (34 whole-step parents), each submitted once
    expect(ofRun).toHaveLength(38);
    expect(ofRun.every(([, n]) => n === 1)).toBe(true);
    expect(events.filter((e) => e.type === 'run-finished')).toEqual([{ type: 'run-finished', runId: run.runId, status: 'SUCCEEDED' }]);
    expect(events.filter((e) => e.type === 'step-blocked')).toEqual([]);
    // dependencies held: merge started after every parent stopped, follow child i after fanout child i
    const jobOf = async (step: string, index?: number): Promise<JobDetail> => {
      const id = report.steps.find((s) => s.step === step)!.jobId!;
      return (await local.client.send(new DescribeJobsCommand({ jobs: [index === undefined ? id : `${id}:${index}`] }))).jobs![0];
    };
    const merge = await jobOf('merge');
    for (const parent of ['shard-0', 'shard-29', 'flaky', 'cluster']) {
      expect((await jobOf(parent)).stoppedAt!).toBeLessThanOrEqual(merge.startedAt!);
    }
    expect((await jobOf('fanout', 7)).stoppedAt!).toBeLessThanOrEqual((await jobOf('follow', 7)).startedAt!);
    expect((await jobOf('ordered', 1)).stoppedAt!).toBeLessThanOrEqual((await jobOf('ordered', 2)).startedAt!);
  });

  test('reports a failing step, its exit code and log stream, and the dependents that failed because of it', async () => {
    // GIVEN: broken -> middle -> last fail by cascade; independent succeeds
    const workflow = defineWorkflow({
      name: 'failing',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: {
        broken: { arraySize: 3, command: ['sh', '-c', 'test "$AWS_BATCH_JOB_ARRAY_INDEX" != 1 || exit 3'] },
        middle: { dependsOn: ['broken'] },
        last: { dependsOn: ['middle'] },
        independent: {},
      },
    });
    // WHEN
    const run = await startRun(workflow, { client: local.client, journalDir: path.join(local.dir, 'journal'), poll: FAST_POLL });
    const report = await run.wait();
    run.close();
    // THEN
    expect(report.status).toBe('FAILED');
    expect(Object.fromEntries(report.steps.map((s) => [s.step, s.status]))).toEqual({ broken: 'FAILED', middle: 'FAILED', last: 'FAILED', independent: 'SUCCEEDED' });
    const brokenId = report.steps[0].jobId!;
    expect(report.failures).toEqual([{
      step: 'broken', jobId: `${brokenId}:1`, arrayIndex: 1, attempt: 1, exitCode: 3,
      statusReason: 'Essential container in task exited', logStreamName: expect.any(String), failedDependents: ['middle', 'last'],
    }]);
    expect(report.jobCounts).toEqual({ SUCCEEDED: 3, FAILED: 3 });
  });

  test('terminates the rest of the run at the first failure with cancel-run', async () => {
    // GIVEN: a slow independent branch that would run for a minute; `broken` fails after a second,
    // once every step is submitted (failing at once, it could end the run before `after` was
    // submitted, leaving it NOT_SUBMITTED rather than cancelled)
    const workflow = defineWorkflow({
      name: 'cancelling',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: {
        broken: { command: ['sh', '-c', 'sleep 1; exit 1'] },
        slow: { command: ['sh', '-c', 'sleep 60'] },
        after: { dependsOn: ['slow'] },
      },
    });
    // WHEN
    const run = await startRun(workflow, { client: local.client, journalDir: path.join(local.dir, 'journal'), poll: FAST_POLL, failurePolicy: 'cancel-run' });
    const report = await run.wait();
    run.close();
    // THEN
    expect(report.status).toBe('FAILED');
    expect(report.steps.map((s) => s.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(report.steps[1].statusReason).toMatch(/step 'broken' failed and the run's failure policy is cancel-run/);
    expect(report.failures.map((f) => f.step)).toEqual(['broken', 'slow']);
  });
});
