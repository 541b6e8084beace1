/**
 * Batch on Amazon EKS: EKS compute for an existing cluster, a queue, and an EKS job whose pod
 * fits the compute's instance types. The cluster is imported by name rather than declared, which
 * keeps the stack small and needs no kubectl layer: deploying the test needs a cluster of that
 * name in the account, with Batch's RBAC access and the `batch` namespace set up, and an access
 * entry (type EC2_LINUX) for the nodes' instance role. Deployed, it runs the job and waits for
 * SUCCEEDED.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as eks from 'aws-cdk-lib/aws-eks';
import { NagSuppressions } from 'cdk-nag';
import { BatchQueue, EksCompute, EksJob } from '../lib';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const app = createIntegApp();
const stack = new Stack(app, 'BatchkitIntegEks');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
const eksCluster = eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'batchkit-integ' });
const compute = new EksCompute(stack, 'Eks', {
  vpc,
  eksCluster,
  kubernetesNamespace: 'batch',
  instanceTypes: [new ec2.InstanceType('m6i.large')],
  maxvCpus: 4,
});
const queue = new BatchQueue(stack, 'Queue', { priority: 1, computeEnvironments: [compute] });
const job = new EksJob(stack, 'Hello', {
  image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023'),
  command: ['sh', '-c', 'echo hello from batchkit on EKS'],
  // amazonlinux's user is root, which the pod refuses: run as `nobody`.
  runAsUser: 65534,
  cpu: 0.5,
  memory: Size.mebibytes(512),
  timeout: Duration.minutes(5),
  queues: [queue],
});

NagSuppressions.addResourceSuppressions(compute.instanceRole!, [{
  id: 'AwsSolutions-IAM4',
  reason: 'AWS documents these managed policies as the ones an EKS node needs: AmazonEKSWorkerNodePolicy to join the cluster, '
    + 'AmazonEC2ContainerRegistryReadOnly to pull images, AmazonEKS_CNI_Policy for the VPC CNI plugin\'s network interfaces',
  appliesTo: [
    'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly',
    'Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonEKS_CNI_Policy',
  ],
}]);

declareIntegTest(app, 'Eks', [stack], [
  { id: 'hello', jobQueue: queue.jobQueueArn, jobDefinition: job.jobDefinitionArn, timeout: Duration.minutes(20) },
]);
app.synth();
