/**
 * ListJobs: which jobs a request selects (one of jobQueue, arrayJobId, multiNodeJobId), the
 * RUNNING default, the filters, and pagination with an opaque token, as the ListJobs API documents them.
 */
import type * as batch from '@aws-sdk/client-batch';
import { nameFromReference } from '../model/arns';
import { isJobStatus, JobStatus } from '../model/job-states';
import { checkInteger, invalid, shown } from './errors';
import type { JobGraph } from './job-graph';
import type { JobRecord } from './job-record';
import type { ResourceRegistry } from './resources';

const FILTER_NAMES = ['JOB_NAME', 'JOB_DEFINITION', 'BEFORE_CREATED_AT', 'AFTER_CREATED_AT', 'SHARE_IDENTIFIER'];

/** One page of ListJobs: the records (rendering is the caller's) and the token for the next page. */
export interface JobPage {
  /** The jobs of this page, in submission order. */
  readonly jobs: JobRecord[];
  /** Token for the next page; absent on the last one. */
  readonly nextToken?: string;
}

/** Selects, filters and pages jobs for ListJobs. */
export function listJobRecords(input: batch.ListJobsRequest, graph: JobGraph, resources: ResourceRegistry): JobPage {
  const scopes = [input.jobQueue, input.arrayJobId, input.multiNodeJobId].filter((value) => value !== undefined);
  if (scopes.length !== 1) {
    invalid(`exactly one of jobQueue, arrayJobId and multiNodeJobId is required: given ${scopes.length}`);
  }
  const filters = input.filters ?? [];
  if (filters.length > 1) {
    invalid(`filters has ${filters.length} entries, expected at most 1`);
  }
  const maxResults = checkInteger(input.maxResults, 'maxResults', 1, filters.length ? 100 : 1000) ?? 100;
  let candidates = selectScope(input, graph, resources);
  if (filters.length) {
    const filter = filterFor(filters[0]);
    candidates = candidates.filter(filter);
  } else {
    if (input.jobStatus !== undefined && !isJobStatus(input.jobStatus)) {
      invalid(`jobStatus must be one of SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, SUCCEEDED, FAILED: given ${shown(input.jobStatus)}`);
    }
    const status: JobStatus = input.jobStatus ?? 'RUNNING';
    candidates = candidates.filter((job) => job.status === status);
  }
  const start = input.nextToken ? decodeToken(input.nextToken) : undefined;
  const from = start === undefined ? 0 : candidates.findIndex((job) => positionOf(job) > start);
  const page = from < 0 ? [] : candidates.slice(from, from + maxResults);
  const more = from >= 0 && from + maxResults < candidates.length;
  return { jobs: page, nextToken: more ? encodeToken(positionOf(page[page.length - 1])) : undefined };
}

function selectScope(input: batch.ListJobsRequest, graph: JobGraph, resources: ResourceRegistry): JobRecord[] {
  if (input.jobQueue !== undefined) {
    const name = resources.findJobQueue(input.jobQueue)?.jobQueueName ?? nameFromReference(input.jobQueue, 'job-queue', resources.scope);
    if (name === undefined || (!resources.jobQueues.has(name) && !graph.byQueue.has(name))) {
      invalid(`job queue ${shown(input.jobQueue)} does not exist: expected the name or ARN of a job queue`);
    }
    return graph.byQueue.get(name) ?? [];
  }
  const parentId = (input.arrayJobId ?? input.multiNodeJobId)!;
  const parent = graph.jobs.get(parentId);
  const expected = input.arrayJobId !== undefined ? 'array' : 'multinode';
  if (!parent || parent.kind !== expected) {
    invalid(`${input.arrayJobId !== undefined ? 'arrayJobId' : 'multiNodeJobId'} ${shown(parentId)} is not ${expected === 'array' ? 'an array' : 'a multi-node parallel'} job this engine knows`);
  }
  return parent.members!;
}

function filterFor(filter: batch.KeyValuesPair): (job: JobRecord) => boolean {
  if (!FILTER_NAMES.includes(filter.name ?? '')) {
    invalid(`filters[0].name must be one of ${FILTER_NAMES.join(', ')}: given ${shown(filter.name)}`);
  }
  const value = filter.values?.[0];
  if (typeof value !== 'string' || filter.values!.length !== 1) {
    invalid(`filters[0].values must hold exactly one value: given ${shown(filter.values)}`);
  }
  switch (filter.name) {
    case 'JOB_NAME':
      return (job) => textMatches(value.toLowerCase(), job.spec.request.jobName!.toLowerCase());
    case 'JOB_DEFINITION': {
      const reference = nameFromReference(value, 'job-definition') ?? value;
      return (job) => {
        const definition = job.spec.jobDefinition;
        return reference.includes(':') && !reference.endsWith('*')
          ? `${definition.jobDefinitionName}:${definition.revision}` === reference
          : textMatches(reference, definition.jobDefinitionName!);
      };
    }
    case 'BEFORE_CREATED_AT':
    case 'AFTER_CREATED_AT': {
      const instant = Number(value);
      if (!Number.isFinite(instant)) {
        invalid(`filters[0].values[0] for ${filter.name} must be epoch milliseconds: given ${shown(value)}`);
      }
      return filter.name === 'BEFORE_CREATED_AT' ? (job) => job.createdAt < instant : (job) => job.createdAt > instant;
    }
    default:
      return (job) => job.spec.request.shareIdentifier === value;
  }
}

function textMatches(pattern: string, text: string): boolean {
  return pattern.endsWith('*') ? text.startsWith(pattern.slice(0, -1)) : text === pattern;
}

/** Position of a job in submission order, as one number: seq * 10^5 + index (index < 10,000). */
function positionOf(job: JobRecord): number {
  return job.seq * 100_000 + (job.index ?? 0);
}

function encodeToken(position: number): string {
  return Buffer.from(JSON.stringify({ after: position })).toString('base64');
}

function decodeToken(token: string): number {
  try {
    const after = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown }).after;
    if (typeof after === 'number') {
      return after;
    }
  } catch {
    // Falls through to the error below: a token is either ours or invalid.
  }
  return invalid(`nextToken ${shown(token)} is not a token this engine returned`);
}
