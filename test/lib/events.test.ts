import { App, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { BatchEvents, JobStateChangeStatus, WorkflowStatus } from '../../lib/events';
import { evaluateIntrinsics } from './events-cfn-intrinsics';
import {
  SAMPLE_ACCOUNT, SAMPLE_REGION, sampleJobDefinitionArn, sampleJobStateChange, sampleQueueArn, sampleQueueBlocked, sampleWorkflowStateChange,
} from './events-fixtures';
import { matchesEventPattern } from './events-pattern-matcher';

const env = { account: SAMPLE_ACCOUNT, region: SAMPLE_REGION };

function newStack(): Stack {
  return new Stack(new App(), 'Stack', { env });
}

function newJobDefinition(stack: Stack, id: string): batch.EcsJobDefinition {
  return new batch.EcsJobDefinition(stack, id, {
    container: new batch.EcsEc2ContainerDefinition(stack, `${id}Container`, {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
      cpu: 1,
      memory: Size.mebibytes(512),
    }),
  });
}

function newJobQueue(stack: Stack, id: string): batch.JobQueue {
  return new batch.JobQueue(stack, id, {
    computeEnvironments: [{ computeEnvironment: new batch.UnmanagedComputeEnvironment(stack, `${id}Compute`), order: 1 }],
  });
}

/** The pattern of the stack's only rule, as EventBridge would hold it once deployed with these values. */
function deployedPattern(stack: Stack, refs: Record<string, string> = {}, attributes: Record<string, string> = {}): object {
  const rules = Template.fromStack(stack).findResources('AWS::Events::Rule');
  const patterns = Object.values(rules).map((r) => r.Properties.EventPattern);
  expect(patterns).toHaveLength(1);
  return evaluateIntrinsics(patterns[0], { refs: { 'AWS::Partition': 'aws', ...refs }, attributes }) as object;
}

function logicalIdOf(stack: Stack, construct: batch.EcsJobDefinition | batch.JobQueue): string {
  return stack.getLogicalId(construct.node.defaultChild as batch.CfnJobDefinition);
}

describe('BatchEvents.onJobStateChange', () => {
  test('a job definition pattern matches every revision of it, and no other definition', () => {
    // GIVEN
    const stack = newStack();
    const train = newJobDefinition(stack, 'Train');

    // WHEN
    BatchEvents.onJobStateChange(stack, 'TrainFailed', { jobDefinitions: [train], statuses: [JobStateChangeStatus.FAILED] });

    // THEN: Ref of a job definition returns the ARN of the revision the stack registered
    const pattern = deployedPattern(stack, { [logicalIdOf(stack, train)]: sampleJobDefinitionArn('Train-1A2B', 1) });
    const failed = (jobDefinition: string) => sampleJobStateChange({ status: 'FAILED', jobQueue: sampleQueueArn('cpu'), jobDefinition });
    expect(matchesEventPattern(pattern, failed(sampleJobDefinitionArn('Train-1A2B', 1)))).toBe(true);
    expect(matchesEventPattern(pattern, failed(sampleJobDefinitionArn('Train-1A2B', 7)))).toBe(true);
    expect(matchesEventPattern(pattern, failed(sampleJobDefinitionArn('Train-1A2B', 12)))).toBe(true);
    expect(matchesEventPattern(pattern, failed(sampleJobDefinitionArn('Train-1A2B-nightly', 1)))).toBe(false);
    expect(matchesEventPattern(pattern, failed(sampleJobDefinitionArn('Train-1A2B', 1, '999988887777')))).toBe(false);
    expect(matchesEventPattern(pattern, sampleJobStateChange({
      status: 'RUNNING', jobQueue: sampleQueueArn('cpu'), jobDefinition: sampleJobDefinitionArn('Train-1A2B', 7),
    }))).toBe(false);
  });

  test('an imported job definition ARN becomes a literal prefix without its revision', () => {
    // GIVEN
    const stack = newStack();
    const imported = batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Imported', sampleJobDefinitionArn('etl', 3));

    // WHEN
    BatchEvents.onJobStateChange(stack, 'Etl', { jobDefinitions: [imported] });

    // THEN
    expect(deployedPattern(stack)).toEqual({
      'source': ['aws.batch'],
      'detail-type': ['Batch Job State Change'],
      'detail': { jobDefinition: [{ prefix: `arn:aws:batch:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:job-definition/etl:` }] },
    });
  });

  test('a queue filter matches that queue\'s jobs, array children included by default', () => {
    // GIVEN
    const stack = newStack();
    const gpu = newJobQueue(stack, 'Gpu');
    const jobDefinition = sampleJobDefinitionArn('train', 2);

    // WHEN
    BatchEvents.onJobStateChange(stack, 'GpuJobs', { jobQueues: [gpu], statuses: [JobStateChangeStatus.FAILED, JobStateChangeStatus.SUCCEEDED] });

    // THEN
    const pattern = deployedPattern(stack, {}, { [`${logicalIdOf(stack, gpu)}.JobQueueArn`]: sampleQueueArn('gpu-queue') });
    const onQueue = (jobQueue: string, extra: { arrayIndex?: number; arraySize?: number; status?: string } = {}) =>
      sampleJobStateChange({ status: extra.status ?? 'FAILED', jobQueue, jobDefinition, ...extra });
    expect(matchesEventPattern(pattern, onQueue(sampleQueueArn('gpu-queue')))).toBe(true);
    expect(matchesEventPattern(pattern, onQueue(sampleQueueArn('gpu-queue'), { status: 'SUCCEEDED' }))).toBe(true);
    expect(matchesEventPattern(pattern, onQueue(sampleQueueArn('gpu-queue'), { arrayIndex: 3 }))).toBe(true);
    expect(matchesEventPattern(pattern, onQueue(sampleQueueArn('gpu-queue'), { arraySize: 10 }))).toBe(true);
    expect(matchesEventPattern(pattern, onQueue(sampleQueueArn('cpu-queue')))).toBe(false);
  });

  test('includeArrayChildren false keeps plain jobs and array parents only', () => {
    // GIVEN
    const stack = newStack();
    const queue = batch.JobQueue.fromJobQueueArn(stack, 'Queue', sampleQueueArn('cpu'));

    // WHEN
    BatchEvents.onJobStateChange(stack, 'Parents', { jobQueues: [queue], includeArrayChildren: false });

    // THEN
    const pattern = deployedPattern(stack);
    const jobDefinition = sampleJobDefinitionArn('train', 1);
    expect(matchesEventPattern(pattern, sampleJobStateChange({ status: 'FAILED', jobQueue: sampleQueueArn('cpu'), jobDefinition }))).toBe(true);
    expect(matchesEventPattern(pattern, sampleJobStateChange({ status: 'FAILED', jobQueue: sampleQueueArn('cpu'), jobDefinition, arraySize: 4 }))).toBe(true);
    expect(matchesEventPattern(pattern, sampleJobStateChange({ status: 'FAILED', jobQueue: sampleQueueArn('cpu'), jobDefinition, arrayIndex: 0 }))).toBe(false);
  });

  test('queues and job definitions combine: both must match', () => {
    // GIVEN
    const stack = newStack();
    const queue = batch.JobQueue.fromJobQueueArn(stack, 'Queue', sampleQueueArn('cpu'));
    const etl = batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Etl', sampleJobDefinitionArn('etl', 1));

    // WHEN
    BatchEvents.onJobStateChange(stack, 'EtlOnCpu', { jobQueues: [queue, queue], jobDefinitions: [etl] });

    // THEN
    const pattern = deployedPattern(stack);
    expect(pattern).toMatchObject({ detail: { jobQueue: [sampleQueueArn('cpu')] } });
    const event = (queueName: string, definition: string) =>
      sampleJobStateChange({ status: 'RUNNING', jobQueue: sampleQueueArn(queueName), jobDefinition: sampleJobDefinitionArn(definition, 4) });
    expect(matchesEventPattern(pattern, event('cpu', 'etl'))).toBe(true);
    expect(matchesEventPattern(pattern, event('gpu', 'etl'))).toBe(false);
    expect(matchesEventPattern(pattern, event('cpu', 'train'))).toBe(false);
  });

  test('the user\'s eventPattern narrows the generated one, and the target is attached', () => {
    // GIVEN
    const stack = newStack();
    const topic = new sns.Topic(stack, 'Topic');

    // WHEN
    const rule = BatchEvents.onJobStateChange(stack, 'Named', {
      statuses: [JobStateChangeStatus.FAILED],
      eventPattern: { detail: { jobName: [{ prefix: 'nightly-' }] } },
      target: new targets.SnsTopic(topic),
      description: 'nightly failures',
    });

    // THEN
    expect(rule).toBeInstanceOf(events.Rule);
    const pattern = deployedPattern(stack);
    const failed = (jobName: string) => sampleJobStateChange({ status: 'FAILED', jobName, jobQueue: sampleQueueArn('cpu'), jobDefinition: sampleJobDefinitionArn('etl', 1) });
    expect(matchesEventPattern(pattern, failed('nightly-etl'))).toBe(true);
    expect(matchesEventPattern(pattern, failed('adhoc-etl'))).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      Description: 'nightly failures',
      Targets: [{ Arn: { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) } }],
    });
  });

  test('fails when a filter list is empty', () => {
    const stack = newStack();
    expect(() => BatchEvents.onJobStateChange(stack, 'Empty', { statuses: [] })).toThrow(/statuses is empty, expected at least one entry/);
    expect(() => BatchEvents.onJobStateChange(stack, 'NoQueues', { jobQueues: [] })).toThrow(/jobQueues is empty/);
  });

  test('fails when an imported job definition ARN is not a job definition ARN', () => {
    const stack = newStack();
    const wrong = batch.EcsJobDefinition.fromJobDefinitionArn(stack, 'Wrong', sampleQueueArn('cpu'));
    expect(() => BatchEvents.onJobStateChange(stack, 'Rule', { jobDefinitions: [wrong] }))
      .toThrow(/job definition 'Stack\/Wrong' has ARN 'arn:aws:batch:eu-west-1:111122223333:job-queue\/cpu', expected arn:<partition>:batch:<region>:<account>:job-definition\/<name>\[:<revision>\]/);
  });

  test('fails when an imported job queue ARN is not a job queue ARN', () => {
    const stack = newStack();
    const wrong = batch.JobQueue.fromJobQueueArn(stack, 'Wrong', 'arn:aws:sqs:eu-west-1:111122223333:cpu');
    expect(() => BatchEvents.onJobStateChange(stack, 'Rule', { jobQueues: [wrong] }))
      .toThrow(/job queue 'Stack\/Wrong' has ARN 'arn:aws:sqs:eu-west-1:111122223333:cpu', expected arn:<partition>:batch:<region>:<account>:job-queue\/<name>/);
  });
});

