import { Annotations, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { IConstruct } from 'constructs';
import {
  BATCH_SERVICE_LINKED_ROLE_NAME, INFRASTRUCTURE_UPDATE_ALLOCATION_STRATEGIES, DEFAULT_ALLOCATION_STRATEGY, infrastructureUpdateBlockers, isServiceLinkedRole,
} from '../../runtime/model/compute-update-rules';
import { displayName } from './describe';

/*
 * Synth-time warnings for settings that turn a later, ordinary change into a failed deploy or a
 * replaced compute environment, found on the rendered resource so plain L2 resources get them
 * too. CloudFormation cannot replace a resource with a custom name ("CloudFormation cannot
 * update a stack when a custom-named resource requires replacing"), and a managed compute
 * environment that cannot take infrastructure updates needs replacing for any change to its
 * instances. Each warning has an id to acknowledge it with, and names the prop that fixes it.
 */

/** Acknowledgement ids of the replacement warnings. */
export enum ReplacementWarningId {
  CUSTOM_NAMED_COMPUTE_ENVIRONMENT = 'batchkit:customNamedComputeEnvironment',
  CUSTOM_NAMED_JOB_QUEUE = 'batchkit:customNamedJobQueue',
  COMPUTE_ENVIRONMENT_NOT_UPDATABLE = 'batchkit:computeEnvironmentNotUpdatable',
}

/** One warning, with the id that acknowledges it. */
export interface ReplacementWarning {
  readonly id: ReplacementWarningId;
  readonly message: string;
}

function customName(resource: IConstruct, name: unknown): string | undefined {
  if (name === undefined) return undefined;
  const resolved = Stack.of(resource).resolve(name);
  return typeof resolved === 'string' ? `'${resolved}'` : 'given at deploy time';
}

// A role as messages can name it: an ARN or name as written, the role's name inside a joined
// ARN, or the logical id of a role of the stack.
function roleText(role: unknown): string | undefined {
  if (role === undefined || typeof role === 'string') return role;
  const text = JSON.stringify(role);
  if (text.includes(BATCH_SERVICE_LINKED_ROLE_NAME)) return BATCH_SERVICE_LINKED_ROLE_NAME;
  const joined = /:role\/([^"]+)"/.exec(text);
  if (joined) return joined[1];
  const attribute = (role as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  return attribute ? `${attribute[0]} (a role of this app)` : 'a role given at deploy time';
}

/** The replacement warnings of a compute environment. */
export function computeReplacementWarnings(cfn: batch.CfnComputeEnvironment): ReplacementWarning[] {
  const stack = Stack.of(cfn);
  const subject = `compute environment '${displayName(cfn)}'`;
  const warnings: ReplacementWarning[] = [];
  const name = customName(cfn, cfn.computeEnvironmentName);
  if (name) {
    warnings.push({
      id: ReplacementWarningId.CUSTOM_NAMED_COMPUTE_ENVIRONMENT,
      message: `${subject} has the custom name ${name}: a change that replaces it fails the deploy, because CloudFormation cannot replace a custom-named resource; `
        + 'drop computeEnvironmentName to let CloudFormation name it',
    });
  }
  const type = stack.resolve(cfn.type);
  const resources = stack.resolve(cfn.computeResources) as { type?: unknown; allocationStrategy?: unknown } | undefined;
  if (typeof type !== 'string' || type.toUpperCase() !== 'MANAGED' || typeof resources?.type !== 'string') return warnings;
  const allocationStrategy = typeof resources.allocationStrategy === 'string' ? resources.allocationStrategy : undefined;
  const serviceRole = roleText(stack.resolve(cfn.serviceRole));
  const blockers = infrastructureUpdateBlockers({ computeType: resources.type, allocationStrategy, serviceRole });
  if (blockers.length === 0) return warnings;
  const fixes: string[] = [];
  if (!INFRASTRUCTURE_UPDATE_ALLOCATION_STRATEGIES.includes(allocationStrategy ?? DEFAULT_ALLOCATION_STRATEGY)) {
    fixes.push(`set allocationStrategy to ${resources.type === 'SPOT' ? 'SPOT_PRICE_CAPACITY_OPTIMIZED' : 'BEST_FIT_PROGRESSIVE'}`);
  }
  if (!isServiceLinkedRole(serviceRole)) fixes.push(`drop serviceRole so Batch uses ${BATCH_SERVICE_LINKED_ROLE_NAME}`);
  warnings.push({
    id: ReplacementWarningId.COMPUTE_ENVIRONMENT_NOT_UPDATABLE,
    message: `${subject} cannot take infrastructure updates, which need ${blockers.join(', and ')}: a later change to its instance types, `
      + `images, launch template, subnets or security groups needs a new compute environment; ${fixes.join(', and ')}`,
  });
  return warnings;
}

/** The replacement warnings of a job queue. */
export function queueReplacementWarnings(cfn: batch.CfnJobQueue): ReplacementWarning[] {
  const name = customName(cfn, cfn.jobQueueName);
  if (!name) return [];
  return [{
    id: ReplacementWarningId.CUSTOM_NAMED_JOB_QUEUE,
    message: `job queue '${displayName(cfn)}' has the custom name ${name}: a change that replaces it (CloudFormation replaces a job queue for a new type or new tags) `
      + 'fails the deploy, because CloudFormation cannot replace a custom-named resource; '
      + 'drop jobQueueName to let CloudFormation name it (jobs and workflows can name the queue by its ARN)',
  }];
}

/** Adds the replacement warnings of `construct` (a compute environment or job queue, L2 or L1) when the app is validated. */
export function warnOnReplacementTraps(construct: IConstruct): void {
  construct.node.addValidation({
    validate: () => {
      const cfn = construct.node.defaultChild ?? construct;
      const warnings = cfn instanceof batch.CfnComputeEnvironment ? computeReplacementWarnings(cfn)
        : cfn instanceof batch.CfnJobQueue ? queueReplacementWarnings(cfn) : [];
      // On the resource, not on `construct`: aws-cdk-lib matches an acknowledgement made on the
      // construct itself only against warnings of its children, so `acknowledgeWarning` on the
      // queue or compute environment (or any scope above it) then silences these.
      for (const warning of warnings) Annotations.of(cfn).addWarningV2(warning.id, warning.message);
      return [];
    },
  });
}
