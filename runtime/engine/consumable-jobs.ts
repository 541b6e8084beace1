/**
 * What a job needs of consumable resources: the job definition's list with SubmitJob's override
 * (entries of the override replace those of the same resource and add the others), per node for
 * multi-node jobs, and ListJobsByConsumableResource over the engine's jobs.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, jobArn, jobQueueArn } from '../model/arns';
import { isTerminalStatus } from '../model/job-states';
import { ConsumableNeeds, ConsumableResourceRegistry, filterValues, matchesName } from './consumable-resources';
import { invalid, shown } from './errors';
import { nodeRangeIncludes } from './job-container';
import type { JobRecord, JobSpec } from './job-record';
import { paginate } from './request-checks';

const JOB_STATUSES = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];

/**
 * The units one job (or, for a multi-node job, all its nodes together) needs, named by resource
 * name; `undefined` when it needs none. Checked against the registry: an unknown resource is a ClientException.
 */
export function effectiveConsumables(
  request: batch.SubmitJobRequest, definition: batch.JobDefinition, numNodes: number | undefined, registry: ConsumableResourceRegistry,
): batch.ConsumableResourceRequirement[] | undefined {
  registry.checkProperties(definition.consumableResourceProperties, 'consumableResourceProperties');
  registry.checkProperties(request.consumableResourcePropertiesOverride, 'consumableResourcePropertiesOverride');
  const base = definition.consumableResourceProperties?.consumableResourceList;
  if (definition.type !== 'multinode') {
    return listOf(merged(registry, base, request.consumableResourcePropertiesOverride?.consumableResourceList));
  }
  const ranges = definition.nodeProperties?.nodeRangeProperties ?? [];
  ranges.forEach((range, index) => registry.checkProperties(range.consumableResourceProperties, `nodeProperties.nodeRangeProperties[${index}].consumableResourceProperties`));
  const overrides = request.nodeOverrides?.nodePropertyOverrides ?? [];
  overrides.forEach((override, index) => registry.checkProperties(override.consumableResourcePropertiesOverride,
    `nodeOverrides.nodePropertyOverrides[${index}].consumableResourcePropertiesOverride`));
  const total = new Map<string, number>();
  for (let node = 0; node < (numNodes ?? 0); node++) {
    const range = ranges.filter((candidate) => nodeRangeIncludes(candidate.targetNodes!, node, numNodes!)).pop();
    let needs = merged(registry, range?.consumableResourceProperties?.consumableResourceList ?? base, undefined);
    for (const override of overrides.filter((candidate) => nodeRangeIncludes(candidate.targetNodes!, node, numNodes!))) {
      needs = merged(registry, [...needs].map(([consumableResource, quantity]) => ({ consumableResource, quantity })), override.consumableResourcePropertiesOverride?.consumableResourceList);
    }
    for (const [name, quantity] of needs) {
      total.set(name, (total.get(name) ?? 0) + quantity);
    }
  }
  return listOf(total);
}

/** The same list as a map, for the scheduler; `undefined` when empty. */
export function consumableNeedsOf(spec: JobSpec): ConsumableNeeds | undefined {
  const list = spec.consumableResources;
  return list?.length ? new Map(list.map((entry) => [entry.consumableResource!, entry.quantity!])) : undefined;
}

/**
 * ListJobsByConsumableResource: top-level jobs that need the resource, oldest first, with the
 * filters JOB_STATUS and JOB_NAME (case-insensitive, `prefix*`) and AWS's pagination.
 */
export function listJobsByConsumableResource(
  input: batch.ListJobsByConsumableResourceRequest, jobs: Iterable<JobRecord>, registry: ConsumableResourceRegistry, scope: ArnScope,
): batch.ListJobsByConsumableResourceResponse {
  const resource = registry.require(input.consumableResource as string, 'consumableResource');
  const filters = filterValues(input.filters, ['JOB_STATUS', 'JOB_NAME']);
  const statuses = filters.get('JOB_STATUS');
  const unknownStatus = statuses?.find((status) => !JOB_STATUSES.includes(status));
  if (unknownStatus !== undefined) {
    invalid(`filters JOB_STATUS value ${shown(unknownStatus)} is not a job status: expected one of ${JOB_STATUSES.join(', ')}`);
  }
  const names = filters.get('JOB_NAME');
  const selected: { job: JobRecord; quantity: number }[] = [];
  for (const job of jobs) {
    const quantity = job.parent ? undefined : job.spec.consumableResources?.find((entry) => entry.consumableResource === resource.consumableResourceName)?.quantity;
    if (quantity === undefined || (statuses && !statuses.includes(job.status)) || (names && !names.some((name) => matchesName(job.spec.request.jobName!, name)))) {
      continue;
    }
    selected.push({ job, quantity });
  }
  const page = paginate(selected, input.maxResults, input.nextToken);
  return {
    jobs: page.items.map(({ job, quantity }) => ({
      jobArn: jobArn(scope, job.jobId),
      jobQueueArn: jobQueueArn(scope, job.spec.queueName),
      jobName: job.spec.request.jobName!,
      jobDefinitionArn: job.spec.jobDefinition.jobDefinitionArn,
      shareIdentifier: job.spec.request.shareIdentifier,
      jobStatus: job.status,
      quantity,
      statusReason: job.statusReason,
      startedAt: job.startedAt,
      createdAt: job.createdAt,
      consumableResourceProperties: { consumableResourceList: job.spec.consumableResources },
    })),
    nextToken: page.nextToken,
  };
}

/** The id of a job that has not finished and needs the resource, if there is one. */
export function unfinishedJobNeeding(name: string, jobs: Iterable<JobRecord>): string | undefined {
  for (const job of jobs) {
    if (!job.parent && !isTerminalStatus(job.status) && job.spec.consumableResources?.some((entry) => entry.consumableResource === name)) {
      return job.jobId;
    }
  }
  return undefined;
}

function merged(
  registry: ConsumableResourceRegistry, base: batch.ConsumableResourceRequirement[] | undefined, override: batch.ConsumableResourceRequirement[] | undefined,
): Map<string, number> {
  const needs = new Map<string, number>();
  for (const entry of [...(base ?? []), ...(override ?? [])]) {
    needs.set(registry.nameOf(entry.consumableResource!), entry.quantity!);
  }
  return needs;
}

function listOf(needs: Map<string, number>): batch.ConsumableResourceRequirement[] | undefined {
  return needs.size ? [...needs].map(([consumableResource, quantity]) => ({ consumableResource, quantity })) : undefined;
}
