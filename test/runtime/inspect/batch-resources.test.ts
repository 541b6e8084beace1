import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Annotations, App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { CloudAssemblyReadError, readCloudAssembly } from '../../../runtime/inspect/cloud-assembly';
import { declaredBatchResources } from '../../../runtime/inspect/batch-resources';

function synthSample(outdir: string): void {
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Sample');
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 });
  const spot = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Spot', {
    vpc, spot: true, maxvCpus: 64, useOptimalInstanceClasses: false,
    instanceTypes: [ec2.InstanceType.of(ec2.InstanceClass.C5, ec2.InstanceSize.XLARGE)],
    computeEnvironmentName: 'spot-ce',
  });
  const onDemand = new batch.ManagedEc2EcsComputeEnvironment(stack, 'OnDemand', {
    vpc, maxvCpus: 16, useOptimalInstanceClasses: false,
    instanceClasses: [ec2.InstanceClass.M5],
  });
  const queue = new batch.JobQueue(stack, 'Queue', {
    jobQueueName: 'main', priority: 10,
    computeEnvironments: [{ computeEnvironment: onDemand, order: 2 }, { computeEnvironment: spot, order: 1 }],
  });
  new batch.EcsJobDefinition(stack, 'Train', {
    jobDefinitionName: 'train',
    retryAttempts: 3,
    container: new batch.EcsEc2ContainerDefinition(stack, 'TrainContainer', {
      image: ecs.ContainerImage.fromRegistry('busybox'), cpu: 4, memory: Size.mebibytes(8192), gpu: 1,
    }),
  });
  new batch.MultiNodeJobDefinition(stack, 'Mpi', {
    containers: [{
      startNode: 0, endNode: 1,
      container: new batch.EcsEc2ContainerDefinition(stack, 'MpiContainer', {
        image: ecs.ContainerImage.fromRegistry('mpi'), cpu: 2, memory: Size.mebibytes(2048),
      }),
    }],
  });
  Annotations.of(queue).addWarning('queue warning for the test');
  app.synth();
}

describe('reading a synthesized app', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-inspect-'));
    synthSample(outdir);
  });
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test('finds the stack, its template and the warnings attached at synth', () => {
    const [stack, ...others] = readCloudAssembly(outdir);
    expect(others).toEqual([]);
    expect(stack.stackName).toBe('Sample');
    expect(stack.templatePath).toBe(path.join(outdir, 'Sample.template.json'));
    expect(stack.messages).toContainEqual({ level: 'warning', path: '/Sample/Queue', message: 'queue warning for the test' });
  });

  test('lists compute, queues in compute order and what each job definition asks for', () => {
    const [stack] = readCloudAssembly(outdir);
    const declared = declaredBatchResources(stack.template);
    const spot = declared.computeEnvironments.find((ce) => ce.name === 'spot-ce');
    expect(spot).toMatchObject({ kind: 'SPOT', instanceTypes: ['c5.xlarge'], maxvCpus: 64, constructPath: 'Sample/Spot/Resource' });
    const onDemand = declared.computeEnvironments.find((ce) => ce.constructPath === 'Sample/OnDemand/Resource');
    expect(onDemand).toMatchObject({ kind: 'EC2', instanceTypes: ['m5'], maxvCpus: 16 });
    expect(declared.jobQueues).toEqual([expect.objectContaining({
      name: 'main', priority: 10, computeEnvironments: [spot!.logicalId, onDemand!.logicalId],
    })]);
    const train = declared.jobDefinitions.find((jd) => jd.name === 'train');
    expect(train).toMatchObject({ type: 'container', platform: 'EC2', retryAttempts: 3, containers: [{ vcpus: 4, memoryMiB: 8192, gpus: 1, image: 'busybox' }] });
    const mpi = declared.jobDefinitions.find((jd) => jd.type === 'multinode');
    expect(mpi).toMatchObject({ containers: [{ targetNodes: '0:1', vcpus: 2, memoryMiB: 2048 }] });
  });

  test('fails when the directory holds no cloud assembly', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-empty-'));
    expect(() => readCloudAssembly(empty)).toThrow(CloudAssemblyReadError);
    expect(() => readCloudAssembly(empty)).toThrow(/is not a synthesized CDK app: .*manifest\.json is missing/);
  });
});
