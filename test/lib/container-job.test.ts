import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { BatchJobDefinitionBase, BatchQueue, CpuArchitecture, Ec2Compute, Ec2ContainerJob, FargateCompute, FargateContainerJob } from '../../lib';
import { IMAGE, newStack } from './fixtures';

describe('Ec2ContainerJob', () => {
  test('declares a container job with resources, command, environment, parameters, retries and timeout', () => {
    const { stack } = newStack();
    const job = new Ec2ContainerJob(stack, 'Etl', {
      jobDefinitionName: 'etl',
      image: IMAGE,
      vcpus: 4,
      memory: Size.gibibytes(8),
      gpus: 1,
      command: ['run', 'Ref::input'],
      environment: { STAGE: 'test' },
      parameters: { input: 's3://bucket/key' },
      retryAttempts: 3,
      retryStrategies: [batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onExitCode: '1*' }))],
      timeout: Duration.minutes(30),
    });
    expect(job.ecsJobDefinition).toBeInstanceOf(batch.EcsJobDefinition);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: 'etl',
      Type: 'container',
      PlatformCapabilities: ['EC2'],
      PropagateTags: true,
      Parameters: { input: 's3://bucket/key' },
      RetryStrategy: { Attempts: 3, EvaluateOnExit: [{ Action: 'EXIT', OnExitCode: '1*' }] },
      Timeout: { AttemptDurationSeconds: 1800 },
      ContainerProperties: {
        Command: ['run', 'Ref::input'],
        Environment: [{ Name: 'STAGE', Value: 'test' }],
        ResourceRequirements: [{ Type: 'MEMORY', Value: '8192' }, { Type: 'VCPU', Value: '4' }, { Type: 'GPU', Value: '1' }],
      },
      Tags: { 'batchkit:component': 'job-definition' },
    });
  });

  test('keeps the logical id of a resource declared directly under it, though the L2 it composes sits between', () => {
    // GIVEN
    const { stack } = newStack();
    const bare = newStack().stack;
    // WHEN
    const job = new Ec2ContainerJob(stack, 'Etl', { image: IMAGE });
    const direct = new batch.CfnJobDefinition(new Construct(bare, 'Etl'), 'Resource', { type: 'container' });
    // THEN
    expect(stack.resolve(job.jobDefinitionArn)).toEqual({ Ref: bare.getLogicalId(direct) });
  });

  test('is an IJobDefinition whose retry strategies reach its resource', () => {
    const { stack } = newStack();
    const job: batch.IJobDefinition = new Ec2ContainerJob(stack, 'Etl', { image: IMAGE, retryAttempts: 2 });
    job.addRetryStrategy(batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED));
    expect(job.retryAttempts).toBe(2);
    expect(job.retryStrategies).toHaveLength(1);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      RetryStrategy: { Attempts: 2, EvaluateOnExit: [{ Action: 'RETRY', OnStatusReason: 'Host EC2*' }] },
    });
  });

  test('fails when its name breaks Batch\'s name rule', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Spaced', { jobDefinitionName: 'nightly etl', image: IMAGE });
    new Ec2ContainerJob(stack, 'Shouted', { jobDefinitionName: 'etl!', image: IMAGE });
    expect(() => app.synth()).toThrow(new RegExp([
      "\\[Test/Spaced\\] job definition 'Spaced' has name 'nightly etl' but expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores",
      "\\[Test/Shouted\\] job definition 'Shouted' has name 'etl!' but expected",
    ].join('[\\s\\S]*')));
  });

  test('fails when it asks for less memory than Batch\'s minimum of 4 MiB', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Tiny', { image: IMAGE, memory: Size.mebibytes(2) });
    expect(() => app.synth()).toThrow(/\[Test\/Tiny\] job definition 'Tiny' asks for 2 MiB of memory but Batch expects at least 4/);
  });

  test('gives each job definition its own job role and shares one execution role per stack', () => {
    const { stack } = newStack();
    const a = new Ec2ContainerJob(stack, 'A', { image: IMAGE });
    const b = new Ec2ContainerJob(stack, 'B', { image: IMAGE });
    expect(a.executionRole).toBe(b.executionRole);
    expect(a.jobRole).not.toBe(b.jobRole);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 3);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: { JobRoleArn: stack.resolve(a.jobRole.roleArn), ExecutionRoleArn: stack.resolve(a.executionRole.roleArn) },
    });
  });

  test('is the principal of grants made to it: its job role', () => {
    const { stack } = newStack();
    const job = new Ec2ContainerJob(stack, 'Reader', { image: IMAGE });
    const bucket = new s3.Bucket(stack, 'Data');
    bucket.grantRead(job);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve((job.jobRole as iam.Role).roleName)],
      PolicyDocument: { Statement: [Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })] },
    });
  });

  test('lets the shared execution role read the secrets jobs use', () => {
    const { stack } = newStack();
    const secret = new secretsmanager.Secret(stack, 'Token');
    const job = new Ec2ContainerJob(stack, 'WithSecret', { image: IMAGE, secrets: { TOKEN: batch.Secret.fromSecretsManager(secret) } });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [stack.resolve((job.executionRole as iam.Role).roleName)],
      PolicyDocument: { Statement: [Match.objectLike({ Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] })] },
    });
  });

  test('mounts host volumes', () => {
    const { stack } = newStack();
    new Ec2ContainerJob(stack, 'Scratch', { image: IMAGE, volumes: [batch.EcsVolume.host({ name: 'scratch', hostPath: '/mnt/scratch', containerPath: '/scratch' })] });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      ContainerProperties: { Volumes: [{ Name: 'scratch', Host: { SourcePath: '/mnt/scratch' } }], MountPoints: [{ ContainerPath: '/scratch', SourceVolume: 'scratch' }] },
    });
  });

  test('fails when retry attempts, evaluateOnExit patterns, timeout or environment break Batch rules', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Bad', {
      image: IMAGE,
      retryAttempts: 11,
      retryStrategies: [batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.custom({ onExitCode: 'one' }))],
      timeout: Duration.seconds(30),
      environment: { AWS_BATCH_JOB_ID: 'x' },
    });
    expect(() => app.synth()).toThrow(new RegExp([
      "\\[Test/Bad\\] job definition 'Bad' asks for 11 retry attempts but Batch allows 1..10",
      "\\[Test/Bad\\] job definition 'Bad' has evaluateOnExit rule 1 with onExitCode 'one' but expected digits with an optional trailing '\\*'",
      "\\[Test/Bad\\] job definition 'Bad' has a timeout of 30 seconds but Batch expects at least 60",
      "\\[Test/Bad\\] job definition 'Bad' sets environment variable 'AWS_BATCH_JOB_ID'.*reserved",
    ].join('[\\s\\S]*')));
  });

  test('fails when it has more than five evaluateOnExit rules', () => {
    const { app, stack } = newStack();
    const rule = batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onExitCode: '2' }));
    new Ec2ContainerJob(stack, 'Rules', { image: IMAGE, retryStrategies: [rule, rule, rule, rule, rule, rule] });
    expect(() => app.synth()).toThrow(/job definition 'Rules' has 6 evaluateOnExit rules but Batch allows at most 5/);
  });

  test('can be bound to a queue after it is declared', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Arm', { computeEnvironments: [new Ec2Compute(stack, 'Graviton', { vpc, architecture: CpuArchitecture.ARM64 })] });
    new BatchQueue(stack, 'Intel', { computeEnvironments: [new Ec2Compute(stack, 'X86', { vpc })] });
    const job = new Ec2ContainerJob(stack, 'IntelOnly', { image: IMAGE, architecture: CpuArchitecture.X86_64 });
    job.bindToQueue(queue);
    expect(() => app.synth()).toThrow(/job definition 'IntelOnly' needs x86_64 but queue 'Arm' offers only arm64 instance types/);
  });
});

