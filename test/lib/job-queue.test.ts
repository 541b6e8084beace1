import { Duration, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { BatchQueue, Ec2Compute, FargateCompute, UnmanagedCompute } from '../../lib';
import { instanceType, newStack, warningsAbout } from './fixtures';

describe('BatchQueue', () => {
  test('orders compute environments as given, with the priority and name given', () => {
    const { stack, vpc } = newStack();
    const spot = new Ec2Compute(stack, 'Spot', { vpc, spot: true });
    const onDemand = new Ec2Compute(stack, 'OnDemand', { vpc });
    const queue = new BatchQueue(stack, 'Standard', { jobQueueName: 'standard', priority: 50, computeEnvironments: [spot, onDemand] });
    expect(queue).toBeInstanceOf(batch.JobQueue);
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobQueueName: 'standard',
      Priority: 50,
      ComputeEnvironmentOrder: [
        { ComputeEnvironment: { 'Fn::GetAtt': [stack.getLogicalId(spot.node.defaultChild as batch.CfnComputeEnvironment), 'ComputeEnvironmentArn'] }, Order: 1 },
        { ComputeEnvironment: { 'Fn::GetAtt': [stack.getLogicalId(onDemand.node.defaultChild as batch.CfnComputeEnvironment), 'ComputeEnvironmentArn'] }, Order: 2 },
      ],
      Tags: { 'batchkit:component': 'job-queue' },
    });
  });

  test('cancels jobs stuck RUNNABLE for misconfiguration or capacity after the time given', () => {
    const { stack, vpc } = newStack();
    new BatchQueue(stack, 'Q', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], cancelStuckJobsAfter: Duration.minutes(30) });
    const action = (reason: string) => ({ Action: 'CANCEL', MaxTimeSeconds: 1800, Reason: reason, State: 'RUNNABLE' });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [
        action('MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE'),
        action('MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT'),
        action('CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY'),
      ],
    });
  });

  test('takes a fair-share scheduling policy', () => {
    const { stack, vpc } = newStack();
    const policy = new batch.FairshareSchedulingPolicy(stack, 'Policy', { shares: [{ shareIdentifier: 'team-a', weightFactor: 1 }] });
    new BatchQueue(stack, 'Fair', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], schedulingPolicy: policy });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', { SchedulingPolicyArn: stack.resolve(policy.schedulingPolicyArn) });
  });

  test('fails when the stuck-job time limit is under 10 minutes, saying so once', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Impatient', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], cancelStuckJobsAfter: Duration.minutes(5) });
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/\[Test\/Impatient\] queue 'Impatient' has a job state time limit of 300 seconds but Batch expects 600..86400/);
    expect(message.match(/job state time limit/g)).toHaveLength(1);
  });

  test('fails when the stuck-job time limit is over 24 hours', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Patient', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], cancelStuckJobsAfter: Duration.days(2) });
    expect(() => app.synth()).toThrow(/queue 'Patient' has a job state time limit of 172800 seconds but Batch expects 600..86400/);
  });

  test('states a stuck-job time limit known only at deploy time on its resource, which the L2 would refuse', () => {
    // GIVEN a limit from a parameter
    const seconds = Token.asNumber({ Ref: 'StuckSeconds' });
    // THEN the L2 compares the token's placeholder number with 600..86400 and refuses it
    const plain = newStack();
    expect(() => new batch.JobQueue(plain.stack, 'Q', {
      computeEnvironments: [{ computeEnvironment: new Ec2Compute(plain.stack, 'C', { vpc: plain.vpc }), order: 1 }],
      jobStateTimeLimitActions: [{ maxTime: Duration.seconds(seconds), reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY }],
    })).toThrow(/maxTime must be between 600 and 86400 seconds/);
    // WHEN
    const { stack, vpc } = newStack();
    new BatchQueue(stack, 'Tunable', { computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })], cancelStuckJobsAfter: Duration.seconds(seconds) });
    // THEN batchkit renders it on the resource for CloudFormation to resolve
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [1, 2, 3].map(() => ({ Action: 'CANCEL', MaxTimeSeconds: { Ref: 'StuckSeconds' }, Reason: Match.anyValue(), State: 'RUNNABLE' })),
    });
  });

  test('cancels stuck jobs after a time of their own per reason, the simple limit covering the reasons not named', () => {
    // GIVEN
    const { stack, vpc } = newStack();
    // WHEN
    const queue = new BatchQueue(stack, 'Q', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })],
      cancelStuckJobsAfter: Duration.hours(4),
      stuckJobActions: [
        { reason: batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, cancelAfter: Duration.minutes(10) },
        { reason: batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, cancelAfter: Duration.minutes(30) },
      ],
    });
    // THEN
    const action = (reason: string, seconds: number) => ({ Action: 'CANCEL', MaxTimeSeconds: seconds, Reason: reason, State: 'RUNNABLE' });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [
        action('MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE', 1800),
        action('MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', 600),
        action('CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', 14400),
      ],
    });
    expect(queue.stuckJobActions.map((a) => a.cancelAfter.toMinutes())).toEqual([30, 10, 240]);
  });

  test('acts only on the reasons named when no simple limit is given', () => {
    const { stack, vpc } = newStack();
    new BatchQueue(stack, 'Q', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })],
      stuckJobActions: [{ reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, cancelAfter: Duration.hours(24) }],
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Batch::JobQueue', {
      JobStateTimeLimitActions: [{ Action: 'CANCEL', MaxTimeSeconds: 86400, Reason: 'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY', State: 'RUNNABLE' }],
    });
  });

  test('fails when a per-reason limit is out of range, saying so once per value', () => {
    // GIVEN two reasons with the same bad limit and one with another
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Hasty', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })],
      cancelStuckJobsAfter: Duration.minutes(1),
      stuckJobActions: [{ reason: batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY, cancelAfter: Duration.hours(25) }],
    });
    // WHEN
    let message = '';
    try {
      app.synth();
    } catch (error) {
      message = String(error);
    }
    // THEN
    expect(message).toMatch(/queue 'Hasty' has a job state time limit of 60 seconds but Batch expects 600..86400/);
    expect(message).toMatch(/queue 'Hasty' has a job state time limit of 90000 seconds but Batch expects 600..86400/);
    expect(message.match(/job state time limit/g)).toHaveLength(2);
  });

  test('fails when one reason is given two limits', () => {
    const { app, stack, vpc } = newStack();
    const reason = batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT;
    new BatchQueue(stack, 'Twice', {
      computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })],
      stuckJobActions: [{ reason, cancelAfter: Duration.minutes(10) }, { reason, cancelAfter: Duration.minutes(20) }],
    });
    expect(() => app.synth()).toThrow(/\[Test\/Twice\] queue 'Twice' gives reason MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT more than one time limit but Batch takes one action per reason \(stuckJobActions\)/);
  });

  test('fails when its name breaks Batch\'s name rule', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Named', { jobQueueName: 'high priority', computeEnvironments: [new Ec2Compute(stack, 'C', { vpc })] });
    expect(() => app.synth()).toThrow(/\[Test\/Named\] queue 'Named' has name 'high priority' but expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores/);
  });

  test('fails when a queue holds four compute environments', () => {
    const { app, stack, vpc } = newStack();
    const computes = ['A', 'B', 'C', 'D'].map((id) => new Ec2Compute(stack, id, { vpc }));
    new BatchQueue(stack, 'Crowded', { computeEnvironments: computes });
    expect(() => app.synth()).toThrow(/queue 'Crowded' has 4 compute environments but Batch expects 1 to 3/);
  });

  test('fails when two compute environments get the same order', () => {
    const { app, stack, vpc } = newStack();
    const queue = new BatchQueue(stack, 'Tied', { computeEnvironments: [new Ec2Compute(stack, 'A', { vpc })] });
    queue.addComputeEnvironment(new Ec2Compute(stack, 'B', { vpc }), 1);
    expect(() => app.synth()).toThrow(/queue 'Tied' gives order 1 to 2 compute environments \('A', 'B'\) but each order must be distinct/);
  });

  test('fails when Fargate and EC2 compute are mixed', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Mixed', { computeEnvironments: [new Ec2Compute(stack, 'Ec2', { vpc }), new FargateCompute(stack, 'Fargate', { vpc })] });
    expect(() => app.synth()).toThrow(/queue 'Mixed' mixes Fargate \('Fargate'\) and EC2 \('Ec2'\) compute environments but Batch expects one kind/);
  });

  test('fails when x86_64 and arm64 compute are mixed', () => {
    const { app, stack, vpc } = newStack();
    new BatchQueue(stack, 'Both', { computeEnvironments: [new Ec2Compute(stack, 'Intel', { vpc }), new Ec2Compute(stack, 'Graviton', { vpc, instanceTypes: [instanceType('m6g.large')] })] });
    expect(() => app.synth()).toThrow(/queue 'Both' mixes architectures \('Intel' offers x86_64, 'Graviton' offers arm64\) but expected one architecture/);
  });

  test('warns when managed and unmanaged compute are mixed', () => {
    const { stack, vpc } = newStack();
    new BatchQueue(stack, 'Hybrid', { computeEnvironments: [new Ec2Compute(stack, 'Managed', { vpc }), new UnmanagedCompute(stack, 'Own')] });
    Template.fromStack(stack);
    expect(warningsAbout(stack, "queue 'Hybrid' mixes managed ('Managed') and unmanaged ('Own') compute environments")).toHaveLength(1);
  });
});
