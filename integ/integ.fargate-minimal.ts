/**
 * The smallest useful batchkit setup: one Fargate compute environment, one queue, one Fargate
 * container job. Deployed, it submits the job and waits for SUCCEEDED.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, FargateCompute, FargateContainerJob } from '../lib';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const app = createIntegApp();
const stack = new Stack(app, 'BatchkitIntegFargateMinimal');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const compute = new FargateCompute(stack, 'Fargate', { vpc, maxvCpus: 4 });
const queue = new BatchQueue(stack, 'Queue', { priority: 1, computeEnvironments: [compute] });
const job = new FargateContainerJob(stack, 'Hello', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
  command: ['sh', '-c', 'echo hello from batchkit'],
  vcpus: 0.25,
  memory: Size.mebibytes(512),
  timeout: Duration.minutes(5),
  queues: [queue],
});

declareIntegTest(app, 'FargateMinimal', [stack], [
  { id: 'hello', jobQueue: queue.jobQueueArn, jobDefinition: job.jobDefinitionArn, timeout: Duration.minutes(15) },
]);
app.synth();
