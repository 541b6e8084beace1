import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { batchkitSetup } from '../../bench/synth-setups';
import { BatchQueue, Ec2Compute, Ec2ContainerJob, FargateCompute, MultiNodeJob } from '../../lib';
import { IMAGE, instanceType } from './fixtures';

// Resources of a stack by type, so a change says which resource came or went.
function countsByType(stack: Stack): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const resource of Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string }>)) {
    counts[resource.Type] = (counts[resource.Type] ?? 0) + 1;
  }
  return counts;
}

// A stack with an imported VPC, so only what batchkit declares is counted.
function emptyStack(): { stack: Stack; vpc: ec2.IVpc } {
  const stack = new Stack(new App(), 'Count');
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-1', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-1'] });
  return { stack, vpc };
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

describe('resources batchkit declares', () => {
  test('one execution role and one instance role per stack, however many job definitions and compute environments', () => {
    // GIVEN / WHEN
    const { stack } = batchkitSetup({ computeEnvironments: 4, queues: 4, jobDefinitions: 12 });
    // THEN
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }] } }, 1);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { Description: 'Shared by the batchkit job definitions of this stack: pulls images, writes job logs, reads job secrets' }, 1);
  });

  test('a container job definition costs two resources: the definition and its job role', () => {
    const counts = (n: number) => {
      const { stack } = emptyStack();
      for (let i = 0; i < n; i++) new Ec2ContainerJob(stack, `Job${i}`, { image: IMAGE });
      return countsByType(stack);
    };
    const ten = counts(10);
    const twenty = counts(20);
    // The shared execution role is the one resource that does not grow with N.
    expect(ten).toEqual({ 'AWS::Batch::JobDefinition': 10, 'AWS::IAM::Role': 11 });
    expect(total(twenty) - total(ten)).toBe(2 * 10);
  });

  test('a multi-node job definition costs the same two, whatever its node groups', () => {
    const { stack } = emptyStack();
    new MultiNodeJob(stack, 'Train', {
      numNodes: 3,
      nodeGroups: [
        { startNode: 0, endNode: 0, instanceType: instanceType('c6i.xlarge'), image: IMAGE },
        { startNode: 1, endNode: 2, instanceType: instanceType('c6i.2xlarge'), image: IMAGE },
      ],
    });
    expect(countsByType(stack)).toEqual({ 'AWS::Batch::JobDefinition': 1, 'AWS::IAM::Role': 2 });
  });

  test('on-demand EC2 compute costs five: the environment, its instance profile, security group, node-to-node rule and IMDSv2 launch template', () => {
    const { stack, vpc } = emptyStack();
    new Ec2Compute(stack, 'A', { vpc });
    new Ec2Compute(stack, 'B', { vpc });
    expect(countsByType(stack)).toEqual({
      'AWS::Batch::ComputeEnvironment': 2,
      'AWS::IAM::InstanceProfile': 2,
      'AWS::EC2::SecurityGroup': 2,
      'AWS::EC2::SecurityGroupIngress': 2,
      'AWS::EC2::LaunchTemplate': 2,
      // The shared instance role.
      'AWS::IAM::Role': 1,
    });
  });

  test('Spot compute costs four (no node-to-node rule), Fargate compute two', () => {
    const { stack, vpc } = emptyStack();
    new Ec2Compute(stack, 'Spot', { vpc, spot: true });
    new FargateCompute(stack, 'Fargate', { vpc });
    expect(countsByType(stack)).toEqual({
      'AWS::Batch::ComputeEnvironment': 2,
      'AWS::IAM::InstanceProfile': 1,
      'AWS::EC2::SecurityGroup': 2,
      'AWS::EC2::LaunchTemplate': 1,
      'AWS::IAM::Role': 1,
    });
  });

  test('a queue costs one resource', () => {
    const { stack, vpc } = emptyStack();
    const compute = new FargateCompute(stack, 'Fargate', { vpc });
    for (let i = 0; i < 3; i++) new BatchQueue(stack, `Q${i}`, { computeEnvironments: [compute] });
    expect(countsByType(stack)).toEqual({ 'AWS::Batch::ComputeEnvironment': 1, 'AWS::EC2::SecurityGroup': 1, 'AWS::Batch::JobQueue': 3 });
  });
});
