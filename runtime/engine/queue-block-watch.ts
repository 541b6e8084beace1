/**
 * What happens when a job at the head of a queue can never be placed: AWS's "Batch Job Queue
 * Blocked" event (resources: the job and the queue; detail: the job's JobDetail, as AWS sends
 * it), the job's status reason, and the queue's `jobStateTimeLimitActions` (CANCEL
 * after `maxTimeSeconds` at the head), timed with the engine's clock.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, jobArn } from '../model/arns';
import { QUEUE_BLOCKED } from '../model/events';
import type { CancelTimer, EngineClock } from './clock';
import type { EventBus } from './event-bus';
import type { JobRecord } from './job-record';

/** What the watch asks of the engine. */
export interface BlockActions {
  /** The job's DescribeJobs detail (the event's `detail`, as AWS sends it). */
  describe(job: JobRecord): batch.JobDetail;
  /** The job's record changed (its status reason): persist it. */
  persist(job: JobRecord): void;
  /** Cancels a job a time-limit action applies to. */
  cancel(job: JobRecord, reason: string): void;
}

/**
 * The status reason of a job cancelled by a time-limit action. AWS documents the wording for
 * service jobs ("Terminated by JobStateTimeLimit action due to reason: ..."); the CANCEL action
 * of container queues is taken to read the same way.
 */
export function timeLimitCancelReason(reason: string): string {
  return `Canceled by JobStateTimeLimit action due to reason: ${reason}`;
}

/** Reports blocked queue heads once each and runs their queue's time-limit actions. */
export class QueueBlockWatch {
  private readonly timers = new Set<CancelTimer>();

  constructor(private readonly scope: ArnScope, private readonly clock: EngineClock, private readonly bus: EventBus, private readonly actions: BlockActions) {}

  /** The scheduler found `job` at the head of `queue`, never fitting its compute environments, for `reason`. */
  public blocked(queue: batch.JobQueueDetail, job: JobRecord, reason: string): void {
    if (job.blockedReason === reason) {
      return;
    }
    job.blockedReason = reason;
    job.statusReason = reason;
    this.actions.persist(job);
    this.bus.emit(QUEUE_BLOCKED, [jobArn(this.scope, job.jobId), queue.jobQueueArn!], this.actions.describe(job));
    const action = (queue.jobStateTimeLimitActions ?? [])
      .filter((candidate) => candidate.state === 'RUNNABLE' && candidate.action === 'CANCEL' && reason.startsWith(candidate.reason!))
      .sort((a, b) => a.maxTimeSeconds! - b.maxTimeSeconds!)[0];
    if (!action) {
      return;
    }
    const cancelTimer = this.clock.setTimer(action.maxTimeSeconds! * 1000, () => {
      this.timers.delete(cancelTimer);
      // Still blocked for the same reason: a job that got placed meanwhile, or was cancelled, is left alone.
      if (job.status === 'RUNNABLE' && job.blockedReason === reason) {
        this.actions.cancel(job, timeLimitCancelReason(action.reason!));
      }
    });
    this.timers.add(cancelTimer);
  }

  /** Cancels every pending time-limit timer (the engine is closing). */
  public close(): void {
    this.timers.forEach((cancel) => cancel());
    this.timers.clear();
  }
}
