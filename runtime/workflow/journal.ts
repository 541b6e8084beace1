/**
 * The run journal: one SQLite database per journal directory (`<dir>/journal.sqlite3`),
 * shared by every run kept there. SQLite because the CLI reads it from other processes while
 * a run writes (WAL mode), a crash leaves it consistent, and a status query is one SELECT.
 *
 * Durability: `synchronous = NORMAL` in WAL mode survives the death of the process at any
 * point (the threat here is `kill -9`, not power loss) without an fsync per job.
 */
import * as path from 'path';
import Database from 'better-sqlite3';
import { ensurePrivateDir, preparePrivateDatabase } from '../files/private-files';

/** The state of a run as the journal knows it. */
export type RunState = 'SUBMITTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** Where a run's jobs went, so a later process can talk to the same place. */
export interface RunTarget {
  /**
   * `local`: the engine inside the following process, on `dataDir`; `endpoint`: a Batch-compatible
   * URL; `aws`: AWS Batch in `region`.
   * @default - not recorded (runs started by older versions, or through the API without it)
   */
  readonly kind?: 'local' | 'endpoint' | 'aws';
  /** Data directory of the local engine (absolute). @default - not local */
  readonly dataDir?: string;
  /** Endpoint URL of the Batch API, when not AWS's default. @default - AWS Batch in `region` */
  readonly endpoint?: string;
  /** AWS region. @default - unknown */
  readonly region?: string;
}

/** One run as stored. */
export interface RunRecord {
  /** The run id. */
  readonly runId: string;
  /** The workflow's name. */
  readonly workflowName: string;
  /** The workflow definition as validated at start. */
  readonly workflowJson: string;
  /** Reference (name/ARN/`cdk:` id) to the resolved name or ARN, fixed at start so resume resolves nothing. */
  readonly references: Readonly<Record<string, string>>;
  /** Run options that must survive the process (failure policy and friends). */
  readonly optionsJson: string;
  /** Where the jobs went. */
  readonly target: RunTarget;
  /** State of the run. */
  readonly status: RunState;
  /** Whether a user asked to cancel the run. */
  readonly cancelRequested: boolean;
  /** Process that owns (submits and tracks) the run, to refuse a second resume. */
  readonly ownerPid?: number;
  /** When the run started (ms since the epoch). */
  readonly createdAt: number;
  /** Last change of the run record (ms since the epoch). */
  readonly updatedAt: number;
  /** When the run ended (ms since the epoch). @default - still running */
  readonly finishedAt?: number;
  /** Why the run ended as it did, when not from its jobs alone (e.g. its submission failed). @default - none */
  readonly statusReason?: string;
  /** How many times failed steps were run again (`resume --retry-failed`). */
  readonly retryRound: number;
}

/** One job of a run: a step's job or a join job. */
export interface JournalledJob {
  /** The run. */
  readonly runId: string;
  /** Plan key: the step name or `<step>__join<n>`. */
  readonly key: string;
  /** Batch job name, `<runId>__<key>`. */
  readonly jobName: string;
  /** The step the job belongs to. */
  readonly step: string;
  /** The step's own job, or a join job. */
  readonly kind: 'step' | 'join';
  /** Resolved queue the job was (or is to be) submitted to: resume searches it by name. */
  readonly jobQueue: string;
  /** When the intent to submit was written (ms since the epoch). */
  readonly intentAt: number;
  /** Batch job id. @default - not known yet (never submitted, or the process died around SubmitJob) */
  readonly jobId?: string;
  /** Batch job ARN. @default - not known */
  readonly jobArn?: string;
  /** When the id was written (ms since the epoch). @default - not yet */
  readonly submittedAt?: number;
  /** Last status seen. @default - not observed yet */
  readonly status?: string;
  /** Batch's status reason. @default - none */
  readonly statusReason?: string;
  /** Array size. @default - not an array job */
  readonly arraySize?: number;
  /** Children per status of an array job. */
  readonly statusSummary?: Readonly<Record<string, number>>;
  /** Attempts made. @default - not observed yet */
  readonly attempts?: number;
  /** Exit code of the last attempt. @default - none yet */
  readonly exitCode?: number;
  /** Log stream of the last attempt. @default - none yet */
  readonly logStreamName?: string;
  /** Start of the last attempt (ms since the epoch). @default - not started */
  readonly startedAt?: number;
  /** End of the job (ms since the epoch). @default - not ended */
  readonly stoppedAt?: number;
}