describe('BatchEvents.onQueueBlocked', () => {
  test('matches blocked events of the given queues only', () => {
    // GIVEN
    const stack = newStack();
    const cpu = newJobQueue(stack, 'Cpu');

    // WHEN
    BatchEvents.onQueueBlocked(stack, 'CpuBlocked', { jobQueues: [cpu] });

    // THEN
    const pattern = deployedPattern(stack, {}, { [`${logicalIdOf(stack, cpu)}.JobQueueArn`]: sampleQueueArn('cpu-queue') });
    const definition = sampleJobDefinitionArn('train', 1);
    expect(matchesEventPattern(pattern, sampleQueueBlocked(sampleQueueArn('cpu-queue'), definition))).toBe(true);
    expect(matchesEventPattern(pattern, sampleQueueBlocked(sampleQueueArn('gpu-queue'), definition))).toBe(false);
    expect(matchesEventPattern(pattern, sampleJobStateChange({ status: 'RUNNABLE', jobQueue: sampleQueueArn('cpu-queue'), jobDefinition: definition }))).toBe(false);
  });

  test('without queues, matches blocked events of every queue', () => {
    const stack = newStack();
    BatchEvents.onQueueBlocked(stack, 'AnyBlocked');
    expect(deployedPattern(stack)).toEqual({ 'source': ['aws.batch'], 'detail-type': ['Batch Job Queue Blocked'] });
  });
});