describe('grants', () => {
  test('submit covers every revision of the job definition and the queue, and returns the grant', () => {
    const { stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Q', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })] });
    const job = new Ec2ContainerJob(stack, 'Job', { jobDefinitionName: 'nightly', image: IMAGE });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    const grant = job.grantSubmitJob(role, queue);
    expect(grant.success).toBe(true);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{
        Action: 'batch:SubmitJob',
        Effect: 'Allow',
        Resource: [
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':batch:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':job-definition/nightly:*']] },
          stack.resolve(queue.jobQueueArn),
        ],
      }] },
    });
  });

  test('submit with required tags adds aws:RequestTag conditions and the tagging it needs', () => {
    const { stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Q', { computeEnvironments: [new FargateCompute(stack, 'C', { vpc })] });
    const job = new FargateContainerJob(stack, 'Job', { image: IMAGE });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    job.grantSubmitJob(role, queue, { requiredTags: { team: 'data' } });
    const condition = { StringEquals: { 'aws:RequestTag/team': 'data' } };
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [
        Match.objectLike({ Action: 'batch:SubmitJob', Condition: condition }),
        Match.objectLike({ Action: 'batch:TagResource', Condition: condition }),
      ] },
    });
  });

  test('cancel and terminate are narrowed by aws:ResourceTag; describe and list need no resource', () => {
    const { stack } = newStack();
    const job = new Ec2ContainerJob(stack, 'Job', { image: IMAGE });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    job.grantCancelJobs(role, { requiredTags: { team: 'data' } });
    job.grantDescribeJobs(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [
        Match.objectLike({ Action: ['batch:CancelJob', 'batch:TerminateJob'], Condition: { StringEquals: { 'aws:ResourceTag/team': 'data' } } }),
        Match.objectLike({ Action: ['batch:DescribeJobs', 'batch:ListJobs', 'batch:DescribeJobQueues', 'batch:DescribeJobDefinitions'], Resource: '*' }),
      ] },
    });
  });
});

