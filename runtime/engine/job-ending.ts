/**
 * CancelJob and TerminateJob (also the terminations of DeleteJobQueue), made durable before they
 * are answered. The request is first recorded on the job it names (`isCancelled` or
 * `isTerminated`, with `endReason`) and written; only then is it acted on. A refused write takes
 * the record back, so nothing was done; once written, a crash cannot lose the request: recovery
 * finishes it (recovery.ts), and a job being terminated ends FAILED with the user's reason
 * instead of being retried.
 */
import { isTerminalStatus } from '../model/job-states';
import type { AttemptRunner } from './attempt-runner';
import type { JobGraph } from './job-graph';
import type { JobRecord } from './job-record';
import type { StateWriter } from './state-writer';

/** Ends jobs on request. */
export class JobEnding {
  constructor(private readonly graph: JobGraph, private readonly runner: AttemptRunner, private readonly writer: StateWriter) {}

  /** CancelJob: a job not yet STARTING (or an array's waiting children) ends FAILED with `reason`; started jobs are left alone. */
  public cancel(job: JobRecord, reason: string): void {
    if (job.kind === 'array' ? isTerminalStatus(job.status) : !isWaiting(job)) {
      return;
    }
    this.record([job], (requested) => {
      requested.isCancelled = true;
      requested.endReason = reason;
    });
    this.graph.fail(job, reason, { cancelled: true });
    this.writer.flush();
  }

  /** TerminateJob: started attempts are stopped (SIGTERM, then SIGKILL) and end FAILED with `reason`; waiting jobs are cancelled. */
  public terminate(jobs: JobRecord[], reason: string): void {
    const unfinished = jobs.filter((job) => !isTerminalStatus(job.status));
    // Written even when no job is left to end: DeleteJobQueue's deletion goes in the same write.
    this.record(unfinished, (job) => {
      job.endReason = reason;
      if (job.kind === 'array' || this.runner.isActive(job)) {
        job.isTerminated = true;
      } else {
        job.isCancelled = true;
      }
    });
    for (const job of unfinished) {
      for (const unit of job.kind === 'array' ? job.members! : [job]) {
        if (this.runner.isActive(unit)) {
          this.runner.terminate(unit, reason);
        } else {
          this.graph.fail(unit, reason, { cancelled: true });
        }
      }
    }
    this.writer.flush();
  }

  /** Marks the jobs and writes them (throwing the refusal, with the marks taken back, when the store refuses). */
  private record(jobs: JobRecord[], mark: (job: JobRecord) => void): void {
    const before = jobs.map((job) => ({ job, isCancelled: job.isCancelled, isTerminated: job.isTerminated, endReason: job.endReason }));
    for (const job of jobs) {
      mark(job);
      this.writer.jobChanged(job);
    }
    this.writer.commit(() => {
      for (const { job, isCancelled, isTerminated, endReason } of before) {
        Object.assign(job, { isCancelled, isTerminated, endReason });
      }
    });
  }
}

/** Whether a job is still waiting to start (the states CancelJob acts on). */
function isWaiting(job: JobRecord): boolean {
  return job.status === 'SUBMITTED' || job.status === 'PENDING' || job.status === 'RUNNABLE';
}
