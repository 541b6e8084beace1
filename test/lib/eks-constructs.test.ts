import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchQueue, CpuArchitecture, Ec2Compute, Ec2ContainerJob, EksCompute, EksComputeProps, EksJob } from '../../lib';
import { IMAGE, instanceType, newStack, warningsAbout } from './fixtures';

type Fixture = ReturnType<typeof newStack>;

function cluster(stack: Stack): eks.ICluster {
  return eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'team' });
}

function eksCompute(fixture: Fixture, props: Partial<EksComputeProps> = {}): EksCompute {
  return new EksCompute(fixture.stack, 'Eks', {
    vpc: fixture.vpc, eksCluster: cluster(fixture.stack), kubernetesNamespace: 'batch', instanceTypes: [instanceType('m6i.xlarge')], ...props,
  });
}

function eksQueue(fixture: Fixture): BatchQueue {
  return new BatchQueue(fixture.stack, 'EksQueue', { computeEnvironments: [eksCompute(fixture)] });
}

describe('EksCompute', () => {
  test('declares EKS compute on the cluster and namespace with exactly the listed instance types', () => {
    // GIVEN
    const fixture = newStack();
    // WHEN
    const compute = eksCompute(fixture, { minvCpus: 0, maxvCpus: 64 });
    // THEN
    expect(compute).toBeInstanceOf(batch.ManagedEc2EksComputeEnvironment);
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      Type: 'managed',
      EksConfiguration: { EksClusterArn: { 'Fn::Join': ['', Match.arrayWith([':cluster/team'])] }, KubernetesNamespace: 'batch' },
      ComputeResources: {
        Type: 'EC2', InstanceTypes: ['m6i.xlarge'], MinvCpus: 0, MaxvCpus: 64, AllocationStrategy: 'BEST_FIT_PROGRESSIVE',
        Ec2Configuration: [{ ImageType: 'EKS_AL2023' }, { ImageType: 'EKS_AL2023_NVIDIA' }],
      },
      Tags: { 'batchkit:component': 'compute-environment' },
    });
  });

  test('declares Spot compute with the Spot allocation strategy', () => {
    const fixture = newStack();
    eksCompute(fixture, { spot: true, spotBidPercentage: 60 });
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { Type: 'SPOT', BidPercentage: 60, AllocationStrategy: 'SPOT_PRICE_CAPACITY_OPTIMIZED' },
    });
  });

  test('requires IMDSv2 through a launch template of its own that carries nodeadm user data', () => {
    // GIVEN
    const fixture = newStack();
    // WHEN
    eksCompute(fixture);
    // THEN
    const template = Template.fromStack(fixture.stack);
    template.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
    });
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: { LaunchTemplate: { LaunchTemplateId: { Ref: Match.stringLikeRegexp('^EksLaunchTemplate') }, UserdataType: 'EKS_NODEADM' } },
    });
  });

  test('gives its nodes a shared role with the EKS worker node policies, not the ECS container instance policy', () => {
    const fixture = newStack();
    const a = eksCompute(fixture);
    const b = new EksCompute(fixture.stack, 'Other', { vpc: fixture.vpc, eksCluster: a.eksCluster, kubernetesNamespace: 'other' });
    expect(a.instanceRole).toBe(b.instanceRole);
    const template = Template.fromStack(fixture.stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    const policies = ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly', 'AmazonEKS_CNI_Policy']
      .map((name) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::aws:policy/${name}`]] }));
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: policies });
  });

  test('is taken by a queue as EKS compute', () => {
    const fixture = newStack();
    eksQueue(fixture);
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Batch::JobQueue', {
      ComputeEnvironmentOrder: [{ ComputeEnvironment: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Eks'), 'ComputeEnvironmentArn'] }, Order: 1 }],
    });
  });

  test.each([
    ['Batch', 'expected a lowercase RFC 1123 label'],
    ['-batch', 'expected a lowercase RFC 1123 label'],
    ['batch_jobs', 'expected a lowercase RFC 1123 label'],
    ['b'.repeat(64), 'expected 1 to 63 characters (it has 64)'],
    ['default', 'expected a namespace of its own for Batch\'s pods, not \'default\' nor one starting with \'kube-\''],
    ['kube-batch', 'expected a namespace of its own for Batch\'s pods, not \'default\' nor one starting with \'kube-\''],
  ])('fails on kubernetesNamespace %j, naming the construct path and the prop', (namespace, expected) => {
    // GIVEN
    const fixture = newStack();
    // WHEN
    eksCompute(fixture, { kubernetesNamespace: namespace });
    // THEN
    expect(() => fixture.app.synth()).toThrow(`compute environment 'Test/Eks' has kubernetesNamespace '${namespace}' but ${expected}`);
  });

  test('takes a 63-character namespace of digits, letters and hyphens', () => {
    const fixture = newStack();
    eksCompute(fixture, { kubernetesNamespace: `0-${'a'.repeat(61)}` });
    expect(() => fixture.app.synth()).not.toThrow();
  });

  test('uses the launch template given, without one of its own', () => {
    const fixture = newStack();
    const launchTemplate = new ec2.LaunchTemplate(fixture.stack, 'Template', { requireImdsv2: true });
    eksCompute(fixture, { launchTemplate });
    const template = Template.fromStack(fixture.stack);
    template.resourceCountIs('AWS::EC2::LaunchTemplate', 1);
    template.hasResourceProperties('AWS::Batch::ComputeEnvironment', { ComputeResources: { LaunchTemplate: { LaunchTemplateId: fixture.stack.resolve(launchTemplate.launchTemplateId) } } });
  });

  test('skips the namespace check, with a warning, when the namespace is a token', () => {
    const fixture = newStack();
    const namespace = new CfnParameter(fixture.stack, 'Namespace', { type: 'String' });
    eksCompute(fixture, { kubernetesNamespace: namespace.valueAsString });
    fixture.app.synth();
    expect(warningsAbout(fixture.stack, 'kubernetesNamespace')).toEqual([
      "compute environment 'Test/Eks': skipped checks of kubernetesNamespace: not known at synth time (a token) [ack: batchkit:check]",
    ]);
  });

  test('fails on allocation strategy BEST_FIT, which Batch on EKS refuses, naming the prop', () => {
    const fixture = newStack();
    eksCompute(fixture, { allocationStrategy: batch.AllocationStrategy.BEST_FIT });
    expect(() => fixture.app.synth()).toThrow("compute environment 'Test/Eks' has allocationStrategy BEST_FIT but Batch on EKS expects BEST_FIT_PROGRESSIVE");
  });

  test('fails when the instance types offer another architecture than the one declared', () => {
    const fixture = newStack();
    eksCompute(fixture, { architecture: CpuArchitecture.ARM64 });
    expect(() => fixture.app.synth()).toThrow("compute environment 'Eks' has architecture arm64 but its instance types offer x86_64");
  });
});

describe('EksJob', () => {
  test('renders one container whose limits equal its requests, run as the service account', () => {
    // GIVEN
    const fixture = newStack();
    const queue = eksQueue(fixture);
    // WHEN
    new EksJob(fixture.stack, 'Pod', {
      image: IMAGE, command: ['sh', '-c'], args: ['echo $GREETING'], cpu: 1.5, memory: Size.gibibytes(4), gpus: 0,
      env: { GREETING: 'hello' }, runAsUser: 1000, serviceAccount: 'batch-jobs', timeout: Duration.minutes(5), retryAttempts: 2, queues: [queue],
    });
    // THEN
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      Type: 'container',
      Timeout: { AttemptDurationSeconds: 300 },
      RetryStrategy: { Attempts: 2 },
      Tags: { 'batchkit:component': 'job-definition' },
      EksProperties: {
        PodProperties: {
          ServiceAccountName: 'batch-jobs',
          Containers: [{
            Image: 'public.ecr.aws/amazonlinux/amazonlinux:2023',
            Command: ['sh', '-c'],
            Args: ['echo $GREETING'],
            Env: [{ Name: 'GREETING', Value: 'hello' }],
            SecurityContext: { RunAsUser: 1000, RunAsNonRoot: true },
            Resources: { Limits: { cpu: 1.5, memory: '4096Mi', 'nvidia.com/gpu': Match.absent() }, Requests: { cpu: 1.5, memory: '4096Mi' } },
          }],
        },
      },
    });
    expect(() => fixture.app.synth()).not.toThrow();
  });

  test('asks for GPUs as nvidia.com/gpu limit and request', () => {
    const fixture = newStack();
    const compute = eksCompute(fixture, { instanceTypes: [instanceType('g5.xlarge')] });
    const queue = new BatchQueue(fixture.stack, 'GpuQueue', { computeEnvironments: [compute] });
    new EksJob(fixture.stack, 'Gpu', { image: IMAGE, cpu: 2, memory: Size.gibibytes(8), gpus: 1, queues: [queue] });
    Template.fromStack(fixture.stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      EksProperties: { PodProperties: { Containers: [{ Resources: { Limits: { 'nvidia.com/gpu': 1 }, Requests: { 'nvidia.com/gpu': 1 } } }] } },
    });
    expect(() => fixture.app.synth()).not.toThrow();
  });

  test('fails when the pod asks for more memory than any instance type of its queue offers', () => {
    const fixture = newStack();
    const queue = eksQueue(fixture);
    new EksJob(fixture.stack, 'Huge', { image: IMAGE, cpu: 2, memory: Size.gibibytes(64), queues: [queue] });
    expect(() => fixture.app.synth()).toThrow(/job definition 'Huge' asks for 65536 MiB of memory but queue 'EksQueue' offers jobs at most/);
  });

  test('fails when the pod asks for GPUs its queue\'s instance types do not have', () => {
    const fixture = newStack();
    const queue = eksQueue(fixture);
    new EksJob(fixture.stack, 'NeedsGpu', { image: IMAGE, gpus: 1, queues: [queue] });
    expect(() => fixture.app.synth()).toThrow(/job definition 'NeedsGpu' asks for 1 GPUs? but queue 'EksQueue'/);
  });

  test('fails on a CPU amount that is no multiple of 0.25', () => {
    const fixture = newStack();
    const queue = eksQueue(fixture);
    new EksJob(fixture.stack, 'Odd', { image: IMAGE, cpu: 0.3, queues: [queue] });
    expect(() => fixture.app.synth()).toThrow("job definition 'Odd' has container '#1' with cpu 0.3 but Batch expects a multiple of 0.25");
  });

  test('fails on less than 4 MiB of memory', () => {
    const fixture = newStack();
    const queue = eksQueue(fixture);
    new EksJob(fixture.stack, 'Tiny', { image: IMAGE, memory: Size.mebibytes(2), queues: [queue] });
    expect(() => fixture.app.synth()).toThrow("job definition 'Tiny' asks for 2 MiB of memory (limits or requests) but Batch expects at least 4 MiB");
  });

  test('fails when bound to a queue of ECS compute, naming the job, the queue and its compute', () => {
    // GIVEN
    const fixture = newStack();
    eksQueue(fixture);
    const ecsQueue = new BatchQueue(fixture.stack, 'EcsQueue', { computeEnvironments: [new Ec2Compute(fixture.stack, 'Ecs', { vpc: fixture.vpc })] });
    // WHEN
    new EksJob(fixture.stack, 'Pod', { image: IMAGE, queues: [ecsQueue] });
    // THEN
    expect(() => fixture.app.synth()).toThrow("job definition 'Pod' is an EKS job definition but queue 'EcsQueue' has only ECS compute environments ('Ecs')");
  });

  test('fails when an ECS job is bound to a queue of EksCompute', () => {
    const fixture = newStack();
    const queue = eksQueue(fixture);
    new Ec2ContainerJob(fixture.stack, 'Etl', { image: IMAGE, queues: [queue] });
    expect(() => fixture.app.synth()).toThrow("job definition 'Etl' is an ECS job definition but queue 'EksQueue' has only EKS compute environments ('Eks')");
  });

  test('unbound, it is placed on the EKS compute of the app and never on its ECS compute', () => {
    const fixture = newStack();
    eksQueue(fixture);
    new BatchQueue(fixture.stack, 'BigEcs', { computeEnvironments: [new Ec2Compute(fixture.stack, 'Big', { vpc: fixture.vpc, instanceTypes: [instanceType('r6i.8xlarge')] })] });
    new EksJob(fixture.stack, 'Unbound', { image: IMAGE, memory: Size.gibibytes(64) });
    expect(() => fixture.app.synth()).toThrow(/job definition 'Unbound' is bound to no queue and fits none of the app's queues: job definition 'Unbound' asks for 65536 MiB of memory but queue 'EksQueue'/);
  });

  test('is an IJobDefinition: an EventBridge rule submits it and grants submit on every revision of its name', () => {
    // GIVEN
    const fixture = newStack();
    const queue = eksQueue(fixture);
    const job = new EksJob(fixture.stack, 'Nightly', { image: IMAGE, jobDefinitionName: 'nightly', queues: [queue] });
    const definition: batch.IJobDefinition = job;
    const submitter = new iam.Role(fixture.stack, 'Submitter', { assumedBy: new iam.AccountRootPrincipal() });
    // WHEN
    new events.Rule(fixture.stack, 'Schedule', {
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.BatchJob(queue.jobQueueArn, queue, definition.jobDefinitionArn, definition)],
    });
    job.grantSubmitJob(submitter, queue);
    // THEN
    const template = Template.fromStack(fixture.stack);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^EksQueue'), 'JobQueueArn'] }, BatchParameters: Match.objectLike({ JobDefinition: { Ref: Match.stringLikeRegexp('^Nightly') } }) })],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Submitter') }],
      PolicyDocument: { Statement: [Match.objectLike({ Action: 'batch:SubmitJob', Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([':job-definition/nightly:*'])] }]) })] },
    });
    expect(job.jobDefinitionName).toBe('nightly');
    expect(() => fixture.app.synth()).not.toThrow();
  });
});