/** Observed fields of a job, written by the tracker. */
export type JobObservation = Pick<JournalledJob, 'status' | 'statusReason' | 'arraySize' | 'statusSummary' | 'attempts' | 'exitCode' | 'logStreamName' | 'startedAt' | 'stoppedAt'>;

/** A failed job (or array child) in detail, kept after Batch forgets it. */
export interface FailureRecord {
  /** The run. */
  readonly runId: string;
  /** The step that failed. */
  readonly step: string;
  /** The failed job, `<parent>:<index>` for an array child. */
  readonly jobId: string;
  /** Index of the failed child. @default - not an array child */
  readonly arrayIndex?: number;
  /** Attempts made. @default - unknown */
  readonly attempt?: number;
  /** Exit code. @default - none (e.g. cancelled before starting) */
  readonly exitCode?: number;
  /** Batch's reason. @default - none */
  readonly statusReason?: string;
  /** Log stream of the failed attempt. @default - none */
  readonly logStreamName?: string;
}

/** Name of the database file inside a journal directory. */
export const JOURNAL_FILE = 'journal.sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  run_id TEXT PRIMARY KEY, workflow_name TEXT NOT NULL, workflow_json TEXT NOT NULL,
  references_json TEXT NOT NULL, options_json TEXT NOT NULL, target_json TEXT NOT NULL,
  status TEXT NOT NULL, cancel_requested INTEGER NOT NULL DEFAULT 0, owner_pid INTEGER,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, finished_at INTEGER);
CREATE TABLE IF NOT EXISTS jobs (
  run_id TEXT NOT NULL, job_key TEXT NOT NULL, job_name TEXT NOT NULL, step TEXT NOT NULL,
  kind TEXT NOT NULL, job_queue TEXT NOT NULL, intent_at INTEGER NOT NULL,
  job_id TEXT, job_arn TEXT, submitted_at INTEGER, status TEXT, status_reason TEXT,
  array_size INTEGER, status_summary_json TEXT, attempts INTEGER, exit_code INTEGER,
  log_stream TEXT, started_at INTEGER, stopped_at INTEGER,
  PRIMARY KEY (run_id, job_key));
