/**
 * A NUL in an environment variable name, sent through the AWS SDK to the local server, is
 * refused as AWS Batch refuses bad input: a ClientException (HTTP 400) naming the field, so no
 * job ever sees a spoofed `AWS_BATCH_JOB_ID`.
 */
import { BatchClient, ClientException, CreateComputeEnvironmentCommand, CreateJobQueueCommand, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

let engine: LocalBatchEngine;
let server: RunningBatchServer;
let batch: BatchClient;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ killGraceMs: 100 });
  server = await startBatchServer({ api: engine });
  batch = new BatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'local', type: 'UNMANAGED', unmanagedvCpus: 4 }));
  await batch.send(new CreateJobQueueCommand({ jobQueueName: 'main', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }] }));
  await batch.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'env', type: 'container',
    containerProperties: { image: 'busybox', command: ['env'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  }));
});

afterAll(async () => {
  batch.destroy();
  await server.close();
  await engine.close();
});

describe('control characters through the HTTP server', () => {
  test('fails when an environment name hides AWS_BATCH_JOB_ID behind a NUL, and no job is created', async () => {
    // WHEN
    const error = await batch.send(new SubmitJobCommand({
      jobName: 'spoof', jobQueue: 'main', jobDefinition: 'env',
      containerOverrides: { environment: [{ name: 'X\u0000AWS_BATCH_JOB_ID', value: 'someone-elses-job' }] },
    })).then(() => undefined, (e: unknown) => e);
    // THEN
    expect(error).toBeInstanceOf(ClientException);
    expect((error as ClientException).$metadata.httpStatusCode).toBe(400);
    expect((error as ClientException).message).toBe(
      'containerOverrides.environment[0].name "X\\u0000AWS_BATCH_JOB_ID" contains the control character U+0000: expected a name of printable characters');
    const listed = await batch.send(new ListJobsCommand({ jobQueue: 'main', filters: [{ name: 'JOB_NAME', values: ['spoof'] }] }));
    expect(listed.jobSummaryList).toEqual([]);
  });
});
