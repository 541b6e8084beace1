/**
 * Renders the engine's job records as the API's `JobDetail` and `JobSummary` shapes (the same
 * detail goes into "Batch Job State Change" events).
 */
import type * as batch from '@aws-sdk/client-batch';
import { createHash } from 'crypto';
import { ArnScope, jobArn, jobQueueArn } from '../model/arns';
import { ecsTaskDetail, ecsAttemptTasks } from './ecs-detail';
import { effectiveContainer, resolveCommand } from './job-container';
import type { AttemptRecord, JobRecord } from './job-record';

/**
 * Where a response object may carry its own wire JSON (UTF-8 bytes, whole or as consecutive parts),
 * which a server then sends unchanged. A registry symbol, so the server recognizes it without
 * importing the engine.
 */
export const WIRE_JSON: unique symbol = Symbol.for('batchkit.wireJson');

/** The CloudWatch-style log stream name of an attempt: `<jobDefinitionName>/default/<taskId>`. */
export function logStreamName(job: JobRecord, attempt: AttemptRecord): string {
  return `${job.spec.jobDefinition.jobDefinitionName}/default/${attempt.taskId}`;
}

/**
 * The object a job's tags are copied from: its root's submit-time tags, or the ones TagResource or
 * UntagResource put in their place (always a new object, never changed in place), so a different
 * identity means different tags.
 */
export function tagSource(job: JobRecord): Record<string, string> {
  const root = job.parent ?? job;
  return root.changedTags ?? root.spec.tags;
}

/** The tags a job carries: its submit-time tags until TagResource or UntagResource changed them. */
export function jobTags(job: JobRecord): Record<string, string> {
  return { ...tagSource(job) };
}

/** Half of a `JobDetail`: its submit part or its state part. */
export type JobDetailPart = Partial<batch.JobDetail>;

/** The full `JobDetail` of a job, child or node. */
export function renderJobDetail(scope: ArnScope, job: JobRecord): batch.JobDetail {
  return joinDetailParts(renderSubmitPart(scope, job), renderStatePart(scope, job));
}

/**
 * The part of a job's detail fixed at submit (tags aside: see `tagSource`). Array children share
 * theirs with every sibling, and multi-node nodes with the siblings of equal `submitPartVariant`,
 * which is what lets the event log store it once per job rather than once per event.
 */
export function renderSubmitPart(scope: ArnScope, job: JobRecord): JobDetailPart {
  const { spec } = job;
  const request = spec.request;
  const part: JobDetailPart = {
    jobName: request.jobName,
    jobQueue: jobQueueArn(scope, spec.queueName),
    createdAt: job.createdAt,
    retryStrategy: spec.retryStrategy,
    jobDefinition: spec.jobDefinition.jobDefinitionArn,
    parameters: spec.parameters,
    timeout: spec.timeoutSeconds === undefined ? undefined : { attemptDurationSeconds: spec.timeoutSeconds },
    tags: jobTags(job),
    propagateTags: request.propagateTags ?? spec.jobDefinition.propagateTags ?? false,
    platformCapabilities: spec.jobDefinition.platformCapabilities as batch.PlatformCapability[] | undefined,
    shareIdentifier: request.shareIdentifier,
    // The priority the job is scheduled with on a fair-share queue: the submit's override, else its job definition's.
    schedulingPriority: request.schedulingPriorityOverride ?? spec.jobDefinition.schedulingPriority,
  };
  if (job.kind === 'multinode') {
    part.nodeProperties = { ...spec.jobDefinition.nodeProperties!, numNodes: spec.numNodes };
  }
  if (job.kind !== 'array') {
    const container = effectiveContainer(job);
    part.container = { ...container, command: resolveCommand(container, spec.parameters), networkInterfaces: [] };
  }
  if (spec.jobDefinition.ecsProperties) {
    part.ecsProperties = spec.jobDefinition.ecsProperties;
  }
  if (spec.consumableResources) {
    part.consumableResourceProperties = { consumableResourceList: spec.consumableResources };
  }
  return part;
}

/**
 * A short key distinguishing the submit parts of one job's members: equal for two members exactly
 * when their `renderSubmitPart`s are equal while their tags are. Children all share one; a node's
 * depends on the node ranges and overrides that select its container.
 */
export function submitPartVariant(job: JobRecord): string {
  return job.kind === 'node' ? createHash('sha256').update(JSON.stringify(effectiveContainer(job))).digest('base64') : '';
}