CREATE TABLE IF NOT EXISTS failures (
  run_id TEXT NOT NULL, step TEXT NOT NULL, job_id TEXT NOT NULL, array_index INTEGER,
  attempt INTEGER, exit_code INTEGER, status_reason TEXT, log_stream TEXT,
  PRIMARY KEY (run_id, job_id));
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, time INTEGER NOT NULL, json TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_run ON events (run_id, seq);
`;

/** Columns added after the first release, added to older journals when they are opened. */
const ADDED_RUN_COLUMNS: ReadonlyArray<[string, string]> = [
  ['status_reason', 'TEXT'],
  ['retry_round', 'INTEGER NOT NULL DEFAULT 0'],
];

type Row = Record<string, unknown>;

/** A journal directory opened for reading and writing. Close it when done. */
export class Journal {
  /** Opens (creating if needed) the journal in `dir`. */
  static open(dir: string): Journal {
    ensurePrivateDir(dir);
    preparePrivateDatabase(path.join(dir, JOURNAL_FILE));
    const db = new Database(path.join(dir, JOURNAL_FILE));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    const columns = new Set((db.pragma('table_info(runs)') as Array<{ name: string }>).map((c) => c.name));
    for (const [name, type] of ADDED_RUN_COLUMNS) {
      if (!columns.has(name)) {
        db.exec(`ALTER TABLE runs ADD COLUMN ${name} ${type}`);
      }
    }
    return new Journal(db, dir);
  }

  private readonly statements = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database, public readonly dir: string) {}

  /** Stores a new run. */
  createRun(run: Omit<RunRecord, 'updatedAt' | 'cancelRequested' | 'finishedAt' | 'statusReason' | 'retryRound'>): void {
    this.statement(`INSERT INTO runs (run_id, workflow_name, workflow_json, references_json, options_json, target_json, status, owner_pid, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(run.runId, run.workflowName, run.workflowJson, JSON.stringify(run.references),
      run.optionsJson, JSON.stringify(run.target), run.status, run.ownerPid ?? null, run.createdAt, run.createdAt);
  }

  /** The run, or undefined. */
  getRun(runId: string): RunRecord | undefined {
    const row = this.statement('SELECT * FROM runs WHERE run_id = ?').get(runId) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Every run, newest first. */
  listRuns(): RunRecord[] {
    return (this.statement('SELECT * FROM runs ORDER BY created_at DESC, run_id').all() as Row[]).map(toRun);
  }

  /** Sets a run's state (and its end time for final states). */
  setRunStatus(runId: string, status: RunState, now: number): void {
    const final = status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
    this.statement('UPDATE runs SET status = ?, updated_at = ?, finished_at = CASE WHEN ? THEN ? ELSE NULL END WHERE run_id = ?')
      .run(status, now, final ? 1 : 0, now, runId);
  }

  /** Ends a run FAILED for a reason of its own (its submission failed), kept for `status`. */
  failRun(runId: string, reason: string, now: number): void {
    this.statement('UPDATE runs SET status = ?, status_reason = ?, updated_at = ?, finished_at = ? WHERE run_id = ?')
      .run('FAILED', reason, now, now, runId);
  }

  /**
   * Prepares steps to run again as new jobs (`resume --retry-failed`): forgets their jobs and
   * failures, moves the run to the next retry round (new job names) and back to SUBMITTING.
   * @returns the new retry round
   */
  forgetStepsForRetry(runId: string, steps: ReadonlySet<string>, now: number): number {
    let round = 0;
    this.transaction(() => {
      for (const step of steps) {
        this.statement('DELETE FROM jobs WHERE run_id = ? AND step = ?').run(runId, step);
        this.statement('DELETE FROM failures WHERE run_id = ? AND step = ?').run(runId, step);
      }
      this.statement(`UPDATE runs SET status = 'SUBMITTING', status_reason = NULL, cancel_requested = 0, finished_at = NULL,
        retry_round = retry_round + 1, updated_at = ? WHERE run_id = ?`).run(now, runId);
      round = this.getRun(runId)!.retryRound;
    });
    return round;
  }

  /** Marks a run as cancelled by the user, so its tracker reports CANCELLED rather than FAILED. */
  requestCancel(runId: string, now: number): void {
    this.statement('UPDATE runs SET cancel_requested = 1, updated_at = ? WHERE run_id = ?').run(now, runId);
  }

  /** Records where the run's jobs are reached now (a resumed local run has a new server). */
  setTarget(runId: string, target: RunTarget, now: number): void {
    this.statement('UPDATE runs SET target_json = ?, updated_at = ? WHERE run_id = ?').run(JSON.stringify(target), now, runId);
  }

  /** Records which process now owns the run. */
  setOwner(runId: string, pid: number, now: number): void {
    this.statement('UPDATE runs SET owner_pid = ?, updated_at = ? WHERE run_id = ?').run(pid, now, runId);
  }

  /** Writes the intent to submit a job, before SubmitJob is called. */
  recordIntent(job: Pick<JournalledJob, 'runId' | 'key' | 'jobName' | 'step' | 'kind' | 'jobQueue' | 'intentAt'>): void {
    this.statement(`INSERT OR IGNORE INTO jobs (run_id, job_key, job_name, step, kind, job_queue, intent_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
      .run(job.runId, job.key, job.jobName, job.step, job.kind, job.jobQueue, job.intentAt);
  }

  /** Writes the job id once SubmitJob (or reconciliation) returned it. */
  recordSubmitted(runId: string, key: string, jobId: string, jobArn: string | undefined, now: number): void {
    this.statement(`UPDATE jobs SET job_id = ?, job_arn = ?, submitted_at = ?, status = COALESCE(status, 'SUBMITTED') WHERE run_id = ? AND job_key = ?`)
      .run(jobId, jobArn ?? null, now, runId, key);
  }

  /** Writes what the tracker saw of a job. */
  recordObservation(runId: string, key: string, seen: JobObservation): void {
    this.statement(`UPDATE jobs SET status = ?, status_reason = ?, array_size = ?, status_summary_json = ?, attempts = ?, exit_code = ?,
      log_stream = ?, started_at = ?, stopped_at = ? WHERE run_id = ? AND job_key = ?`).run(
      seen.status ?? null, seen.statusReason ?? null, seen.arraySize ?? null, seen.statusSummary ? JSON.stringify(seen.statusSummary) : null,
      seen.attempts ?? null, seen.exitCode ?? null, seen.logStreamName ?? null, seen.startedAt ?? null, seen.stoppedAt ?? null, runId, key);
  }

  /** Every job of a run, in intent order. */
  jobs(runId: string): JournalledJob[] {
    return (this.statement('SELECT * FROM jobs WHERE run_id = ? ORDER BY intent_at, rowid').all(runId) as Row[]).map(toJob);
  }

  /** Keeps the detail of a failed job. */
  recordFailure(failure: FailureRecord): void {
    this.statement(`INSERT OR REPLACE INTO failures (run_id, step, job_id, array_index, attempt, exit_code, status_reason, log_stream)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(failure.runId, failure.step, failure.jobId, failure.arrayIndex ?? null, failure.attempt ?? null,
      failure.exitCode ?? null, failure.statusReason ?? null, failure.logStreamName ?? null);
  }

  /** Failure details of a run. */
  failures(runId: string): FailureRecord[] {
    return (this.statement('SELECT * FROM failures WHERE run_id = ? ORDER BY step, array_index, job_id').all(runId) as Row[]).map((r) => ({
      runId: r.run_id as string,
      step: r.step as string,
      jobId: r.job_id as string,
      arrayIndex: optionalNumber(r.array_index),
      attempt: optionalNumber(r.attempt),
      exitCode: optionalNumber(r.exit_code),
      statusReason: optionalString(r.status_reason),
      logStreamName: optionalString(r.log_stream),
    }));
  }

  /** Appends an event of a run (what `watch` replays). */
  appendEvent(runId: string, time: number, event: unknown): void {
    this.statement('INSERT INTO events (run_id, time, json) VALUES (?, ?, ?)').run(runId, time, JSON.stringify(event));
  }

  /** Events of a run after sequence number `afterSeq`, oldest first. */
  events(runId: string, afterSeq = 0): Array<{ seq: number; time: number; event: unknown }> {
    return (this.statement('SELECT seq, time, json FROM events WHERE run_id = ? AND seq > ? ORDER BY seq').all(runId, afterSeq) as Row[])
      .map((r) => ({ seq: r.seq as number, time: r.time as number, event: JSON.parse(r.json as string) }));
  }

  /** Runs `work` in one transaction (one disk sync for many writes). */
  transaction(work: () => void): void {
    this.db.transaction(work)();
  }

  /** Closes the database. */
  close(): void {
    this.db.close();
  }

  /** Prepares each statement once: a run writes the same few statements thousands of times. */
  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}

function toRun(r: Row): RunRecord {
  return {
    runId: r.run_id as string,
    workflowName: r.workflow_name as string,
    workflowJson: r.workflow_json as string,
    references: JSON.parse(r.references_json as string),
    optionsJson: r.options_json as string,
    target: JSON.parse(r.target_json as string),
    status: r.status as RunState,
    cancelRequested: r.cancel_requested === 1,
    ownerPid: optionalNumber(r.owner_pid),
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    finishedAt: optionalNumber(r.finished_at),
    statusReason: optionalString(r.status_reason),
    retryRound: optionalNumber(r.retry_round) ?? 0,
  };
}

function toJob(r: Row): JournalledJob {
  return {
    runId: r.run_id as string,
    key: r.job_key as string,
    jobName: r.job_name as string,
    step: r.step as string,
    kind: r.kind as 'step' | 'join',
    jobQueue: r.job_queue as string,
    intentAt: r.intent_at as number,
    jobId: optionalString(r.job_id),
    jobArn: optionalString(r.job_arn),
    submittedAt: optionalNumber(r.submitted_at),
    status: optionalString(r.status),
    statusReason: optionalString(r.status_reason),
    arraySize: optionalNumber(r.array_size),
    statusSummary: r.status_summary_json ? JSON.parse(r.status_summary_json as string) : undefined,
    attempts: optionalNumber(r.attempts),
    exitCode: optionalNumber(r.exit_code),
    logStreamName: optionalString(r.log_stream),
    startedAt: optionalNumber(r.started_at),
    stoppedAt: optionalNumber(r.stopped_at),
  };
}

function optionalNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
