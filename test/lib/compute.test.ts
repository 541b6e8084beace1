import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { CpuArchitecture, Ec2Compute, FargateCompute } from '../../lib';
import { instanceType, newStack } from './fixtures';

describe('Ec2Compute', () => {
  test('declares on-demand compute with exactly the listed instance classes', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    // WHEN
    const compute = new Ec2Compute(stack, 'OnDemand', { vpc, instanceClasses: [ec2.InstanceClass.C6I], minvCpus: 4, maxvCpus: 64 });
    // THEN
    expect(compute).toBeInstanceOf(batch.ManagedEc2EcsComputeEnvironment);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      ComputeResources: { Type: 'EC2', InstanceTypes: ['c6i'], MinvCpus: 4, MaxvCpus: 64, AllocationStrategy: 'BEST_FIT_PROGRESSIVE' },
      Tags: { 'batchkit:component': 'compute-environment' },
    });
  });

  test('declares Spot compute with its allocation strategy and bid percentage', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'Spot', { vpc, spot: true, spotBidPercentage: 70, instanceTypes: [instanceType('c5.xlarge')] });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { Type: 'SPOT', BidPercentage: 70, AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED', InstanceTypes: ['c5.xlarge'] },
    });
  });

  test('picks Batch default instance types of the architecture when none are listed', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'Arm', { vpc, architecture: CpuArchitecture.ARM64 });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { InstanceTypes: ['default_arm64'] } });
  });

  test('shares one instance role between the compute environments of a stack', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'A', { vpc });
    new Ec2Compute(stack, 'B', { vpc, spot: true });
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }] } }, 1);
    template.resourceCountIs('AWS::IAM::InstanceProfile', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
  });

  test('uses the launch template given', () => {
    const { stack, vpc } = newStack();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Template', { blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(100) }] });
    new Ec2Compute(stack, 'WithTemplate', { vpc, launchTemplate });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { LaunchTemplate: { LaunchTemplateId: stack.resolve(launchTemplate.launchTemplateId) } } });
  });

  test('fails when the architecture does not match the listed instance types', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Wrong', { vpc, architecture: CpuArchitecture.ARM64, instanceTypes: [instanceType('m5.large')] });
    expect(() => app.synth()).toThrow(/\[Test\/Wrong\] compute environment 'Wrong' has architecture arm64 but its instance types offer x86_64/);
  });

  test('warns when an instance type is not in the catalog', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Future', { vpc, instanceTypes: [instanceType('zz9.large')] });
    const assembly = app.synth();
    const messages = assembly.getStackByName('Test').messages.map((m) => String(m.entry.data));
    expect(messages).toContainEqual(expect.stringMatching(/compute environment 'Future' lists instance type 'zz9.large' that batchkit's catalog does not know/));
  });
});

describe('FargateCompute', () => {
  test('declares Fargate and Fargate Spot compute', () => {
    const { stack, vpc } = newStack();
    const fargate = new FargateCompute(stack, 'Fargate', { vpc, maxvCpus: 32 });
    new FargateCompute(stack, 'FargateSpot', { vpc, spot: true });
    expect(fargate).toBeInstanceOf(batch.FargateComputeEnvironment);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { Type: 'FARGATE', MaxvCpus: 32 } });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { Type: 'FARGATE_SPOT' } });
  });
});

describe('shared compute security group', () => {
  test('one per VPC, used by EC2 and Fargate compute that name none', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const other = new ec2.Vpc(stack, 'Other', { maxAzs: 2, natGateways: 0, restrictDefaultSecurityGroup: false });
    // WHEN
    new Ec2Compute(stack, 'A', { vpc });
    new FargateCompute(stack, 'B', { vpc });
    new Ec2Compute(stack, 'C', { vpc: other });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 2);
    const groups = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
    const usedBy = (ce: string) => JSON.stringify(Object.entries(template.findResources('AWS::Batch::ComputeEnvironment'))
      .find(([id]) => id.startsWith(ce))![1].Properties.ComputeResources.SecurityGroupIds);
    expect(usedBy('A')).toBe(usedBy('B'));
    expect(usedBy('C')).not.toBe(usedBy('A'));
    expect(groups.every((g) => g.startsWith('BatchkitComputeSecurityGroup'))).toBe(true);
  });

  test('security groups given are used instead', () => {
    const { stack, vpc } = newStack();
    const mine = new ec2.SecurityGroup(stack, 'Mine', { vpc });
    new Ec2Compute(stack, 'A', { vpc, securityGroups: [mine] });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroup', 1);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { SecurityGroupIds: [stack.resolve(mine.securityGroupId)] },
    });
  });
});
