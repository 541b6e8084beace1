/**
 * How the local engine's changes reach its store, and what happens when the store refuses them
 * (a full disk: SQLITE_FULL, ENOSPC; an I/O error; a read-only file system).
 *
 * A request that changes something is answered only after its change is written; when that
 * write fails the request's own changes are taken back and it fails with a `ServerException`
 * saying nothing of it was accepted. Changes made outside requests (scheduling passes, attempts
 * ending) are written once per pass; when such a write fails they are kept, and the engine is
 * degraded: it serves reads, refuses changes, starts no job, and retries the write with a backoff
 * until it succeeds.
 */
import { BatchServerException } from '../model/batch-api';
import type { CancelTimer, EngineClock } from './clock';
import type { JobRecord } from './job-record';
import type { ResourceKind } from './resources';
import { EngineStore, storageErrorCause } from './store';

/** First wait before a failed write is tried again; it doubles up to `MAX_RETRY_DELAY_MS`. */
export const FIRST_RETRY_DELAY_MS = 100;
/** Longest wait between two tries of a failed write. */
export const MAX_RETRY_DELAY_MS = 5_000;

/** What the writer asks of the engine. */
export interface StateWriterHooks {
  /** Puts a resource back as stored (`undefined`: none is stored) after a refused request changed it. */
  restoreResource(kind: ResourceKind, key: string, stored: object | undefined): void;
  /** Appends pending events to the event log (written with every state write). */
  flushEvents(): void;
  /** A write succeeded: everything changed so far is stored (attempts held until their start was written may start). */
  written(): void;
  /** Writes succeed again after failing: scheduling may resume. */
  resumed(): void;
  /** Tells the operator something they should know (the engine's warnings). */
  warn(message: string): void;
}

/** Collects changed jobs and writes them (with queued resource changes) to the store. */
export class StateWriter {
  private readonly newJobs: JobRecord[] = [];
  private readonly dirty = new Set<JobRecord>();
  /** The cause of the failing writes while the engine is degraded. */
  private failure?: string;
  private retryDelayMs = FIRST_RETRY_DELAY_MS;
  private cancelRetry?: CancelTimer;
  private readonly eventLogFailures = new Set<string>();

  /** @param location the database file, as messages name it */
  constructor(private readonly store: EngineStore, private readonly location: string, private readonly clock: EngineClock, private readonly hooks: StateWriterHooks) {}

  /** Whether writes are failing: the engine serves reads only. */
  public get degraded(): boolean {
    return this.failure !== undefined;
  }

  /** A job just submitted: its spec and state go in the next write. */
  public jobAdded(job: JobRecord): void {
    this.newJobs.push(job);
    this.dirty.add(job);
  }

  /** A job's state changed. */
  public jobChanged(job: JobRecord): void {
    if (job.kind === 'child' || job.kind === 'node') {
      // Members in their initial state are rebuilt from the parent on reopen: only moved ones are stored.
      const initial = !job.attempts && !job.current && !job.isCancelled && (job.status === 'SUBMITTED' || job.status === 'PENDING' || job.status === 'RUNNABLE');
      if (initial) {
        return;
      }
    }
    this.dirty.add(job);
  }

  /** Drops a job whose submit was refused from the next write. */
  public forget(job: JobRecord): void {
    const index = this.newJobs.lastIndexOf(job);
    if (index >= 0) {
      this.newJobs.splice(index, 1);
    }
    this.dirty.delete(job);
  }

  /**
   * Writes everything pending before a request is answered. When the store refuses, `undo` takes
   * back the request's in-memory changes, changed resources are put back as stored, and a
   * `ServerException` says that nothing of the request was accepted.
   */
  public commit(undo?: () => void): void {
    try {
      this.write();
    } catch (error) {
      const cause = storageErrorCause(error);
      undo?.();
      for (const { kind, key } of this.store.discardResourceChanges()) {
        this.hooks.restoreResource(kind, key, this.store.loadResource(kind, key));
      }
      if (this.newJobs.length > 0 || this.dirty.size > 0) {
        this.degrade(cause);
      }
      throw new BatchServerException(refusal(this.location, cause));
    }
  }

  /** Refuses a request that would change something while writes fail, unless one more try now succeeds. */
  public assertWritable(): void {
    if (this.failure !== undefined && !this.retry()) {
      throw new BatchServerException(refusal(this.location, this.failure));
    }
  }

  /** Writes what a scheduling pass changed; never throws: a failure degrades the engine. */
  public flush(): void {
    if (this.failure !== undefined) {
      return; // the retry timer writes while degraded
    }
    try {
      this.write();
    } catch (error) {
      this.degrade(storageErrorCause(error));
    }
  }

  /** Reports an event log write that failed (its events are left out of the log), once per cause. */
  public eventLogFailed(error: unknown): void {
    const code = (error as { code?: unknown }).code;
    const key = typeof code === 'string' ? code : storageErrorCause(error);
    if (!this.eventLogFailures.has(key)) {
      this.eventLogFailures.add(key);
      this.hooks.warn(`batchkit local engine: could not append to the event log (${storageErrorCause(error)}): events are left out of it while this lasts`);
    }
  }

  /** Stops retrying and writes what is pending one last time; a failure is reported, not thrown. */
  public close(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    try {
      this.write();
    } catch (error) {
      this.hooks.warn(`batchkit local engine: closing with changes it could not write to ${this.location} (${storageErrorCause(error)}): `
        + 'the next open resumes from the last state written');
    }
  }

  private write(): void {
    this.hooks.flushEvents();
    if (this.newJobs.length > 0 || this.dirty.size > 0 || this.store.hasResourceChanges) {
      this.store.write(this.newJobs, this.dirty);
      this.newJobs.length = 0;
      this.dirty.clear();
    }
    this.hooks.written();
  }

  private degrade(cause: string): void {
    if (this.failure === undefined) {
      this.hooks.warn(`batchkit local engine: cannot write its state to ${this.location} (${cause}): serving reads only, refusing changes `
        + 'with ServerException and starting no job until a write succeeds; retrying');
    }
    this.failure = cause;
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.cancelRetry) {
      return;
    }
    const delay = this.retryDelayMs;
    this.retryDelayMs = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.cancelRetry = this.clock.setTimer(delay, () => {
      this.cancelRetry = undefined;
      if (!this.retry()) {
        this.scheduleRetry();
      }
    });
  }

  /** Tries the failed writes again; true when they succeeded (the engine resumes). */
  private retry(): boolean {
    try {
      this.write();
    } catch (error) {
      this.failure = storageErrorCause(error);
      return false;
    }
    const cause = this.failure;
    this.failure = undefined;
    this.retryDelayMs = FIRST_RETRY_DELAY_MS;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
    this.hooks.warn(`batchkit local engine: writes to ${this.location} succeed again after failing with ${cause}: accepting changes and starting jobs`);
    this.hooks.resumed();
    return true;
  }
}

/** The message of a request refused because the engine's state could not be written. */
function refusal(location: string, cause: string): string {
  return `the local engine could not write its state to ${location} (${cause}): nothing of this request was accepted; `
    + 'it serves reads only until its writes succeed again';
}
