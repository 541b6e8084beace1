import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  BatchClient, ClientException, CreateComputeEnvironmentCommand, CreateConsumableResourceCommand, CreateJobQueueCommand, DeleteConsumableResourceCommand,
  DescribeConsumableResourceCommand, DescribeJobDefinitionsCommand, DescribeJobsCommand, ListConsumableResourcesCommand, ListJobsByConsumableResourceCommand,
  ListTagsForResourceCommand, RegisterJobDefinitionCommand, SubmitJobCommand, TagResourceCommand, UpdateConsumableResourceCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

const execFileAsync = promisify(execFile);
const ARN_PREFIX = 'arn:aws:batch:eu-west-1:123456789012';

let engine: LocalBatchEngine;
let server: RunningBatchServer;
let batch: BatchClient;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ region: 'eu-west-1', launcher: 'process', killGraceMs: 100 });
  server = await startBatchServer({ api: engine });
  batch = new BatchClient({ endpoint: server.url, region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  // DISABLED: submitted jobs stay RUNNABLE and keep needing their resources.
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED', unmanagedvCpus: 1, state: 'DISABLED' }));
  await batch.send(new CreateJobQueueCommand({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
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

/** Runs `aws batch <args> --endpoint-url <server>` (AWS CLI v1) and parses its JSON output. */
async function awsBatch(...args: string[]): Promise<Record<string, unknown>> {
  const env = {
    ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'eu-west-1',
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '',
  };
  const { stdout } = await execFileAsync('aws', ['batch', ...args, '--endpoint-url', server.url, '--output', 'json'], { env, timeout: 30000 });
  return stdout.trim() === '' ? {} : JSON.parse(stdout) as Record<string, unknown>;
}

describe('consumable resources through the AWS SDK', () => {
  test('create, describe, list, update, tag and delete a resource', async () => {
    // WHEN
    const created = await batch.send(new CreateConsumableResourceCommand({ consumableResourceName: 'sdk-licence', totalQuantity: 4, tags: { team: 'ml' } }));
    const updated = await batch.send(new UpdateConsumableResourceCommand({ consumableResource: created.consumableResourceArn, operation: 'ADD', quantity: 2 }));
    await batch.send(new TagResourceCommand({ resourceArn: created.consumableResourceArn, tags: { cost: 'x' } }));
    const described = await batch.send(new DescribeConsumableResourceCommand({ consumableResource: 'sdk-licence' }));
    const listed = await batch.send(new ListConsumableResourcesCommand({ filters: [{ name: 'CONSUMABLE_RESOURCE_NAME', values: ['SDK-*'] }] }));
    const tags = await batch.send(new ListTagsForResourceCommand({ resourceArn: created.consumableResourceArn }));
    await batch.send(new DeleteConsumableResourceCommand({ consumableResource: 'sdk-licence' }));
    const afterDelete = await refusal(batch.send(new DescribeConsumableResourceCommand({ consumableResource: 'sdk-licence' })));
    // THEN
    expect(created).toMatchObject({ consumableResourceName: 'sdk-licence', consumableResourceArn: `${ARN_PREFIX}:consumable-resource/sdk-licence` });
    expect(updated).toMatchObject({ consumableResourceName: 'sdk-licence', totalQuantity: 6 });
    expect(described).toMatchObject({
      consumableResourceName: 'sdk-licence', consumableResourceArn: created.consumableResourceArn, totalQuantity: 6, inUseQuantity: 0, availableQuantity: 6,
      resourceType: 'REPLENISHABLE', tags: { team: 'ml', cost: 'x' },
    });
    expect(typeof described.createdAt).toBe('number');
    expect(listed.consumableResources).toEqual([{
      consumableResourceArn: created.consumableResourceArn, consumableResourceName: 'sdk-licence', totalQuantity: 6, inUseQuantity: 0, resourceType: 'REPLENISHABLE',
    }]);
    expect(tags.tags).toEqual({ team: 'ml', cost: 'x' });
    expect(afterDelete).toMatch(/consumableResource "sdk-licence" names no consumable resource/);
  });

  test('a repeated clientToken applies an update once; another payload with it is refused', async () => {
    // GIVEN
    await batch.send(new CreateConsumableResourceCommand({ consumableResourceName: 'tokens', totalQuantity: 1 }));
    // WHEN
    await batch.send(new UpdateConsumableResourceCommand({ consumableResource: 'tokens', operation: 'ADD', quantity: 5, clientToken: 't1' }));
    const again = await batch.send(new UpdateConsumableResourceCommand({ consumableResource: 'tokens', operation: 'ADD', quantity: 5, clientToken: 't1' }));
    const other = await refusal(batch.send(new UpdateConsumableResourceCommand({ consumableResource: 'tokens', operation: 'ADD', quantity: 1, clientToken: 't1' })));
    // THEN
    expect(again.totalQuantity).toBe(6);
    expect(other).toMatch(/clientToken "t1" was already used by an update with another payload/);
  });

  test.each([
    ['a name with a space', { consumableResourceName: 'my licence' }, /consumableResourceName "my licence" is not a valid name: expected 1 to 128 characters/],
    ['a negative total', { consumableResourceName: 'neg', totalQuantity: -1 }, /totalQuantity must be an integer from 0 to \d+: given -1/],
    ['an unknown type', { consumableResourceName: 'kind', resourceType: 'SOMETIMES' }, /resourceType must be one of REPLENISHABLE, NON_REPLENISHABLE: given "SOMETIMES"/],
  ])('fails when CreateConsumableResource has %s', async (_label, input, message) => {
    await expect(refusal(batch.send(new CreateConsumableResourceCommand(input)))).resolves.toMatch(message);
  });

  test('fails when a resource is created twice, updated below zero, filtered by an unknown name, or deleted while a job needs it', async () => {
    // GIVEN
    await batch.send(new CreateConsumableResourceCommand({ consumableResourceName: 'busy', totalQuantity: 1 }));
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'needs-busy', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 },
      consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'busy', quantity: 1 }] },
    }));
    const { jobId } = await batch.send(new SubmitJobCommand({ jobName: 'waits', jobQueue: 'q', jobDefinition: 'needs-busy' }));
    // THEN
    await expect(refusal(batch.send(new CreateConsumableResourceCommand({ consumableResourceName: 'busy' })))).resolves.toMatch(/consumable resource "busy" already exists/);
    await expect(refusal(batch.send(new UpdateConsumableResourceCommand({ consumableResource: 'busy', operation: 'REMOVE', quantity: 2 }))))
      .resolves.toMatch(/REMOVE 2 would leave consumable resource "busy" with a total of -1: expected a total from 0/);
    await expect(refusal(batch.send(new UpdateConsumableResourceCommand({ consumableResource: 'busy', operation: 'DOUBLE' as never, quantity: 2 }))))
      .resolves.toMatch(/operation must be one of SET, ADD, REMOVE: given "DOUBLE"/);
    await expect(refusal(batch.send(new ListConsumableResourcesCommand({ filters: [{ name: 'NAME', values: ['x'] }] }))))
      .resolves.toMatch(/filters\[0\].name "NAME" is not a filter of this operation: expected CONSUMABLE_RESOURCE_NAME/);
    await expect(refusal(batch.send(new DeleteConsumableResourceCommand({ consumableResource: 'busy' }))))
      .resolves.toMatch(new RegExp(`consumable resource "busy" is needed by job "${jobId}", which has not finished`));
    await expect(refusal(batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'zero', type: 'container', containerProperties: { image: 'busybox', command: ['true'] },
      consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'busy', quantity: 0 }] },
    })))).resolves.toMatch(/consumableResourceList\[0\].quantity must be an integer from 1 to \d+: given 0/);
  });

  test('job definitions and jobs describe their needs; ListJobsByConsumableResource finds the jobs', async () => {
    // GIVEN
    await batch.send(new CreateConsumableResourceCommand({ consumableResourceName: 'db', totalQuantity: 10 }));
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'uses-db', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 },
      consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'db', quantity: 2 }] },
    }));
    // WHEN
    const plain = await batch.send(new SubmitJobCommand({ jobName: 'plain', jobQueue: 'q', jobDefinition: 'uses-db' }));
    const heavy = await batch.send(new SubmitJobCommand({
      jobName: 'heavy', jobQueue: 'q', jobDefinition: 'uses-db', consumableResourcePropertiesOverride: { consumableResourceList: [{ consumableResource: `${ARN_PREFIX}:consumable-resource/db`, quantity: 5 }] },
    }));
    const definition = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitions: ['uses-db'] }));
    const jobs = await batch.send(new DescribeJobsCommand({ jobs: [plain.jobId!, heavy.jobId!] }));
    const all = await batch.send(new ListJobsByConsumableResourceCommand({ consumableResource: 'db' }));
    const heavyOnly = await batch.send(new ListJobsByConsumableResourceCommand({ consumableResource: 'db', filters: [{ name: 'JOB_NAME', values: ['HEA*'] }] }));
    const unknownStatus = await refusal(batch.send(new ListJobsByConsumableResourceCommand({ consumableResource: 'db', filters: [{ name: 'JOB_STATUS', values: ['DONE'] }] })));
    // THEN
    expect(definition.jobDefinitions![0].consumableResourceProperties).toEqual({ consumableResourceList: [{ consumableResource: 'db', quantity: 2 }] });
    expect(jobs.jobs!.map((job) => job.consumableResourceProperties?.consumableResourceList)).toEqual([[{ consumableResource: 'db', quantity: 2 }], [{ consumableResource: 'db', quantity: 5 }]]);
    expect(all.jobs!.map((job) => [job.jobName, job.quantity, job.jobStatus])).toEqual([['plain', 2, 'RUNNABLE'], ['heavy', 5, 'RUNNABLE']]);
    expect(all.jobs![1]).toMatchObject({ jobArn: `${ARN_PREFIX}:job/${heavy.jobId}`, jobQueueArn: `${ARN_PREFIX}:job-queue/q`, jobDefinitionArn: `${ARN_PREFIX}:job-definition/uses-db:1` });
    expect(heavyOnly.jobs!.map((job) => job.jobName)).toEqual(['heavy']);
    expect(unknownStatus).toMatch(/filters JOB_STATUS value "DONE" is not a job status/);
  });
});

