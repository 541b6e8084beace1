/**
 * Tracks a run's jobs until every step has ended: only jobs still open are described, 100
 * ids per DescribeJobs call, an array step costs one id (its parent carries `statusSummary`),
 * so a poll makes exactly ceil(open jobs / 100) calls. The interval adapts: back to the
 * minimum when something moved, longer while nothing does.
 */
import { JobDetail } from '@aws-sdk/client-batch';
import { isTerminalStatus, JobStatus } from '../model/job-states';
import { BatchCalls, DESCRIBE_BATCH_SIZE } from './batch-calls';
import { RunEvent, WorkflowStatus } from './events';
import { FailureRecord, Journal, JobObservation, JournalledJob } from './journal';
import { TrackDeadlineError } from './errors';
import { jitteredDelayMs, nextPollIntervalMs, PollOptions, resolvePollOptions } from './poll-timing';
import { RuntimeServices, throwIfAborted } from './retry';

/**
 * What the runtime does when a step fails.
 * - `batch-default`: nothing more; Batch fails the dependents, independent branches keep going.
 * - `cancel-run`: terminate every other job of the run at the first failure.
 * - `drain`: cancel every job that has not started at the first failure; running ones finish.
 */
export type FailurePolicy = 'batch-default' | 'cancel-run' | 'drain';

/** Everything the tracker needs. */
export interface TrackContext {
  /** The run. */
  readonly runId: string;
  /** The journal observations go to. */
  readonly journal: Journal;
  /** Batch calls (retries). */
  readonly calls: BatchCalls;
  /** Clock, sleep, randomness. */
  readonly services: RuntimeServices;
  /** Reports status changes and polls. */
  readonly emit: (event: RunEvent) => void;
  /** What to do at the first failure. */
  readonly failurePolicy: FailurePolicy;
  /** Poll timing. */
  readonly poll: PollOptions;
  /** Step → the steps it depends on, to tell a step's own failure from a cascaded one. */
  readonly parentsOf: ReadonlyMap<string, readonly string[]>;
  /** Stops tracking. @default - never */
  readonly signal?: AbortSignal;
  /**
   * Blocked jobs already reported (job id to reason), kept across the polls of one tracking.
   * @default - none kept: blocked jobs are not looked for
   */
  readonly blockedReported?: Map<string, string>;
  /** Applies the failure policy once; shared with the watch during submission. @default - a new one */
  readonly policy?: FailurePolicyGuard;
}

/**
 * Applies a run's failure policy at most once, whether the failure is seen while jobs are
 * still being submitted or while the run is tracked.
 */
export class FailurePolicyGuard {
  private triggeredBy?: string;

  constructor(private readonly journal: Journal, private readonly calls: BatchCalls, private readonly runId: string, private readonly policy: FailurePolicy) {}

  /** Whether the policy has stopped the run: nothing more may be submitted. */
  get stopped(): boolean {
    return this.triggeredBy !== undefined;
  }

  /** The reason given to the jobs the policy stopped. */
  get reason(): string {
    return `batchkit: step '${this.triggeredBy}' failed and the run's failure policy is ${this.policy}`;
  }

  /** Reacts to steps that just failed: stops the run's other jobs, once, unless the policy is `batch-default`. */
  async onFailed(steps: readonly string[]): Promise<void> {
    if (steps.length === 0 || this.policy === 'batch-default' || this.stopped) {
      return;
    }
    this.triggeredBy = steps[0];
    await this.sweep();
  }

  /** Stops the open jobs again: a job whose SubmitJob was in flight when the policy acted escaped the first sweep. */
  async sweep(): Promise<void> {
    if (this.stopped) {
      await stopRemainingJobs(this.journal, this.calls, this.runId, this.policy === 'cancel-run' ? 'terminate' : 'cancel', this.reason);
    }
  }
}

/** Reasons Batch gives a RUNNABLE job it cannot place (the ones a "Batch Job Queue Blocked" event carries). */
export function isBlockedReason(statusReason: string | undefined): statusReason is string {
  return statusReason !== undefined && /^(MISCONFIGURATION|CAPACITY):/.test(statusReason);
}

/** Whether a job status seen (or not yet seen: undefined) is final. */
export function isJobFinished(status: string | undefined): boolean {
  return status !== undefined && isTerminalStatus(status as JobStatus);
}

/** Result of one poll. */
export interface PollResult {
  /** DescribeJobs calls made. */
  readonly describeCalls: number;
  /** Job ids described (the jobs open before the poll). */
  readonly describedJobs: number;
  /** Step jobs still open after the poll. */
  readonly openJobs: number;
  /** Whether any job changed status (or array counts) during the poll. */
  readonly changed: boolean;
  /** Steps that reached FAILED in this poll. */
  readonly newlyFailed: readonly string[];
}

