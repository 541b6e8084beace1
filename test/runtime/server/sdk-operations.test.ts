import {
  BatchClient, CancelJobCommand, ClientException, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DeleteComputeEnvironmentCommand,
  DeleteJobQueueCommand, DeregisterJobDefinitionCommand, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand,
  DescribeJobsCommand, ListJobsCommand, ListTagsForResourceCommand, RegisterJobDefinitionCommand, SubmitJobCommand, TagResourceCommand,
  TerminateJobCommand, UntagResourceCommand, UpdateComputeEnvironmentCommand, UpdateJobQueueCommand, paginateListJobs, type JobDetail,
} from '@aws-sdk/client-batch';
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
    jobDefinitionName: 'shell', type: 'container',
    containerProperties: { image: 'busybox', command: ['sh', '-c', 'exit 0'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  }));
});

afterAll(async () => {
  batch.destroy();
  await server.close();
  await engine.close();
});

/** Polls DescribeJobs through the SDK until `done` holds; bounded, not timed. */
async function waitFor(jobId: string, done: (job: JobDetail) => boolean): Promise<JobDetail> {
  for (let i = 0; i < 400; i++) {
    const job = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs?.[0];
    if (job && done(job)) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${jobId} did not reach the expected state within 400 polls`);
}

async function clientError(promise: Promise<unknown>): Promise<ClientException> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ClientException);
  expect((err as ClientException).$metadata.httpStatusCode).toBe(400);
  return err as ClientException;
}

const isTerminal = (job: JobDetail) => job.status === 'SUCCEEDED' || job.status === 'FAILED';

describe('AWS SDK against the local server and engine', () => {
  test('SubmitJob, DescribeJobs and ListJobs: a job runs to SUCCEEDED', async () => {
    // WHEN
    const submitted = await batch.send(new SubmitJobCommand({ jobName: 'ok', jobQueue: 'main', jobDefinition: 'shell' }));
    const job = await waitFor(submitted.jobId!, isTerminal);
    const listed = await batch.send(new ListJobsCommand({ jobQueue: 'main', jobStatus: 'SUCCEEDED' }));
    // THEN
    expect(submitted).toMatchObject({ jobName: 'ok', jobArn: `arn:aws:batch:us-east-1:123456789012:job/${submitted.jobId}` });
    expect(job).toMatchObject({ status: 'SUCCEEDED', jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/main', attempts: [{ container: { exitCode: 0 } }] });
    expect(typeof job.createdAt).toBe('number');
    expect(listed.jobSummaryList?.map((s) => s.jobId)).toContain(submitted.jobId);
  });

  test('ListJobs pages with maxResults and nextToken through the SDK paginator', async () => {
    // GIVEN three jobs held RUNNABLE by a disabled compute environment
    await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'parked', type: 'UNMANAGED', state: 'DISABLED', unmanagedvCpus: 1 }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'parked-q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'parked' }] }));
    const submitted: string[] = [];
    for (const name of ['p1', 'p2', 'p3']) {
      submitted.push((await batch.send(new SubmitJobCommand({ jobName: name, jobQueue: 'parked-q', jobDefinition: 'shell' }))).jobId!);
    }
    for (const jobId of submitted) await waitFor(jobId, (j) => j.status === 'RUNNABLE');
    // WHEN
    const pages: string[][] = [];
    for await (const page of paginateListJobs({ client: batch, pageSize: 2 }, { jobQueue: 'parked-q', jobStatus: 'RUNNABLE' })) {
      pages.push(page.jobSummaryList!.map((s) => s.jobId!));
    }
    // THEN
    expect(pages.map((p) => p.length)).toEqual([2, 1]);
    expect(pages.flat().sort()).toEqual([...submitted].sort());
  });

  test('a failing command ends FAILED with its exit code', async () => {
    // WHEN
    const { jobId } = await batch.send(new SubmitJobCommand({ jobName: 'bad', jobQueue: 'main', jobDefinition: 'shell', containerOverrides: { command: ['sh', '-c', 'exit 3'] } }));
    const job = await waitFor(jobId!, isTerminal);
    // THEN
    expect(job).toMatchObject({ status: 'FAILED', container: { exitCode: 3 } });
  });

  test('CancelJob fails a job waiting on a dependency, TerminateJob stops a running one', async () => {
    // GIVEN
    const sleeper = await batch.send(new SubmitJobCommand({ jobName: 'sleeper', jobQueue: 'main', jobDefinition: 'shell', containerOverrides: { command: ['sleep', '30'] } }));
    const waiting = await batch.send(new SubmitJobCommand({ jobName: 'waiting', jobQueue: 'main', jobDefinition: 'shell', dependsOn: [{ jobId: sleeper.jobId }] }));
    await waitFor(sleeper.jobId!, (j) => j.status === 'RUNNING');
    // WHEN
    await batch.send(new CancelJobCommand({ jobId: waiting.jobId, reason: 'not needed' }));
    await batch.send(new TerminateJobCommand({ jobId: sleeper.jobId, reason: 'taking too long' }));
    // THEN
    expect(await waitFor(waiting.jobId!, isTerminal)).toMatchObject({ status: 'FAILED', statusReason: 'not needed' });
    expect(await waitFor(sleeper.jobId!, isTerminal)).toMatchObject({ status: 'FAILED', statusReason: 'taking too long' });
  });

  test('compute environment and job queue lifecycle: create, describe, update, delete', async () => {
    // WHEN
    const ce = await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'spare', type: 'UNMANAGED', unmanagedvCpus: 2 }));
    const queue = await batch.send(new CreateJobQueueCommand({ jobQueueName: 'spare-q', priority: 5, computeEnvironmentOrder: [{ order: 1, computeEnvironment: ce.computeEnvironmentArn }] }));
    await batch.send(new UpdateJobQueueCommand({ jobQueue: 'spare-q', priority: 7, state: 'DISABLED' }));
    const described = (await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['spare-q'] }))).jobQueues![0];
    await batch.send(new DeleteJobQueueCommand({ jobQueue: queue.jobQueueArn }));
    await batch.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: 'spare', state: 'DISABLED' }));
    const ceDescribed = (await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['spare'] }))).computeEnvironments![0];
    await batch.send(new DeleteComputeEnvironmentCommand({ computeEnvironment: 'spare' }));
    // THEN
    expect(ce).toEqual(expect.objectContaining({ computeEnvironmentName: 'spare', computeEnvironmentArn: 'arn:aws:batch:us-east-1:123456789012:compute-environment/spare' }));
    expect(described).toMatchObject({ jobQueueName: 'spare-q', priority: 7, state: 'DISABLED' });
    expect(ceDescribed).toMatchObject({ computeEnvironmentName: 'spare', type: 'UNMANAGED', state: 'DISABLED' });
    const remaining = await batch.send(new DescribeComputeEnvironmentsCommand({}));
    expect(remaining.computeEnvironments?.map((c) => c.computeEnvironmentName)).not.toContain('spare');
  });

  test('job definition revisions: register, describe, deregister', async () => {
    // WHEN
    const first = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'rev', type: 'container', containerProperties: { image: 'x', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] } }));
    const second = await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'rev', type: 'container', containerProperties: { image: 'y', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] } }));
    await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: 'rev:1' }));
    const active = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'rev', status: 'ACTIVE' }));
    // THEN
    expect([first.revision, second.revision]).toEqual([1, 2]);
    expect(active.jobDefinitions?.map((d) => [d.revision, d.status])).toEqual([[2, 'ACTIVE']]);
  });

  test('tags: TagResource, ListTagsForResource, UntagResource on a queue ARN', async () => {
    // GIVEN
    const queueArn = 'arn:aws:batch:us-east-1:123456789012:job-queue/main';
    // WHEN
    await batch.send(new TagResourceCommand({ resourceArn: queueArn, tags: { team: 'ml', 'cost center': '42' } }));
    const tagged = await batch.send(new ListTagsForResourceCommand({ resourceArn: queueArn }));
    await batch.send(new UntagResourceCommand({ resourceArn: queueArn, tagKeys: ['cost center'] }));
    const untagged = await batch.send(new ListTagsForResourceCommand({ resourceArn: queueArn }));
    // THEN
    expect(tagged.tags).toEqual({ team: 'ml', 'cost center': '42' });
    expect(untagged.tags).toEqual({ team: 'ml' });
  });

  describe('errors reach the SDK as ClientException with the engine message', () => {
    test('fails when the queue does not exist', async () => {
      const err = await clientError(batch.send(new SubmitJobCommand({ jobName: 'x', jobQueue: 'nope', jobDefinition: 'shell' })));
      expect(err.message).toMatch(/nope/);
    });

    test('fails with 21 dependencies', async () => {
      const dependsOn = Array.from({ length: 21 }, (_, i) => ({ jobId: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` }));
      const err = await clientError(batch.send(new SubmitJobCommand({ jobName: 'x', jobQueue: 'main', jobDefinition: 'shell', dependsOn })));
      expect(err.message).toMatch(/20/);
    });

    test('fails with an array size of 1', async () => {
      const err = await clientError(batch.send(new SubmitJobCommand({ jobName: 'x', jobQueue: 'main', jobDefinition: 'shell', arrayProperties: { size: 1 } })));
      expect(err.message).toMatch(/size/);
    });

    test('fails with 101 ids in DescribeJobs', async () => {
      const jobs = Array.from({ length: 101 }, (_, i) => `job-${i}`);
      const err = await clientError(batch.send(new DescribeJobsCommand({ jobs })));
      expect(err.message).toMatch(/100/);
    });

    test('fails when TerminateJob has no reason, before reaching the engine', async () => {
      const err = await clientError(batch.send(new TerminateJobCommand({ jobId: 'x' } as never)));
      expect(err.message).toBe("'reason' is required but was not given");
    });

    test('fails when the job definition does not exist', async () => {
      const err = await clientError(batch.send(new SubmitJobCommand({ jobName: 'x', jobQueue: 'main', jobDefinition: 'missing-def' })));
      expect(err.message).toMatch(/missing-def/);
    });
  });
});