describe('BatchEvents.onWorkflowStateChange', () => {
  test('matches the runtime\'s events by status and workflow name, on the given bus', () => {
    // GIVEN
    const stack = newStack();
    const bus = new events.EventBus(stack, 'Bus');

    // WHEN
    BatchEvents.onWorkflowStateChange(stack, 'NightlyFailed', { statuses: [WorkflowStatus.FAILED], workflowNames: ['nightly'], eventBus: bus });

    // THEN
    const pattern = deployedPattern(stack);
    expect(matchesEventPattern(pattern, sampleWorkflowStateChange('nightly', 'FAILED', 'train'))).toBe(true);
    expect(matchesEventPattern(pattern, sampleWorkflowStateChange('nightly', 'SUCCEEDED'))).toBe(false);
    expect(matchesEventPattern(pattern, sampleWorkflowStateChange('weekly', 'FAILED'))).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: stack.getLogicalId(bus.node.defaultChild as events.CfnEventBus) },
    });
  });

  test('includeStepEvents false matches the events of whole runs only', () => {
    // GIVEN
    const stack = newStack();

    // WHEN
    BatchEvents.onWorkflowStateChange(stack, 'RunFailed', { statuses: [WorkflowStatus.FAILED], includeStepEvents: false });

    // THEN
    const pattern = deployedPattern(stack);
    expect(matchesEventPattern(pattern, sampleWorkflowStateChange('nightly', 'FAILED'))).toBe(true);
    expect(matchesEventPattern(pattern, sampleWorkflowStateChange('nightly', 'FAILED', 'train'))).toBe(false);
  });

  test('fails when a workflow name is empty', () => {
    const stack = newStack();
    expect(() => BatchEvents.onWorkflowStateChange(stack, 'Rule', { workflowNames: [''] })).toThrow(/workflowNames holds an empty name/);
  });
});
