/**
 * Applies a new version of a template to the api the way a CloudFormation update would:
 * resources are matched by logical id; new ones are created, changed ones updated in place
 * (a job definition gets a new revision and, unless `SkipDeregisterOnUpdate`, its previous
 * revision is deregistered: jobs already submitted keep the revision they were submitted with),
 * renamed ones created anew, and what is gone is deleted last, dependents first (a queue is
 * disabled then deleted, which ends its unfinished jobs as AWS does; a compute environment is
 * disabled then deleted once no queue uses it).
 */
import type * as batch from '@aws-sdk/client-batch';
import type { BatchApi } from '../model/batch-api';
import type { CfnBatchResourceType } from './create-or-reuse';
import type { PlannedResource } from './template-plan';
import { BatchkitError } from '../model/errors';
import type { TemplateErrorCode } from './load-template';

/** A resource as it stands in the api after the last change applied. */
export interface AppliedResource extends PlannedResource {
  /** Its ARN in the api (a job definition's: of the revision in use). */
  readonly arn: string;
}

/** What a change did to one resource. */
export interface AppliedResourceChange {
  readonly type: CfnBatchResourceType;
  readonly logicalId: string;
  readonly name: string;
  /** @default - none */
  readonly constructPath?: string;
  /** `created`, `updated` (in place), `replaced` (a new name: created anew, the old one deleted) or `deleted`. */
  readonly action: 'created' | 'updated' | 'replaced' | 'deleted';
  /** One line on what changed, e.g. `priority 10 -> 20` or `revision 2 registered; revision 1 deregistered`. */
  readonly detail: string;
}

/** The outcome of {@link applyTemplateChange}. */
export interface AppliedChange {
  /** What is now in the api, by logical id: the new template's resources when every step succeeded. */
  readonly applied: Map<string, AppliedResource>;
  /** Each step that succeeded, in order. */
  readonly changes: AppliedResourceChange[];
  /** The step that failed, which ended the change (later steps were not tried). @default - none */
  readonly error?: string;
}

/** Thrown before anything is changed when the new template needs what a deploy could not do. */
export class TemplateChangeRefused extends BatchkitError {
  public readonly name = 'TemplateChangeRefused';
  public readonly code: TemplateErrorCode = 'TEMPLATE_CHANGE_REFUSED';
  /** The template must change first. */
  public readonly retryable = false;
}

const DELETE_ORDER: readonly CfnBatchResourceType[] = [
  'AWS::Batch::JobDefinition', 'AWS::Batch::JobQueue', 'AWS::Batch::ComputeEnvironment', 'AWS::Batch::SchedulingPolicy', 'AWS::Batch::ConsumableResource',
];

/**
 * Brings the api from `previous` (the resources of the template as last applied) to `next` (the
 * plan of the new template, in creation order). Refuses up front, changing nothing, what would
 * need a same-named replacement; stops at the first step the api refuses, reporting it.
 */
export async function applyTemplateChange(api: BatchApi, previous: ReadonlyMap<string, AppliedResource>, next: readonly PlannedResource[]): Promise<AppliedChange> {
  refuseSameNameReplacements(previous, next);
  const applied = new Map(previous);
  const changes: AppliedResourceChange[] = [];
  const step = async (resource: PlannedResource, work: () => Promise<AppliedResourceChange | undefined>): Promise<void> => {
    let change: AppliedResourceChange | undefined;
    try {
      change = await work();
    } catch (err) {
      throw new Error(`${resourceKind(resource.type)} '${resource.name}' (${resource.constructPath ?? resource.logicalId}): ${(err as Error).message}`);
    }
    if (change) changes.push(change);
  };
  const nextIds = new Set(next.map((r) => r.logicalId));
  const replaced = new Map<string, AppliedResource>();
  try {
    for (const resource of next) {
      const before = previous.get(resource.logicalId);
      if (before && before.name !== resource.name) replaced.set(resource.logicalId, before);
      await step(resource, async () => {
        const sameName = before !== undefined && before.name === resource.name;
        const { arn, change } = await createOrUpdate(api, resource, sameName ? before : undefined, sameName ? undefined : before);
        applied.set(resource.logicalId, { ...resource, arn });
        return change;
      });
    }
    const gone = [...previous.values()].filter((r) => !nextIds.has(r.logicalId));
    for (const type of DELETE_ORDER) {
      for (const resource of [...gone, ...replaced.values()].filter((r) => r.type === type)) {
        await step(resource, async () => {
          const detail = await remove(api, resource);
          if (!nextIds.has(resource.logicalId)) applied.delete(resource.logicalId);
          return replaced.has(resource.logicalId) ? undefined : changeOf(resource, 'deleted', detail);
        });
      }
    }
  } catch (err) {
    return { applied, changes, error: (err as Error).message };
  }
  return { applied, changes };
}

