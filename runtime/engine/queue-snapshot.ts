/**
 * GetJobQueueSnapshot: the front of a queue's RUNNABLE order, as the scheduler would start it.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, jobArn } from '../model/arns';
import type { Scheduler } from './scheduler';

/** How many RUNNABLE jobs the snapshot shows, as AWS. */
export const SNAPSHOT_JOBS = 100;

/** The first 100 RUNNABLE jobs of the queue, with `lastUpdatedAt` the time of the snapshot. */
export function queueSnapshot(scope: ArnScope, queue: batch.JobQueueDetail, scheduler: Scheduler, now: number): batch.GetJobQueueSnapshotResponse {
  const jobs = scheduler.frontOf(queue, SNAPSHOT_JOBS).map((job) => ({ jobArn: jobArn(scope, job.jobId) }));
  return { frontOfQueue: { jobs, lastUpdatedAt: now } };
}
