import { Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BatchQueue, Ec2Compute, MultiNodeJob, NodeGroup } from '../../lib';
import { IMAGE, instanceType, newStack, warningsAbout } from './fixtures';

const group = (startNode: number, endNode: number, type = 'c6i.2xlarge', vcpus = 4): NodeGroup => ({
  startNode, endNode, instanceType: instanceType(type), image: IMAGE, vcpus, memory: Size.gibibytes(8),
});

describe('MultiNodeJob', () => {
  test('declares numNodes as given, not as the sum of range sizes, with an instance type per group', () => {
    const { stack } = newStack();
    const job = new MultiNodeJob(stack, 'Train', { jobDefinitionName: 'train', numNodes: 4, mainNode: 0, nodeGroups: [group(0, 0, 'm6i.xlarge'), group(1, 3)] });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'multinode',
      PlatformCapabilities: ['EC2'],
      NodeProperties: {
        NumNodes: 4,
        MainNode: 0,
        NodeRangeProperties: [
          { TargetNodes: '0:0', Container: { InstanceType: 'm6i.xlarge', JobRoleArn: stack.resolve(job.jobRole.roleArn) } },
          { TargetNodes: '1:3', Container: { InstanceType: 'c6i.2xlarge' } },
        ],
      },
    });
  });

  test('states numNodes and the instance types on its resource, which its L2 renders otherwise', () => {
    // GIVEN node groups that leave node 2 out
    const plain = newStack();
    const containers = [[0, 1], [3, 3]].map(([startNode, endNode], i) => ({
      startNode, endNode, container: new batch.EcsEc2ContainerDefinition(plain.stack, `C${i}`, { image: IMAGE, cpu: 1, memory: Size.gibibytes(1) }),
    }));
    // THEN the L2 alone sums the ranges (3, hiding the gap) and gives no range an instance type
    new batch.MultiNodeJobDefinition(plain.stack, 'Plain', { containers });
    const rendered = Object.values(Template.fromStack(plain.stack).findResources('AWS::Batch::JobDefinition'))[0].Properties.NodeProperties;
    expect(rendered.NumNodes).toBe(3);
    expect(rendered.NodeRangeProperties.map((r: { Container: { InstanceType?: string } }) => r.Container.InstanceType)).toEqual([undefined, undefined]);
    // WHEN batchkit declares the same ranges
    const { app, stack } = newStack();
    const job = new MultiNodeJob(stack, 'Gap', { numNodes: 4, nodeGroups: [group(0, 1, 'c6i.xlarge'), group(3, 3, 'c6i.2xlarge')] });
    // THEN its resource says what the user said, so the layout check can see the gap
    expect(job.multiNodeJobDefinition).toBeInstanceOf(batch.MultiNodeJobDefinition);
    expect(stack.resolve((job.multiNodeJobDefinition.node.defaultChild as batch.CfnJobDefinition).nodeProperties)).toMatchObject({
      numNodes: 4,
      nodeRangeProperties: [{ targetNodes: '0:1', container: { instanceType: 'c6i.xlarge' } }, { targetNodes: '3:3', container: { instanceType: 'c6i.2xlarge' } }],
    });
    expect(() => app.synth()).toThrow(/job definition 'Gap' leaves node\(s\) 2 without a node group/);
  });

  test('renders a group without endNode as a range open at the end, which a submit may resize', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Open', { numNodes: 4, nodeGroups: [group(0, 0), { ...group(1, 1), endNode: undefined }] });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      NodeProperties: { NumNodes: 4, NodeRangeProperties: [{ TargetNodes: '0:0' }, { TargetNodes: '1:' }] },
    });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails when an open group starts beyond the last node', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Beyond', { numNodes: 2, nodeGroups: [group(0, 1), { ...group(2, 2), endNode: undefined }] });
    expect(() => app.synth()).toThrow(/job definition 'Beyond' has node range '2:'/);
  });

  test('fails when node ranges overlap', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Overlap', { numNodes: 4, nodeGroups: [group(0, 2), group(2, 3)] });
    expect(() => app.synth()).toThrow(/\[Test\/Overlap\] job definition 'Overlap' has node ranges '0:2' and '2:3' that overlap at node 2/);
  });

  test('fails when node ranges leave nodes uncovered', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Gap', { numNodes: 6, nodeGroups: [group(0, 1), group(4, 5)] });
    expect(() => app.synth()).toThrow(/job definition 'Gap' leaves node\(s\) 2, 3 without a node group but its ranges must cover 0..5 exactly/);
  });

  test('fails when the main node is outside the nodes', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Main', { numNodes: 2, mainNode: 5, nodeGroups: [group(0, 1)] });
    expect(() => app.synth()).toThrow(/job definition 'Main' has main node 5 outside its nodes 0..1/);
  });

  test('fails when it has more than five node groups', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Six', { numNodes: 6, nodeGroups: [0, 1, 2, 3, 4, 5].map((n) => group(n, n)) });
    expect(() => app.synth()).toThrow(/job definition 'Six' has 6 node groups but Batch expects 1 to 5/);
  });

  test('fails when it is bound to a queue of Spot compute', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Cheap', { computeEnvironments: [new Ec2Compute(stack, 'Spot', { vpc, spot: true, instanceClasses: [ec2.InstanceClass.C6I] })] });
    new MultiNodeJob(stack, 'Mpi', { numNodes: 2, nodeGroups: [group(0, 1)], queues: [queue] });
    expect(() => app.synth()).toThrow(/node group '0:1' of job definition 'Mpi' is multi-node but queue 'Cheap' has only SPOT compute environments: multi-node jobs run on on-demand EC2 only/);
  });

  test('fails when a node group does not fit its instance type', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Hpc', { computeEnvironments: [new Ec2Compute(stack, 'OnDemand', { vpc, instanceClasses: [ec2.InstanceClass.C6I] })] });
    new MultiNodeJob(stack, 'Mpi', { numNodes: 2, nodeGroups: [group(0, 1, 'c6i.xlarge', 8)], queues: [queue] });
    expect(() => app.synth()).toThrow(/node group '0:1' of job definition 'Mpi' asks for 8 vCPUs but queue 'Hpc' offers at most 4 \(c6i.xlarge\)/);
  });

  test('fails when a node group asks for an instance type its queue does not offer', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Hpc', { computeEnvironments: [new Ec2Compute(stack, 'OnDemand', { vpc, instanceClasses: [ec2.InstanceClass.C6I] })] });
    new MultiNodeJob(stack, 'Mpi', { numNodes: 2, nodeGroups: [group(0, 1, 'p4d.24xlarge')], queues: [queue] });
    expect(() => app.synth()).toThrow(/node group '0:1' of job definition 'Mpi' asks for instance type p4d.24xlarge but queue 'Hpc' does not offer it \(it offers c6i\)/);
  });
});

