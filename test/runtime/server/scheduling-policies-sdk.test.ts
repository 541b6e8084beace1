import {
  BatchClient, ClientException, CreateComputeEnvironmentCommand, CreateJobQueueCommand, CreateSchedulingPolicyCommand, DeleteSchedulingPolicyCommand,
  DescribeSchedulingPoliciesCommand, GetJobQueueSnapshotCommand, ListSchedulingPoliciesCommand, ListTagsForResourceCommand, RegisterJobDefinitionCommand,
  SubmitJobCommand, TagResourceCommand, UpdateJobQueueCommand, UpdateSchedulingPolicyCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

let engine: LocalBatchEngine;
let server: RunningBatchServer;
let batch: BatchClient;
const ARN_PREFIX = 'arn:aws:batch:eu-west-1:123456789012';

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ region: 'eu-west-1', launcher: 'process', killGraceMs: 100 });
  server = await startBatchServer({ api: engine });
  batch = new BatchClient({ endpoint: server.url, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  // DISABLED: submitted jobs stay RUNNABLE, so the snapshot has something to show.
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED', unmanagedvCpus: 1, state: 'DISABLED' }));
  await batch.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'jd', type: 'container', schedulingPriority: 5, containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 },
  }));
});

afterAll(async () => {
  batch.destroy();
  await server.close();
  await engine.close();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClientException);
  expect((error as ClientException).$metadata.httpStatusCode).toBe(400);
  return (error as ClientException).message;
}

