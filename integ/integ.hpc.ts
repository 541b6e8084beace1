/**
 * HPC: a 4-node MPI-style job over EFA. On-demand c5n.18xlarge instances (EFA-capable and
 * placeable in a cluster placement group) launch into one cluster placement group in one subnet,
 * with an EFA network interface and the EFA driver from their launch template; the job exposes
 * the EFA device to each node's container, with memlock unlimited and a large /dev/shm, as MPI
 * over EFA needs. Deployed, it runs the job and waits for SUCCEEDED.
 */
import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { BatchQueue, Ec2Compute, MultiNodeJob } from '../lib';
import { createIntegApp, declareIntegTest } from './support/integ-app';

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');
const NODE_TYPE = new ec2.InstanceType('c5n.18xlarge');
const NUM_NODES = 4;
const VCPUS_PER_NODE = 72;
// Each node fails the job unless the EFA device reached its container and memlock is unlimited.
const CHECK_NODE = 'test -c /dev/infiniband/uverbs0 && test "$(ulimit -l)" = unlimited'
  + ' && echo "$ROLE $AWS_BATCH_JOB_NODE_INDEX of $AWS_BATCH_JOB_NUM_NODES: EFA device present, memlock unlimited"';

const app = createIntegApp();
const stack = new Stack(app, 'BatchkitIntegHpc');
const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });

// The ECS-optimized AMI does not set up EFA: install its driver at first boot, the kernel module
// and rdma-core only (`--minimal`), since libfabric and MPI belong in the job's image.
const efaDriver = ec2.UserData.forLinux();
efaDriver.addCommands(
  'curl -fsSL --retry 5 -o /tmp/aws-efa-installer.tar.gz https://efa-installer.amazonaws.com/aws-efa-installer-latest.tar.gz',
  'tar -xzf /tmp/aws-efa-installer.tar.gz -C /tmp',
  'cd /tmp/aws-efa-installer && ./efa_installer.sh -y --minimal',
);
const userData = new ec2.MultipartUserData(); // Batch accepts only MIME multipart user data
userData.addUserDataPart(efaDriver, ec2.MultipartBody.SHELL_SCRIPT, true);
const launchTemplate = new ec2.LaunchTemplate(stack, 'EfaLaunchTemplate', { requireImdsv2: true, userData });
const placementGroup = new ec2.PlacementGroup(stack, 'Cluster', { strategy: ec2.PlacementGroupStrategy.CLUSTER });
const compute = new Ec2Compute(stack, 'Hpc', {
  vpc,
  // A cluster placement group lives in one Availability Zone: one subnet keeps Batch from
  // launching instances in a zone where the group cannot take them.
  vpcSubnets: { subnets: [vpc.privateSubnets[0]] },
  instanceTypes: [NODE_TYPE],
  maxvCpus: NUM_NODES * VCPUS_PER_NODE,
  placementGroup,
  launchTemplate,
  // An MPI job loses all its nodes' work when one node goes: an infrastructure update lets
  // running jobs finish for up to an hour before it replaces their instances.
  terminateOnUpdate: false,
  updateTimeout: Duration.hours(1),
});
// An EFA is a network interface of type `efa`; Batch keeps the interface type and fills in the
// subnet. When a template lists interfaces, EC2 takes security groups on them only: the compute
// environment's own group, which batchkit opens to all traffic between its instances, as EFA
// and the nodes of a multi-node job need.
(launchTemplate.node.defaultChild as ec2.CfnLaunchTemplate).addPropertyOverride('LaunchTemplateData.NetworkInterfaces', [
  { DeviceIndex: 0, InterfaceType: 'efa', Groups: compute.connections.securityGroups.map((group) => group.securityGroupId) },
]);
const queue = new BatchQueue(stack, 'Queue', { priority: 10, computeEnvironments: [compute] });

const efa = new batch.LinuxParameters(stack, 'Efa', { sharedMemorySize: Size.gibibytes(16) });
efa.addDevices({
  hostPath: '/dev/infiniband/uverbs0',
  containerPath: '/dev/infiniband/uverbs0',
  permissions: [batch.DevicePermission.READ, batch.DevicePermission.WRITE, batch.DevicePermission.MKNOD],
});
const memlockUnlimited: batch.Ulimit = { name: batch.UlimitName.MEMLOCK, softLimit: -1, hardLimit: -1 };
const node = {
  instanceType: NODE_TYPE,
  image: IMAGE,
  vcpus: 64,
  memory: Size.gibibytes(160),
  linuxParameters: efa,
  ulimits: [memlockUnlimited],
};
const mpi = new MultiNodeJob(stack, 'Mpi', {
  numNodes: NUM_NODES,
  mainNode: 0,
  timeout: Duration.minutes(30),
  queues: [queue],
  nodeGroups: [
    { ...node, startNode: 0, endNode: 0, command: ['sh', '-c', CHECK_NODE], environment: { ROLE: 'main' } },
    // Open-ended (`1:`), so a submit may ask for more or fewer nodes with nodeOverrides.numNodes.
    { ...node, startNode: 1, command: ['sh', '-c', CHECK_NODE], environment: { ROLE: 'worker' } },
  ],
});

declareIntegTest(app, 'Hpc', [stack], [
  { id: 'mpi', jobQueue: queue.jobQueueArn, jobDefinition: mpi.jobDefinitionArn, timeout: Duration.minutes(45) },
]);
app.synth();
