import { App, Size, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BatchQueue, Ec2Compute, Ec2ContainerJob } from '../lib';

/*
 * One Batch setup declared three times for the synth benchmark: with batchkit; with the plain
 * aws-cdk-lib/aws-batch L2 on its defaults; and with the L2 as a skilled user writes it, sharing
 * one execution role, one instance role and one security group through the L2's public props.
 * All give every job definition a job role of its own (batchkit's least-privilege default), so
 * the comparison is like for like. The resource-count test uses the batchkit setup.
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

// Every setup passes CloudFormation's 500-resource limit at 300 job definitions; lift CDK's
// guard so the comparison can be made at all.
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
 * The same setup in the plain L2 on its defaults: each job definition gets an execution role and
 * its policy, each compute environment an instance role, profile and security group. With
 * `jobRoles` false, job definitions get no job role, as most L2 code is written.
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

/**
 * The same setup in the L2 written to share what can be shared, through the L2's public props
 * only: one execution role (with the AWS-managed ECS task execution policy) for every job
 * definition, one instance role and one security group for every compute environment. The L2
 * still makes an instance profile per compute environment. What it does not do that batchkit
 * does: a security group per compute environment with the node-to-node rule, an IMDSv2 launch
 * template, and the synth-time checks.
 */
export function fairL2Setup(size: SetupSize): { app: App; stack: Stack } {
  const app = new App({ context: RESOURCE_LIMIT_CONTEXT });
  const stack = new Stack(app, 'FairL2');
  const vpc = importedVpc(stack);
  const executionRole = new iam.Role(stack, 'ExecutionRole', {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonECSTaskExecutionRolePolicy')],
  });
  const instanceRole = new iam.Role(stack, 'InstanceRole', {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role')],
  });
  const securityGroup = new ec2.SecurityGroup(stack, 'ComputeSecurityGroup', { vpc });
  for (let i = 0; i < size.queues; i++) {
    const compute = new batch.ManagedEc2EcsComputeEnvironment(stack, `Compute${i}`, {
      vpc, instanceClasses: [ec2.InstanceClass.C6I, ec2.InstanceClass.M6I], useOptimalInstanceClasses: false, instanceRole, securityGroups: [securityGroup],
    });
    new batch.JobQueue(stack, `Queue${i}`, { jobQueueName: `queue-${i}`, priority: i, computeEnvironments: [{ computeEnvironment: compute, order: 1 }] });
  }
  for (let i = 0; i < size.jobDefinitions; i++) {
    const jobRole = new iam.Role(stack, `Job${i}Role`, { assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com') });
    new batch.EcsJobDefinition(stack, `Job${i}`, {
      jobDefinitionName: `job-${i}`,
      container: new batch.EcsEc2ContainerDefinition(stack, `Job${i}Container`, {
        image: IMAGE, cpu: 1 + (i % 8), memory: Size.gibibytes(2 + (i % 8)), jobRole, executionRole,
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
