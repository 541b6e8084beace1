/**
 * Creates one Batch resource through the API, or reuses the one already there: an engine with
 * a data directory keeps its resources across restarts, and loading the same template again
 * must neither fail on "already exists" nor pile up identical job definition revisions.
 */
import type * as batch from '@aws-sdk/client-batch';
import type { BatchApi } from '../model/batch-api';
import { BatchClientException } from '../model/batch-api';

/** The Batch resource types the loader creates. */
export type CfnBatchResourceType = 'AWS::Batch::SchedulingPolicy' | 'AWS::Batch::ConsumableResource' | 'AWS::Batch::ComputeEnvironment' | 'AWS::Batch::JobQueue' | 'AWS::Batch::JobDefinition';

/** The resource in the api and whether this call created it. */
export interface CreatedOrReused {
  readonly arn: string;
  readonly status: 'created' | 'existing';
}

/**
 * Compute environments and queues that exist already are kept if they match the request and
 * refused otherwise (changing them in place is an update, which CloudFormation would plan);
 * a job definition gets a new revision unless its latest ACTIVE revision already matches.
 */
export async function createOrReuse(api: BatchApi, type: CfnBatchResourceType, name: string, input: Record<string, unknown>): Promise<CreatedOrReused> {
  switch (type) {
    case 'AWS::Batch::SchedulingPolicy': {
      const arns = ((await api.listSchedulingPolicies({})).schedulingPolicies ?? []).map((policy) => policy.arn!).filter((arn) => nameOf(arn) === name);
      const existing = arns.length > 0 ? (await api.describeSchedulingPolicies({ arns })).schedulingPolicies?.[0] : undefined;
      if (existing) return reuse(existing.arn!, existing, input, `scheduling policy '${name}'`);
      const created = await api.createSchedulingPolicy(input as unknown as batch.CreateSchedulingPolicyRequest);
      return { arn: created.arn!, status: 'created' };
    }
    case 'AWS::Batch::ConsumableResource': {
      const listed = ((await api.listConsumableResources({})).consumableResources ?? []).find((resource) => resource.consumableResourceName === name);
      if (listed) {
        const existing = await api.describeConsumableResource({ consumableResource: listed.consumableResourceArn! });
        return reuse(existing.consumableResourceArn!, existing, input, `consumable resource '${name}'`);
      }
      const created = await api.createConsumableResource(input as unknown as batch.CreateConsumableResourceRequest);
      return { arn: created.consumableResourceArn!, status: 'created' };
    }
    case 'AWS::Batch::ComputeEnvironment': {
      const existing = (await api.describeComputeEnvironments({ computeEnvironments: [name] })).computeEnvironments?.[0];
      if (existing) return reuse(existing.computeEnvironmentArn!, existing, input, `compute environment '${name}'`);
      const created = await api.createComputeEnvironment(input as unknown as batch.CreateComputeEnvironmentRequest);
      return { arn: created.computeEnvironmentArn!, status: 'created' };
    }
    case 'AWS::Batch::JobQueue': {
      const existing = (await api.describeJobQueues({ jobQueues: [name] })).jobQueues?.[0];
      if (existing) return reuse(existing.jobQueueArn!, existing, input, `job queue '${name}'`);
      const created = await api.createJobQueue(input as unknown as batch.CreateJobQueueRequest);
      return { arn: created.jobQueueArn!, status: 'created' };
    }
    case 'AWS::Batch::JobDefinition': {
      const revisions = (await api.describeJobDefinitions({ jobDefinitionName: name, status: 'ACTIVE' })).jobDefinitions ?? [];
      const latest = revisions.reduce<batch.JobDefinition | undefined>((best, d) => (best === undefined || (d.revision ?? 0) > (best.revision ?? 0) ? d : best), undefined);
      if (latest && isSubset(input, latest)) return { arn: latest.jobDefinitionArn!, status: 'existing' };
      const created = await api.registerJobDefinition(input as unknown as batch.RegisterJobDefinitionRequest);
      return { arn: created.jobDefinitionArn!, status: 'created' };
    }
  }
}

function reuse(arn: string, existing: object, input: Record<string, unknown>, what: string): CreatedOrReused {
  if (!isSubset(withoutTags(input), existing)) {
    throw new BatchClientException(`${what} already exists with other settings (from an earlier run on the same data directory); delete it or use a fresh data directory to load the template's version`);
  }
  return { arn, status: 'existing' };
}

/** Tags are compared nowhere: AWS keeps them apart from the resource's settings. */
function withoutTags(input: Record<string, unknown>): Record<string, unknown> {
  const { tags: _tags, ...rest } = input;
  return rest;
}

/**
 * Whether everything `wanted` says is also in `actual`; members `actual` adds (status, ARNs,
 * defaults the engine fills in) do not matter. Compute environment references in queues
 * compare by name, since the request may use a name where the detail holds an ARN.
 */
function isSubset(wanted: unknown, actual: unknown): boolean {
  if (Array.isArray(wanted)) {
    return Array.isArray(actual) && wanted.length === actual.length && wanted.every((w, i) => isSubset(w, actual[i]));
  }
  if (typeof wanted === 'object' && wanted !== null) {
    if (typeof actual !== 'object' || actual === null) return false;
    return Object.entries(wanted).every(([k, v]) => isSubset(v, (actual as Record<string, unknown>)[k]));
  }
  if (typeof wanted === 'string' && typeof actual === 'string') {
    return wanted === actual || nameOf(wanted) === nameOf(actual);
  }
  return wanted === actual;
}

function nameOf(reference: string): string {
  return reference.startsWith('arn:') ? reference.slice(reference.lastIndexOf('/') + 1) : reference;
}
