import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
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

  test('shares one instance role between the compute environments of a stack, each with the L2\'s instance profile of it', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    // WHEN
    const a = new Ec2Compute(stack, 'A', { vpc });
    const b = new Ec2Compute(stack, 'B', { vpc, spot: true });
    // THEN
    expect(a.instanceRole).toBe(b.instanceRole);
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::IAM::Role', { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }] } }, 1);
    const profiles = template.findResources('AWS::IAM::InstanceProfile', { Properties: { Roles: [stack.resolve(a.instanceRole!.roleName)] } });
    expect(Object.keys(profiles).sort()).toEqual([expect.stringMatching(/^AInstanceProfile/), expect.stringMatching(/^BInstanceProfile/)]);
    for (const profile of Object.keys(profiles)) {
      template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { InstanceRole: { 'Fn::GetAtt': [profile, 'Arn'] } } });
    }
  });

  test('uses the launch template given', () => {
    const { stack, vpc } = newStack();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Template', { blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(100) }] });
    new Ec2Compute(stack, 'WithTemplate', { vpc, launchTemplate });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { LaunchTemplate: { LaunchTemplateId: stack.resolve(launchTemplate.launchTemplateId) } } });
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
  });

  test('fails when the architecture does not match the listed instance types', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Wrong', { vpc, architecture: CpuArchitecture.ARM64, instanceTypes: [instanceType('m5.large')] });
    expect(() => app.synth()).toThrow(/\[Test\/Wrong\] compute environment 'Wrong' has architecture arm64 but its instance types offer x86_64/);
  });

  test('fails when the architecture is set to arm64 with Graviton and Intel types together', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Both', { vpc, architecture: CpuArchitecture.ARM64, instanceTypes: [instanceType('m6g.large'), instanceType('m6i.large')] });
    expect(() => app.synth()).toThrow(/compute environment 'Both' has architecture arm64 but its instance types offer arm64 and x86_64/);
  });

  test('fails when its name breaks Batch\'s name rule', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Named', { vpc, computeEnvironmentName: 'gpu pool!' });
    expect(() => app.synth()).toThrow(/\[Test\/Named\] compute environment 'Named' has name 'gpu pool!' but expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores/);
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

describe('IMDSv2', () => {
  test('is required through a launch template of the compute environment\'s own', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    // WHEN
    new Ec2Compute(stack, 'OnDemand', { vpc });
    // THEN
    const template = Template.fromStack(stack);
    const templates = template.findResources('AWS::EC2::LaunchTemplate', { Properties: { LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required' } } } });
    expect(Object.keys(templates)).toEqual([expect.stringMatching(/^OnDemandLaunchTemplate/)]);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { LaunchTemplate: { LaunchTemplateId: { Ref: Object.keys(templates)[0] } } },
    });
  });

  test('can be turned off, leaving the instances without a launch template', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'Legacy', { vpc, requireImdsv2: false });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 0);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { LaunchTemplate: Match.absent() } });
  });

  test('fails when requireImdsv2 is set together with a launch template of the user\'s', () => {
    const { app, stack, vpc } = newStack();
    const launchTemplate = new ec2.LaunchTemplate(stack, 'Mine', {});
    new Ec2Compute(stack, 'Both', { vpc, launchTemplate, requireImdsv2: true });
    expect(() => app.synth()).toThrow(/compute environment 'Both' sets requireImdsv2 and a launchTemplate but batchkit cannot change a launch template it did not make/);
  });
});

describe('network', () => {
  const ALL_TRAFFIC = { IpProtocol: '-1' };

  function securityGroupOf(stack: Stack, compute: batch.IManagedComputeEnvironment): string {
    expect(compute.securityGroups).toHaveLength(1);
    return stack.resolve(compute.securityGroups[0].securityGroupId)['Fn::GetAtt'][0];
  }

  test('each compute environment has a security group of its own, Fargate included', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    // WHEN
    const computes = [new Ec2Compute(stack, 'A', { vpc }), new Ec2Compute(stack, 'B', { vpc, spot: true }), new FargateCompute(stack, 'C', { vpc })];
    // THEN
    const groups = computes.map((c) => securityGroupOf(stack, c));
    expect(new Set(groups).size).toBe(3);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroup', 3);
  });

  test('opening one compute environment opens no other', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const hpc = new Ec2Compute(stack, 'Hpc', { vpc, spot: true });
    const fargate = new FargateCompute(stack, 'Fargate', { vpc });
    const bastion = new ec2.SecurityGroup(stack, 'Bastion', { vpc });
    // WHEN
    hpc.connections.allowFrom(bastion, ec2.Port.tcp(22));
    // THEN
    const template = Template.fromStack(stack);
    const ingress = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties.GroupId['Fn::GetAtt'][0]);
    expect(ingress).toEqual([securityGroupOf(stack, hpc)]);
    expect(ingress).not.toContain(securityGroupOf(stack, fargate));
  });

  test('on-demand compute lets its instances reach each other, as multi-node jobs need, within its own group only', () => {
    const { stack, vpc } = newStack();
    const hpc = new Ec2Compute(stack, 'Hpc', { vpc, instanceTypes: [instanceType('c6i.8xlarge')] });
    const other = new Ec2Compute(stack, 'Other', { vpc });
    expect(hpc.allowsNodeToNodeTraffic).toBe(true);
    const group = securityGroupOf(stack, hpc);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      ...ALL_TRAFFIC, GroupId: { 'Fn::GetAtt': [group, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [group, 'GroupId'] },
    });
    const otherGroup = securityGroupOf(stack, other);
    const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => [r.Properties.GroupId['Fn::GetAtt'][0], r.Properties.SourceSecurityGroupId['Fn::GetAtt'][0]]);
    expect(rules.every(([to, from]) => to === from)).toBe(true);
    expect(rules.filter(([to]) => to === otherGroup)).toHaveLength(1);
  });

  test('Spot and Fargate compute, which run no multi-node jobs, get no node-to-node rule', () => {
    const { stack, vpc } = newStack();
    const spot = new Ec2Compute(stack, 'Spot', { vpc, spot: true });
    new FargateCompute(stack, 'Fargate', { vpc });
    expect(spot.allowsNodeToNodeTraffic).toBe(false);
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('the node-to-node rule can be turned off', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'Quiet', { vpc, allowNodeToNodeTraffic: false });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('security groups given are used as they are', () => {
    const { stack, vpc } = newStack();
    const mine = new ec2.SecurityGroup(stack, 'Mine', { vpc });
    new Ec2Compute(stack, 'A', { vpc, securityGroups: [mine] });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { SecurityGroupIds: [stack.resolve(mine.securityGroupId)] },
    });
  });

  test('security groups given get the node-to-node rule when it is asked for', () => {
    const { stack, vpc } = newStack();
    const mine = new ec2.SecurityGroup(stack, 'Mine', { vpc });
    new Ec2Compute(stack, 'B', { vpc, securityGroups: [mine], allowNodeToNodeTraffic: true });
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      ...ALL_TRAFFIC, GroupId: stack.resolve(mine.securityGroupId), SourceSecurityGroupId: stack.resolve(mine.securityGroupId),
    });
  });

  test('fails when the node-to-node rule is asked for on Spot compute', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Cheap', { vpc, spot: true, allowNodeToNodeTraffic: true });
    expect(() => app.synth()).toThrow(/compute environment 'Cheap' sets allowNodeToNodeTraffic on Spot compute but Batch runs multi-node jobs on on-demand compute only/);
  });
});