describe('imported job definitions', () => {
  test('fails when a retry strategy is added to one', () => {
    const { stack } = newStack();
    const imported = BatchJobDefinitionBase.fromJobDefinitionName(stack, 'Legacy', 'legacy-job');
    expect(() => imported.addRetryStrategy(batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.CANNOT_PULL_CONTAINER)))
      .toThrow(/job definition 'Test\/Legacy' is imported by name \('legacy-job'\): add retry strategies where it is registered/);
  });

  test('grant submit on every revision of the name', () => {
    const { stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Q', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })] });
    const imported = BatchJobDefinitionBase.fromJobDefinitionName(stack, 'Legacy', 'legacy-job');
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    imported.grantSubmitJob(role, queue);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({
        Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([':job-definition/legacy-job:*'])] }]),
      })] },
    });
  });
});

describe('FargateContainerJob', () => {
  test('declares a Fargate job with its architecture', () => {
    const { stack } = newStack();
    new FargateContainerJob(stack, 'Report', { image: IMAGE, vcpus: 0.5, memory: Size.gibibytes(1), architecture: CpuArchitecture.ARM64 });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', {
      PlatformCapabilities: ['FARGATE'],
      ContainerProperties: {
        RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
        ResourceRequirements: [{ Type: 'MEMORY', Value: '1024' }, { Type: 'VCPU', Value: '0.5' }],
      },
    });
  });
});

describe('Fargate ephemeral storage', () => {
  test('is given to the task when Fargate accepts the size', () => {
    const { stack } = newStack();
    new FargateContainerJob(stack, 'Scratch', { image: IMAGE, ephemeralStorage: Size.gibibytes(21) });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobDefinition', { ContainerProperties: { EphemeralStorage: { SizeInGiB: 21 } } });
  });

  test('fails when it is below 21 GiB, naming the job definition and the prop', () => {
    const { app, stack } = newStack();
    new FargateContainerJob(stack, 'Scratch', { image: IMAGE, ephemeralStorage: Size.gibibytes(20) });
    expect(() => app.synth()).toThrow(/\[Test\/Scratch\] job definition 'Scratch' asks for 20 GiB of ephemeral storage but Fargate accepts 21..200 GiB \(ephemeralStorage\)/);
  });

  test('fails when it is above 200 GiB', () => {
    const { app, stack } = newStack();
    new FargateContainerJob(stack, 'Huge', { image: IMAGE, ephemeralStorage: Size.tebibytes(1) });
    expect(() => app.synth()).toThrow(/job definition 'Huge' asks for 1024 GiB of ephemeral storage but Fargate accepts 21..200 GiB/);
  });
});

describe('EC2 resources', () => {
  test('fails when an EC2 job asks for less than one vCPU', () => {
    const { app, stack } = newStack();
    new Ec2ContainerJob(stack, 'Tiny', { image: IMAGE, vcpus: 0.5 });
    expect(() => app.synth()).toThrow(/job definition 'Tiny' asks for 0.5 vCPUs but jobs on EC2 need at least 1/);
  });
});
