import { Size } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BatchQueue, Ec2Compute, MultiNodeJob, NodeGroup } from '../../lib';
import { IMAGE, instanceType, newStack } from './fixtures';

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
