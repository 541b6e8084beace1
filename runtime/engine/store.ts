/**
 * SQLite persistence for the local engine (better-sqlite3, synchronous, WAL). The engine keeps
 * its model in memory and writes changes here in one transaction per scheduling pass; a job is
 * written before SubmitJob returns, so an accepted job survives a crash.
 *
 * Array children and nodes have a `job_states` row only once they leave their initial state:
 * a fresh 10,000-child array is one `job_specs` row.
 */
import Database from 'better-sqlite3';
import type { JobKind, JobRecord, JobSpec } from './job-record';
import type { ResourceKind } from './resources';

/** The mutable part of a job record, as stored. */
export type StoredJobState = Pick<JobRecord,
  'status' | 'statusReason' | 'startedAt' | 'stoppedAt' | 'attempts' | 'current' | 'isCancelled' | 'isTerminated' | 'changedTags'>;

/** A top-level job as stored: its immutable part. */
export interface StoredJob {
  /** Job id. */
  readonly jobId: string;
  /** Submission order. */
  readonly seq: number;
  /** Container, array or multinode. */
  readonly kind: JobKind;
  /** Epoch ms of the submit. */
  readonly createdAt: number;
  /** The validated submit. */
  readonly spec: JobSpec;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS resources (kind TEXT NOT NULL, key TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS job_specs (job_id TEXT PRIMARY KEY, seq INTEGER NOT NULL, kind TEXT NOT NULL, created_at INTEGER NOT NULL, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS job_states (job_id TEXT PRIMARY KEY, state TEXT NOT NULL);
`;

/** The engine's database: a file under the data directory, or `:memory:`. */
export class EngineStore {
  private readonly db: Database.Database;
  private readonly putResource: Database.Statement;
  private readonly removeResource: Database.Statement;
  private readonly putSpec: Database.Statement;
  private readonly putState: Database.Statement;
  private readonly pendingResources = new Map<string, { kind: ResourceKind; key: string; body: object | undefined }>();
  /** Made once: better-sqlite3 builds a new wrapper on every `transaction()` call, a cost otherwise paid per SubmitJob. */
  private readonly writeTransaction: (newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>) => void;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    this.putResource = this.db.prepare('INSERT OR REPLACE INTO resources (kind, key, body) VALUES (?, ?, ?)');
    this.removeResource = this.db.prepare('DELETE FROM resources WHERE kind = ? AND key = ?');
    this.putSpec = this.db.prepare('INSERT OR REPLACE INTO job_specs (job_id, seq, kind, created_at, spec) VALUES (?, ?, ?, ?, ?)');
    this.putState = this.db.prepare('INSERT OR REPLACE INTO job_states (job_id, state) VALUES (?, ?)');
    this.writeTransaction = this.db.transaction((newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>) => this.writeChanges(newJobs, changedJobs));
  }

  /** Queues a resource change for the next `write` (`body` undefined = deleted). */
  public resourceChanged(kind: ResourceKind, key: string, body: object | undefined): void {
    this.pendingResources.set(`${kind}\u0000${key}`, { kind, key, body });
  }

  /** Writes new jobs, changed job states and queued resource changes in one transaction. */
  public write(newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>): void {
    this.writeTransaction(newJobs, changedJobs);
  }

  private writeChanges(newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>): void {
    for (const change of this.pendingResources.values()) {
      if (change.body === undefined) {
        this.removeResource.run(change.kind, change.key);
      } else {
        this.putResource.run(change.kind, change.key, JSON.stringify(change.body));
      }
    }
    this.pendingResources.clear();
    for (const job of newJobs) {
      this.putSpec.run(job.jobId, job.seq, job.kind, job.createdAt, JSON.stringify(job.spec));
    }
    for (const job of changedJobs) {
      this.putState.run(job.jobId, JSON.stringify(storedState(job)));
    }
  }

  /** Every stored resource, in insertion order. */
  public loadResources(): { kind: ResourceKind; body: object }[] {
    const rows = this.db.prepare('SELECT kind, body FROM resources ORDER BY rowid').all() as { kind: ResourceKind; body: string }[];
    return rows.map((row) => ({ kind: row.kind, body: JSON.parse(row.body) as object }));
  }

  /** Every top-level job, in submission order. */
  public loadJobs(): StoredJob[] {
    const rows = this.db.prepare('SELECT job_id, seq, kind, created_at, spec FROM job_specs ORDER BY seq').all() as
      { job_id: string; seq: number; kind: JobKind; created_at: number; spec: string }[];
    return rows.map((row) => ({ jobId: row.job_id, seq: row.seq, kind: row.kind, createdAt: row.created_at, spec: JSON.parse(row.spec) as JobSpec }));
  }

  /** Every stored job state (top-level jobs, and the children and nodes that moved), by job id. */
  public loadStates(): Map<string, StoredJobState> {
    const states = new Map<string, StoredJobState>();
    for (const row of this.db.prepare('SELECT job_id, state FROM job_states').iterate() as Iterable<{ job_id: string; state: string }>) {
      states.set(row.job_id, JSON.parse(row.state) as StoredJobState);
    }
    return states;
  }

  /** Closes the database. */
  public close(): void {
    this.db.close();
  }
}

function storedState(job: JobRecord): StoredJobState {
  return {
    status: job.status,
    statusReason: job.statusReason,
    startedAt: job.startedAt,
    stoppedAt: job.stoppedAt,
    attempts: job.attempts,
    current: job.current,
    isCancelled: job.isCancelled,
    isTerminated: job.isTerminated,
    changedTags: job.changedTags,
  };
}
