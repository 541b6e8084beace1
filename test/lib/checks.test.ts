import { Aspects, Duration, Size, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { BatchChecks, BatchQueue, CpuArchitecture, Ec2Compute, Ec2ContainerJob, FargateCompute, FargateContainerJob } from '../../lib';
import { IMAGE, instanceType, newStack, warningsAbout } from './fixtures';

describe('placement check', () => {
  function gpuQueue() {
    const { app, stack, vpc } = newStack();
    const gpu = new Ec2Compute(stack, 'GpuCompute', { vpc, instanceTypes: [instanceType('g5.xlarge'), instanceType('g5.12xlarge')], maxvCpus: 256 });
    const queue = new BatchQueue(stack, 'Gpu', { computeEnvironments: [gpu] });
    return { app, stack, vpc, queue };
  }

  test('fails when a job asks for more vCPUs than any instance of its queue', () => {
    // GIVEN
    const { app, stack, queue } = gpuQueue();
    // WHEN
    new Ec2ContainerJob(stack, 'Train', { image: IMAGE, vcpus: 96, memory: Size.gibibytes(64), queues: [queue] });
    // THEN
    expect(() => app.synth()).toThrow(/\[Test\/Train\] job definition 'Train' asks for 96 vCPUs but queue 'Gpu' offers at most 48 \(g5.12xlarge\)/);
  });

  test('fails when a job asks for the full memory of the largest instance', () => {
    const { app, stack, queue } = gpuQueue();
    // g5.12xlarge has 196608 MiB installed; the OS and ECS agent keep part of it.
    new Ec2ContainerJob(stack, 'Big', { image: IMAGE, vcpus: 4, memory: Size.mebibytes(196608), queues: [queue] });
    expect(() => app.synth()).toThrow(/asks for 196608 MiB of memory but queue 'Gpu' offers jobs at most 191608 MiB \(g5.12xlarge: 196608 MiB installed/);
  });

  test('fails when a job asks for more GPUs than any instance offers', () => {
    const { app, stack, queue } = gpuQueue();
    new Ec2ContainerJob(stack, 'Many', { image: IMAGE, vcpus: 4, memory: Size.gibibytes(8), gpus: 8, queues: [queue] });
    expect(() => app.synth()).toThrow(/asks for 8 GPUs but queue 'Gpu' offers at most 4 \(g5.12xlarge\)/);
  });

  test('fails when a GPU job is placed on a queue without GPU instances', () => {
    const { app, stack, vpc } = newStack();
    const cpu = new Ec2Compute(stack, 'Cpu', { vpc, instanceClasses: [ec2.InstanceClass.C6I] });
    const queue = new BatchQueue(stack, 'CpuQueue', { computeEnvironments: [cpu] });
    new Ec2ContainerJob(stack, 'Render', { image: IMAGE, gpus: 1, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Render' asks for 1 GPUs but queue 'CpuQueue' offers no GPU instance types/);
  });

  test('fails when no single instance offers vCPUs, memory and GPUs together', () => {
    const { app, stack, vpc } = newStack();
    const mixed = new Ec2Compute(stack, 'Mixed', { vpc, instanceTypes: [instanceType('c6i.32xlarge'), instanceType('g5.xlarge')] });
    const queue = new BatchQueue(stack, 'Split', { computeEnvironments: [mixed] });
    // c6i.32xlarge has the vCPUs but no GPU; g5.xlarge has the GPU but 4 vCPUs.
    new Ec2ContainerJob(stack, 'Both', { image: IMAGE, vcpus: 8, memory: Size.gibibytes(8), gpus: 1, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Both' asks for 8 vCPUs, 8192 MiB and 1 GPUs together but no single instance type of queue 'Split' offers all of them/);
  });

  test('passes a job that fits the largest instance exactly within its job memory', () => {
    const { app, stack, queue } = gpuQueue();
    new Ec2ContainerJob(stack, 'Fits', { image: IMAGE, vcpus: 48, memory: Size.mebibytes(191608), gpus: 4, queues: [queue] });
    expect(() => app.synth()).not.toThrow();
  });

  test('fails when a job asks for more vCPUs than maxvCpus allows', () => {
    const { app, stack, vpc } = newStack();
    const small = new Ec2Compute(stack, 'Small', { vpc, instanceClasses: [ec2.InstanceClass.C6I], maxvCpus: 16 });
    const queue = new BatchQueue(stack, 'Capped', { computeEnvironments: [small] });
    new Ec2ContainerJob(stack, 'Wide', { image: IMAGE, vcpus: 32, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Wide' asks for 32 vCPUs but queue 'Capped' allows at most 16 \(maxvCpus of compute environment 'Small'\)/);
  });

  test('fails when the image architecture is not offered by the queue', () => {
    const { app, stack, vpc } = newStack();
    const x86 = new Ec2Compute(stack, 'X86', { vpc, instanceClasses: [ec2.InstanceClass.M6I] });
    const queue = new BatchQueue(stack, 'Intel', { computeEnvironments: [x86] });
    new Ec2ContainerJob(stack, 'Graviton', { image: IMAGE, architecture: CpuArchitecture.ARM64, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Graviton' needs arm64 but queue 'Intel' offers only x86_64 instance types/);
  });

  test('fails when a Fargate job asks for a vCPU/memory pair Fargate does not offer', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Serverless', { computeEnvironments: [new FargateCompute(stack, 'Fargate', { vpc })] });
    new FargateContainerJob(stack, 'Odd', { image: IMAGE, vcpus: 2, memory: Size.mebibytes(2048), queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Odd' asks for 2048 MiB of memory with 2 vCPUs but Fargate accepts 4096..16384 MiB in steps of 1024 with 2 vCPUs/);
  });

  test('fails when a Fargate job is bound to an EC2 queue', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Ec2Queue', { computeEnvironments: [new Ec2Compute(stack, 'Ec2', { vpc })] });
    new FargateContainerJob(stack, 'Report', { image: IMAGE, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'Report' runs on FARGATE but queue 'Ec2Queue' has EC2 compute environments/);
  });

  test('fails when an unbound job fits none of the app queues', () => {
    const { app, stack, queue } = gpuQueue();
    expect(queue).toBeDefined();
    new Ec2ContainerJob(stack, 'Huge', { image: IMAGE, vcpus: 64, memory: Size.gibibytes(8) });
    expect(() => app.synth()).toThrow(/job definition 'Huge' is bound to no queue and fits none of the app's queues: job definition 'Huge' asks for 64 vCPUs but queue 'Gpu' offers at most 48/);
  });

  test('passes an unbound job that fits one queue of the app', () => {
    const { app, stack, vpc, queue } = gpuQueue();
    expect(queue).toBeDefined();
    new BatchQueue(stack, 'Large', { computeEnvironments: [new Ec2Compute(stack, 'LargeCompute', { vpc, instanceClasses: [ec2.InstanceClass.C6I] })] });
    new Ec2ContainerJob(stack, 'Wide', { image: IMAGE, vcpus: 64, memory: Size.gibibytes(8) });
    expect(() => app.synth()).not.toThrow();
  });

  test('treats optimal as the default x86_64 families', () => {
    const { app, stack, vpc } = newStack();
    const plain = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Optimal', { vpc });
    const queue = new BatchQueue(stack, 'Default', { computeEnvironments: [plain] });
    // The largest default_x86_64 type is c7i.48xlarge / m6i.32xlarge class: 192 vCPUs.
    new Ec2ContainerJob(stack, 'Fits', { image: IMAGE, vcpus: 128, memory: Size.gibibytes(64), queues: [queue] });
    new Ec2ContainerJob(stack, 'TooWide', { image: IMAGE, vcpus: 256, queues: [queue] });
    expect(() => app.synth()).toThrow(/job definition 'TooWide' asks for 256 vCPUs but queue 'Default' offers at most 192/);
  });

  test('skips a job whose vCPUs are a token, with a warning', () => {
    const { app, stack, queue } = gpuQueue();
    new Ec2ContainerJob(stack, 'Param', { image: IMAGE, vcpus: Token.asNumber({ Ref: 'Cpus' }), queues: [queue] });
    expect(() => app.synth()).not.toThrow();
    expect(warningsAbout(stack, "job definition 'Param': skipped checks of VCPU: not known at synth time")).toHaveLength(1);
  });
});

describe('what the checks cannot see', () => {
  test('skips placement on an imported queue, with a warning', () => {
    const { app, stack } = newStack();
    const imported = batch.JobQueue.fromJobQueueArn(stack, 'Shared', 'arn:aws:batch:us-east-1:123456789012:job-queue/shared');
    new Ec2ContainerJob(stack, 'Job', { image: IMAGE, vcpus: 512, queues: [imported] });
    expect(() => app.synth()).not.toThrow();
    expect(warningsAbout(stack, "placement of job definition 'Job' on queue 'Shared': skipped checks of queue 'Shared' (imported: its compute environments are unknown)")).toHaveLength(1);
  });

  test('skips the queue rules when the stuck-job time limit is a token, with a warning', () => {
    const { app, stack, vpc } = newStack();
    const seconds = Token.asNumber({ Ref: 'StuckSeconds' });
    new BatchQueue(stack, 'Tunable', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], cancelStuckJobsAfter: Duration.seconds(seconds) });
    expect(() => app.synth()).not.toThrow();
    expect(warningsAbout(stack, "queue 'Tunable': skipped checks of jobStateTimeLimitActions.maxTimeSeconds")).toHaveLength(1);
  });
});

describe('BatchChecks aspect on plain aws-batch apps', () => {
  test('fails when a plain L2 job fits none of the queues', () => {
    // GIVEN a plain L2 app
    const { app, stack, vpc } = newStack();
    const ce = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Small', { vpc, instanceTypes: [instanceType('m5.large')], useOptimalInstanceClasses: false });
    new batch.JobQueue(stack, 'Queue', { computeEnvironments: [{ computeEnvironment: ce, order: 1 }] });
    new batch.EcsJobDefinition(stack, 'Job', {
      container: new batch.EcsEc2ContainerDefinition(stack, 'Container', { image: IMAGE, cpu: 2, memory: Size.mebibytes(8192) }),
    });
    // WHEN
    Aspects.of(app).add(new BatchChecks());
    // THEN
    expect(() => app.synth()).toThrow(/\[Test\/Job\/Resource\] job definition 'Job' is bound to no queue and fits none of the app's queues: job definition 'Job' asks for 8192 MiB of memory but queue 'Queue' offers jobs at most 7953 MiB \(m5.large/);
  });

  test('fails when a plain L2 queue mixes Fargate and EC2', () => {
    const { app, stack, vpc } = newStack();
    const ec2Ce = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Ec2', { vpc });
    const fargate = new batch.FargateComputeEnvironment(stack, 'Fargate', { vpc });
    new batch.JobQueue(stack, 'Mixed', { computeEnvironments: [{ computeEnvironment: ec2Ce, order: 1 }, { computeEnvironment: fargate, order: 2 }] });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(/queue 'Mixed' mixes Fargate \('Fargate'\) and EC2 \('Ec2'\) compute environments but Batch expects one kind/);
  });

  test('fails when a plain L2 multi-node job has its numNodes summed over overlapping ranges', () => {
    const { app, stack } = newStack();
    const container = (id: string) => new batch.EcsEc2ContainerDefinition(stack, id, { image: IMAGE, cpu: 1, memory: Size.gibibytes(1) });
    new batch.MultiNodeJobDefinition(stack, 'Mpi', {
      containers: [{ startNode: 0, endNode: 2, container: container('A') }, { startNode: 2, endNode: 3, container: container('B') }],
    });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(/job definition 'Mpi' has node ranges '0:2' and '2:3' that overlap at node 2/);
  });

  test('fails when a bare L1 queue lists four compute environments', () => {
    const { app, stack } = newStack();
    const computes = ['A', 'B', 'C', 'D'].map((id) => new batch.CfnComputeEnvironment(stack, id, {
      type: 'MANAGED', computeResources: { type: 'FARGATE', maxvCpus: 4, subnets: ['subnet-1'] },
    }));
    new batch.CfnJobQueue(stack, 'Raw', {
      priority: 1, computeEnvironmentOrder: computes.map((ce, i) => ({ computeEnvironment: ce.attrComputeEnvironmentArn, order: i + 1 })),
    });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(/\[Test\/Raw\] queue 'Raw' has 4 compute environments but Batch expects 1 to 3/);
  });

  test('fails when a plain job fits none of the bare L1 queues', () => {
    const { app, stack } = newStack();
    const ce = new batch.CfnComputeEnvironment(stack, 'Ce', { type: 'MANAGED', computeResources: { type: 'EC2', maxvCpus: 64, instanceTypes: ['m5.large'], subnets: ['subnet-1'], instanceRole: 'role' } });
    new batch.CfnJobQueue(stack, 'Raw', { priority: 1, computeEnvironmentOrder: [{ computeEnvironment: ce.ref, order: 1 }] });
    new batch.CfnJobDefinition(stack, 'Job', { type: 'container', containerProperties: { image: 'x', resourceRequirements: [{ type: 'VCPU', value: '4' }, { type: 'MEMORY', value: '1024' }] } });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(/job definition 'Job' asks for 4 vCPUs but queue 'Raw' offers at most 2 \(m5.large\)/);
  });

  test('fails when plain L2 names break Batch\'s name rule or a container asks for under 4 MiB', () => {
    const { app, stack, vpc } = newStack();
    const ce = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Ce', { vpc });
    new batch.JobQueue(stack, 'Queue', { jobQueueName: 'my queue', computeEnvironments: [{ computeEnvironment: ce, order: 1 }] });
    new batch.EcsJobDefinition(stack, 'Job', {
      jobDefinitionName: 'job!',
      container: new batch.EcsEc2ContainerDefinition(stack, 'Container', { image: IMAGE, cpu: 1, memory: Size.mebibytes(2) }),
    });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).toThrow(new RegExp([
      "queue 'Queue' has name 'my queue' but expected 1 to 128 characters",
      "job definition 'Job' has name 'job!' but expected 1 to 128 characters",
      "job definition 'Job' asks for 2 MiB of memory but Batch expects at least 4",
    ].map((m) => `[\\s\\S]*${m}`).join('')));
  });

  test('attaches its checks once to a plain resource, even when added twice', () => {
    const { app, stack } = newStack();
    new batch.CfnJobDefinition(stack, 'Job', { type: 'container', jobDefinitionName: 'bad name', containerProperties: { image: 'x' } });
    Aspects.of(app).add(new BatchChecks());
    Aspects.of(stack).add(new BatchChecks());
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/job definition 'Job' has name 'bad name'/);
    expect(message.match(/has name 'bad name'/g)).toHaveLength(1);
  });

  test('passes a sound plain L2 app and leaves batchkit constructs to their own checks', () => {
    const { app, stack, vpc } = newStack();
    const ce = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Ce', { vpc });
    new batch.JobQueue(stack, 'Queue', { computeEnvironments: [{ computeEnvironment: ce, order: 1 }] });
    new batch.EcsJobDefinition(stack, 'Job', {
      container: new batch.EcsEc2ContainerDefinition(stack, 'Container', { image: IMAGE, cpu: 2, memory: Size.gibibytes(4) }),
      timeout: Duration.minutes(5),
    });
    new Ec2ContainerJob(stack, 'Kit', { image: IMAGE });
    Aspects.of(app).add(new BatchChecks());
    expect(() => app.synth()).not.toThrow();
    Template.fromStack(stack).resourceCountIs('AWS::Batch::JobDefinition', 2);
  });
});
