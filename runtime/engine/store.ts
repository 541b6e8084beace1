/**
 * SQLite persistence for the local engine (better-sqlite3, synchronous, WAL). The engine keeps
 * its model in memory and writes changes here in one transaction per scheduling pass, and before
 * it answers any request that changes something, so an acknowledged change survives a crash.
 *
 * Array children and nodes have a `job_states` row only once they leave their initial state:
 * a fresh 10,000-child array is one `job_specs` row.
 */
import Database from 'better-sqlite3';
import { preparePrivateDatabase } from '../files/private-files';
import { EngineConfigurationError } from './errors';
import type { JobKind, JobRecord, JobSpec } from './job-record';
import type { ResourceKind } from './resources';

/** The mutable part of a job record, as stored. */
export type StoredJobState = Pick<JobRecord,
  'status' | 'statusReason' | 'startedAt' | 'stoppedAt' | 'attempts' | 'current' | 'isCancelled' | 'isTerminated' | 'changedTags' | 'endReason'>;

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

/** How long opening waits for another engine to let go of the database before refusing. */
const OPEN_WAIT_MS = 5_000;

/** The engine's database: a file under the data directory, or `:memory:`. */
export class EngineStore {
  /**
   * Opens (or creates) the database and keeps it locked until `close()`: one engine per data
   * directory. When SQLite cannot (another engine holds it, a read-only directory, no room, a
   * damaged file), an `EngineConfigurationError` names the file and the cause.
   */
  public static open(file: string): EngineStore {
    try {
      return new EngineStore(file);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
        throw new EngineConfigurationError(`cannot open the engine database ${file}: another engine has it open (a running \`batchkit local serve\`, `
          + '`batchkit run --local` or program on the same data directory); expected a data directory no other engine uses: '
          + 'stop that engine, or give this one another data directory');
      }
      throw new EngineConfigurationError(`cannot open the engine database ${file} (${storageErrorCause(error)}): `
        + 'expected a data directory the engine can write, with room for the database and its -wal file');
    }
  }

  private readonly db: Database.Database;
  private readonly putResource: Database.Statement;
  private readonly removeResource: Database.Statement;
  private readonly putSpec: Database.Statement;
  private readonly putState: Database.Statement;
  private readonly pendingResources = new Map<string, { kind: ResourceKind; key: string; body: object | undefined }>();
  /** Made once: better-sqlite3 builds a new wrapper on every `transaction()` call, a cost otherwise paid per SubmitJob. */
  private readonly writeTransaction: (newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>) => void;

  private constructor(file: string) {
    if (file !== ':memory:') {
      preparePrivateDatabase(file);
    }
    this.db = new Database(file, { timeout: OPEN_WAIT_MS });
    try {
      // One engine per database: two would both schedule, and run, the same jobs. The exclusive
      // lock is taken at once and held until close (the kernel drops it when the process dies, so a
      // crashed engine does not hold it); a second engine waits briefly, then is refused. Held
      // locks also spare each transaction its locking calls, and keep the WAL's index in memory
      // rather than in a shared -shm file.
      this.db.pragma('locking_mode = EXCLUSIVE');
      this.db.pragma('journal_mode = WAL');
      // NORMAL: a commit is in the WAL file before the engine answers, so it survives the process
      // being killed; only a power loss or kernel crash can lose the last transactions.
      this.db.pragma('synchronous = NORMAL');
      this.db.exec(SCHEMA);
      this.db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.putResource = this.db.prepare('INSERT OR REPLACE INTO resources (kind, key, body) VALUES (?, ?, ?)');
    this.removeResource = this.db.prepare('DELETE FROM resources WHERE kind = ? AND key = ?');
    this.putSpec = this.db.prepare('INSERT OR REPLACE INTO job_specs (job_id, seq, kind, created_at, spec) VALUES (?, ?, ?, ?, ?)');
    // An upsert, not INSERT OR REPLACE: a replace deletes the row and inserts it under a new rowid,
    // touching the old row's page, the last page and the key's index page; an update in place
    // touches the row's page alone, and each page touched is a WAL frame written.
    this.putState = this.db.prepare('INSERT INTO job_states (job_id, state) VALUES (?, ?) ON CONFLICT (job_id) DO UPDATE SET state = excluded.state');
    this.writeTransaction = this.db.transaction((newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>) => this.writeChanges(newJobs, changedJobs));
  }

  /** Queues a resource change for the next `write` (`body` undefined = deleted). */
  public resourceChanged(kind: ResourceKind, key: string, body: object | undefined): void {
    this.pendingResources.set(`${kind}\u0000${key}`, { kind, key, body });
  }

  /**
   * Writes new jobs, changed job states and queued resource changes in one transaction. When it
   * throws (SQLITE_FULL, SQLITE_IOERR...) nothing was written and the resource changes stay queued.
   */
  public write(newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>): void {
    this.writeTransaction(newJobs, changedJobs);
    this.pendingResources.clear();
  }

  /** Whether resource changes wait for the next `write`. */
  public get hasResourceChanges(): boolean {
    return this.pendingResources.size > 0;
  }

  /** Drops the queued resource changes and returns what they touched, for the caller to put back as stored. */
  public discardResourceChanges(): { kind: ResourceKind; key: string }[] {
    const touched = [...this.pendingResources.values()].map(({ kind, key }) => ({ kind, key }));
    this.pendingResources.clear();
    return touched;
  }

  /** One resource as last written, `undefined` when none is stored under that key. */
  public loadResource(kind: ResourceKind, key: string): object | undefined {
    const row = this.db.prepare('SELECT body FROM resources WHERE kind = ? AND key = ?').get(kind, key) as { body: string } | undefined;
    return row && (JSON.parse(row.body) as object);
  }

  private writeChanges(newJobs: Iterable<JobRecord>, changedJobs: Iterable<JobRecord>): void {
    for (const change of this.pendingResources.values()) {
      if (change.body === undefined) {
        this.removeResource.run(change.kind, change.key);
      } else {
        this.putResource.run(change.kind, change.key, JSON.stringify(change.body));
      }
    }
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
    endReason: job.endReason,
  };
}

/** The SQLite or system error code and message of a storage failure, for messages that must name the cause. */
export function storageErrorCause(error: unknown): string {
  const { code, message: given } = (error ?? {}) as { code?: unknown; message?: unknown };
  // Not `instanceof Error`: errors from another realm (a VM context, a worker) fail that test.
  const message = typeof given === 'string' ? given : String(error);
  return typeof code === 'string' && !message.startsWith(code) ? `${code}: ${message}` : message;
}
