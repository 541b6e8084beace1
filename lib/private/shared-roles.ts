import { ArnFormat, Stack, Tags } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';
import { BatchkitTags } from '../tags';

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
  // Logs ARNs join the type and the name with a colon (`log-group:/aws/batch/job:*`); the
  // default slash format would give `log-group//aws/batch/job:*`, which matches no log group.
  const logGroupArn = stack.formatArn({
    service: 'logs', resource: 'log-group', resourceName: `${DEFAULT_JOB_LOG_GROUP}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  const role = new iam.Role(stack, SHARED_EXECUTION_ROLE_ID, {
    assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
    description: 'Shared by the batchkit job definitions of this stack: pulls images, writes job logs, reads job secrets',
    inlinePolicies: {
      JobLogs: new iam.PolicyDocument({
        statements: [new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroupArn] })],
      }),
    },
  });
  Tags.of(role).add(BatchkitTags.COMPONENT, 'execution-role');
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
  Tags.of(role).add(BatchkitTags.COMPONENT, 'instance-role');
  return role;
}
