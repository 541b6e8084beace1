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