describe('scheduling policies through the AWS SDK', () => {
  test('create, describe, list, update and tag a policy', async () => {
    // WHEN
    const created = await batch.send(new CreateSchedulingPolicyCommand({
      name: 'research', tags: { team: 'ml' },
      fairsharePolicy: { shareDecaySeconds: 600, computeReservation: 10, shareDistribution: [{ shareIdentifier: 'alpha', weightFactor: 0.5 }, { shareIdentifier: 'beta*' }] },
    }));
    await batch.send(new UpdateSchedulingPolicyCommand({ arn: created.arn, fairsharePolicy: { shareDecaySeconds: 60 } }));
    await batch.send(new TagResourceCommand({ resourceArn: created.arn, tags: { cost: 'x' } }));
    const described = await batch.send(new DescribeSchedulingPoliciesCommand({ arns: [created.arn!, `${ARN_PREFIX}:scheduling-policy/missing`] }));
    const listed = await batch.send(new ListSchedulingPoliciesCommand({}));
    const tags = await batch.send(new ListTagsForResourceCommand({ resourceArn: created.arn }));
    // THEN
    expect(created).toMatchObject({ name: 'research', arn: `${ARN_PREFIX}:scheduling-policy/research` });
    expect(described.schedulingPolicies).toEqual([{ name: 'research', arn: created.arn, fairsharePolicy: { shareDecaySeconds: 60 }, tags: { team: 'ml', cost: 'x' } }]);
    expect(listed.schedulingPolicies).toContainEqual({ arn: created.arn });
    expect(tags.tags).toEqual({ team: 'ml', cost: 'x' });
  });

  test.each([
    ['shareDecaySeconds over a week', { shareDecaySeconds: 604801 }, /fairsharePolicy.shareDecaySeconds must be an integer from 0 to 604800: given 604801/],
    ['computeReservation of 100', { computeReservation: 100 }, /fairsharePolicy.computeReservation must be an integer from 0 to 99: given 100/],
    ['weightFactor of 1000', { shareDistribution: [{ shareIdentifier: 'a', weightFactor: 1000 }] }, /weightFactor must be a number from 0.0001 to 999.9999: given 1000/],
    ['a share identifier with a hyphen', { shareDistribution: [{ shareIdentifier: 'a-b' }] }, /shareIdentifier "a-b" is not a share identifier/],
    ['overlapping share identifiers', { shareDistribution: [{ shareIdentifier: 'UserA*' }, { shareIdentifier: 'UserA1' }] }, /"UserA1" overlaps "UserA\*"/],
    ['501 share identifiers', { shareDistribution: Array.from({ length: 501 }, (_, i) => ({ shareIdentifier: `s${i}` })) }, /at most 500 entries: given 501 entries/],
  ])('fails when the fair-share policy has %s', async (_label, fairsharePolicy, message) => {
    await expect(refusal(batch.send(new CreateSchedulingPolicyCommand({ name: 'bad', fairsharePolicy })))).resolves.toMatch(message);
  });

  test('a fair-share queue needs an existing policy, requires shareIdentifier, and keeps its policy in use', async () => {
    // GIVEN
    const { arn } = await batch.send(new CreateSchedulingPolicyCommand({ name: 'shared', fairsharePolicy: {} }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'fifo', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
    // WHEN
    const unknownPolicy = await refusal(batch.send(new CreateJobQueueCommand({
      jobQueueName: 'nope', priority: 1, schedulingPolicyArn: `${ARN_PREFIX}:scheduling-policy/missing`, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }],
    })));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'fair', priority: 1, schedulingPolicyArn: arn, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
    // THEN
    expect(unknownPolicy).toMatch(/schedulingPolicyArn ".*scheduling-policy\/missing" names no scheduling policy/);
    await expect(refusal(batch.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'fair', jobDefinition: 'jd' })))).resolves.toMatch(/shareIdentifier is required/);
    await expect(refusal(batch.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'fifo', jobDefinition: 'jd', shareIdentifier: 'a' })))).resolves.toMatch(/has no fair-share scheduling policy/);
    await expect(refusal(batch.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'fair', jobDefinition: 'jd', shareIdentifier: 'a', schedulingPriorityOverride: 10000 }))))
      .resolves.toMatch(/schedulingPriorityOverride must be an integer from 0 to 9999/);
    await expect(refusal(batch.send(new UpdateJobQueueCommand({ jobQueue: 'fifo', schedulingPolicyArn: arn })))).resolves.toMatch(/a first-in, first-out queue cannot be given one/);
    await expect(refusal(batch.send(new DeleteSchedulingPolicyCommand({ arn })))).resolves.toMatch(/is used by job queue "fair"/);
  });

  test('GetJobQueueSnapshot lists RUNNABLE jobs in the order they would start', async () => {
    // GIVEN
    const { arn } = await batch.send(new CreateSchedulingPolicyCommand({ name: 'snap', fairsharePolicy: {} }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'snapq', priority: 1, schedulingPolicyArn: arn, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
    const low = await batch.send(new SubmitJobCommand({ jobName: 'low', jobQueue: 'snapq', jobDefinition: 'jd', shareIdentifier: 'a', schedulingPriorityOverride: 1 }));
    const high = await batch.send(new SubmitJobCommand({ jobName: 'high', jobQueue: 'snapq', jobDefinition: 'jd', shareIdentifier: 'a' }));
    let snapshot = await batch.send(new GetJobQueueSnapshotCommand({ jobQueue: 'snapq' }));
    for (let i = 0; i < 200 && snapshot.frontOfQueue?.jobs?.length !== 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      snapshot = await batch.send(new GetJobQueueSnapshotCommand({ jobQueue: 'snapq' }));
    }
    // THEN: the definition's schedulingPriority 5 beats the override 1
    expect(snapshot.frontOfQueue!.jobs!.map((job) => job.jobArn)).toEqual([high.jobArn, low.jobArn]);
    expect(typeof snapshot.frontOfQueue!.lastUpdatedAt).toBe('number');
    await expect(refusal(batch.send(new GetJobQueueSnapshotCommand({ jobQueue: 'missing' })))).resolves.toMatch(/job queue "missing" does not exist/);
  });

  test('an unused policy can be deleted', async () => {
    // GIVEN
    const { arn } = await batch.send(new CreateSchedulingPolicyCommand({ name: 'unused' }));
    // WHEN
    await batch.send(new DeleteSchedulingPolicyCommand({ arn }));
    // THEN
    expect((await batch.send(new DescribeSchedulingPoliciesCommand({ arns: [arn!] }))).schedulingPolicies).toEqual([]);
  });
});