/** Polls a run's open step jobs once and journals what it saw. */
export async function pollOnce(ctx: TrackContext): Promise<PollResult> {
  const open = ctx.journal.jobs(ctx.runId).filter((j) => j.kind === 'step' && j.jobId && !isJobFinished(j.status));
  const byId = new Map(open.map((j) => [j.jobId!, j]));
  const details: JobDetail[] = [];
  let describeCalls = 0;
  for (let i = 0; i < open.length; i += DESCRIBE_BATCH_SIZE) {
    throwIfAborted(ctx.signal, ctx.runId);
    details.push(...await ctx.calls.describeJobs(open.slice(i, i + DESCRIBE_BATCH_SIZE).map((j) => j.jobId!)));
    describeCalls++;
  }
  let changed = false;
  const newlyFailed: JournalledJob[] = [];
  ctx.journal.transaction(() => {
    for (const detail of details) {
      const job = byId.get(detail.jobId ?? '');
      if (!job) {
        continue;
      }
      const seen = observe(detail);
      if (seen.status === 'RUNNABLE') {
        reportIfBlocked(ctx, job.step, detail.jobId!, seen.statusReason);
      }
      const summaryChanged = JSON.stringify(seen.statusSummary ?? null) !== JSON.stringify(job.statusSummary ?? null);
      if (seen.status === job.status && !summaryChanged) {
        // Nothing moved; a new reason why a RUNNABLE job cannot be placed is still worth keeping, for `status`.
        if (seen.status === 'RUNNABLE' && isBlockedReason(seen.statusReason) && seen.statusReason !== job.statusReason) {
          ctx.journal.recordObservation(ctx.runId, job.key, seen);
        }
        continue;
      }
      changed = true;
      ctx.journal.recordObservation(ctx.runId, job.key, seen);
      ctx.emit({ type: 'step-status', runId: ctx.runId, step: job.step, status: seen.status!, previousStatus: job.status, statusSummary: seen.statusSummary });
      if (seen.status === 'FAILED') {
        newlyFailed.push(job);
      }
    }
  });
  const statusOf = new Map(ctx.journal.jobs(ctx.runId).filter((j) => j.kind === 'step').map((j) => [j.step, j.status]));
  for (const job of newlyFailed) {
    // Only a step's own failure is worth describing: a cascaded one just says a dependency failed.
    const cascaded = (ctx.parentsOf.get(job.step) ?? []).some((parent) => statusOf.get(parent) === 'FAILED');
    if (!cascaded) {
      await recordFailureDetails(ctx, job, details.find((d) => d.jobId === job.jobId)!);
    }
  }
  if (!changed) {
    await lookForBlockedChildren(ctx, open);
  }
  const stillOpen = ctx.journal.jobs(ctx.runId).filter((j) => j.kind === 'step' && j.jobId && !isJobFinished(j.status)).length;
  return { describeCalls, describedJobs: open.length, openJobs: stillOpen, changed, newlyFailed: newlyFailed.map((j) => j.step) };
}

function reportIfBlocked(ctx: TrackContext, step: string, jobId: string, statusReason: string | undefined): void {
  if (ctx.blockedReported && isBlockedReason(statusReason) && ctx.blockedReported.get(jobId) !== statusReason) {
    ctx.blockedReported.set(jobId, statusReason);
    ctx.emit({ type: 'step-blocked', runId: ctx.runId, step, jobId, statusReason });
  }
}

/**
 * An array parent carries no reason of its own. When a poll saw nothing move and nothing of the
 * run is starting or running (children wait for capacity while something runs; a run that waits
 * with nothing running is stuck), each array step with RUNNABLE children has up to 100 of them
 * listed (one ListJobs call) to learn why, until a blocked child of it has been reported. Polls slow
 * down to `maxIntervalMs` while nothing moves, so these calls stay rare.
 */
async function lookForBlockedChildren(ctx: TrackContext, open: readonly JournalledJob[]): Promise<void> {
  const active = (job: JournalledJob) => job.status === 'STARTING' || job.status === 'RUNNING' || !!job.statusSummary?.STARTING || !!job.statusSummary?.RUNNING;
  if (!ctx.blockedReported || open.some(active)) {
    return;
  }
  const reported = [...ctx.blockedReported.keys()];
  for (const job of open) {
    if (!job.statusSummary?.RUNNABLE || reported.some((id) => id.startsWith(`${job.jobId}:`))) {
      continue;
    }
    // Batch gives the reason to the job at the head of the queue only, and ListJobs promises no order.
    const children = await ctx.calls.someChildren(job.jobId!, 'RUNNABLE', 100);
    const blocked = children.find((child) => isBlockedReason(child.statusReason));
    if (blocked?.jobId) {
      reportIfBlocked(ctx, job.step, blocked.jobId, blocked.statusReason);
    }
  }
}

/**
 * Polls until every step job has ended, applying the failure policy, and returns the run's
 * final status (also journalled).
 * @throws WaitAbortedError when `ctx.signal` aborts (the run keeps going on Batch)
 */