/** The part of a job's detail that moves as it runs: identity, status, attempts, times, flags, position in its array or multi-node job, latest attempt. */
export function renderStatePart(scope: ArnScope, job: JobRecord): JobDetailPart {
  const part: JobDetailPart = {
    jobArn: jobArn(scope, job.jobId),
    jobId: job.jobId,
    status: job.status,
    statusReason: job.statusReason,
    attempts: (job.attempts ?? []).map((attempt) => renderAttempt(scope, job, attempt)),
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    dependsOn: job.kind === 'child' || job.kind === 'node' ? childDependencies(job) : job.spec.request.dependsOn ?? [],
    isCancelled: job.isCancelled,
    isTerminated: job.isTerminated,
  };
  if (job.kind === 'array') {
    part.arrayProperties = { size: job.spec.request.arrayProperties!.size, statusSummary: { ...job.summary! } };
  } else if (job.kind === 'child') {
    part.arrayProperties = { index: job.index };
  }
  if (job.kind === 'node') {
    part.nodeDetails = { nodeIndex: job.index, isMainNode: job.index === job.spec.jobDefinition.nodeProperties!.mainNode };
  }
  if (job.kind !== 'array') {
    const attempt = job.current ?? job.attempts?.[job.attempts.length - 1];
    part.container = {
      exitCode: job.current ? undefined : attempt?.exitCode,
      reason: job.current ? undefined : attempt?.reason,
      taskArn: attempt && taskArn(scope, attempt),
      containerInstanceArn: attempt && containerInstanceArn(scope, attempt),
      logStreamName: attempt && logStreamName(job, attempt),
    };
  }
  return part;
}

/** A whole detail from its submit and state parts (the two halves of `container` merged). */
export function joinDetailParts(submit: JobDetailPart, state: JobDetailPart): batch.JobDetail {
  // Object.assign, not spread: V8 copies these objects several times faster with it (measured at 100,000 children).
  const detail = Object.assign({}, submit, state) as batch.JobDetail;
  if (submit.container || state.container) {
    detail.container = Object.assign({}, submit.container, state.container);
  }
  if (submit.ecsProperties) {
    // AWS describes an ECS task job by its task, not by a `container`.
    detail.ecsProperties = ecsTaskDetail(submit.ecsProperties as batch.EcsProperties, detail.container!);
    delete detail.container;
  }
  return detail;
}

/** The `JobSummary` ListJobs returns. */
export function renderJobSummary(scope: ArnScope, job: JobRecord): batch.JobSummary {
  const last = job.attempts?.[job.attempts.length - 1];
  const summary: batch.JobSummary = {
    jobArn: jobArn(scope, job.jobId),
    jobId: job.jobId,
    jobName: job.spec.request.jobName,
    createdAt: job.createdAt,
    status: job.status,
    statusReason: job.statusReason,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    jobDefinition: job.spec.jobDefinition.jobDefinitionArn,
    isCancelled: job.isCancelled,
    isTerminated: job.isTerminated,
  };
  if (last && job.kind !== 'array') {
    summary.container = { exitCode: last.exitCode, reason: last.reason };
  }
  if (job.kind === 'array') {
    summary.arrayProperties = { size: job.spec.request.arrayProperties!.size };
  } else if (job.kind === 'child') {
    summary.arrayProperties = { index: job.index };
  } else if (job.kind === 'node') {
    summary.nodeProperties = { nodeIndex: job.index, numNodes: job.spec.numNodes, isMainNode: job.index === job.spec.jobDefinition.nodeProperties!.mainNode };
  } else if (job.kind === 'multinode') {
    summary.nodeProperties = { numNodes: job.spec.numNodes };
  }
  return summary;
}

function renderAttempt(scope: ArnScope, job: JobRecord, attempt: AttemptRecord): batch.AttemptDetail {
  const container: batch.AttemptContainerDetail = {
    containerInstanceArn: containerInstanceArn(scope, attempt),
    taskArn: taskArn(scope, attempt),
    exitCode: attempt.exitCode,
    reason: attempt.reason,
    logStreamName: logStreamName(job, attempt),
    networkInterfaces: [],
  };
  const times = { startedAt: attempt.startedAt, stoppedAt: attempt.stoppedAt, statusReason: attempt.statusReason };
  const ecsProperties = job.spec.jobDefinition.ecsProperties;
  return ecsProperties ? { taskProperties: ecsAttemptTasks(ecsProperties, container), ...times } : { container, ...times };
}

function taskArn(scope: ArnScope, attempt: AttemptRecord): string {
  return `arn:aws:ecs:${scope.region}:${scope.accountId}:task/${attempt.computeEnvironment}/${attempt.taskId}`;
}

/**
 * The ARN of the container instance an attempt ran on: the engine models each compute environment
 * as one pseudo container instance (this machine), whose id is derived from the environment's name
 * so it stays the same across attempts and restarts.
 */
