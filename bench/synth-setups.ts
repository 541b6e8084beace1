import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchQueue, Ec2Compute, Ec2ContainerJob } from '../lib';

/*
 * One Batch setup declared twice, with batchkit and with the plain aws-cdk-lib/aws-batch L2,
 * for the synth benchmark and the resource-count test. Both give every job definition a job
 * role of its own (batchkit's least-privilege default), so the comparison is like for like.
 */

/** Size of the setup. */
export interface SetupSize {
  /** Compute environments, one per queue. */
  readonly computeEnvironments: number;
  /** Queues. */
  readonly queues: number;
  /** Job definitions, spread over the queues. */
  readonly jobDefinitions: number;
}

const IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023');

// Both setups pass CloudFormation's 500-resource limit at 300 job definitions (the L2 at about
// 160, batchkit at about 240); lift CDK's guard so the comparison can be made at all.
const RESOURCE_LIMIT_CONTEXT = { '@aws-cdk/core:stackResourceLimit': 5000 };

// An imported VPC keeps the network out of the count: both setups would create the same one.
function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-12345678',
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    privateSubnetIds: ['subnet-11111111', 'subnet-22222222'],
  });
}

/** The setup in batchkit. */
export function batchkitSetup(size: SetupSize): { app: App; stack: Stack } {
  const app = new App({ context: RESOURCE_LIMIT_CONTEXT });
  const stack = new Stack(app, 'Batchkit');
  const vpc = importedVpc(stack);
  const queues: BatchQueue[] = [];
  for (let i = 0; i < size.queues; i++) {
    const compute = new Ec2Compute(stack, `Compute${i}`, { vpc, instanceClasses: [ec2.InstanceClass.C6I, ec2.InstanceClass.M6I] });
    queues.push(new BatchQueue(stack, `Queue${i}`, { jobQueueName: `queue-${i}`, priority: i, computeEnvironments: [compute] }));
  }
  for (let i = 0; i < size.jobDefinitions; i++) {
    new Ec2ContainerJob(stack, `Job${i}`, {
      jobDefinitionName: `job-${i}`, image: IMAGE, vcpus: 1 + (i % 8), memory: Size.gibibytes(2 + (i % 8)), queues: [queues[i % queues.length]],
    });
  }
  return { app, stack };
}

/**
 * The same setup in the plain L2. With `jobRoles` false, job definitions get no job role, as
 * most L2 code is written (and as the "about 160 job definitions" figure assumes).
 */
export function plainL2Setup(size: SetupSize, jobRoles = true): { app: App; stack: Stack } {
  const app = new App({ context: RESOURCE_LIMIT_CONTEXT });
  const stack = new Stack(app, 'PlainL2');
  const vpc = importedVpc(stack);
  for (let i = 0; i < size.queues; i++) {
    const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, `Compute${i}`, {
      vpc, instanceClasses: [ec2.InstanceClass.C6I, ec2.InstanceClass.M6I], useOptimalInstanceClasses: false,
    });
    new batch.JobQueue(stack, `Queue${i}`, { jobQueueName: `queue-${i}`, priority: i, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  }
  for (let i = 0; i < size.jobDefinitions; i++) {
    const jobRole = jobRoles ? new iam.Role(stack, `Job${i}Role`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') }) : undefined;
    new batch.EcsJobDefinition(stack, `Job${i}`, {
      jobDefinitionName: `job-${i}`,
      container: new batch.EcsEc2ContainerDefinition(stack, `Job${i}Container`, {
        image: IMAGE, cpu: 1 + (i % 8), memory: Size.gibibytes(2 + (i % 8)), jobRole,
      }),
    });
  }
  return { app, stack };
}

/** Number of CloudFormation resources the setup's stack synthesizes to. */
export function resourceCount(setup: { app: App; stack: Stack }): number {
  const template = setup.app.synth().getStackByName(setup.stack.stackName).template as { Resources?: Record<string, unknown> };
  return Object.keys(template.Resources ?? {}).length;
}