export async function trackUntilDone(ctx: TrackContext): Promise<WorkflowStatus> {
  const poll = resolvePollOptions(ctx.poll);
  const policy = ctx.policy ?? new FailurePolicyGuard(ctx.journal, ctx.calls, ctx.runId, ctx.failurePolicy);
  const deadline = poll.deadlineMs === undefined ? undefined : ctx.services.now() + poll.deadlineMs;
  let intervalMs = poll.minIntervalMs;
  for (;;) {
    throwIfAborted(ctx.signal, ctx.runId);
    const result = await pollOnce(ctx);
    await policy.onFailed(result.newlyFailed);
    intervalMs = nextPollIntervalMs(intervalMs, result.changed, poll);
    const done = result.openJobs === 0;
    let delayMs = done ? 0 : jitteredDelayMs(intervalMs, poll, ctx.services.random);
    if (!done && deadline !== undefined) {
      const left = deadline - ctx.services.now();
      if (left <= 0) {
        throw new TrackDeadlineError(ctx.runId, poll.deadlineMs!, result.openJobs);
      }
      // The last poll lands on the deadline rather than after it.
      delayMs = Math.min(delayMs, left);
    }
    ctx.emit({
      type: 'poll', runId: ctx.runId, describeCalls: result.describeCalls, describedJobs: result.describedJobs,
      openJobs: result.openJobs, nextDelayMs: delayMs,
    });
    if (done) {
      return finishRun(ctx);
    }
    try {
      await ctx.services.sleep(delayMs, ctx.signal);
    } catch (err) {
      throwIfAborted(ctx.signal, ctx.runId);
      // A sleep that failed on its own (not through the signal) is a bug to see, not a poll to skip.
      throw err;
    }
  }
}

/**
 * Stops every open job of a run (step and join jobs): `terminate` also stops running ones,
 * `cancel` only those that have not started.
 */
export async function stopRemainingJobs(journal: Journal, calls: BatchCalls, runId: string, how: 'terminate' | 'cancel', reason: string): Promise<number> {
  const open = journal.jobs(runId).filter((j) => j.jobId && !isJobFinished(j.status));
  for (const job of open) {
    if (how === 'terminate') {
      await calls.terminateJob(job.jobId!, reason);
    } else {
      await calls.cancelJob(job.jobId!, reason);
    }
  }
  return open.length;
}

function finishRun(ctx: TrackContext): WorkflowStatus {
  const jobs = ctx.journal.jobs(ctx.runId).filter((j) => j.kind === 'step');
  const run = ctx.journal.getRun(ctx.runId);
  const allSucceeded = jobs.length === ctx.parentsOf.size && jobs.every((j) => j.status === 'SUCCEEDED');
  const status: WorkflowStatus = allSucceeded ? 'SUCCEEDED' : run?.cancelRequested ? 'CANCELLED' : 'FAILED';
  ctx.journal.setRunStatus(ctx.runId, status, ctx.services.now());
  return status;
}

/** Keeps the failed job's (or failed children's) attempt, exit code, reason and log stream. */
async function recordFailureDetails(ctx: TrackContext, job: JournalledJob, detail: JobDetail): Promise<void> {
  const failed = detail.arrayProperties?.size !== undefined
    ? await describeAll(ctx.calls, await ctx.calls.failedChildren(detail.jobId!))
    : [detail];
  ctx.journal.transaction(() => {
    for (const d of failed) {
      ctx.journal.recordFailure(failureOf(ctx.runId, job.step, d));
    }
  });
}

async function describeAll(calls: BatchCalls, ids: string[]): Promise<JobDetail[]> {
  const details: JobDetail[] = [];
  for (let i = 0; i < ids.length; i += DESCRIBE_BATCH_SIZE) {
    details.push(...await calls.describeJobs(ids.slice(i, i + DESCRIBE_BATCH_SIZE)));
  }
  return details;
}

function failureOf(runId: string, step: string, d: JobDetail): FailureRecord {
  const lastAttempt = d.attempts?.[d.attempts.length - 1];
  return {
    runId,
    step,
    jobId: d.jobId!,
    arrayIndex: d.arrayProperties?.index,
    attempt: d.attempts?.length || undefined,
    exitCode: d.container?.exitCode ?? lastAttempt?.container?.exitCode,
    statusReason: d.statusReason ?? lastAttempt?.statusReason,
    logStreamName: d.container?.logStreamName ?? lastAttempt?.container?.logStreamName,
  };
}

function observe(d: JobDetail): JobObservation {
  const lastAttempt = d.attempts?.[d.attempts.length - 1];
  return {
    status: d.status,
    statusReason: d.statusReason,
    arraySize: d.arrayProperties?.size,
    statusSummary: d.arrayProperties?.statusSummary,
    attempts: d.attempts?.length,
    exitCode: d.container?.exitCode ?? lastAttempt?.container?.exitCode,
    logStreamName: d.container?.logStreamName ?? lastAttempt?.container?.logStreamName,
    startedAt: d.startedAt,
    stoppedAt: d.stoppedAt,
  };
}
