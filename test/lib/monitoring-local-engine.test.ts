import { App, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { BatchEvents, JobStateChangeStatus } from '../../lib/events';
import { BatchMonitoring } from '../../lib/monitoring';
import { LocalBatchEngine } from '../../runtime/engine/engine';
import type { BatchEventEnvelope } from '../../runtime/model/events';
import { evaluateIntrinsics } from './events-cfn-intrinsics';
import { SAMPLE_ACCOUNT, SAMPLE_REGION } from './events-fixtures';
import { matchesEventPattern } from './events-pattern-matcher';
import { deployedResources, resourcesOfType } from './monitoring-fixtures';
import { matchesLogFilter } from './monitoring-log-filter';

/*
 * The generated patterns against events a real AWS Batch look-alike emitted: batchkit's local
 * engine runs real processes and publishes the same envelope Batch does, so what matches here is
 * what the deployed rules would see from the same jobs.
 */

interface Recorded {
  readonly events: BatchEventEnvelope[];
  readonly queueArn: string;
  readonly revisionOneArn: string;
  readonly jobIds: Record<'ok' | 'bad' | 'array' | 'elsewhere' | 'huge', string>;
}

async function runJobsOnLocalEngine(): Promise<Recorded> {
  const engine = await LocalBatchEngine.open({ region: SAMPLE_REGION, accountId: SAMPLE_ACCOUNT, hostCapacity: { vcpus: 4, memoryMiB: 8192 }, killGraceMs: 100 });
  const events: BatchEventEnvelope[] = [];
  engine.subscribe((event) => events.push(event));
  try {
    await engine.createComputeEnvironment({
      computeEnvironmentName: 'ce', type: 'MANAGED',
      computeResources: { type: 'EC2', maxvCpus: 4, minvCpus: 0, subnets: [], instanceRole: 'role' },
    });
    for (const name of ['cpu', 'elsewhere']) {
      await engine.createJobQueue({ jobQueueName: name, priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
    }
    const define = (command: string, vcpus = '1') => engine.registerJobDefinition({
      jobDefinitionName: 'train', type: 'container',
      containerProperties: { image: 'public.ecr.aws/docker/library/busybox:latest', command: ['sh', '-c', command], resourceRequirements: [{ type: 'VCPU', value: vcpus }, { type: 'MEMORY', value: '128' }] },
    });
    const revisionOneArn = (await define('exit 0')).jobDefinitionArn!;
    await define('exit 3');
    const submit = async (jobName: string, jobQueue: string, extra: object = {}) => (await engine.submitJob({ jobName, jobQueue, jobDefinition: 'train', ...extra })).jobId!;
    const jobIds = {
      ok: await submit('ok', 'cpu', { jobDefinition: 'train:1' }),
      bad: await submit('bad', 'cpu'),
      array: await submit('array', 'cpu', { arrayProperties: { size: 2 } }),
      elsewhere: await submit('elsewhere', 'elsewhere'),
      huge: await submit('huge', 'cpu', { containerOverrides: { resourceRequirements: [{ type: 'VCPU', value: '64' }] } }),
    };
    const deadline = Date.now() + 20_000;
    const settled = () => ['ok', 'bad', 'array', 'elsewhere'].every((key) => events.some((e) =>
      e.detail.jobId === jobIds[key as keyof typeof jobIds] && ['SUCCEEDED', 'FAILED'].includes(e.detail.status as string)))
      && events.some((e) => e['detail-type'] === 'Batch Job Queue Blocked');
    while (!settled()) {
      if (Date.now() > deadline) throw new Error(`local engine jobs did not settle in 20 s; events so far: ${events.map((e) => `${e.detail.jobId} ${e.detail.status}`).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const queueArn = (await engine.describeJobQueues({ jobQueues: ['cpu'] })).jobQueues![0].jobQueueArn!;
    return { events: [...events], queueArn, revisionOneArn, jobIds };
  } finally {
    await engine.close();
  }
}

describe('generated patterns against the local engine\'s events', () => {
  let recorded: Recorded;
  beforeAll(async () => {
    recorded = await runJobsOnLocalEngine();
  });

  /** Ids and statuses of the recorded events `pattern` matches, in order. */
  const matched = (pattern: unknown) => recorded.events
    .filter((e) => matchesEventPattern(pattern, e))
    .map((e) => `${e['detail-type'] === 'Batch Job Queue Blocked' ? 'blocked ' : ''}${e.detail.jobId} ${e.detail.status}`);
  const named = (text: string) => Object.entries(recorded.jobIds).reduce((out, [name, id]) => out.split(id).join(name), text);

  test('a pattern for revision 1 of a job definition matches failures of its later revision, array children included', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: { account: SAMPLE_ACCOUNT, region: SAMPLE_REGION } });
    const train = batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Train', recorded.revisionOneArn);

    // WHEN
    const pattern = BatchEvents.jobStateChangePattern(stack, { jobDefinitions: [train], statuses: [JobStateChangeStatus.FAILED] });

    // THEN
    const rendered = evaluateIntrinsics(stack.resolve({ ...pattern, 'detail-type': pattern.detailType, 'detailType': undefined }), { refs: {} });
    expect(matched(JSON.parse(JSON.stringify(rendered))).map(named).sort()).toEqual([
      'array FAILED', 'array:0 FAILED', 'array:1 FAILED', 'bad FAILED', 'elsewhere FAILED',
    ]);
  });

  test('monitoring notifies the failures and the block of its queue, archives its events and counts them', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Stack', { env: { account: SAMPLE_ACCOUNT, region: SAMPLE_REGION } });
    new BatchMonitoring(stack, 'Monitoring', { jobQueues: [batch.JobQueue.fromJobQueueArn(stack, 'Cpu', recorded.queueArn)], monitorWorkflows: false });

    // WHEN
    const resources = deployedResources(stack);
    const rule = (words: string) => resourcesOfType(resources, 'AWS::Events::Rule').find((r) => (r.Properties.Description as string).includes(words))!;

    // THEN
    expect(matched(rule('notify failed AWS Batch jobs').Properties.EventPattern).map(named).sort()).toEqual(['array FAILED', 'bad FAILED']);
    expect(matched(rule('notify blocked AWS Batch queues').Properties.EventPattern).map(named)).toEqual(['blocked huge RUNNABLE']);
    const archived = recorded.events.filter((e) => matchesEventPattern(rule('archive every AWS Batch event').Properties.EventPattern, e));
    expect(archived.length).toBeGreaterThan(0);
    expect(archived.every((e) => e.detail.jobQueue === recorded.queueArn)).toBe(true);
    expect(archived.length).toBe(recorded.events.filter((e) => e.detail.jobQueue === recorded.queueArn).length);

    const filters = resourcesOfType(resources, 'AWS::Logs::MetricFilter').map((f) => f.Properties);
    const count = (metricName: string) => archived.filter((e) => filters.some((f) => f.MetricTransformations[0].MetricName === metricName && matchesLogFilter(f.FilterPattern, e))).length;
    expect({ succeeded: count('JobsSucceeded'), failed: count('JobsFailed'), blocked: count('QueueBlocked') }).toEqual({ succeeded: 1, failed: 3, blocked: 1 });
  });
});
