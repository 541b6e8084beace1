/**
 * When AWS Batch can change a managed compute environment in place. Batch has two ways:
 * a scaling update (`minvCpus`, `maxvCpus`, `desiredvCpus`) keeps the instances; an
 * infrastructure update (instance types, allocation strategy, subnets, security groups, launch
 * template, AMI, instance role, Spot bid, EC2/SPOT type, tags of the instances, ...) replaces
 * them with new ones. An infrastructure update needs the service-linked role
 * `AWSServiceRoleForBatch` and an allocation strategy of BEST_FIT_PROGRESSIVE,
 * SPOT_CAPACITY_OPTIMIZED or SPOT_PRICE_CAPACITY_OPTIMIZED; CloudFormation attempts one only when
 * `ReplaceComputeEnvironment` is false, and otherwise replaces the compute environment.
 * Fargate compute environments are always updated in place.
 */

/** Allocation strategies under which Batch performs infrastructure updates. */
export const INFRASTRUCTURE_UPDATE_ALLOCATION_STRATEGIES: readonly string[] = [
  'BEST_FIT_PROGRESSIVE',
  'SPOT_CAPACITY_OPTIMIZED',
  'SPOT_PRICE_CAPACITY_OPTIMIZED',
];

/** Batch's allocation strategy when none is given. */
export const DEFAULT_ALLOCATION_STRATEGY = 'BEST_FIT';

/** The name of Batch's service-linked role. */
export const BATCH_SERVICE_LINKED_ROLE_NAME = 'AWSServiceRoleForBatch';

/** What an infrastructure update does to jobs running on the instances it replaces. */
export interface InfrastructureUpdatePolicy {
  /** Running jobs are terminated as soon as the update starts. */
  readonly terminateJobsOnUpdate: boolean;
  /** Otherwise, how long running jobs may go on before they are terminated. */
  readonly jobExecutionTimeoutMinutes: number;
}

/** The settings of a compute environment that decide how a change to it is applied. */
export interface ComputeUpdateSettings {
  /** `EC2`, `SPOT`, `FARGATE` or `FARGATE_SPOT`. */
  readonly computeType: string;
  /** `undefined` for Batch's default. */
  readonly allocationStrategy?: string;
  /** ARN or name of the service role; `undefined` when none is given (the service-linked role). */
  readonly serviceRole?: string;
}

/** Whether the role named by an ARN or a name is Batch's service-linked role. */
export function isServiceLinkedRole(role: string | undefined): boolean {
  if (role === undefined) return true;
  return role === BATCH_SERVICE_LINKED_ROLE_NAME || role.endsWith(`/${BATCH_SERVICE_LINKED_ROLE_NAME}`);
}

/** Whether compute of this type is Fargate (always updated in place). */
export function isFargateCompute(computeType: string): boolean {
  return computeType === 'FARGATE' || computeType === 'FARGATE_SPOT';
}

/**
 * Why Batch cannot apply an infrastructure update to a compute environment with these settings;
 * empty when it can. Each reason completes "infrastructure updates need ...".
 */
export function infrastructureUpdateBlockers(settings: ComputeUpdateSettings): string[] {
  if (isFargateCompute(settings.computeType)) return [];
  const blockers: string[] = [];
  const strategy = settings.allocationStrategy ?? DEFAULT_ALLOCATION_STRATEGY;
  if (!INFRASTRUCTURE_UPDATE_ALLOCATION_STRATEGIES.includes(strategy)) {
    blockers.push(`allocation strategy ${INFRASTRUCTURE_UPDATE_ALLOCATION_STRATEGIES.join(', ')} but it is ${strategy}`);
  }
  if (!isServiceLinkedRole(settings.serviceRole)) {
    blockers.push(`the service-linked role ${BATCH_SERVICE_LINKED_ROLE_NAME} (no service role) but it has service role ${settings.serviceRole}`);
  }
  return blockers;
}

/** Whether changing compute type from `before` to `after` moves between EC2 and Fargate (a new compute environment). */
export function crossesComputePlatform(before: string, after: string): boolean {
  return isFargateCompute(before) !== isFargateCompute(after);
}

/** What running jobs go through during an infrastructure update, as a sentence fragment. */
export function describeRunningJobsDuringUpdate(policy: InfrastructureUpdatePolicy): string {
  return policy.terminateJobsOnUpdate
    ? 'jobs running on the old instances are terminated when the update starts (terminateJobsOnUpdate)'
    : `jobs running on the old instances may run up to ${policy.jobExecutionTimeoutMinutes} minutes more (jobExecutionTimeoutMinutes), then they are terminated`;
}
