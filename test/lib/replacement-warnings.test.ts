import { Annotations, Aspects, Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchChecks, BatchQueue, CpuArchitecture, Ec2Compute } from '../../lib';
import { instanceType, newStack, warningsAbout } from './fixtures';

describe('replacement warnings', () => {
  test('warns about a custom-named compute environment and queue, naming the prop and the ack id', () => {
    // GIVEN
    const { app, stack, vpc } = newStack();
    const compute = new Ec2Compute(stack, 'Named', { vpc, computeEnvironmentName: 'named-ce' });
    new BatchQueue(stack, 'Queue', { jobQueueName: 'named-queue', computeEnvironments: [compute] });
    // WHEN
    app.synth();
    // THEN
    expect(warningsAbout(stack, "compute environment 'Named' has the custom name 'named-ce'")).toEqual([
      expect.stringMatching(/drop computeEnvironmentName to let CloudFormation name it \[ack: batchkit:customNamedComputeEnvironment\]$/),
    ]);
    expect(warningsAbout(stack, "job queue 'Queue' has the custom name 'named-queue'")).toEqual([expect.stringMatching(/drop jobQueueName.*\[ack: batchkit:customNamedJobQueue\]$/)]);
  });

  test('an acknowledgement on the queue or compute environment silences its warning', () => {
    const { app, stack, vpc } = newStack();
    const compute = new Ec2Compute(stack, 'Named', { vpc, computeEnvironmentName: 'named-ce' });
    const queue = new BatchQueue(stack, 'Queue', { jobQueueName: 'named-queue', computeEnvironments: [compute] });
    Annotations.of(queue).acknowledgeWarning('batchkit:customNamedJobQueue', 'scripts name it');
    Annotations.of(compute).acknowledgeWarning('batchkit:customNamedComputeEnvironment', 'scripts name it');
    app.synth();
    expect(warningsAbout(stack, 'has the custom name')).toEqual([]);
  });

  test('says nothing for unnamed compute that can take infrastructure updates', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Queue', { computeEnvironments: [new Ec2Compute(stack, 'Plain', { vpc })] });
    app.synth();
    expect(warningsAbout(stack, 'batchkit:customNamed')).toEqual([]);
    expect(warningsAbout(stack, 'infrastructure updates')).toEqual([]);
  });

  test('warns when BEST_FIT or a service role of its own keeps a compute environment from infrastructure updates', () => {
    const { app, stack, vpc } = newStack();
    const serviceRole = new iam.Role(stack, 'BatchRole', { assumedBy: new iam.ServicePrincipal('batch.amazonaws.com') });
    new Ec2Compute(stack, 'Old', { vpc, allocationStrategy: batch.AllocationStrategy.BEST_FIT, serviceRole });
    app.synth();
    expect(warningsAbout(stack, "compute environment 'Old' cannot take infrastructure updates")).toEqual([
      expect.stringMatching(/set allocationStrategy to BEST_FIT_PROGRESSIVE, and drop serviceRole so Batch uses AWSServiceRoleForBatch \[ack: batchkit:computeEnvironmentNotUpdatable\]$/),
    ]);
  });

  test('warns about plain L2 resources through the BatchChecks aspect', () => {
    const { app, stack, vpc } = newStack();
    new batch.ManagedEc2EcsComputeEnvironment(stack, 'L2', { vpc, computeEnvironmentName: 'l2-ce' });
    Aspects.of(app).add(new BatchChecks());
    app.synth();
    expect(warningsAbout(stack, "compute environment 'L2' has the custom name 'l2-ce'")).toHaveLength(1);
  });
});

describe('Ec2Compute props passed to the L2', () => {
  test('renders placement group, images, update policy, state and service role', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const placementGroup = new ec2.PlacementGroup(stack, 'Pg', { strategy: ec2.PlacementGroupStrategy.CLUSTER });
    // WHEN
    new Ec2Compute(stack, 'Hpc', {
      vpc, placementGroup, instanceTypes: [instanceType('c5n.18xlarge')], enabled: false,
      images: [{ image: ecs.EcsOptimizedImage.amazonLinux2023(), imageType: batch.EcsMachineImageType.ECS_AL2023 }],
      replaceComputeEnvironment: false, terminateOnUpdate: false, updateTimeout: Duration.minutes(45), updateToLatestImageVersion: true,
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      State: 'DISABLED',
      ReplaceComputeEnvironment: false,
      UpdatePolicy: { TerminateJobsOnUpdate: false, JobExecutionTimeoutMinutes: 45 },
      ComputeResources: {
        PlacementGroup: { 'Fn::GetAtt': [stack.getLogicalId(placementGroup.node.defaultChild as ec2.CfnPlacementGroup), 'GroupName'] },
        Ec2Configuration: [{ ImageType: 'ECS_AL2023' }],
        UpdateToLatestImageVersion: true,
        InstanceTypes: ['c5n.18xlarge'],
      },
    });
  });

  test('adds optimal only when asked', () => {
    const { stack, vpc } = newStack();
    new Ec2Compute(stack, 'Optimal', { vpc, instanceTypes: [instanceType('c6i.large')], useOptimalInstanceClasses: true });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { InstanceTypes: ['c6i.large', 'optimal'] } });
  });

  test('fails when a cluster placement group meets burstable instance types', () => {
    const { app, stack, vpc } = newStack();
    const placementGroup = new ec2.PlacementGroup(stack, 'Pg', { strategy: ec2.PlacementGroupStrategy.CLUSTER });
    new Ec2Compute(stack, 'Burst', { vpc, placementGroup, instanceTypes: [instanceType('t3.large')] });
    expect(() => app.synth()).toThrow(/\[Test\/Burst\] compute environment 'Burst' has cluster placement group 'Pg' but EC2 cannot launch t3.large into a cluster placement group/);
  });

  test('fails when the image is built for another architecture than the instance types', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Mixed', { vpc, instanceTypes: [instanceType('c6i.large')], images: [{ image: ecs.EcsOptimizedImage.amazonLinux2(ecs.AmiHardwareType.ARM) }] });
    expect(() => app.synth()).toThrow(/compute environment 'Mixed' uses image \/aws\/service\/ecs\/optimized-ami\/amazon-linux-2\/arm64\/recommended\/image_id built for arm64 but its instance types offer x86_64/);
  });

  test('fails when useOptimalInstanceClasses meets architecture arm64', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Arm', { vpc, architecture: CpuArchitecture.ARM64, instanceTypes: [instanceType('m6g.large')], useOptimalInstanceClasses: true });
    expect(() => app.synth()).toThrow(/compute environment 'Arm' sets useOptimalInstanceClasses with architecture arm64/);
  });

  test('warns when the launch template given does not require IMDSv2', () => {
    const { app, stack, vpc } = newStack();
    new Ec2Compute(stack, 'Own', { vpc, launchTemplate: new ec2.LaunchTemplate(stack, 'Lt', {}) });
    app.synth();
    expect(warningsAbout(stack, "compute environment 'Own' uses launch template 'Lt' that does not require IMDSv2")).toHaveLength(1);
  });
});
