/**
 * Unmanaged compute with attached instances: batchkit launches an Auto Scaling group of ECS
 * container instances into the cluster Batch creates (found at deploy time), and a queue runs
 * a container job on them. Deployed, it submits the job and waits for SUCCEEDED.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, Ec2ContainerJob, UnmanagedCompute } from '../lib';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const app = createIntegApp();
const stack = new Stack(app, 'BatchkitIntegUnmanaged');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const unmanaged = new UnmanagedCompute(stack, 'Unmanaged', { unmanagedvCpus: 4 });
unmanaged.addInstances('Instances', { vpc, instanceType: new ec2.InstanceType('m6i.xlarge'), minCapacity: 1, maxCapacity: 1 });
const queue = new BatchQueue(stack, 'Queue', { priority: 1, computeEnvironments: [unmanaged] });
const job = new Ec2ContainerJob(stack, 'Hello', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
  command: ['sh', '-c', 'echo hello from an attached instance'],
  vcpus: 1,
  memory: Size.gibibytes(2),
  timeout: Duration.minutes(5),
  queues: [queue],
});

declareIntegTest(app, 'Unmanaged', [stack], [
  { id: 'hello', jobQueue: queue.jobQueueArn, jobDefinition: job.jobDefinitionArn, timeout: Duration.minutes(20) },
]);
app.synth();