describe('consumable resources through the AWS CLI', () => {
  test('every operation, and an error naming what was wrong', async () => {
    // WHEN
    const created = await awsBatch('create-consumable-resource', '--consumable-resource-name', 'cli-seat', '--total-quantity', '3', '--resource-type', 'NON_REPLENISHABLE');
    const updated = await awsBatch('update-consumable-resource', '--consumable-resource', 'cli-seat', '--operation', 'SET', '--quantity', '7');
    const described = await awsBatch('describe-consumable-resource', '--consumable-resource', 'cli-seat');
    const listed = await awsBatch('list-consumable-resources', '--filters', 'name=CONSUMABLE_RESOURCE_NAME,values=cli-*');
    const jobs = await awsBatch('list-jobs-by-consumable-resource', '--consumable-resource', 'cli-seat');
    const deleted = await awsBatch('delete-consumable-resource', '--consumable-resource', 'cli-seat');
    const error = await awsBatch('describe-consumable-resource', '--consumable-resource', 'cli-seat').then(() => undefined, (e: { code: number; stderr: string }) => e);
    // THEN
    expect(created).toEqual({ consumableResourceName: 'cli-seat', consumableResourceArn: `${ARN_PREFIX}:consumable-resource/cli-seat` });
    expect(updated).toEqual({ consumableResourceName: 'cli-seat', consumableResourceArn: `${ARN_PREFIX}:consumable-resource/cli-seat`, totalQuantity: 7 });
    expect(described).toMatchObject({ totalQuantity: 7, inUseQuantity: 0, availableQuantity: 7, resourceType: 'NON_REPLENISHABLE' });
    expect((listed.consumableResources as Array<{ consumableResourceName: string }>).map((r) => r.consumableResourceName)).toEqual(['cli-seat']);
    expect(jobs).toEqual({ jobs: [] });
    expect(deleted).toEqual({});
    expect(error?.code).toBe(255);
    expect(error?.stderr).toMatch(/ClientException.*consumableResource "cli-seat" names no consumable resource/);
  });
});