async function createOrUpdate(api: BatchApi, resource: PlannedResource, current: AppliedResource | undefined, renamedFrom: AppliedResource | undefined): Promise<{ arn: string; change?: AppliedResourceChange }> {
  if (current && sameSettings(current.input, resource.input)) return { arn: current.arn };
  if (!current) {
    const arn = await create(api, resource);
    return renamedFrom
      ? { arn, change: changeOf(resource, 'replaced', `new name '${resource.name}' (was '${renamedFrom.name}'): created anew; the old one is deleted`) }
      : { arn, change: changeOf(resource, 'created', 'created') };
  }
  return update(api, resource, current);
}

async function create(api: BatchApi, resource: PlannedResource): Promise<string> {
  const input = resource.input as never;
  switch (resource.type) {
    case 'AWS::Batch::SchedulingPolicy': return (await api.createSchedulingPolicy(input)).arn!;
    case 'AWS::Batch::ConsumableResource': return (await api.createConsumableResource(input)).consumableResourceArn!;
    case 'AWS::Batch::ComputeEnvironment': return (await api.createComputeEnvironment(input)).computeEnvironmentArn!;
    case 'AWS::Batch::JobQueue': return (await api.createJobQueue(input)).jobQueueArn!;
    case 'AWS::Batch::JobDefinition': return (await api.registerJobDefinition(input)).jobDefinitionArn!;
  }
}

async function update(api: BatchApi, resource: PlannedResource, current: AppliedResource): Promise<{ arn: string; change: AppliedResourceChange }> {
  const input = resource.input;
  const differences = describeDifferences(current.input, input);
  switch (resource.type) {
    case 'AWS::Batch::SchedulingPolicy':
      await api.updateSchedulingPolicy({ arn: current.arn, fairsharePolicy: input.fairsharePolicy as batch.FairsharePolicy });
      return { arn: current.arn, change: changeOf(resource, 'updated', differences) };
    case 'AWS::Batch::ConsumableResource':
      // CloudFormation updates TotalQuantity in place; Batch's operation for that is SET.
      await api.updateConsumableResource({ consumableResource: current.arn, operation: 'SET', quantity: input.totalQuantity as number });
      return { arn: current.arn, change: changeOf(resource, 'updated', differences) };
    case 'AWS::Batch::ComputeEnvironment':
      await api.updateComputeEnvironment({
        computeEnvironment: current.arn,
        state: (input.state as batch.CEState | undefined) ?? 'ENABLED',
        unmanagedvCpus: input.unmanagedvCpus as number | undefined,
        serviceRole: input.serviceRole as string | undefined,
        computeResources: input.computeResources as batch.ComputeResourceUpdate | undefined,
      });
      return { arn: current.arn, change: changeOf(resource, 'updated', differences) };
    case 'AWS::Batch::JobQueue':
      await api.updateJobQueue({
        jobQueue: current.arn,
        // A queue the template no longer disables is enabled again, as CloudFormation's update would.
        state: (input.state as batch.JQState | undefined) ?? 'ENABLED',
        priority: input.priority as number,
        computeEnvironmentOrder: input.computeEnvironmentOrder as batch.ComputeEnvironmentOrder[],
        schedulingPolicyArn: input.schedulingPolicyArn as string | undefined,
        jobStateTimeLimitActions: input.jobStateTimeLimitActions as batch.JobStateTimeLimitAction[] | undefined,
      });
      return { arn: current.arn, change: changeOf(resource, 'updated', differences) };
    case 'AWS::Batch::JobDefinition': {
      const registered = await api.registerJobDefinition(input as never);
      const kept = resource.skipDeregisterOnUpdate
        ? `revision ${revisionOf(current.arn)} stays ACTIVE (SkipDeregisterOnUpdate)`
        : `revision ${revisionOf(current.arn)} deregistered`;
      if (!resource.skipDeregisterOnUpdate) await api.deregisterJobDefinition({ jobDefinition: current.arn });
      return {
        arn: registered.jobDefinitionArn!,
        change: changeOf(resource, 'updated', `revision ${registered.revision} registered (${differences}); ${kept}; jobs already submitted keep their revision`),
      };
    }
  }
}

