import * as events from 'aws-cdk-lib/aws-events';
import { BatchMonitoring } from '../../lib/monitoring';
import type { BatchEventEnvelope } from '../../runtime/model/events';
import {
  sampleJobDefinitionArn, sampleJobStateChange, sampleQueueArn, sampleQueueBlocked, sampleWorkflowStateChange, type SampleJobEvent,
} from './events-fixtures';
import { renderInputTransformer } from './events-input-template';
import { matchesEventPattern } from './events-pattern-matcher';
import { deployedResources, newJobQueue, newSampleStack, resourcesOfType, type DeployedResource } from './monitoring-fixtures';
import { matchesLogFilter } from './monitoring-log-filter';

/** A stack monitoring queues `cpu` and `gpu` (not `other`), deployed. */
function deployedMonitoring(): Record<string, DeployedResource> {
  const stack = newSampleStack();
  new BatchMonitoring(stack, 'Monitoring', {
    jobQueues: [newJobQueue(stack, 'Cpu'), newJobQueue(stack, 'Gpu')],
    workflowNames: ['nightly'],
    workflowEventBus: new events.EventBus(stack, 'Bus'),
  });
  return deployedResources(stack);
}

function ruleDescribed(resources: Record<string, DeployedResource>, words: string): DeployedResource {
  const rules = resourcesOfType(resources, 'AWS::Events::Rule').filter((r) => (r.Properties.Description as string).includes(words));
  expect(rules).toHaveLength(1);
  return rules[0];
}

const definition = sampleJobDefinitionArn('train', 3);
const job = (queue: string, extra: Partial<SampleJobEvent> = {}) =>
  sampleJobStateChange({ status: 'FAILED', jobQueue: sampleQueueArn(queue), jobDefinition: definition, ...extra });

describe('BatchMonitoring rules against sample events', () => {
  const resources = deployedMonitoring();
  const matches = (words: string, event: BatchEventEnvelope) => matchesEventPattern(ruleDescribed(resources, words).Properties.EventPattern, event);

  test('failed jobs of monitored queues notify, once per array job', () => {
    expect(matches('notify failed AWS Batch jobs', job('cpu'))).toBe(true);
    expect(matches('notify failed AWS Batch jobs', job('gpu'))).toBe(true);
    expect(matches('notify failed AWS Batch jobs', job('cpu', { arraySize: 100 }))).toBe(true);
    expect(matches('notify failed AWS Batch jobs', job('cpu', { arrayIndex: 7 }))).toBe(false);
    expect(matches('notify failed AWS Batch jobs', job('cpu', { status: 'SUCCEEDED' }))).toBe(false);
    expect(matches('notify failed AWS Batch jobs', job('other'))).toBe(false);
  });

  test('blocked monitored queues notify', () => {
    expect(matches('notify blocked AWS Batch queues', sampleQueueBlocked(sampleQueueArn('gpu'), definition))).toBe(true);
    expect(matches('notify blocked AWS Batch queues', sampleQueueBlocked(sampleQueueArn('other'), definition))).toBe(false);
    expect(matches('notify blocked AWS Batch queues', job('gpu', { status: 'RUNNABLE' }))).toBe(false);
  });

  test('the archive takes every Batch event of the monitored queues and nothing else', () => {
    for (const status of ['PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']) {
      expect(matches('archive every AWS Batch event', job('cpu', { status, arrayIndex: 1 }))).toBe(true);
    }
    expect(matches('archive every AWS Batch event', sampleQueueBlocked(sampleQueueArn('cpu'), definition))).toBe(true);
    expect(matches('archive every AWS Batch event', job('other'))).toBe(false);
    expect(matches('archive every AWS Batch event', sampleWorkflowStateChange('nightly', 'FAILED'))).toBe(false);
  });

  test('failed runs of the named workflows notify once, and every event of theirs is archived, from the runtime\'s bus', () => {
    expect(matches('notify failed batchkit workflow runs', sampleWorkflowStateChange('nightly', 'FAILED'))).toBe(true);
    expect(matches('notify failed batchkit workflow runs', sampleWorkflowStateChange('nightly', 'FAILED', 'train'))).toBe(false);
    expect(matches('notify failed batchkit workflow runs', sampleWorkflowStateChange('nightly', 'SUCCEEDED'))).toBe(false);
    expect(matches('notify failed batchkit workflow runs', sampleWorkflowStateChange('weekly', 'FAILED'))).toBe(false);
    expect(matches('archive batchkit workflow events', sampleWorkflowStateChange('nightly', 'RUNNING'))).toBe(true);
    expect(matches('archive batchkit workflow events', sampleWorkflowStateChange('nightly', 'FAILED', 'train'))).toBe(true);
    expect(ruleDescribed(resources, 'notify failed batchkit workflow runs').Properties.EventBusName).toMatch(/^<Ref Bus/);
  });
});

