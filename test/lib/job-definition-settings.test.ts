import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { BatchQueue, CpuArchitecture, Ec2Compute, Ec2ContainerJob, FargateCompute, FargateContainerJob, MultiNodeJob } from '../../lib';
import { IMAGE, newStack, warningsAbout } from './fixtures';

describe('Ec2ContainerJob settings', () => {
  test('renders Linux parameters, ulimits, ECS Exec, scheduling priority and revision retention through the L2', () => {
    // GIVEN
    const { stack } = newStack();
    const linux = new batch.LinuxParameters(stack, 'Linux', { sharedMemorySize: Size.gibibytes(1), maxSwap: Size.gibibytes(2), swappiness: 10, initProcessEnabled: true });
    linux.addTmpfs({ containerPath: '/scratch', size: Size.mebibytes(256) });
    // WHEN
    const job = new Ec2ContainerJob(stack, 'Tuned', {
      image: IMAGE,
      memory: Size.gibibytes(4),
      linuxParameters: linux,
      ulimits: [{ name: batch.UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 }],
      enableExecuteCommand: true,
      schedulingPriority: 50,
      skipDeregisterOnUpdate: true,
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      SchedulingPriority: 50,
      ResourceRetentionPolicy: { SkipDeregisterOnUpdate: true },
      ContainerProperties: {
        EnableExecuteCommand: true,
        LinuxParameters: { InitProcessEnabled: true, SharedMemorySize: 1024, MaxSwap: 2048, Swappiness: 10, Tmpfs: [{ ContainerPath: '/scratch', Size: 256 }] },
        Ulimits: [{ Name: 'nofile', SoftLimit: 65536, HardLimit: 65536 }],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve((job.jobRole as iam.Role).roleName)],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['ssmmessages:CreateControlChannel']) })] },
    });
  });

  test('fails when a ulimit\'s soft limit is above its hard limit, naming the job and the prop', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Limits', { image: IMAGE, ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: 10, hardLimit: 5 }] });
    expect(() => app.synth()).toThrow(/\[Test\/Limits\] job definition 'Limits' has ulimit 'memlock' with a soft limit of 10 above its hard limit of 5: the container would not start \(ulimits\)/);
  });

  test('fails when a ulimit is set twice', () => {
    const { app, stack } = newStack();
    const nofile = { name: batch.UlimitName.NOFILE, softLimit: 1024, hardLimit: 4096 };
    new Ec2ContainerJob(stack, 'Twice', { image: IMAGE, ulimits: [nofile, nofile] });
    expect(() => app.synth()).toThrow(/job definition 'Twice' sets ulimit 'nofile' more than once but Batch expects one entry per name \(ulimits\)/);
  });

  test('warns when /dev/shm is larger than the container\'s memory', () => {
    const { stack } = newStack();
    new Ec2ContainerJob(stack, 'Shm', { image: IMAGE, memory: Size.gibibytes(2), linuxParameters: new batch.LinuxParameters(stack, 'Linux', { sharedMemorySize: Size.gibibytes(4) }) });
    Template.fromStack(stack);
    expect(warningsAbout(stack, "job definition 'Shm' has a sharedMemorySize of 4096 MiB, more than its 2048 MiB of memory")).toHaveLength(1);
  });

  test('does not warn when /dev/shm fits the container\'s memory', () => {
    const { stack } = newStack();
    new Ec2ContainerJob(stack, 'Shm', { image: IMAGE, memory: Size.gibibytes(8), linuxParameters: new batch.LinuxParameters(stack, 'Linux', { sharedMemorySize: Size.gibibytes(4) }) });
    Template.fromStack(stack);
    expect(warningsAbout(stack, 'sharedMemorySize')).toEqual([]);
  });

  test('fails when the scheduling priority is outside 0..9999', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Urgent', { image: IMAGE, schedulingPriority: 10000 });
    expect(() => app.synth()).toThrow(/\[Test\/Urgent\] job definition 'Urgent' has a schedulingPriority of 10000 but Batch expects a whole number from 0 to 9999 \(schedulingPriority\)/);
  });

  test('warns that a scheduling priority does nothing when its only queue has no fair-share policy', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    const fifo = new BatchQueue(stack, 'Fifo', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })] });
    // WHEN
    new Ec2ContainerJob(stack, 'Ranked', { image: IMAGE, schedulingPriority: 5, queues: [fifo] });
    Template.fromStack(stack);
    // THEN
    expect(warningsAbout(stack, "job definition 'Ranked' sets schedulingPriority 5 but its queues ('Fifo') have no fair-share scheduling policy, so Batch ignores it")).toHaveLength(1);
  });

  test('does not warn about a scheduling priority on a fair-share queue', () => {
    const { stack, vpc } = newStack();
    const policy = new batch.FairshareSchedulingPolicy(stack, 'Policy', { shares: [{ shareIdentifier: 'team', weightFactor: 1 }] });
    const fair = new BatchQueue(stack, 'Fair', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], schedulingPolicy: policy });
    new Ec2ContainerJob(stack, 'Ranked', { image: IMAGE, schedulingPriority: 5, queues: [fair] });
    Template.fromStack(stack);
    expect(warningsAbout(stack, 'schedulingPriority')).toEqual([]);
  });
});

