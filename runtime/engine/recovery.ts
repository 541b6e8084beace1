/**
 * Rebuilds the engine's jobs from the store when it opens on an existing data directory: every
 * accepted job comes back in its last recorded state; dependency edges are re-created; attempts
 * that were STARTING or RUNNING when the engine stopped end with the host-terminated reason and
 * go through the retry strategy like any failed attempt.
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

/** Loads jobs from the store into the graph, queues what is RUNNABLE and ends interrupted attempts. */
export function recoverJobs(store: EngineStore, graph: JobGraph, scheduler: Scheduler, runner: AttemptRunner, interruptedReason: string): RecoveryResult {
  const states = store.loadStates();
  const submitted: JobRecord[] = [];
  const pending: JobRecord[] = [];
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
    if (job.status === 'SUBMITTED') {
      submitted.push(job);
      continue;
    }
    if (isTerminalStatus(job.status)) {
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
  // Edges first, for every job, so that an interrupted attempt that now fails reaches all its dependents.
  for (const job of pending) {
    graph.readmit(job);
  }
  for (const unit of interrupted) {
    runner.endInterrupted(unit, interruptedReason);
  }
  return { submitted, nextSeq };
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
}
