import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchQueue, Ec2ContainerJob, UnmanagedCompute } from '../../lib';
import { IMAGE, instanceType, newStack, warningsAbout } from './fixtures';

describe('UnmanagedCompute', () => {
  test('declares an unmanaged compute environment run by the Batch service-linked role', () => {
    const { stack } = newStack();
    new UnmanagedCompute(stack, 'Own', { unmanagedvCpus: 8 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { Type: 'unmanaged', UnmanagedvCpus: 8, ServiceRole: Match.absent() });
    template.resourceCountIs('AWS::IAM::Role', 0);
  });

  test('uses the service role given', () => {
    const { stack } = newStack();
    const serviceRole = new iam.Role(stack, 'Service', { assumedBy: new iam.ServicePrincipal('batch.amazonaws.com') });
    new UnmanagedCompute(stack, 'Own', { serviceRole });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ServiceRole: stack.resolve(serviceRole.roleArn) });
  });

  test('reads the ECS cluster ARN through DescribeComputeEnvironments, only when asked for', () => {
    const unused = newStack();
    new UnmanagedCompute(unused.stack, 'Own');
    Template.fromStack(unused.stack).resourceCountIs('Custom::AWS', 0);
    const { stack } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own');
    const arn = compute.ecsClusterArn;
    expect(stack.resolve(arn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^OwnEcsClusterLookup/), 'computeEnvironments.0.ecsClusterArn'] });
    const template = Template.fromStack(stack);
    const lookup = JSON.stringify(Object.values(template.findResources('Custom::AWS'))[0].Properties.Create);
    expect(lookup).toContain('\\"service\\":\\"Batch\\",\\"action\\":\\"describeComputeEnvironments\\"');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'batch:DescribeComputeEnvironments', Effect: 'Allow', Resource: '*' }] },
    });
  });

  test('attaches an Auto Scaling group of ECS container instances that joins the cluster', () => {
    const { stack, vpc } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own');
    compute.addInstances('Instances', { vpc, instanceType: instanceType('m6i.xlarge'), minCapacity: 2, maxCapacity: 4 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '2', MaxSize: '4' });
    expect(JSON.stringify(template.toJSON())).toMatch(/"BlockDeviceMappings":\[\{"DeviceName":"\/dev\/xvda","Ebs":\{"Encrypted":true,"VolumeSize":30,"VolumeType":"gp3"\}\}\]/);
    const userData = JSON.stringify(template.toJSON().Resources);
    expect(userData).toContain('ECS_CLUSTER=');
    expect(userData).toContain('/etc/ecs/ecs.config');
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role']] }],
    });
  });

  test('launches the instances from a launch template that requires IMDSv2', () => {
    const { stack, vpc } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own');
    compute.addInstances('Instances', { vpc, instanceType: instanceType('m6i.xlarge') });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::AutoScaling::LaunchConfiguration', 0);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ InstanceType: 'm6i.xlarge', MetadataOptions: { HttpTokens: 'required' } }),
    });
  });

  test('puts the instances of one VPC in one security group of its own that lets them reach each other', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own');
    // WHEN two groups of instances join
    compute.addInstances('Small', { vpc, instanceType: instanceType('m6i.xlarge') });
    compute.addInstances('Large', { vpc, instanceType: instanceType('m6i.4xlarge') });
    // THEN
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 1);
    const [group] = Object.keys(template.findResources('AWS::EC2::SecurityGroup'));
    template.hasResourceProperties('AWS::EC2::SecurityGroupIngress', {
      IpProtocol: '-1', GroupId: { 'Fn::GetAtt': [group, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [group, 'GroupId'] },
    });
    expect(compute.attachedInstanceTypes).toEqual(['m6i.xlarge', 'm6i.4xlarge']);
  });

  test('lets the instances reach each other only when asked to', () => {
    const { stack, vpc } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own', { allowNodeToNodeTraffic: false });
    compute.addInstances('Instances', { vpc, instanceType: instanceType('m6i.xlarge') });
    Template.fromStack(stack).resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  test('judges jobs against the attached instances', () => {
    const { app, stack, vpc } = newStack();
    const compute = new UnmanagedCompute(stack, 'Own');
    compute.addInstances('Instances', { vpc, instanceType: instanceType('m6i.xlarge') });
    const queue = new BatchQueue(stack, 'Reserved', { computeEnvironments: [compute] });
    new Ec2ContainerJob(stack, 'Wide', { image: IMAGE, vcpus: 8, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Wide' asks for 8 vCPUs but queue 'Reserved' offers at most 4 \(m6i.xlarge\)/);
  });

  test('warns, and does not fail, when no instances are attached', () => {
    const { app, stack } = newStack();
    const queue = new BatchQueue(stack, 'Reserved', { computeEnvironments: [new UnmanagedCompute(stack, 'Own')] });
    new Ec2ContainerJob(stack, 'Any', { image: IMAGE, vcpus: 8, queues: [queue] });
    expect(() => app.synth()).not.toThrow();
    expect(warningsAbout(stack, "unmanaged compute environment 'Own' has no instances batchkit knows of")).toHaveLength(1);
  });
});