describe('FargateContainerJob settings', () => {
  test('takes an init process and a platform version', () => {
    const { stack } = newStack();
    new FargateContainerJob(stack, 'Init', {
      image: IMAGE,
      linuxParameters: new batch.LinuxParameters(stack, 'Linux', { initProcessEnabled: true }),
      fargatePlatformVersion: ecs.FargatePlatformVersion.VERSION1_4,
      ephemeralStorage: Size.gibibytes(50),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: { LinuxParameters: { InitProcessEnabled: true }, FargatePlatformConfiguration: { PlatformVersion: '1.4.0' }, EphemeralStorage: { SizeInGiB: 50 } },
    });
  });

  test('fails when it sets Linux parameters Fargate refuses', () => {
    const { app, stack } = newStack();
    const linux = new batch.LinuxParameters(stack, 'Linux', { sharedMemorySize: Size.gibibytes(1), maxSwap: Size.gibibytes(1) });
    linux.addDevices({ hostPath: '/dev/fuse' });
    new FargateContainerJob(stack, 'Shm', { image: IMAGE, linuxParameters: linux });
    expect(() => app.synth()).toThrow(/\[Test\/Shm\] job definition 'Shm' sets linuxParameters devices, sharedMemorySize, maxSwap but Fargate jobs accept only initProcessEnabled \(linuxParameters\)/);
  });

  test('fails when ephemeral storage asks for a platform version before 1.4.0', () => {
    const { app, stack } = newStack();
    new FargateContainerJob(stack, 'Old', { image: IMAGE, ephemeralStorage: Size.gibibytes(30), fargatePlatformVersion: ecs.FargatePlatformVersion.VERSION1_3 });
    expect(() => app.synth()).toThrow(/job definition 'Old' asks for 30 GiB of ephemeral storage on Fargate platform version 1.3.0 but that needs 1.4.0 or later \(or LATEST\) \(fargatePlatformVersion\)/);
  });
});

describe('FargateContainerJob on Windows', () => {
  const windows = ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE;

  test('declares a Windows task', () => {
    const { stack } = newStack();
    new FargateContainerJob(stack, 'Win', { image: IMAGE, vcpus: 1, memory: Size.gibibytes(2), operatingSystemFamily: windows });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: { RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'WINDOWS_SERVER_2022_CORE' } },
    });
  });

  test('fails when it asks for less than 1 vCPU, which Linux would accept', () => {
    const { app, stack } = newStack();
    new FargateContainerJob(stack, 'Small', { image: IMAGE, vcpus: 0.5, memory: Size.gibibytes(1), operatingSystemFamily: windows });
    expect(() => app.synth()).toThrow(/\[Test\/Small\] job definition 'Small' asks for 0.5 vCPUs but Fargate offers 1, 2, 4, 8 or 16 vCPUs to Windows containers \(vcpus\)/);
  });

  test('fails when it sets what Windows containers refuse, naming each', () => {
    // GIVEN
    const { app, stack, vpc } = newStack();
    const fileSystem = new efs.FileSystem(stack, 'Fs', { vpc });
    // WHEN
    new FargateContainerJob(stack, 'Win', {
      image: IMAGE,
      operatingSystemFamily: windows,
      user: 'admin',
      readonlyRootFilesystem: true,
      linuxParameters: new batch.LinuxParameters(stack, 'Linux', { initProcessEnabled: true }),
      volumes: [batch.EcsVolume.efs({ name: 'data', fileSystem, containerPath: 'C:\\data' })],
      architecture: CpuArchitecture.ARM64,
    });
    // THEN
    expect(() => app.synth()).toThrow(new RegExp([
      "job definition 'Win' runs Windows but sets linuxParameters, user, readonlyRootFilesystem, efsVolumeConfiguration, which Batch refuses for Windows containers",
      "job definition 'Win' runs Windows on ARM64 but Windows containers on Fargate run on X86_64 only \\(architecture\\)",
    ].join('[\\s\\S]*')));
  });

  test('fails when bound to a queue of Fargate Spot only', () => {
    const { app, stack, vpc } = newStack();
    const spot = new BatchQueue(stack, 'Cheap', { computeEnvironments: [new FargateCompute(stack, 'Spot', { vpc, spot: true })] });
    new FargateContainerJob(stack, 'Win', { image: IMAGE, operatingSystemFamily: windows, queues: [spot] });
    expect(() => app.synth()).toThrow(/job definition 'Win' runs Windows but queue 'Cheap' has only FARGATE_SPOT compute environments, which run no Windows containers/);
  });

  test('fails when it asks for a Linux platform version', () => {
    const { app, stack } = newStack();
    new FargateContainerJob(stack, 'Win', { image: IMAGE, operatingSystemFamily: windows, fargatePlatformVersion: ecs.FargatePlatformVersion.VERSION1_4 });
    expect(() => app.synth()).toThrow(/job definition 'Win' runs Windows on Fargate platform version 1.4.0 but Windows tasks run on LATEST or 1.0.0 \(fargatePlatformVersion\)/);
  });

  test('runs on a queue with on-demand Fargate beside Fargate Spot', () => {
    const { app, stack, vpc } = newStack();
    const mixed = new BatchQueue(stack, 'Mixed', { computeEnvironments: [new FargateCompute(stack, 'Spot', { vpc, spot: true }), new FargateCompute(stack, 'OnDemand', { vpc })] });
    new FargateContainerJob(stack, 'Win', { image: IMAGE, operatingSystemFamily: windows, timeout: Duration.minutes(5), queues: [mixed] });
    expect(() => app.synth()).not.toThrow();
  });
});

