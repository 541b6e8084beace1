import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import type { JobDetail } from '@aws-sdk/client-batch';
import type { BatchApi } from '../../../runtime/model/batch-api';
import { loadTemplate, TemplateReadError } from '../../../runtime/template/load-template';
import { synthesizeBatchStack } from './synthesized-stack';

let engine: LocalBatchEngine;
let template: Record<string, unknown>;
let tempDir: string;

beforeAll(() => {
  template = synthesizeBatchStack();
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-load-'));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

beforeEach(async () => {
  engine = await LocalBatchEngine.open({ logDir: join(tempDir, 'logs') });
});

afterEach(async () => {
  await engine.close();
});

/** Polls DescribeJobs until the job is SUCCEEDED or FAILED; bounded, not timed. */
async function waitForEnd(api: BatchApi, jobId: string): Promise<JobDetail> {
  for (let i = 0; i < 400; i++) {
    const job = (await api.describeJobs({ jobs: [jobId] })).jobs?.[0];
    if (job?.status === 'SUCCEEDED' || job?.status === 'FAILED') return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not end within 400 polls`);
}

function resourceIdsOfType(type: string): string[] {
  return Object.entries(template.Resources as Record<string, { Type: string }>).filter(([, r]) => r.Type === type).map(([id]) => id);
}

describe('loadTemplate', () => {
  test('creates the compute environment, queue and job definition of a synthesized stack, and its job runs', async () => {
    // GIVEN
    const [computeId] = resourceIdsOfType('AWS::Batch::ComputeEnvironment');
    const [queueId] = resourceIdsOfType('AWS::Batch::JobQueue');
    const [definitionId] = resourceIdsOfType('AWS::Batch::JobDefinition');
    // WHEN
    const report = await loadTemplate(engine, template);
    // THEN
    expect(report.findings).toEqual([]);
    expect(report.resources).toEqual([
      { type: 'AWS::Batch::ComputeEnvironment', logicalId: computeId, constructPath: 'Pipeline/Compute/Resource', name: computeId, arn: `arn:aws:batch:us-east-1:123456789012:compute-environment/${computeId}`, status: 'created' },
      { type: 'AWS::Batch::JobQueue', logicalId: queueId, constructPath: 'Pipeline/Queue/Resource', name: 'pipeline-queue', arn: 'arn:aws:batch:us-east-1:123456789012:job-queue/pipeline-queue', status: 'created' },
      { type: 'AWS::Batch::JobDefinition', logicalId: definitionId, constructPath: 'Pipeline/Greet/Resource', name: definitionId, arn: `arn:aws:batch:us-east-1:123456789012:job-definition/${definitionId}:1`, status: 'created' },
    ]);
    const queue = (await engine.describeJobQueues({ jobQueues: ['pipeline-queue'] })).jobQueues![0];
    expect(queue).toMatchObject({ priority: 10, computeEnvironmentOrder: [{ order: 1, computeEnvironment: report.resources[0].arn }] });
    const definition = (await engine.describeJobDefinitions({ jobDefinitionName: definitionId })).jobDefinitions![0];
    expect(definition).toMatchObject({ type: 'container', parameters: { who: 'world' }, retryStrategy: { attempts: 2 }, timeout: { attemptDurationSeconds: 600 } });
    expect(definition.containerProperties?.executionRoleArn).toMatch(/^arn:aws:iam::123456789012:role\/GreetContainerExecutionRole/);

    // WHEN a job is submitted to what the template declared
    const { jobId } = await engine.submitJob({ jobName: 'greet', jobQueue: 'pipeline-queue', jobDefinition: definitionId });
    const ended = await waitForEnd(engine, jobId!);
    // THEN it ran with the template's command, environment and parameters
    expect(ended).toMatchObject({ status: 'SUCCEEDED' });
    expect(readFileSync(join(tempDir, 'logs', `${ended.container!.logStreamName}.log`), 'utf8')).toContain('hello, world');
  });

  test('records placeholders for the IAM, subnet and security group references', async () => {
    // WHEN
    const report = await loadTemplate(engine, template);
    // THEN
    const types = report.placeholders.map((p) => `${p.resourceType}${p.attribute ? `.${p.attribute}` : ''}`).sort();
    expect(types).toEqual(['AWS::EC2::SecurityGroup.GroupId', 'AWS::EC2::Subnet', 'AWS::IAM::InstanceProfile.Arn', 'AWS::IAM::Role.Arn']);
    const subnet = report.placeholders.find((p) => p.resourceType === 'AWS::EC2::Subnet')!;
    expect(subnet.value).toMatch(/^subnet-[0-9a-f]{17}$/);
    const compute = (await engine.describeComputeEnvironments({})).computeEnvironments![0];
    expect(compute.computeResources?.subnets).toEqual([subnet.value]);
  });

  test('loading the same template again reuses every resource and registers no new revision', async () => {
    // GIVEN
    await loadTemplate(engine, template);
    // WHEN
    const again = await loadTemplate(engine, template);
    // THEN
    expect(again.findings).toEqual([]);
    expect(again.resources.map((r) => r.status)).toEqual(['existing', 'existing', 'existing']);
    const [definitionId] = resourceIdsOfType('AWS::Batch::JobDefinition');
    expect((await engine.describeJobDefinitions({ jobDefinitionName: definitionId })).jobDefinitions).toHaveLength(1);
  });

  test('registers a new revision when a job definition changed', async () => {
    // GIVEN
    await loadTemplate(engine, template);
    const changed = JSON.parse(JSON.stringify(template));
    const [definitionId] = resourceIdsOfType('AWS::Batch::JobDefinition');
    changed.Resources[definitionId].Properties.Parameters.who = 'moon';
    // WHEN
    const report = await loadTemplate(engine, changed);
    // THEN
    expect(report.resources[2]).toMatchObject({ status: 'created', arn: expect.stringMatching(/:2$/) });
  });

  test('reads a template file and names the stack after it', async () => {
    // GIVEN
    const file = join(tempDir, 'Pipeline.template.json');
    writeFileSync(file, JSON.stringify({ Resources: { Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { Type: 'unmanaged', ComputeEnvironmentName: { 'Fn::Sub': '${AWS::StackName}-ce' } } } } }));
    // WHEN
    const report = await loadTemplate(engine, file);
    // THEN
    expect(report).toMatchObject({ template: file, findings: [], resources: [{ name: 'Pipeline-ce', status: 'created' }] });
  });

  test('reports what it cannot do faithfully instead of dropping it', async () => {
    // GIVEN
    const handWritten = {
      Parameters: { Size: { Type: 'Number', Default: '4' }, Missing: { Type: 'String' } },
      Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'eu-west-1'] } },
      Resources: {
        Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { Type: 'UNMANAGED', UnmanagedvCpus: { Ref: 'Size' }, Context: { 'Fn::ImportValue': 'SharedContext' } } },
        Training: { Type: 'AWS::Batch::ServiceEnvironment', Properties: { ServiceEnvironmentType: 'SAGEMAKER_TRAINING', CapacityLimits: [{ MaxCapacity: 1, CapacityUnit: 'NUM_INSTANCES' }] } },
        ProdOnly: { Type: 'AWS::Batch::JobQueue', Condition: 'IsProd', Properties: { Priority: 1, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'Ce' } }] } },
        Jd: { Type: 'AWS::Batch::JobDefinition', Properties: { Type: 'container', Frobnicate: true, ContainerProperties: { Image: { Ref: 'Missing' }, Command: ['true'], Vcpus: '1', Memory: 128 } } },
      },
    };
    // WHEN
    const report = await loadTemplate(engine, handWritten);
    // THEN
    expect(report.findings).toEqual([
      { level: 'warning', logicalId: 'Training', message: 'AWS::Batch::ServiceEnvironment is not supported by the local engine; Training is not created' },
      { level: 'warning', logicalId: 'Ce', property: 'Context', message: 'Fn::ImportValue is not supported by the template loader; the property is left out' },
      { level: 'warning', logicalId: 'ProdOnly', property: 'Condition', message: 'condition IsProd is false, so CloudFormation would not create ProdOnly either; skipped' },
      { level: 'warning', logicalId: 'Jd', property: 'ContainerProperties.Image', message: 'parameter Missing has no value and no Default; the property is left out' },
      { level: 'warning', logicalId: 'Jd', property: 'Frobnicate', message: 'Frobnicate has no counterpart in the AWS Batch API (RegisterJobDefinitionRequest); it is left out' },
    ]);
    expect(report.resources.map((r) => [r.logicalId, r.status])).toEqual([['Ce', 'created'], ['Jd', 'created']]);
    const ce = (await engine.describeComputeEnvironments({ computeEnvironments: ['Ce'] })).computeEnvironments![0];
    expect(ce).toMatchObject({ type: 'UNMANAGED', unmanagedvCpus: 4 });
  });

  test('creates a scheduling policy before the fair-share queue that refers to it, and reuses it on a second load', async () => {
    // GIVEN
    const fairShare = {
      Resources: {
        Policy: { Type: 'AWS::Batch::SchedulingPolicy', Properties: { Name: 'teams', FairsharePolicy: { ShareDecaySeconds: 60, ShareDistribution: [{ ShareIdentifier: 'a', WeightFactor: 0.5 }] } } },
        Ce: { Type: 'AWS::Batch::ComputeEnvironment', Properties: { Type: 'UNMANAGED', UnmanagedvCpus: 1 } },
        Queue: { Type: 'AWS::Batch::JobQueue', Properties: { Priority: 1, SchedulingPolicyArn: { 'Fn::GetAtt': ['Policy', 'Arn'] }, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: { Ref: 'Ce' } }] } },
      },
    };
    // WHEN
    const first = await loadTemplate(engine, fairShare);
    const second = await loadTemplate(engine, fairShare);
    // THEN
    expect(first.findings).toEqual([]);
    expect(first.resources.map((r) => [r.logicalId, r.status])).toEqual([['Policy', 'created'], ['Ce', 'created'], ['Queue', 'created']]);
    expect(second.resources.map((r) => r.status)).toEqual(['existing', 'existing', 'existing']);
    const queue = (await engine.describeJobQueues({ jobQueues: ['Queue'] })).jobQueues![0];
    expect(queue.schedulingPolicyArn).toBe('arn:aws:batch:us-east-1:123456789012:scheduling-policy/teams');
  });

  test('creates a consumable resource before the job definition that needs it, and reuses it on a second load', async () => {
    // GIVEN: a license pool, and a job that holds one license while it runs
    const licensed = {
      Resources: {
        Licenses: { Type: 'AWS::Batch::ConsumableResource', Properties: { ConsumableResourceName: 'licenses', TotalQuantity: 2, ResourceType: 'REPLENISHABLE' } },
        Job: {
          Type: 'AWS::Batch::JobDefinition',
          Properties: {
            Type: 'container',
            ContainerProperties: { Image: 'busybox', Command: ['true'], ResourceRequirements: [{ Type: 'VCPU', Value: '1' }, { Type: 'MEMORY', Value: '128' }] },
            ConsumableResourceProperties: { ConsumableResourceList: [{ ConsumableResource: { Ref: 'Licenses' }, Quantity: 1 }] },
          },
        },
      },
    };
    // WHEN
    const first = await loadTemplate(engine, licensed);
    const second = await loadTemplate(engine, licensed);
    // THEN
    expect(first.findings).toEqual([]);
    expect(first.resources.map((r) => [r.logicalId, r.status, r.arn])).toEqual([
      ['Licenses', 'created', 'arn:aws:batch:us-east-1:123456789012:consumable-resource/licenses'],
      ['Job', 'created', 'arn:aws:batch:us-east-1:123456789012:job-definition/Job:1'],
    ]);
    expect(second.resources.map((r) => r.status)).toEqual(['existing', 'existing']);
    const pool = await engine.describeConsumableResource({ consumableResource: 'licenses' });
    expect([pool.totalQuantity, pool.resourceType]).toEqual([2, 'REPLENISHABLE']);
    const definition = (await engine.describeJobDefinitions({ jobDefinitionName: 'Job' })).jobDefinitions![0];
    expect(definition.consumableResourceProperties?.consumableResourceList).toEqual([{ consumableResource: pool.consumableResourceArn, quantity: 1 }]);
  });

  test('reports a resource the engine refuses as an error and goes on with the others', async () => {
    // GIVEN a queue whose compute environment is not a Batch resource of the template
    const broken = {
      Resources: {
        Queue: { Type: 'AWS::Batch::JobQueue', Properties: { Priority: 1, ComputeEnvironmentOrder: [{ Order: 1, ComputeEnvironment: 'arn:aws:batch:us-east-1:123456789012:compute-environment/elsewhere' }] } },
        Jd: { Type: 'AWS::Batch::JobDefinition', Properties: { Type: 'container', ContainerProperties: { Image: 'x', Command: ['true'] } } },
      },
    };
    // WHEN
    const report = await loadTemplate(engine, broken);
    // THEN
    expect(report.findings).toEqual([{ level: 'error', logicalId: 'Queue', message: expect.stringMatching(/^Queue \(AWS::Batch::JobQueue\) was not created: .*elsewhere/) }]);
    expect(report.resources.map((r) => r.logicalId)).toEqual(['Jd']);
  });

  test('fails when the file is not a CloudFormation template', async () => {
    // GIVEN
    const notJson = join(tempDir, 'notes.txt');
    writeFileSync(notJson, 'hello');
    const noResources = join(tempDir, 'empty.json');
    writeFileSync(noResources, '{}');
    // THEN
    await expect(loadTemplate(engine, notJson)).rejects.toThrow(TemplateReadError);
    await expect(loadTemplate(engine, notJson)).rejects.toThrow(/^template .*notes\.txt is not JSON \(.*\); expected a synthesized CloudFormation template/);
    await expect(loadTemplate(engine, noResources)).rejects.toThrow(/empty\.json has no Resources section/);
    await expect(loadTemplate(engine, join(tempDir, 'absent.json'))).rejects.toThrow(/^cannot read template .*absent\.json: ENOENT$/);
  });
});
