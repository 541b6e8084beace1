/**
 * Typed errors of the workflow runtime. Each carries a stable `code` so callers (and the CLI)
 * can tell them apart without `instanceof` across module copies, and says whether a retry can help.
 */
import { BatchkitError } from '../model/errors';

/** Codes of the workflow runtime's errors. */
export type WorkflowErrorCode =
  | 'WORKFLOW_INVALID'
  | 'REFERENCE_UNRESOLVED'
  | 'WORKFLOW_CONFIGURATION'
  | 'RUN_NOT_FOUND'
  | 'BATCH_CALL_FAILED'
  | 'WAIT_ABORTED'
  | 'TRACK_DEADLINE'
  | 'SUBMISSION_FAILED';

/** Where in a workflow file something is, 1-based like editors show it. */
export interface SourceLocation {
  /** Path of the file, as given to the loader. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** One thing wrong with a workflow definition. */
export interface ValidationIssue {
  /** Path to the offending value inside the definition, e.g. `['steps', 'merge', 'dependsOn', 3]`. */
  readonly path: ReadonlyArray<string | number>;
  /** What was wrong, what was given and what was expected (lowercase, no trailing period). */
  readonly message: string;
  /**
   * Where the offending value is in the source file.
   * @default - undefined for workflows defined in code
   */
  readonly location?: SourceLocation;
}

/** A workflow that cannot run as written; nothing was submitted. Retrying cannot help. */
export class WorkflowValidationError extends BatchkitError {
  /** Always `WorkflowValidationError`. */
  public readonly name = 'WorkflowValidationError';
  public readonly code: WorkflowErrorCode = 'WORKFLOW_INVALID';
  /** Retrying cannot help. */
  public readonly retryable = false;
  /** Every issue found, in document order. */
  public readonly issues: readonly ValidationIssue[];
  constructor(issues: readonly ValidationIssue[]) {
    super(formatIssues(issues));
    this.issues = issues;
  }
}

/** A queue or job definition reference that no resolver could turn into a name or ARN. */
export class ReferenceResolutionError extends BatchkitError {
  /** Always `ReferenceResolutionError`. */
  public readonly name = 'ReferenceResolutionError';
  public readonly code: WorkflowErrorCode = 'REFERENCE_UNRESOLVED';
  /** Retrying cannot help. */
  public readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

/** The runtime was configured in a way it cannot run safely. */
export class WorkflowConfigurationError extends BatchkitError {
  /** Always `WorkflowConfigurationError`. */
  public readonly name = 'WorkflowConfigurationError';
  public readonly code: WorkflowErrorCode = 'WORKFLOW_CONFIGURATION';
  /** Retrying cannot help. */
  public readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

/** No run with this id in the journal. */
export class RunNotFoundError extends BatchkitError {
  /** Always `RunNotFoundError`. */
  public readonly name = 'RunNotFoundError';
  public readonly code: WorkflowErrorCode = 'RUN_NOT_FOUND';
  /** Retrying cannot help. */
  public readonly retryable = false;
  /** The run concerned. */
  public readonly runId: string;
  constructor(runId: string, journalDir: string) {
    super(`no run '${runId}' in journal ${journalDir}`);
    this.runId = runId;
  }
}

/** A Batch call failed for good: not retryable, or retries were exhausted. */
export class BatchCallError extends BatchkitError {
  /** Always `BatchCallError`. */
  public readonly name = 'BatchCallError';
  public readonly code: WorkflowErrorCode = 'BATCH_CALL_FAILED';
  /** The Batch operation, e.g. `SubmitJob`. */
  public readonly operation: string;
  /** Whether a later retry of the whole operation could succeed (throttling, 5xx, network). */
  public readonly retryable: boolean;
  /** Attempts made before giving up. */
  public readonly attempts: number;
  /** The last error the client raised. */
  public readonly cause: unknown;
  constructor(operation: string, attempts: number, retryable: boolean, cause: unknown) {
    super(`${operation} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${describeError(cause)}`);
    this.operation = operation;
    this.attempts = attempts;
    this.retryable = retryable;
    this.cause = cause;
  }
}

/** The wait was stopped through its `AbortSignal`; the jobs keep running on Batch. */
export class WaitAbortedError extends BatchkitError {
  /** Always `WaitAbortedError`. */
  public readonly name = 'WaitAbortedError';
  public readonly code: WorkflowErrorCode = 'WAIT_ABORTED';
  /** Waiting again (or resuming) picks the run up. */
  public readonly retryable = true;
  /** The run concerned. */
  public readonly runId: string;
  constructor(runId: string) {
    super(`stopped waiting for run '${runId}'; its jobs keep running and 'resume' picks it up again`);
    this.runId = runId;
  }
}

/** Tracking reached its deadline (`PollOptions.deadlineMs`) before the run ended; its jobs keep going on Batch. */
export class TrackDeadlineError extends BatchkitError {
  /** Always `TrackDeadlineError`. */
  public readonly name = 'TrackDeadlineError';
  public readonly code: WorkflowErrorCode = 'TRACK_DEADLINE';
  /** Waiting again (or resuming) picks the run up. */
  public readonly retryable = true;
  /** The run concerned. */
  public readonly runId: string;
  /** Step jobs still open at the deadline. */
  public readonly openJobs: number;
  constructor(runId: string, deadlineMs: number, openJobs: number) {
    super(`run '${runId}' did not end within the ${deadlineMs} ms deadline: ${openJobs} job${openJobs === 1 ? '' : 's'} still open; they keep running and 'resume' picks the run up again`);
    this.runId = runId;
    this.openJobs = openJobs;
  }
}

/** A run's submission failed for good; the run is journalled FAILED with this reason. */
export class SubmissionFailedError extends BatchkitError {
  /** Always `SubmissionFailedError`. */
  public readonly name = 'SubmissionFailedError';
  public readonly code: WorkflowErrorCode = 'SUBMISSION_FAILED';
  /** Whether trying again later could succeed (the cause was throttling, 5xx or the network). */
  public readonly retryable: boolean;
  /** The run concerned. */
  public readonly runId: string;
  /** What made submission fail. */
  public readonly cause: unknown;
  constructor(runId: string, cause: unknown) {
    super(`submission of run '${runId}' failed, nothing more is submitted and the run is FAILED: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.runId = runId;
    this.cause = cause;
    this.retryable = (cause as { retryable?: boolean } | undefined)?.retryable === true;
  }
}

function formatIssues(issues: readonly ValidationIssue[]): string {
  const lines = issues.map((issue) => {
    const where = issue.location
      ? `${issue.location.file}:${issue.location.line}:${issue.location.column}`
      : issue.path.join('.') || '(workflow)';
    return `${where}: ${issue.message}`;
  });
  return `invalid workflow (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`;
}

/** A short description of any thrown value, for messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return `${err.name}: ${err.message}`;
  }
  return String(err);
}