describe('MultiNodeJob node group settings', () => {
  const efaLinux = (scope: Construct, id: string): batch.LinuxParameters => {
    const linux = new batch.LinuxParameters(scope, id, { sharedMemorySize: Size.gibibytes(8) });
    linux.addDevices({ hostPath: '/dev/infiniband/uverbs0', permissions: [batch.DevicePermission.READ, batch.DevicePermission.WRITE] });
    return linux;
  };

  test('renders secrets, ulimits, Linux parameters with EFA devices, privileged, user and logging per node group', () => {
    // GIVEN
    const { stack } = newStack();
    const secret = new secretsmanager.Secret(stack, 'Licence');
    // WHEN
    const job = new MultiNodeJob(stack, 'Mpi', {
      numNodes: 2,
      schedulingPriority: 10,
      skipDeregisterOnUpdate: true,
      nodeGroups: [{
        ...group(0, 1, 'c5n.18xlarge'),
        secrets: { LICENCE: batch.Secret.fromSecretsManager(secret) },
        ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: 2147483647, hardLimit: 2147483647 }],
        linuxParameters: efaLinux(stack, 'Linux'),
        privileged: true,
        user: 'mpi',
        logging: ecs.LogDriver.awsLogs({ streamPrefix: 'mpi' }),
      }],
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      SchedulingPriority: 10,
      ResourceRetentionPolicy: { SkipDeregisterOnUpdate: true },
      NodeProperties: {
        NodeRangeProperties: [{
          TargetNodes: '0:1',
          Container: {
            InstanceType: 'c5n.18xlarge',
            Privileged: true,
            User: 'mpi',
            Secrets: [{ Name: 'LICENCE', ValueFrom: stack.resolve(secret.secretArn) }],
            Ulimits: [{ Name: 'memlock', SoftLimit: 2147483647, HardLimit: 2147483647 }],
            LinuxParameters: { SharedMemorySize: 8192, Devices: [{ HostPath: '/dev/infiniband/uverbs0', Permissions: ['read', 'write'] }] },
            LogConfiguration: { LogDriver: 'awslogs', Options: Match.objectLike({ 'awslogs-stream-prefix': 'mpi' }) },
          },
        }],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve((job.executionRole as iam.Role).roleName)],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })]) },
    });
  });

  test('fails when a node group exposes EFA devices on an instance type without EFA', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Mpi', { numNodes: 2, nodeGroups: [{ ...group(0, 1, 'c6i.2xlarge'), linuxParameters: efaLinux(stack, 'Linux') }] });
    expect(() => app.synth()).toThrow(/\[Test\/Mpi\] node group '0:1' of job definition 'Mpi' exposes EFA device\(s\) \/dev\/infiniband\/uverbs0 but instance type c6i.2xlarge has no EFA \(in its family: c6i.32xlarge, c6i.metal\) \(linuxParameters\)/);
  });

  test('warns when batchkit cannot tell whether a node group\'s instance type has EFA', () => {
    const { stack } = newStack();
    new MultiNodeJob(stack, 'Mpi', { numNodes: 2, nodeGroups: [{ ...group(0, 1, 't3.2xlarge'), linuxParameters: efaLinux(stack, 'Linux') }] });
    Template.fromStack(stack);
    expect(warningsAbout(stack, "node group '0:1' of job definition 'Mpi' exposes EFA device(s) /dev/infiniband/uverbs0 on instance type t3.2xlarge")).toHaveLength(1);
  });

  test('fails when a node group\'s ulimit is inverted', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Mpi', { numNodes: 1, nodeGroups: [{ ...group(0, 0), ulimits: [{ name: batch.UlimitName.STACK, softLimit: 8, hardLimit: 4 }] }] });
    expect(() => app.synth()).toThrow(/node group '0:0' of job definition 'Mpi' has ulimit 'stack' with a soft limit of 8 above its hard limit of 4/);
  });

  test('fails when a node group\'s scheduling priority is out of range', () => {
    const { app, stack } = newStack();
    new MultiNodeJob(stack, 'Mpi', { numNodes: 1, schedulingPriority: -1, nodeGroups: [group(0, 0)] });
    expect(() => app.synth()).toThrow(/job definition 'Mpi' has a schedulingPriority of -1 but Batch expects a whole number from 0 to 9999/);
  });
});
