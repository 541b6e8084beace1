/**
 * How CloudFormation applies a change to an AWS::Batch::ComputeEnvironment whose changed
 * properties CloudFormation's schema marks as conditionally replacing: Batch's documented
 * conditions for infrastructure updates (`runtime/model/compute-update-rules.ts`) decide.
 */
import { CFN_UPDATE_RULES } from '../../model/cfn-update-rules.generated';
import {
  crossesComputePlatform, infrastructureUpdateBlockers, isFargateCompute, type ComputeUpdateSettings, type InfrastructureUpdatePolicy,
} from '../../model/compute-update-rules';
import { valueAt } from './property-changes';

const DEFAULTS = CFN_UPDATE_RULES['AWS::Batch::ComputeEnvironment'].defaults;

/** The verdict for a conditional change. */
export type ConditionalUpdate =
  | { readonly kind: 'replaced'; readonly reason: string }
  | { readonly kind: 'infrastructure-update'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly reason: string };

/** Decides a change of `conditionalPaths` of a managed compute environment. */
export function conditionalComputeUpdate(before: Record<string, unknown>, after: Record<string, unknown>, conditionalPaths: string[]): ConditionalUpdate {
  const changed = conditionalPaths.join(', ');
  const typeBefore = computeTypeOf(before);
  const typeAfter = computeTypeOf(after);
  if (crossesComputePlatform(typeBefore, typeAfter)) {
    return { kind: 'replaced', reason: `compute type changes from ${typeBefore} to ${typeAfter}, between EC2 and Fargate` };
  }
  if (isFargateCompute(typeAfter)) {
    return { kind: 'infrastructure-update', reason: `${changed} changed on Fargate compute, which is always updated in place` };
  }
  if (replaceComputeEnvironment(after)) {
    return { kind: 'replaced', reason: `${changed} changed and ReplaceComputeEnvironment is true${after.ReplaceComputeEnvironment === undefined ? ' (the default)' : ''}` };
  }
  const blockers = [...new Set([...infrastructureUpdateBlockers(settingsOf(before)), ...infrastructureUpdateBlockers(settingsOf(after))])];
  if (blockers.length > 0) {
    return { kind: 'rejected', reason: `${changed} changed with ReplaceComputeEnvironment false, so Batch must apply an infrastructure update, but infrastructure updates need ${blockers.join(' and ')}` };
  }
  return { kind: 'infrastructure-update', reason: `${changed} changed: Batch replaces the instances (infrastructure update)` };
}

/** The update policy of a compute environment, with the schema's defaults. */
export function updatePolicyOf(properties: Record<string, unknown>): InfrastructureUpdatePolicy {
  return {
    terminateJobsOnUpdate: truthy(valueAt(properties, 'UpdatePolicy.TerminateJobsOnUpdate') ?? DEFAULTS['UpdatePolicy.TerminateJobsOnUpdate']),
    jobExecutionTimeoutMinutes: Number(valueAt(properties, 'UpdatePolicy.JobExecutionTimeoutMinutes') ?? DEFAULTS['UpdatePolicy.JobExecutionTimeoutMinutes']),
  };
}

/** Whether a compute environment is replaced rather than updated when its instances must be. */
export function replaceComputeEnvironment(properties: Record<string, unknown>): boolean {
  return truthy(properties.ReplaceComputeEnvironment ?? DEFAULTS.ReplaceComputeEnvironment);
}

function settingsOf(properties: Record<string, unknown>): ComputeUpdateSettings {
  const strategy = valueAt(properties, 'ComputeResources.AllocationStrategy');
  const role = properties.ServiceRole;
  return {
    computeType: computeTypeOf(properties),
    allocationStrategy: typeof strategy === 'string' ? strategy : undefined,
    // A role given by reference is a role of the stack, never the service-linked one.
    serviceRole: role === undefined ? undefined : typeof role === 'string' ? role : 'a role of the stack',
  };
}

function computeTypeOf(properties: Record<string, unknown>): string {
  return String(valueAt(properties, 'ComputeResources.Type') ?? 'EC2').toUpperCase();
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true';
}
