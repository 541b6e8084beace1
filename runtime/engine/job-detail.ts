/**
 * Renders the engine's job records as the API's `JobDetail` and `JobSummary` shapes (the same
 * detail goes into "Batch Job State Change" events).
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, jobArn, jobQueueArn } from '../model/arns';
import { effectiveContainer, resolveCommand } from './job-container';
import type { AttemptRecord, JobRecord } from './job-record';

/** The CloudWatch-style log stream name of an attempt: `<jobDefinitionName>/default/<taskId>`. */
export function logStreamName(job: JobRecord, attempt: AttemptRecord): string {
  return `${job.spec.jobDefinition.jobDefinitionName}/default/${attempt.taskId}`;
}

/** The tags a job carries: its submit-time tags until TagResource or UntagResource changed them. */
export function jobTags(job: JobRecord): Record<string, string> {
  const root = job.parent ?? job;
  return { ...(root.changedTags ?? root.spec.tags) };
}

/** The full `JobDetail` of a job, child or node. */
export function renderJobDetail(scope: ArnScope, job: JobRecord): batch.JobDetail {
  const { spec } = job;
  const request = spec.request;
  const detail: batch.JobDetail = {
    jobArn: jobArn(scope, job.jobId),
    jobName: request.jobName,
    jobId: job.jobId,
    jobQueue: jobQueueArn(scope, spec.queueName),
    status: job.status,
    statusReason: job.statusReason,
    attempts: (job.attempts ?? []).map((attempt) => renderAttempt(scope, job, attempt)),
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    retryStrategy: spec.retryStrategy,
    dependsOn: job.kind === 'child' || job.kind === 'node' ? childDependencies(job) : request.dependsOn ?? [],
    jobDefinition: spec.jobDefinition.jobDefinitionArn,
    parameters: spec.parameters,
    timeout: spec.timeoutSeconds === undefined ? undefined : { attemptDurationSeconds: spec.timeoutSeconds },
    tags: jobTags(job),
    propagateTags: request.propagateTags ?? spec.jobDefinition.propagateTags ?? false,
    platformCapabilities: spec.jobDefinition.platformCapabilities as batch.PlatformCapability[] | undefined,
    isCancelled: job.isCancelled,
    isTerminated: job.isTerminated,
  };
  if (job.kind === 'array') {
    detail.arrayProperties = { size: request.arrayProperties!.size, statusSummary: { ...job.summary! } };
  } else if (job.kind === 'child') {
    detail.arrayProperties = { index: job.index };
  }
  if (job.kind === 'multinode') {
    detail.nodeProperties = { ...spec.jobDefinition.nodeProperties!, numNodes: spec.numNodes };
  } else if (job.kind === 'node') {
    detail.nodeDetails = { nodeIndex: job.index, isMainNode: job.index === spec.jobDefinition.nodeProperties!.mainNode };
  }
  if (job.kind !== 'array') {
    detail.container = renderContainer(scope, job);
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
  return {
    container: {
      taskArn: taskArn(scope, attempt),
      exitCode: attempt.exitCode,
      reason: attempt.reason,
      logStreamName: logStreamName(job, attempt),
      networkInterfaces: [],
    },
    startedAt: attempt.startedAt,
    stoppedAt: attempt.stoppedAt,
    statusReason: attempt.statusReason,
  };
}

function renderContainer(scope: ArnScope, job: JobRecord): batch.ContainerDetail {
  const container = effectiveContainer(job);
  const attempt = job.current ?? job.attempts?.[job.attempts.length - 1];
  return {
    ...container,
    command: resolveCommand(container, job.spec.parameters),
    exitCode: job.current ? undefined : attempt?.exitCode,
    reason: job.current ? undefined : attempt?.reason,
    taskArn: attempt && taskArn(scope, attempt),
    logStreamName: attempt && logStreamName(job, attempt),
    networkInterfaces: [],
  };
}

function taskArn(scope: ArnScope, attempt: AttemptRecord): string {
  return `arn:aws:ecs:${scope.region}:${scope.accountId}:task/${attempt.computeEnvironment}/${attempt.taskId}`;
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
