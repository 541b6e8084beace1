/**
 * Versions of one small CDK app, synthesized with aws-cdk-lib, for the tests that change a
 * template under a running engine the way `cdk synth` does between two deploys.
 */
import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';

/** What differs between versions of the app. */
export interface WatchedStackVersion {
  /** The job's shell script. */
  readonly script: string;
  /** Priority of queue `watched-main`. @default 10 */
  readonly priority?: number;
  /** Whether queue `watched-extra` exists. @default false */
  readonly extraQueue?: boolean;
  /** Whether compute environment `Spare` exists, first in `watched-extra`'s order. @default false */
  readonly spareCompute?: boolean;
  /** Name of the main queue. @default 'watched-main' */
  readonly mainQueueName?: string;
  /** Whether the main queue has a fair-share scheduling policy. @default false */
  readonly fairShare?: boolean;
  /** The job definition's `ResourceRetentionPolicy.SkipDeregisterOnUpdate`. @default - not set */
  readonly skipDeregisterOnUpdate?: boolean;
}

/** The template of one version: compute `Compute` (and `Spare`), queue `watched-main` (and `watched-extra`), job definition `watched-work`. */
export function synthesizeWatchedStack(version: WatchedStackVersion): Record<string, unknown> {
  const app = new App({ context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Watched', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123456789abcdef0', availabilityZones: ['us-east-1a'], privateSubnetIds: ['subnet-0123456789abcdef0'] });
  const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, 'Compute', {
    vpc, maxvCpus: 8, instanceTypes: [new ec2.InstanceType('c5.xlarge')], useOptimalInstanceClasses: false,
  });
  new batch.JobQueue(stack, 'Main', {
    jobQueueName: version.mainQueueName ?? 'watched-main',
    priority: version.priority ?? 10,
    computeEnvironments: [{ computeEnvironment: compute, order: 1 }],
    schedulingPolicy: version.fairShare ? new batch.FairshareSchedulingPolicy(stack, 'Fair', { shares: [{ shareIdentifier: 'team', weightFactor: 1 }] }) : undefined,
  });
  const spare = version.spareCompute
    ? new batch.ManagedEc2EcsComputeEnvironment(stack, 'Spare', { vpc, maxvCpus: 4, instanceTypes: [new ec2.InstanceType('c5.large')], useOptimalInstanceClasses: false })
    : undefined;
  if (version.extraQueue) {
    new batch.JobQueue(stack, 'Extra', {
      jobQueueName: 'watched-extra',
      priority: 5,
      computeEnvironments: [...(spare ? [{ computeEnvironment: spare, order: 1 }] : []), { computeEnvironment: compute, order: 2 }],
    });
  }
  const work = new batch.EcsJobDefinition(stack, 'Work', {
    jobDefinitionName: 'watched-work',
    container: new batch.EcsEc2ContainerDefinition(stack, 'WorkContainer', {
      image: ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/busybox:stable'),
      cpu: 1,
      memory: Size.mebibytes(128),
      command: ['sh', '-c', version.script],
    }),
  });
  if (version.skipDeregisterOnUpdate !== undefined) {
    (work.node.defaultChild as batch.CfnJobDefinition).addPropertyOverride('ResourceRetentionPolicy.SkipDeregisterOnUpdate', version.skipDeregisterOnUpdate);
  }
  return app.synth().getStackByName('Watched').template as Record<string, unknown>;
}