describe('BatchMonitoring notification texts', () => {
  const resources = deployedMonitoring();
  const render = (words: string, event: BatchEventEnvelope) =>
    renderInputTransformer(ruleDescribed(resources, words).Properties.Targets[0].InputTransformer, event);

  test('a failed job says which job, where, why, with which exit code, and links to it', () => {
    const text = render('notify failed AWS Batch jobs', job('cpu', {
      jobName: 'train-42', statusReason: 'Essential container in task exited', exitCode: 137,
    }));
    expect(text.split('\n')).toEqual([
      'AWS Batch job train-42 (4c7599ae-0a82-49aa-ba5a-4727fcce14a8) FAILED',
      `Queue: ${sampleQueueArn('cpu')}`,
      'Reason: Essential container in task exited',
      'Exit code: 137',
      `Job definition: ${definition}`,
      'Console: https://eu-west-1.console.aws.amazon.com/batch/home?region=eu-west-1#jobs/detail/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
    ]);
  });

  test('a job cancelled before it ran still notifies, with an empty exit code', () => {
    const text = render('notify failed AWS Batch jobs', job('cpu', { statusReason: 'Dependent Job failed' }));
    expect(text).toContain('Reason: Dependent Job failed\nExit code: \n');
  });

  test('a blocked queue says which queue, which job and why', () => {
    const text = render('notify blocked AWS Batch queues', sampleQueueBlocked(sampleQueueArn('gpu'), definition));
    expect(text.split('\n').slice(0, 3)).toEqual([
      `AWS Batch queue ${sampleQueueArn('gpu')} is blocked`,
      'Blocking job: event-test (4c7599ae-0a82-49aa-ba5a-4727fcce14a8), status RUNNABLE',
      'Reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.',
    ]);
  });

  test('a failed workflow run says which workflow and run', () => {
    expect(render('notify failed batchkit workflow runs', sampleWorkflowStateChange('nightly', 'FAILED')))
      .toBe('batchkit workflow nightly run run-0001 FAILED');
  });
});

describe('BatchMonitoring metric filters against archived events', () => {
  const resources = deployedMonitoring();
  const filters = resourcesOfType(resources, 'AWS::Logs::MetricFilter').map((f) => f.Properties);
  /** The metrics (name and queue dimension) one archived event adds a data point of 1 to. */
  const counted = (event: BatchEventEnvelope) => filters
    .filter((f) => matchesLogFilter(f.FilterPattern, event))
    .map((f) => {
      const [transformation] = f.MetricTransformations;
      const [dimension] = transformation.Dimensions;
      const queueArn = (event.detail as Record<string, unknown>)[dimension.Value.replace('$.detail.', '')];
      return `${transformation.MetricNamespace}/${transformation.MetricName} ${dimension.Key}=${queueArn} +${transformation.MetricValue}`;
    });

  test('a succeeded or failed job counts once for its queue', () => {
    expect(counted(job('cpu', { status: 'SUCCEEDED' }))).toEqual([`batchkit/JobsSucceeded JobQueueArn=${sampleQueueArn('cpu')} +1`]);
    expect(counted(job('gpu'))).toEqual([`batchkit/JobsFailed JobQueueArn=${sampleQueueArn('gpu')} +1`]);
  });

  test('array children count, their parent does not', () => {
    expect(counted(job('cpu', { arrayIndex: 4 }))).toEqual([`batchkit/JobsFailed JobQueueArn=${sampleQueueArn('cpu')} +1`]);
    expect(counted(job('cpu', { arraySize: 10 }))).toEqual([]);
  });

  test('a blocked queue counts as blocked, not as a job', () => {
    expect(counted(sampleQueueBlocked(sampleQueueArn('gpu'), definition))).toEqual([`batchkit/QueueBlocked JobQueueArn=${sampleQueueArn('gpu')} +1`]);
  });

  test('states between submission and the end, and workflow events, count nothing', () => {
    for (const status of ['PENDING', 'RUNNABLE', 'STARTING', 'RUNNING']) expect(counted(job('cpu', { status }))).toEqual([]);
    expect(counted(sampleWorkflowStateChange('nightly', 'FAILED'))).toEqual([]);
  });
});
