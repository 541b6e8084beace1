import type * as batch from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';

describe('compute environments, queues and job definitions', () => {
  let engine: LocalBatchEngine;
  beforeEach(async () => {
    engine = await LocalBatchEngine.open({ hostCapacity: { vcpus: 2, memoryMiB: 2048 } });
  });
  afterEach(async () => {
    await engine.close();
  });

  const managed = (name: string, type = 'EC2') => engine.createComputeEnvironment({
    computeEnvironmentName: name, type: 'MANAGED', computeResources: { type, maxvCpus: 16, subnets: [], instanceRole: type.startsWith('FARGATE') ? undefined : 'ecsInstanceRole' },
  } as unknown as batch.CreateComputeEnvironmentRequest);

  test('a compute environment is created VALID with AWS ARNs, described by name or ARN', async () => {
    const created = await managed('ce-1');
    expect(created).toEqual({ computeEnvironmentName: 'ce-1', computeEnvironmentArn: 'arn:aws:batch:us-east-1:123456789012:compute-environment/ce-1' });
    const [byArn] = (await engine.describeComputeEnvironments({ computeEnvironments: [created.computeEnvironmentArn!] })).computeEnvironments!;
    expect(byArn).toMatchObject({ computeEnvironmentName: 'ce-1', type: 'MANAGED', state: 'ENABLED', status: 'VALID' });
  });

  test('fails when a compute environment name is taken, or MANAGED has no computeResources', async () => {
    await managed('dup');
    await expect(managed('dup')).rejects.toThrow('compute environment "dup" already exists');
    await expect(engine.createComputeEnvironment({ computeEnvironmentName: 'bare', type: 'MANAGED' })).rejects.toThrow('computeResources is required for a MANAGED compute environment "bare"');
  });

  test('fails when deleting an ENABLED compute environment or one a queue uses', async () => {
    await managed('used');
    await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'used' }] });
    await expect(engine.deleteComputeEnvironment({ computeEnvironment: 'used' })).rejects.toThrow('compute environment "used" is ENABLED: disable it before deleting it');
    await engine.updateComputeEnvironment({ computeEnvironment: 'used', state: 'DISABLED' });
    await expect(engine.deleteComputeEnvironment({ computeEnvironment: 'used' })).rejects.toThrow('compute environment "used" is still used by job queue "q": remove it from the queue first');
  });

  test('fails when a queue mixes EC2 and Fargate, repeats an order, or lists 4 compute environments', async () => {
    await managed('ec2');
    await managed('fargate', 'FARGATE');
    await expect(engine.createJobQueue({ jobQueueName: 'mixed', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ec2' }, { order: 2, computeEnvironment: 'fargate' }] }))
      .rejects.toThrow('computeEnvironmentOrder mixes EC2/SPOT and FARGATE/FARGATE_SPOT compute environments: expected all of one kind');
    await expect(engine.createJobQueue({ jobQueueName: 'twice', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ec2' }, { order: 1, computeEnvironment: 'ec2' }] }))
      .rejects.toThrow('computeEnvironmentOrder[1].order 1 is used twice: expected distinct orders');
    await expect(engine.createJobQueue({ jobQueueName: 'four', priority: 1, computeEnvironmentOrder: Array.from({ length: 4 }, (_, order) => ({ order, computeEnvironment: 'ec2' })) }))
      .rejects.toThrow('computeEnvironmentOrder must list 1 to 3 compute environments');
  });

  test('fails when a time-limit action is shorter than 600 seconds', async () => {
    await managed('ce');
    await expect(engine.createJobQueue({
      jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }],
      jobStateTimeLimitActions: [{ reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', state: 'RUNNABLE', maxTimeSeconds: 599, action: 'CANCEL' }],
    })).rejects.toThrow('jobStateTimeLimitActions[0].maxTimeSeconds must be an integer from 600 to 86400: given 599');
  });

  test('fails when deleting an ENABLED queue; a DISABLED one is deleted', async () => {
    await managed('ce');
    await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
    await expect(engine.deleteJobQueue({ jobQueue: 'q' })).rejects.toThrow('job queue "q" is ENABLED: disable it before deleting it');
    await engine.updateJobQueue({ jobQueue: 'q', state: 'DISABLED' });
    await engine.deleteJobQueue({ jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q' });
    expect((await engine.describeJobQueues({})).jobQueues).toEqual([]);
  });

  test('job definition revisions count up; deregistering makes one INACTIVE; describe filters by name and status', async () => {
    for (const command of [['a'], ['b'], ['c']]) {
      await engine.registerJobDefinition({ jobDefinitionName: 'jd', type: 'container', containerProperties: { command } });
    }
    await engine.deregisterJobDefinition({ jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/jd:2' });
    const active = (await engine.describeJobDefinitions({ jobDefinitionName: 'jd', status: 'ACTIVE' })).jobDefinitions!;
    expect(active.map((definition) => definition.revision)).toEqual([1, 3]);
    const byName = (await engine.describeJobDefinitions({ jobDefinitions: ['jd'] })).jobDefinitions!;
    expect(byName.map((definition) => [definition.revision, definition.status])).toEqual([[1, 'ACTIVE'], [2, 'INACTIVE'], [3, 'ACTIVE']]);
  });

  test('fails when a multinode job definition has no node properties', async () => {
    await expect(engine.registerJobDefinition({ jobDefinitionName: 'mnp', type: 'multinode' })).rejects.toThrow('nodeProperties is required for a multinode job definition "mnp"');
  });

  test('canEverRun: a definition fits a queue of its platform whose enabled compute environments can hold it', async () => {
    // GIVEN: a 2-vCPU, 2 GiB host; an EC2 queue and a Fargate queue
    await managed('ec2');
    await managed('fargate', 'FARGATE');
    await engine.createJobQueue({ jobQueueName: 'ec2-q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ec2' }] });
    await engine.createJobQueue({ jobQueueName: 'fargate-q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'fargate' }] });
    const define = (jobDefinitionName: string, vcpus: string, memory: string, platformCapabilities?: batch.PlatformCapability[]) => engine.registerJobDefinition({
      jobDefinitionName, type: 'container', platformCapabilities,
      containerProperties: { image: 'x', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: vcpus }, { type: 'MEMORY', value: memory }] },
    });
    await define('small', '1', '512');
    await define('wide', '4', '512');
    await define('heavy', '1', '4096');
    await define('serverless', '1', '512', ['FARGATE']);
    // THEN
    expect(engine.canEverRun('ec2-q', 'small')).toBe(true);
    expect(engine.canEverRun('ec2-q', 'wide')).toBe(false);
    expect(engine.canEverRun('ec2-q', 'heavy')).toBe(false);
    expect(engine.canEverRun('ec2-q', 'serverless')).toBe(false);
    expect(engine.canEverRun('fargate-q', 'serverless')).toBe(true);
    expect(engine.canEverRun('fargate-q', 'small')).toBe(false);
    expect(engine.canEverRun('ec2-q', 'no-such-definition')).toBe(false);
    expect(engine.canEverRun('no-such-queue', 'small')).toBe(false);
    // WHEN: the only compute environment is disabled, or the queue is
    await engine.updateComputeEnvironment({ computeEnvironment: 'ec2', state: 'DISABLED' });
    expect(engine.canEverRun('ec2-q', 'small')).toBe(false);
    await engine.updateComputeEnvironment({ computeEnvironment: 'ec2', state: 'ENABLED' });
    await engine.updateJobQueue({ jobQueue: 'ec2-q', state: 'DISABLED' });
    expect(engine.canEverRun('ec2-q', 'small')).toBe(false);
  });
});