describe('a template using every new prop', () => {
  test('passes cfn-lint', () => {
    // GIVEN a stack with each job definition, node group and queue prop set
    const { app, stack, vpc } = newStack();
    const linux = new batch.LinuxParameters(stack, 'Linux', { sharedMemorySize: Size.gibibytes(8), maxSwap: Size.gibibytes(1), swappiness: 10 });
    linux.addDevices({ hostPath: '/dev/infiniband/uverbs0' });
    const policy = new batch.FairshareSchedulingPolicy(stack, 'Policy', { shares: [{ shareIdentifier: 'team', weightFactor: 1 }] });
    const queue = new BatchQueue(stack, 'Hpc', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc, instanceTypes: [new ec2.InstanceType('c5n.18xlarge')] })],
      schedulingPolicy: policy,
      cancelStuckJobsAfter: Duration.hours(1),
      stuckJobActions: [{ reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, cancelAfter: Duration.hours(6) }],
    });
    new Ec2ContainerJob(stack, 'Ec2', {
      image: IMAGE, memory: Size.gibibytes(16), linuxParameters: linux, ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: 0, hardLimit: 0 }],
      enableExecuteCommand: true, schedulingPriority: 1, skipDeregisterOnUpdate: true, queues: [queue],
    });
    new MultiNodeJob(stack, 'Mpi', {
      numNodes: 2, schedulingPriority: 2, queues: [queue],
      nodeGroups: [{
        startNode: 0, endNode: 1, instanceType: new ec2.InstanceType('c5n.18xlarge'), image: IMAGE, vcpus: 4, memory: Size.gibibytes(16),
        linuxParameters: new batch.LinuxParameters(stack, 'MpiLinux', { sharedMemorySize: Size.gibibytes(4) }),
        ulimits: [{ name: batch.UlimitName.MEMLOCK, softLimit: 0, hardLimit: 0 }], privileged: true, user: 'mpi',
        secrets: { TOKEN: batch.Secret.fromSecretsManager(new secretsmanager.Secret(stack, 'Token')) },
        logging: ecs.LogDriver.awsLogs({ streamPrefix: 'mpi' }),
      }],
    });
    const fargate = new BatchQueue(stack, 'Fargate', { computeEnvironments: [new FargateCompute(stack, 'F', { vpc })] });
    new FargateContainerJob(stack, 'Win', { image: IMAGE, queues: [fargate], operatingSystemFamily: ecs.OperatingSystemFamily.WINDOWS_SERVER_2022_CORE, fargatePlatformVersion: ecs.FargatePlatformVersion.LATEST });
    new FargateContainerJob(stack, 'Linux1', { image: IMAGE, queues: [fargate], fargatePlatformVersion: ecs.FargatePlatformVersion.VERSION1_4, ephemeralStorage: Size.gibibytes(40), enableExecuteCommand: true });
    // WHEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-settings-'));
    try {
      const file = path.join(dir, 'Test.template.json');
      fs.writeFileSync(file, JSON.stringify(app.synth().getStackByName('Test').template));
      const lint = spawnSync('cfn-lint', ['--', file], { encoding: 'utf8', timeout: 60_000 });
      // THEN
      expect({ status: lint.status, error: lint.error?.message, findings: lint.stdout.trim() }).toEqual({ status: 0, error: undefined, findings: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
