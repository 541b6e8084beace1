import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BatchClient, DescribeJobDefinitionsCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, type JobDetail,
} from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { openEngine, type EngineFixture } from '../engine/engine-fixture';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const RESOURCES = [{ type: 'VCPU' as const, value: '1' }, { type: 'MEMORY' as const, value: '128' }];

let fixture: EngineFixture;
let server: RunningBatchServer;
let batch: BatchClient;
let scratch: string;

beforeAll(async () => {
  fixture = await openEngine();
  server = await startBatchServer({ api: fixture.engine });
  batch = new BatchClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ecs-properties-'));
});

afterAll(async () => {
  batch.destroy();
  await server.close();
  await fixture.engine.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function finished(jobId: string): Promise<JobDetail> {
  for (let i = 0; i < 1500; i++) {
    const detail = (await batch.send(new DescribeJobsCommand({ jobs: [jobId] }))).jobs![0];
    if (detail.status === 'SUCCEEDED' || detail.status === 'FAILED') return detail;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${jobId} did not finish`);
}

describe('ecsProperties job definitions through the SDK', () => {
  test('a task job runs its essential container, and is described by its task', async () => {
    // GIVEN a task of an essential container and a sidecar that is not
    const sidecarMark = path.join(scratch, 'sidecar-ran');
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'ecs-task', type: 'container',
      ecsProperties: { taskProperties: [{ containers: [
        { name: 'main', image: 'busybox', command: ['sh', '-c', 'echo "hello from $GREETING"; exit 3'], environment: [{ name: 'GREETING', value: 'ecs' }], resourceRequirements: RESOURCES },
        { name: 'sidecar', essential: false, image: 'busybox', command: ['touch', sidecarMark], resourceRequirements: RESOURCES },
      ] }] },
    }));
    // WHEN
    const { jobId } = await batch.send(new SubmitJobCommand({ jobName: 'ecs', jobQueue: 'q', jobDefinition: 'ecs-task' }));
    const detail = await finished(jobId!);
    // THEN
    const task = detail.ecsProperties!.taskProperties![0];
    expect(detail).toMatchObject({ status: 'FAILED', statusReason: 'Essential container in task exited' });
    expect(detail.container).toBeUndefined();
    expect(task.taskArn).toMatch(/^arn:aws:ecs:us-east-1:123456789012:task\/ce\/\w+$/);
    expect(task.containers).toEqual([
      expect.objectContaining({ name: 'main', exitCode: 3, logStreamName: expect.stringMatching(/^ecs-task\/default\/\w+$/) }),
      expect.not.objectContaining({ exitCode: expect.anything() }),
    ]);
    expect(detail.attempts![0].taskProperties![0].containers![0]).toMatchObject({ name: 'main', exitCode: 3 });
    expect(fs.existsSync(sidecarMark)).toBe(false);
    const logs = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS });
    const events = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: task.containers![0].logStreamName!, startFromHead: true })).finally(() => logs.destroy());
    expect(events.events!.map((e) => e.message)).toEqual(['hello from ecs']);
  });

  test('ecsPropertiesOverride changes the essential container\'s command and environment', async () => {
    // GIVEN
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'ecs-override', type: 'container',
      ecsProperties: { taskProperties: [{ containers: [{ name: 'main', image: 'busybox', command: ['false'], resourceRequirements: RESOURCES }] }] },
    }));
    // WHEN
    const { jobId } = await batch.send(new SubmitJobCommand({
      jobName: 'ecs-override', jobQueue: 'q', jobDefinition: 'ecs-override',
      ecsPropertiesOverride: { taskProperties: [{ containers: [{ name: 'main', command: ['sh', '-c', 'test "$X" = y'], environment: [{ name: 'X', value: 'y' }] }] }] },
    }));
    // THEN
    expect(await finished(jobId!)).toMatchObject({ status: 'SUCCEEDED' });
  });

  test('registers and describes the definition as given', async () => {
    // GIVEN
    const ecsProperties = { taskProperties: [{ containers: [{ name: 'only', image: 'busybox', command: ['true'], resourceRequirements: RESOURCES }] }] };
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'ecs-described', type: 'container', ecsProperties }));
    // WHEN
    const described = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'ecs-described' }));
    // THEN
    expect(described.jobDefinitions).toEqual([expect.objectContaining({ ecsProperties, containerOrchestrationType: 'ECS', type: 'container' })]);
    expect(described.jobDefinitions![0].containerProperties).toBeUndefined();
  });

  test('fails at SubmitJob when a task has two essential containers, naming them', async () => {
    // GIVEN
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'ecs-two', type: 'container',
      ecsProperties: { taskProperties: [{ containers: [{ name: 'a', image: 'busybox', command: ['true'] }, { name: 'b', image: 'busybox', command: ['true'] }] }] },
    }));
    // WHEN / THEN
    await expect(batch.send(new SubmitJobCommand({ jobName: 'two', jobQueue: 'q', jobDefinition: 'ecs-two' })))
      .rejects.toMatchObject({ name: 'ClientException', message: expect.stringMatching(/has 2 essential containers \("a", "b"\): the local engine runs one essential container per task/) });
  });

  test('fails to register with both containerProperties and ecsProperties', async () => {
    // WHEN / THEN
    await expect(batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'both', type: 'container',
      containerProperties: { image: 'busybox', command: ['true'] },
      ecsProperties: { taskProperties: [{ containers: [{ image: 'busybox' }] }] },
    }))).rejects.toMatchObject({ name: 'ClientException', message: expect.stringMatching(/exactly one of containerProperties, ecsProperties and eksProperties; job definition "both" has containerProperties and ecsProperties/) });
  });

  test('fails to register a task of several containers without names', async () => {
    // WHEN / THEN
    await expect(batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'unnamed', type: 'container',
      ecsProperties: { taskProperties: [{ containers: [{ image: 'busybox' }, { image: 'busybox', essential: false }] }] },
    }))).rejects.toMatchObject({ name: 'ClientException', message: expect.stringMatching(/containers\[0\]\.name is required/) });
  });
});

describe('eksProperties job definitions through the SDK', () => {
  test('register and describe, and SubmitJob refuses them with the reason', async () => {
    // GIVEN
    const eksProperties = { podProperties: { containers: [{ name: 'main', image: 'busybox', command: ['true'] }] } };
    await batch.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'eks-pod', type: 'container', eksProperties }));
    // WHEN
    const described = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'eks-pod' }));
    // THEN
    expect(described.jobDefinitions).toEqual([expect.objectContaining({ eksProperties, containerOrchestrationType: 'EKS' })]);
    await expect(batch.send(new SubmitJobCommand({ jobName: 'pod', jobQueue: 'q', jobDefinition: 'eks-pod' })))
      .rejects.toMatchObject({ name: 'ClientException', message: expect.stringMatching(/job definition "eks-pod" has eksProperties: the local engine runs ECS tasks and containers, not Kubernetes pods/) });
  });
});