function containerInstanceArn(scope: ArnScope, attempt: AttemptRecord): string {
  const instanceId = createHash('sha256').update(attempt.computeEnvironment).digest('hex').slice(0, 32);
  return `arn:aws:ecs:${scope.region}:${scope.accountId}:container-instance/${attempt.computeEnvironment}/${instanceId}`;
}

/** Children show the per-child dependency AWS derives: N_TO_N on the sibling index, SEQUENTIAL on the previous child. */
function childDependencies(job: JobRecord): batch.JobDependency[] {
  if (job.kind !== 'child') {
    return [];
  }
  const dependencies: batch.JobDependency[] = [];
  for (const dependency of job.spec.request.dependsOn ?? []) {
    if (dependency.type === 'N_TO_N') {
      dependencies.push({ jobId: `${dependency.jobId}:${job.index}`, type: 'N_TO_N' });
    } else if (dependency.type === 'SEQUENTIAL' && job.index! > 0) {
      dependencies.push({ jobId: `${job.parent!.jobId}:${job.index! - 1}`, type: 'SEQUENTIAL' });
    }
  }
  return dependencies;
}

/**
 * What a job's detail was rendered from, beyond its immutable spec: the detail is still exact
 * while every one of these is the same (a tag change replaces the tag object, so identity says it).
 */
interface RenderedFrom {
  readonly status: JobRecord['status'];
  readonly statusReason: string | undefined;
  readonly startedAt: number | undefined;
  readonly stoppedAt: number | undefined;
  readonly isCancelled: boolean | undefined;
  readonly isTerminated: boolean | undefined;
  readonly tags: Record<string, string>;
  readonly attemptCount: number;
  readonly lastAttempt: AttemptRecord | undefined;
  readonly lastExitCode: number | undefined;
  readonly lastStoppedAt: number | undefined;
  readonly lastReason: string | undefined;
  readonly lastStatusReason: string | undefined;
  readonly json: Buffer;
}

/** Details kept at most: about 1.5 KB each, so a long-lived engine describing many jobs stays bounded. */
const MAX_CACHED_DETAILS = 20_000;

/**
 * Jobs' `JobDetail`s as UTF-8 JSON, rendered once and reused while the job stands still: pollers
 * describe the same jobs over and over, and most of them have not moved since the last call.
 * Bytes rather than strings: a response of 100 details is over 128 KiB, and a string that large
 * is a large-object allocation of V8's (an mmap and a munmap each), where bytes are copied once
 * into the socket. Only jobs without an attempt in progress are kept (a running attempt's record
 * changes in place), and not array parents (their status summary changes in place as children
 * move); the oldest entries go first once `MAX_CACHED_DETAILS` are kept.
 */
export class JobDetailJsonCache {
  private readonly entries = new Map<JobRecord, RenderedFrom>();

  constructor(private readonly scope: ArnScope, private readonly maxEntries = MAX_CACHED_DETAILS) {}

  /** The job's detail as the UTF-8 bytes of `JSON.stringify(renderJobDetail(scope, job))`. */
  public json(job: JobRecord): Buffer {
    const cached = this.entries.get(job);
    if (cached !== undefined && stillRenders(cached, job)) {
      return cached.json;
    }
    const json = Buffer.from(JSON.stringify(renderJobDetail(this.scope, job)));
    this.entries.delete(job);
    if (job.current === undefined && job.kind !== 'array') {
      if (this.entries.size >= this.maxEntries) {
        this.entries.delete(this.entries.keys().next().value!);
      }
      const last = job.attempts?.[job.attempts.length - 1];
      this.entries.set(job, {
        status: job.status, statusReason: job.statusReason, startedAt: job.startedAt, stoppedAt: job.stoppedAt,
        isCancelled: job.isCancelled, isTerminated: job.isTerminated, tags: tagSource(job),
        attemptCount: job.attempts?.length ?? 0, lastAttempt: last, lastExitCode: last?.exitCode, lastStoppedAt: last?.stoppedAt,
        lastReason: last?.reason, lastStatusReason: last?.statusReason, json,
      });
    }
    return json;
  }
}

function stillRenders(from: RenderedFrom, job: JobRecord): boolean {
  const attemptCount = job.attempts?.length ?? 0;
  const last = job.attempts?.[attemptCount - 1];
  return job.current === undefined && from.status === job.status && from.statusReason === job.statusReason
    && from.startedAt === job.startedAt && from.stoppedAt === job.stoppedAt && from.isCancelled === job.isCancelled
    && from.isTerminated === job.isTerminated && from.tags === tagSource(job) && from.attemptCount === attemptCount
    && from.lastAttempt === last && from.lastExitCode === last?.exitCode && from.lastStoppedAt === last?.stoppedAt
    && from.lastReason === last?.reason && from.lastStatusReason === last?.statusReason;
}
