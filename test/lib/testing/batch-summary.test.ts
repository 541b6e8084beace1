import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { ExampleBatchStack } from '../../../examples/app';
import { addExampleMonitoring } from '../../../examples/monitoring';
import { renderBatchSummary, summarizeBatch } from '../../../lib/testing';

let assetDir: string;

beforeAll(() => {
  assetDir = mkdtempSync(join(tmpdir(), 'batchkit-summary-'));
});

afterAll(() => {
  rmSync(assetDir, { recursive: true, force: true });
});

function exampleStack(): ExampleBatchStack {
  const stack = new ExampleBatchStack(new App(), 'BatchkitExample');
  addExampleMonitoring(stack, stack.queues);
  return stack;
}

/** A small stack whose job image is built from a directory whose Dockerfile says `marker`. */
function assetStack(marker: string, maxvCpus = 64): Stack {
  const dir = join(assetDir, marker);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), `FROM public.ecr.aws/docker/library/busybox:stable\nRUN echo ${marker}\n`);
  const stack = new Stack(new App(), 'Small');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 1, natGateways: 0 });
  const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Compute', {
    vpc, instanceTypes: [new ec2.InstanceType('c5.xlarge')], useOptimalInstanceClasses: false, maxvCpus,
  });
  new batch.JobQueue(stack, 'Queue', { priority: 5, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  new batch.EcsJobDefinition(stack, 'Work', {
    container: new batch.EcsEc2ContainerDefinition(stack, 'WorkContainer', {
      image: ecs.ContainerImage.fromAsset(dir), cpu: 2, memory: Size.gibibytes(4),
    }),
  });
  return stack;
}

describe('summarizeBatch', () => {
  test('summarizes the example app stack', () => {
    // GIVEN
    const stack = exampleStack();

    // WHEN
    const summary = summarizeBatch(stack);

    // THEN
    expect(summary.jobQueues.find((q) => q.path === 'Urgent')).toMatchObject({ name: 'batchkit-urgent', priority: 100, computeOrder: ['OnDemand', 'Gpu'] });
    expect(summary.computeEnvironments.find((ce) => ce.path === 'Unmanaged')).toMatchObject({ kind: 'UNMANAGED', instanceTypes: ['m6i.2xlarge'] });
    expect(summary.jobDefinitions.find((jd) => jd.name === 'batchkit-render')).toMatchObject({ runsOn: ['Urgent'], containers: [{ gpus: 1, image: '<asset>' }] });
    expect(summary.jobDefinitions.find((jd) => jd.name === 'batchkit-report')).toMatchObject({ platform: 'FARGATE', runsOn: ['Background'] });
    expect(summary.grants).toContainEqual({
      principal: 'Submitter', actions: ['batch:SubmitJob'], resources: ['Standard', 'job-definition/batchkit-etl:*'], condition: 'StringEquals aws:RequestTag/team=data',
    });
    expect(summary.monitoringRules.find((r) => r.path === 'Monitoring/FailedJobsRule')?.pattern).toContain('detail.jobQueue=Urgent|Standard|Reserved|Background');
    expect(JSON.stringify(summary)).not.toMatch(/[0-9a-f]{64}|[0-9A-F]{8}"/);
    expect(summary).toMatchSnapshot();
    expect(renderBatchSummary(summary)).toMatchSnapshot();
  });

  test('is the same when only the content of an asset changes', () => {
    // GIVEN
    const before = assetStack('one');
    const after = assetStack('two');

    // THEN
    expect(JSON.stringify(Template.fromStack(before).toJSON())).not.toEqual(JSON.stringify(Template.fromStack(after).toJSON()));
    expect(summarizeBatch(after)).toEqual(summarizeBatch(before));
  });

  test('shows a maxvCpus change as one changed line naming the compute environment', () => {
    // GIVEN
    const before = renderBatchSummary(summarizeBatch(assetStack('same', 64))).split('\n');
    const after = renderBatchSummary(summarizeBatch(assetStack('same', 128))).split('\n');

    // THEN
    const changed = after.filter((line, index) => line !== before[index]);
    expect(after).toHaveLength(before.length);
    expect(changed).toEqual(['  Compute: EC2, 0-128 vCPUs, instance types c5.xlarge, BEST_FIT_PROGRESSIVE, jobs finish before update, never replaced']);
  });

  test('reads a template JSON with construct path metadata', () => {
    // GIVEN
    const template = {
      Resources: {
        Queue1A2B3C4D: {
          Type: 'AWS::Batch::JobQueue',
          Properties: { Priority: 3, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'Ce9F8E7D6C' } }] },
          Metadata: { 'aws:cdk:path': 'Stack/Jobs/Queue/Resource' },
        },
        Ce9F8E7D6C: {
          Type: 'AWS::Batch::ComputeEnvironment',
          Properties: { Type: 'managed', ComputeResources: { Type: 'FARGATE', MaxvCpus: 8, Subnets: [] } },
          Metadata: { 'aws:cdk:path': 'Stack/Ce/Resource' },
        },
      },
    };

    // THEN
    expect(summarizeBatch(template).jobQueues).toEqual([{ path: 'Jobs/Queue', priority: 3, state: 'ENABLED', computeOrder: ['Ce'] }]);
  });

  test('reads an assertions Template, where unmanaged compute without its construct cannot be judged', () => {
    // GIVEN
    const template = Template.fromStack(exampleStack());

    // WHEN
    const summary = summarizeBatch(template);

    // THEN
    expect(summary.jobQueues.map((q) => q.path)).toEqual(['Background', 'Reserved', 'Standard', 'Urgent']);
    expect(summary.jobDefinitions.find((jd) => jd.name === 'batchkit-scratch')).toMatchObject({ runsOn: ['Standard', 'Urgent'], cannotJudgeOn: ['Reserved'] });
  });

  test('fails when given something that is not a template', () => {
    expect(() => summarizeBatch({ Stacks: [] })).toThrow(/expected a Stack, an assertions Template or a synthesized template with Resources; got an object with Stacks/);
  });
});
