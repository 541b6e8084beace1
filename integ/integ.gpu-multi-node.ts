/**
 * GPU and multi-node: a GPU compute environment behind a high-priority queue with a GPU
 * container job, and a multi-node job with a main node and a worker group on their own
 * on-demand instances. Deployed, it runs both and waits for SUCCEEDED.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, Ec2Compute, Ec2ContainerJob, MultiNodeJob } from '../lib';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');

const app = createIntegApp();
const stack = new Stack(app, 'BatchkitIntegGpuMultiNode');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const gpu = new Ec2Compute(stack, 'Gpu', { vpc, instanceTypes: [new ec2.InstanceType('g5.xlarge')], maxvCpus: 8 });
const cluster = new Ec2Compute(stack, 'Cluster', { vpc, instanceTypes: [new ec2.InstanceType('c6i.xlarge')], maxvCpus: 16 });
const gpuQueue = new BatchQueue(stack, 'GpuQueue', { priority: 100, computeEnvironments: [gpu] });
const clusterQueue = new BatchQueue(stack, 'ClusterQueue', { priority: 50, computeEnvironments: [cluster] });
const render = new Ec2ContainerJob(stack, 'Render', {
  image: IMAGE,
  command: ['nvidia-smi'],
  vcpus: 2,
  memory: Size.gibibytes(8),
  gpus: 1,
  timeout: Duration.minutes(10),
  queues: [gpuQueue],
});
const train = new MultiNodeJob(stack, 'Train', {
  numNodes: 3,
  mainNode: 0,
  timeout: Duration.minutes(20),
  queues: [clusterQueue],
  nodeGroups: [
    { startNode: 0, endNode: 0, instanceType: new ec2.InstanceType('c6i.xlarge'), image: IMAGE, command: ['sh', '-c', 'echo main $AWS_BATCH_JOB_NODE_INDEX'], vcpus: 2, memory: Size.gibibytes(4) },
    { startNode: 1, endNode: 2, instanceType: new ec2.InstanceType('c6i.xlarge'), image: IMAGE, command: ['sh', '-c', 'echo worker $AWS_BATCH_JOB_NODE_INDEX'], vcpus: 2, memory: Size.gibibytes(4) },
  ],
});

declareIntegTest(app, 'GpuMultiNode', [stack], [
  { id: 'render', jobQueue: gpuQueue.jobQueueArn, jobDefinition: render.jobDefinitionArn, timeout: Duration.minutes(30) },
  { id: 'train', jobQueue: clusterQueue.jobQueueArn, jobDefinition: train.jobDefinitionArn, timeout: Duration.minutes(30) },
]);
app.synth();