async function remove(api: BatchApi, resource: AppliedResource): Promise<string> {
  switch (resource.type) {
    case 'AWS::Batch::JobDefinition':
      await api.deregisterJobDefinition({ jobDefinition: resource.arn });
      return `revision ${revisionOf(resource.arn)} deregistered`;
    case 'AWS::Batch::JobQueue':
      await api.updateJobQueue({ jobQueue: resource.arn, state: 'DISABLED' });
      await api.deleteJobQueue({ jobQueue: resource.arn });
      return 'disabled, then deleted (its unfinished jobs are terminated)';
    case 'AWS::Batch::ComputeEnvironment':
      await api.updateComputeEnvironment({ computeEnvironment: resource.arn, state: 'DISABLED' });
      await api.deleteComputeEnvironment({ computeEnvironment: resource.arn });
      return 'disabled, then deleted';
    case 'AWS::Batch::SchedulingPolicy':
      await api.deleteSchedulingPolicy({ arn: resource.arn });
      return 'deleted';
    case 'AWS::Batch::ConsumableResource':
      await api.deleteConsumableResource({ consumableResource: resource.arn });
      return 'deleted';
  }
}

/**
 * Changes CloudFormation could only make by replacing a resource under the same name fail a
 * deploy ("cannot update a stack when a custom-named resource requires replacing"); the engine
 * cannot make them in place either.
 */
function refuseSameNameReplacements(previous: ReadonlyMap<string, AppliedResource>, next: readonly PlannedResource[]): void {
  const problems = next.flatMap((resource) => {
    const before = previous.get(resource.logicalId);
    if (!before || before.name !== resource.name) return [];
    if (before.type !== resource.type) return [`${resource.logicalId} changes type from ${before.type} to ${resource.type}`];
    if (resource.type === 'AWS::Batch::ComputeEnvironment' && before.input.type !== resource.input.type) {
      return [`compute environment '${resource.name}' changes type from ${before.input.type} to ${resource.input.type}, which needs a new compute environment`];
    }
    if (resource.type === 'AWS::Batch::ConsumableResource' && (before.input.resourceType ?? 'REPLENISHABLE') !== (resource.input.resourceType ?? 'REPLENISHABLE')) {
      return [`consumable resource '${resource.name}' changes its resource type, which needs a new consumable resource`];
    }
    if (resource.type === 'AWS::Batch::JobQueue' && (before.input.schedulingPolicyArn === undefined) !== (resource.input.schedulingPolicyArn === undefined)) {
      return [`job queue '${resource.name}' ${resource.input.schedulingPolicyArn === undefined ? 'drops its' : 'gets a'} scheduling policy, which needs a new queue`];
    }
    return [];
  });
  if (problems.length > 0) {
    throw new TemplateChangeRefused(`${problems.join('; ')}; a deploy would have to replace it under the same name and fail: give it a new name (or a new construct id)`);
  }
}

/** How messages name a resource type: `job queue`, `compute environment`, ... */
export function resourceKind(type: CfnBatchResourceType): string {
  return type.replace('AWS::Batch::', '').replace(/[A-Z]/g, (c, i: number) => `${i === 0 ? '' : ' '}${c.toLowerCase()}`);
}

function changeOf(resource: PlannedResource, action: AppliedResourceChange['action'], detail: string): AppliedResourceChange {
  return { type: resource.type, logicalId: resource.logicalId, name: resource.name, ...(resource.constructPath ? { constructPath: resource.constructPath } : {}), action, detail };
}

function revisionOf(jobDefinitionArn: string): string {
  return jobDefinitionArn.slice(jobDefinitionArn.lastIndexOf(':') + 1);
}

function sameSettings(a: unknown, b: unknown): boolean {
  return JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sorted((value as Record<string, unknown>)[k])]));
}

/** `priority 10 -> 20, computeResources.maxvCpus 256 -> 128`, at most four settings, then `and N more`. */
export function describeDifferences(before: unknown, after: unknown): string {
  const changed: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (sameSettings(a, b)) return;
    const bothObjects = [a, b].every((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
    if (bothObjects) {
      const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
      for (const key of keys) walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      return;
    }
    changed.push(`${path} ${shown(a)} -> ${shown(b)}`);
  };
  walk(before, after, '');
  const listed = changed.slice(0, 4).join(', ');
  return changed.length > 4 ? `${listed} and ${changed.length - 4} more` : listed || 'no setting';
}

function shown(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value.replace(/^arn:[^/]*\//, '') : JSON.stringify(sorted(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
