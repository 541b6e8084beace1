import type * as batch from '@aws-sdk/client-batch';
import { HostProcessLauncher, type LaunchRequest } from '../../../runtime/engine/launcher';
import { openEngine, type EngineFixture } from './engine-fixture';

describe('instanceRole of MANAGED compute environments', () => {
  let fixture: EngineFixture;
  beforeAll(async () => {
    fixture = await openEngine();
  });
  afterAll(async () => {
    await fixture.engine.close();
  });

  test.each(['EC2', 'SPOT'])('fails when a %s compute environment has no instanceRole', async (type) => {
    // WHEN / THEN
    await expect(fixture.engine.createComputeEnvironment({
      computeEnvironmentName: `no-role-${type}`, type: 'MANAGED', computeResources: { type, maxvCpus: 4, subnets: ['subnet-1'] },
    } as batch.CreateComputeEnvironmentRequest)).rejects.toThrow(`computeResources.instanceRole is required for ${type} compute environment "no-role-${type}": expected the ECS instance profile's name or ARN (e.g. ecsInstanceRole); got nothing`);
  });

  test('a FARGATE compute environment needs none', async () => {
    // WHEN
    const created = await fixture.engine.createComputeEnvironment({
      computeEnvironmentName: 'fargate-no-role', type: 'MANAGED', computeResources: { type: 'FARGATE', maxvCpus: 4, subnets: ['subnet-1'] },
    });
    // THEN
    expect(created.computeEnvironmentName).toBe('fargate-no-role');
  });
});

describe('attempts[].container.containerInstanceArn', () => {
  test('names the pseudo container instance of the compute environment, in the engine\'s region and account', async () => {
    // GIVEN
    const fixture = await openEngine({ region: 'eu-west-1', accountId: '210987654321' });
    try {
      await fixture.define('one', ['true']);
      const first = await fixture.waitFor(await fixture.submit('a', 'one'));
      const second = await fixture.waitFor(await fixture.submit('b', 'one'));
      // THEN
      const arn = first.attempts![0].container!.containerInstanceArn;
      expect(arn).toMatch(/^arn:aws:ecs:eu-west-1:210987654321:container-instance\/ce\/[0-9a-f]{32}$/);
      expect(second.attempts![0].container!.containerInstanceArn).toBe(arn);
      expect(first.container!.containerInstanceArn).toBe(arn);
    } finally {
      await fixture.engine.close();
    }
  });
});

describe('multi-node jobs whose main node exits at once', () => {
  test('every other node is launched before the main node, and the job stops when its last attempt does', async () => {
    // GIVEN a real host-process launcher that records the order of launches
    const launched: string[] = [];
    const host = new HostProcessLauncher();
    const recording = { launch: (request: LaunchRequest) => { launched.push(request.environment.AWS_BATCH_JOB_NODE_INDEX ?? '?'); return host.launch(request); } };
    const fixture = await openEngine({ launcher: recording });
    try {
      await fixture.engine.registerJobDefinition({
        jobDefinitionName: 'quick-main', type: 'multinode',
        nodeProperties: { numNodes: 3, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:2', container: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 } }] },
      });
      // WHEN
      const jobId = await fixture.submit('mnp', 'quick-main');
      const detail = await fixture.waitFor(jobId);
      // THEN
      expect(launched).toEqual(['1', '2', '0']);
      expect(detail.status).toBe('SUCCEEDED');
      expect(detail.stoppedAt).toBe(detail.attempts![detail.attempts!.length - 1].stoppedAt);
      for (const index of [0, 1, 2]) {
        const node = await fixture.describe(`${jobId}#${index}`);
        expect(node.stoppedAt).toBe(node.attempts![node.attempts!.length - 1].stoppedAt);
      }
    } finally {
      await fixture.engine.close();
    }
  });

  test('a container job stops when its last attempt does', async () => {
    // GIVEN
    const fixture = await openEngine();
    try {
      await fixture.define('exit-1', ['sh', '-c', 'exit 1'], { retryStrategy: { attempts: 2 } });
      // WHEN
      const detail = await fixture.waitFor(await fixture.submit('retried', 'exit-1'));
      // THEN
      expect(detail.attempts).toHaveLength(2);
      expect(detail.stoppedAt).toBe(detail.attempts![1].stoppedAt);
    } finally {
      await fixture.engine.close();
    }
  });
});
