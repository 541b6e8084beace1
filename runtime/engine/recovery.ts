/**
 * Rebuilds the engine's jobs from the store when it opens on an existing data directory: every
 * accepted job comes back in its last recorded state; dependency edges are re-created; attempts
 * that were STARTING or RUNNING when the engine stopped end with the host-terminated reason and
 * go through the retry strategy like any failed attempt.
 *
 * A CancelJob or TerminateJob is recorded on its job (`isCancelled`/`isTerminated` with
 * `endReason`) before it is answered, so one acknowledged just before a crash is finished here:
 * the job's waiting parts fail with the user's reason, and an attempt it was stopping ends FAILED
 * with that reason instead of being retried.
 */
import { isTerminalStatus } from '../model/job-states';
import type { AttemptRunner } from './attempt-runner';
import type { JobGraph } from './job-graph';
import type { JobRecord } from './job-record';
import type { Scheduler } from './scheduler';
import type { EngineStore, StoredJobState } from './store';

/** What the engine needs after recovery. */
export interface RecoveryResult {
  /** Jobs still SUBMITTED: to admit on the first tick. */
  readonly submitted: JobRecord[];
  /** The next submission sequence number. */
  readonly nextSeq: number;
}

/** Loads jobs from the store into the graph, queues what is RUNNABLE, finishes acknowledged cancels and ends interrupted attempts. */
export function recoverJobs(store: EngineStore, graph: JobGraph, scheduler: Scheduler, runner: AttemptRunner, interruptedReason: string): RecoveryResult {
  const states = store.loadStates();
  const submitted: JobRecord[] = [];
  const pending: JobRecord[] = [];
  const cancelled: JobRecord[] = [];
  const interrupted: JobRecord[] = [];
  let nextSeq = 1;
  for (const stored of store.loadJobs()) {
    const state = states.get(stored.jobId);
    const job = graph.add(stored.jobId, stored.seq, stored.kind, stored.createdAt, stored.spec, state?.status ?? 'SUBMITTED');
    nextSeq = Math.max(nextSeq, stored.seq + 1);
    if (state) {
      applyState(job, state);
    }
    for (const member of job.members ?? []) {
      const memberState = states.get(member.jobId);
      if (memberState) {
        applyState(member, memberState);
      } else if (isTerminalStatus(job.status)) {
        member.status = job.status;
      }
    }
    if (job.kind === 'array') {
      graph.recount(job);
    }
    if (isTerminalStatus(job.status)) {
      continue;
    }
    if (requestedEnd(job) !== undefined) {
      cancelled.push(job);
    } else if (job.status === 'SUBMITTED') {
      submitted.push(job);
      continue;
    }
    for (const unit of job.kind === 'array' ? job.members! : [job]) {
      if (unit.status === 'RUNNABLE') {
        scheduler.enqueue(unit);
      } else if (unit.status === 'STARTING' || unit.status === 'RUNNING') {
        interrupted.push(unit);
      }
    }
    if (job.status === 'PENDING') {
      pending.push(job);
    }
  }
  // Before the edges: a cancelled job's dependents are wired to a FAILED job and fail with it.
  for (const job of cancelled) {
    graph.fail(job, requestedEnd(job)!, { cancelled: true });
  }
  // Edges next, for every job, so that an interrupted attempt that now fails reaches all its dependents.
  for (const job of pending.filter((candidate) => candidate.status === 'PENDING')) {
    graph.readmit(job);
  }
  for (const unit of interrupted) {
    const terminateReason = requestedTermination(unit);
    runner.endInterrupted(unit, terminateReason ?? interruptedReason, terminateReason !== undefined);
  }
  return { submitted, nextSeq };
}

/** The reason of a recorded CancelJob or TerminateJob of this job, if there is one. */
function requestedEnd(job: JobRecord): string | undefined {
  return job.isCancelled || job.isTerminated ? job.endReason : undefined;
}

/** The reason of a recorded TerminateJob that was stopping this attempt (of the unit, or of its array), if there is one. */
function requestedTermination(unit: JobRecord): string | undefined {
  for (const candidate of [unit, unit.parent]) {
    if (candidate?.isTerminated && candidate.endReason !== undefined) {
      return candidate.endReason;
    }
  }
  return undefined;
}

function applyState(job: JobRecord, state: StoredJobState): void {
  job.status = state.status;
  job.statusReason = state.statusReason;
  job.startedAt = state.startedAt;
  job.stoppedAt = state.stoppedAt;
  job.attempts = state.attempts;
  job.current = state.current;
  job.isCancelled = state.isCancelled;
  job.isTerminated = state.isTerminated;
  job.changedTags = state.changedTags;
  job.endReason = state.endReason;
}
