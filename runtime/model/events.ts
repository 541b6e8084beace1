/**
 * The EventBridge envelope AWS Batch uses for its events, and that the local engine and the
 * workflow runtime emit too, so the same event patterns match all three.
 */
export interface BatchEventEnvelope<TDetail = Record<string, unknown>> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: string[];
  readonly detail: TDetail;
}

export const BATCH_EVENT_SOURCE = 'aws.batch';
export const JOB_STATE_CHANGE = 'Batch Job State Change';
export const QUEUE_BLOCKED = 'Batch Job Queue Blocked';

/** The runtime's own events: a workflow run changes state. */
export const WORKFLOW_EVENT_SOURCE = 'batchkit';
export const WORKFLOW_STATE_CHANGE = 'Batch Workflow State Change';

/** Status values of a workflow state change, as rules match them (`detail.status`). */
export type WorkflowStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Every workflow status, in the order a run moves through them. */
export const WORKFLOW_STATUSES: readonly WorkflowStatus[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
