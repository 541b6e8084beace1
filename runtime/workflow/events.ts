/**
 * What a run tells the outside world: in-process events for a listener (the CLI's progress
 * display), and "Batch Workflow State Change" events on EventBridge (source `batchkit`) so
 * the rules that watch Batch jobs can watch workflows too.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { isTerminalStatus, JobStatus } from '../model/job-states';
import { WORKFLOW_EVENT_SOURCE, WORKFLOW_STATE_CHANGE, type WorkflowStatus } from '../model/events';

export type { WorkflowStatus } from '../model/events';

/** The `detail` of a "Batch Workflow State Change" event. */
export interface WorkflowStateChangeDetail {
  /** The run. */
  readonly runId: string;
  /** The workflow's name (rules match on it). */
  readonly workflowName: string;
  /** The run's status, or the step's when `step` is set. */
  readonly status: WorkflowStatus;
  /** The step that changed. @default - the event is about the whole run */
  readonly step?: string;
  /** The step's job id. @default - run events carry none */
  readonly jobId?: string;
  /** Why the step or run failed. @default - none */
  readonly statusReason?: string;
  /** Steps per status at the time of the event (run events only). @default - none */
  readonly stepCounts?: Readonly<Record<string, number>>;
}

/** Events a run reports to its in-process listener. */
export type RunEvent =
  | { readonly type: 'run-started'; readonly runId: string; readonly workflowName: string; readonly resumed: boolean }
  | { readonly type: 'job-submitted'; readonly runId: string; readonly step: string; readonly key: string; readonly jobId: string; readonly jobName: string; readonly reconciled: boolean }
  | { readonly type: 'step-status'; readonly runId: string; readonly step: string; readonly status: string; readonly previousStatus?: string; readonly statusSummary?: Readonly<Record<string, number>> }
  /**
   * A job of the step is RUNNABLE and Batch says why it cannot be placed (a `MISCONFIGURATION:`
   * or `CAPACITY:` reason, e.g. more vCPUs than any compute environment of its queue offers).
   * Batch keeps such a job, and the queue behind it, waiting; reported once per job and reason.
   */
  | { readonly type: 'step-blocked'; readonly runId: string; readonly step: string; readonly jobId: string; readonly statusReason: string }
  | { readonly type: 'run-finished'; readonly runId: string; readonly status: WorkflowStatus }
  | { readonly type: 'retry'; readonly runId: string; readonly operation: string; readonly attempt: number; readonly delayMs: number; readonly error: string }
  | { readonly type: 'poll'; readonly runId: string; readonly describeCalls: number; readonly describedJobs: number; readonly openJobs: number; readonly nextDelayMs: number }
  | { readonly type: 'publish-failed'; readonly runId: string; readonly error: string };

/** Receives a run's events as they happen. Must not throw (errors are ignored). */
export type RunEventListener = (event: RunEvent) => void;

/** Publishes workflow state changes somewhere. */
export interface WorkflowEventPublisher {
  /** Publishes one state change; rejects when it could not. */
  publish(detail: WorkflowStateChangeDetail): Promise<void>;
}

/** Options of the EventBridge publisher. */
export interface EventBridgePublisherOptions {
  /** The client (region, endpoint, credentials are its business). */
  readonly client: EventBridgeClient;
  /**
   * Name or ARN of the bus.
   * @default 'default'
   */
  readonly eventBusName?: string;
}

/** EventBridge's limit of entries per PutEvents call. */
const PUT_EVENTS_BATCH_SIZE = 10;

interface PendingEvent {
  readonly detail: WorkflowStateChangeDetail;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Publishes "Batch Workflow State Change" events with PutEvents, source `batchkit`. Events
 * published while a call is in flight are sent together, up to 10 per call, one call at a
 * time, so a run whose thousands of steps end at once does not flood EventBridge.
 */
export class EventBridgePublisher implements WorkflowEventPublisher {
  private readonly pending: PendingEvent[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly options: EventBridgePublisherOptions) {}

  /** Queues one event; resolves once EventBridge accepted it, rejects when it refused it. */
  publish(detail: WorkflowStateChangeDetail): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ detail, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, PUT_EVENTS_BATCH_SIZE);
      try {
        const result = await this.options.client.send(new PutEventsCommand({
          Entries: batch.map((e) => ({
            Source: WORKFLOW_EVENT_SOURCE,
            DetailType: WORKFLOW_STATE_CHANGE,
            Detail: JSON.stringify(e.detail),
            EventBusName: this.options.eventBusName ?? 'default',
            Resources: [],
          })),
        }));
        batch.forEach((e, i) => {
          const entry = result.Entries?.[i];
          if (entry?.ErrorCode) {
            e.reject(new Error(`eventbridge refused the workflow event: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim()));
          } else {
            e.resolve();
          }
        });
      } catch (err) {
        batch.forEach((e) => e.reject(err as Error));
      }
    }
    this.draining = undefined;
  }
}

/**
 * The EventBridge detail a run event becomes, if any: run started (RUNNING), a step's end
 * (SUCCEEDED or FAILED, with `step`), run finished.
 */
export function workflowStateChangeOf(event: RunEvent, workflowName: string): WorkflowStateChangeDetail | undefined {
  switch (event.type) {
    case 'run-started':
      return { runId: event.runId, workflowName, status: 'RUNNING' };
    case 'run-finished':
      return { runId: event.runId, workflowName, status: event.status };
    case 'step-status':
      return isTerminalStatus(event.status as JobStatus) ? { runId: event.runId, workflowName, status: event.status as WorkflowStatus, step: event.step } : undefined;
    default:
      return undefined;
  }
}
