import { Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { BATCHKIT_COMPONENT_TAG } from '../tags';

/** Construct id of the execution role every batchkit job definition in a stack shares. */
export const SHARED_EXECUTION_ROLE_ID = 'BatchkitExecutionRole';

/** Construct id of the instance role every batchkit EC2 compute environment in a stack shares. */
export const SHARED_INSTANCE_ROLE_ID = 'BatchkitInstanceRole';

/** Log group Batch sends job output to when a job definition names no log driver. */
const DEFAULT_JOB_LOG_GROUP = '/aws/batch/job';

/**
 * The execution role shared by the job definitions of `scope`'s stack, created on first use.
 * An execution role only lets ECS pull the image, write logs and read secrets for the task;
 * sharing it is what lets hundreds of job definitions fit one stack (the L2 makes a role and a
 * policy per job definition). Log permissions are inline so the role is a single resource.
 */
export function sharedExecutionRole(scope: IConstruct): iam.Role {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(SHARED_EXECUTION_ROLE_ID);
  if (existing) return existing as iam.Role;
  const logGroupArn = stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: `${DEFAULT_JOB_LOG_GROUP}:*` });
  const role = new iam.Role(stack, SHARED_EXECUTION_ROLE_ID, {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'Shared by the batchkit job definitions of this stack: pulls images, writes job logs, reads job secrets',
    inlinePolicies: {
      JobLogs: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroupArn] })],
      }),
    },
  });
  Tags.of(role).add(BATCHKIT_COMPONENT_TAG, 'execution-role');
  return role;
}

/**
 * The instance role shared by the EC2 instances of `scope`'s stack (managed compute environments
 * and instances attached to unmanaged ones), created on first use: every ECS container instance
 * needs the same AWS-managed policy, so one role serves them all.
 */
export function sharedInstanceRole(scope: IConstruct): iam.Role {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(SHARED_INSTANCE_ROLE_ID);
  if (existing) return existing as iam.Role;
  const role = new iam.Role(stack, SHARED_INSTANCE_ROLE_ID, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: 'Shared by the batchkit ECS container instances of this stack',
    managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonEC2ContainerServiceforEC2Role')],
  });
  Tags.of(role).add(BATCHKIT_COMPONENT_TAG, 'instance-role');
  return role;
}

/** Construct id of the instance profile of the shared instance role. */
export const SHARED_INSTANCE_PROFILE_ID = 'BatchkitInstanceProfile';

/**
 * The instance profile of the shared instance role, created on first use. The L2 makes one
 * profile per compute environment even when they all carry the same role; one is enough.
 */
export function sharedInstanceProfile(scope: IConstruct): iam.CfnInstanceProfile {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(SHARED_INSTANCE_PROFILE_ID);
  if (existing) return existing as iam.CfnInstanceProfile;
  return new iam.CfnInstanceProfile(stack, SHARED_INSTANCE_PROFILE_ID, { roles: [sharedInstanceRole(scope).roleName] });
}

/**
 * The security group shared by the batchkit compute environments of one VPC in `scope`'s
 * stack, created on first use: outbound only, like the one the L2 makes per compute
 * environment. Instances and tasks of Batch accept no inbound traffic by default, so one group
 * per VPC says the same with fewer resources.
 */
export function sharedComputeSecurityGroup(scope: IConstruct, vpc: ec2.IVpc): ec2.ISecurityGroup {
  const stack = Stack.of(scope);
  const ofStack = securityGroupsByStack.get(stack) ?? new Map<ec2.IVpc, ec2.ISecurityGroup>();
  securityGroupsByStack.set(stack, ofStack);
  const known = ofStack.get(vpc);
  if (known) return known;
  // Readable and stable: named after the VPC's construct id, numbered only if two VPCs share one.
  let id = `BatchkitComputeSecurityGroup${vpc.node.id}`;
  for (let n = 2; stack.node.tryFindChild(id); n++) id = `BatchkitComputeSecurityGroup${vpc.node.id}${n}`;
  const group = new ec2.SecurityGroup(stack, id, {
    vpc,
    allowAllOutbound: true,
    description: 'Shared by the batchkit compute environments of this VPC: outbound only',
  });
  Tags.of(group).add(BATCHKIT_COMPONENT_TAG, 'compute-security-group');
  ofStack.set(vpc, group);
  return group;
}

const securityGroupsByStack = new WeakMap<Stack, Map<ec2.IVpc, ec2.ISecurityGroup>>();
