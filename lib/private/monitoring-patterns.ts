import { ArnFormat, Stack, Token } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import type * as events from 'aws-cdk-lib/aws-events';
import {
  BATCH_EVENT_SOURCE,
  JOB_STATE_CHANGE,
  QUEUE_BLOCKED,
  WORKFLOW_EVENT_SOURCE,
  WORKFLOW_STATE_CHANGE,
} from '../../runtime/model/events';

/**
 * What a job state change pattern filters on, with constructs already turned into the strings
 * the events carry. Values may be tokens (including lazy lists), which the pattern keeps as is.
 */
export interface JobStateChangeFields {
  readonly statuses?: string[];
  readonly jobQueueArns?: string[];
  readonly jobDefinitionArnPrefixes?: string[];
  readonly includeArrayChildren: boolean;
}

/** The event pattern of `Batch Job State Change` events restricted to `fields`. */
export function renderJobStateChangePattern(fields: JobStateChangeFields): events.EventPattern {
  const detail: Record<string, unknown> = {};
  if (fields.statuses) detail.status = fields.statuses;
  if (fields.jobQueueArns) detail.jobQueue = fields.jobQueueArns;
  if (fields.jobDefinitionArnPrefixes) {
    detail.jobDefinition = fields.jobDefinitionArnPrefixes.map((prefix) => ({ prefix }));
  }
  if (!fields.includeArrayChildren) {
    // Only array children carry arrayProperties.index; parents carry size, plain jobs neither.
    detail.arrayProperties = { index: [{ exists: false }] };
  }
  return {
    source: [BATCH_EVENT_SOURCE],
    detailType: [JOB_STATE_CHANGE],
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

/** The event pattern of `Batch Job Queue Blocked` events, of the given queues or of every queue. */
export function renderQueueBlockedPattern(jobQueueArns: string[] | undefined): events.EventPattern {
  return {
    source: [BATCH_EVENT_SOURCE],
    detailType: [QUEUE_BLOCKED],
    ...(jobQueueArns ? { detail: { jobQueue: jobQueueArns } } : {}),
  };
}

/** The event pattern of every Batch event (any detail-type) about jobs of the given queues. */
export function renderBatchEventsOfQueuesPattern(jobQueueArns: string[]): events.EventPattern {
  return { source: [BATCH_EVENT_SOURCE], detail: { jobQueue: jobQueueArns } };
}

/** What a workflow state change pattern filters on. */
export interface WorkflowStateChangeFields {
  readonly statuses?: string[];
  readonly workflowNames?: string[];
  readonly includeStepEvents: boolean;
}

/** The event pattern of the workflow runtime's own state change events. */
export function renderWorkflowStateChangePattern(fields: WorkflowStateChangeFields): events.EventPattern {
  const detail: Record<string, unknown> = {};
  if (fields.statuses) detail.status = fields.statuses;
  if (fields.workflowNames) detail.workflowName = fields.workflowNames;
  // The runtime sends one event per run status and one per step status: only the latter name a step.
  if (!fields.includeStepEvents) detail.step = [{ exists: false }];
  return {
    source: [WORKFLOW_EVENT_SOURCE],
    detailType: [WORKFLOW_STATE_CHANGE],
    ...(Object.keys(detail).length > 0 ? { detail } : {}),
  };
}

const JOB_DEFINITION_ARN = /^(arn:[^:]+:batch:[^:]*:[^:]*:job-definition\/[^:/]+)(:\d+)?$/;
const JOB_QUEUE_ARN = /^arn:[^:]+:batch:[^:]*:[^:]*:job-queue\/[^:/]+$/;

/**
 * The prefix every revision's ARN of a job definition starts with:
 * `arn:<partition>:batch:<region>:<account>:job-definition/<name>:`.
 *
 * Batch events carry the ARN of the exact revision a job ran (`.../train:7`), while the L2's
 * `jobDefinitionArn` names one revision, so matching it exactly would miss every later one. The
 * trailing colon keeps `train` from matching `train-nightly`. When the ARN is a token (the `Ref`
 * of a job definition in the app), the prefix is assembled from its parts at deploy time.
 */
export function jobDefinitionArnPrefix(jobDefinition: batch.IJobDefinition): string {
  const arn = jobDefinition.jobDefinitionArn;
  if (!Token.isUnresolved(arn)) {
    const match = JOB_DEFINITION_ARN.exec(arn);
    if (!match) {
      throw new Error(`job definition '${jobDefinition.node.path}' has ARN '${arn}', expected arn:<partition>:batch:<region>:<account>:job-definition/<name>[:<revision>]`);
    }
    return `${match[1]}:`;
  }
  const stack = Stack.of(jobDefinition);
  // Splitting on ':' and '/' takes `<name>` out of `job-definition/<name>:<revision>`: the
  // revision is the seventh colon-separated part, which the resource name never includes.
  const parts = stack.splitArn(arn, ArnFormat.SLASH_RESOURCE_NAME);
  return stack.formatArn({
    partition: parts.partition,
    service: 'batch',
    region: parts.region,
    account: parts.account,
    resource: 'job-definition',
    resourceName: `${parts.resourceName}:`,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** The queue's ARN, as `detail.jobQueue` carries it; a literal ARN is checked for shape. */
export function jobQueueArnOf(jobQueue: batch.IJobQueue): string {
  const arn = jobQueue.jobQueueArn;
  if (!Token.isUnresolved(arn) && !JOB_QUEUE_ARN.test(arn)) {
    throw new Error(`job queue '${jobQueue.node.path}' has ARN '${arn}', expected arn:<partition>:batch:<region>:<account>:job-queue/<name>`);
  }
  return arn;
}

/** Drops repeated strings, keeping first occurrences in order (repeats would only bloat a pattern). */
export function unique(values: string[]): string[] {
  return [...new Set(values)];
}
