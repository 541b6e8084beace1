import {
  BatchClient, ClientException, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobQueuesCommand, ListTagsForResourceCommand,
  RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

interface RegionalEndpoint {
  readonly engine: LocalBatchEngine;
  readonly server: RunningBatchServer;
}

const endpoints: RegionalEndpoint[] = [];
const clients: BatchClient[] = [];

async function endpointFor(region: string, accountId: string): Promise<string> {
  const engine = await LocalBatchEngine.open({ region, accountId, launcher: 'process', killGraceMs: 100 });
  const server = await startBatchServer({ api: engine });
  endpoints.push({ engine, server });
  return server.url;
}

function clientFor(endpoint: string, region: string): BatchClient {
  const client = new BatchClient({ endpoint, region, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

async function createResources(client: BatchClient): Promise<void> {
  await client.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED', unmanagedvCpus: 1, state: 'DISABLED' }));
  await client.send(new CreateJobQueueCommand({ jobQueueName: 'queue', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
  await client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'jd', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 } }));
}

async function refusal(promise: Promise<unknown>): Promise<ClientException> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(ClientException);
  expect((error as ClientException).$metadata.httpStatusCode).toBe(400);
  return error as ClientException;
}

afterAll(async () => {
  clients.forEach((client) => client.destroy());
  for (const { server, engine } of endpoints) {
    await server.close();
    await engine.close();
  }
});

describe('region and account of the local server', () => {
  test('SDK clients signed for eu-west-1 and eu-central-1 get ARNs of their own region', async () => {
    // GIVEN
    const west = clientFor(await endpointFor('eu-west-1', '111122223333'), 'eu-west-1');
    const central = clientFor(await endpointFor('eu-central-1', '111122223333'), 'eu-central-1');
    await createResources(west);
    await createResources(central);
    // WHEN
    const westJob = await west.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'queue', jobDefinition: 'jd' }));
    const centralJob = await central.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'queue', jobDefinition: 'jd' }));
    const westQueues = await west.send(new DescribeJobQueuesCommand({}));
    // THEN
    expect(westJob.jobArn).toBe(`arn:aws:batch:eu-west-1:111122223333:job/${westJob.jobId}`);
    expect(centralJob.jobArn).toBe(`arn:aws:batch:eu-central-1:111122223333:job/${centralJob.jobId}`);
    expect(westQueues.jobQueues).toEqual([expect.objectContaining({
      jobQueueArn: 'arn:aws:batch:eu-west-1:111122223333:job-queue/queue',
      computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'arn:aws:batch:eu-west-1:111122223333:compute-environment/ce' }],
    })]);
  });

  test('fails when a request is signed for a region the endpoint does not serve, naming both', async () => {
    // GIVEN
    const endpoint = await endpointFor('eu-west-1', '111122223333');
    const stranger = clientFor(endpoint, 'eu-central-1');
    // WHEN
    const error = await refusal(stranger.send(new DescribeJobQueuesCommand({})));
    // THEN
    expect(error.message).toMatch(/signed for region "eu-central-1" but this endpoint serves region "eu-west-1"/);
  });

  test('an ARN of another region or account names nothing', async () => {
    // GIVEN
    const client = clientFor(await endpointFor('eu-west-1', '111122223333'), 'eu-west-1');
    await createResources(client);
    // WHEN
    const otherRegion = await client.send(new DescribeJobQueuesCommand({ jobQueues: ['arn:aws:batch:eu-central-1:111122223333:job-queue/queue'] }));
    const otherAccount = await client.send(new DescribeJobQueuesCommand({ jobQueues: ['arn:aws:batch:eu-west-1:123456789012:job-queue/queue'] }));
    const ownArn = await client.send(new DescribeJobQueuesCommand({ jobQueues: ['arn:aws:batch:eu-west-1:111122223333:job-queue/queue'] }));
    // THEN
    expect(otherRegion.jobQueues).toEqual([]);
    expect(otherAccount.jobQueues).toEqual([]);
    expect(ownArn.jobQueues).toHaveLength(1);
    await expect(refusal(client.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'arn:aws:batch:eu-central-1:111122223333:job-queue/queue', jobDefinition: 'jd' }))))
      .resolves.toMatchObject({ message: expect.stringMatching(/job queue .* does not exist/) });
    await expect(refusal(client.send(new SubmitJobCommand({ jobName: 'j', jobQueue: 'queue', jobDefinition: 'arn:aws:batch:us-east-1:111122223333:job-definition/jd:1' }))))
      .resolves.toMatchObject({ message: expect.stringMatching(/does not exist/) });
    await expect(refusal(client.send(new ListTagsForResourceCommand({ resourceArn: 'arn:aws:batch:eu-west-1:123456789012:job-queue/queue' }))))
      .resolves.toMatchObject({ message: expect.stringMatching(/names no/) });
  });
});
