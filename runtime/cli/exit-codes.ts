/**
 * Exit codes of every batchkit command (documented in docs/cli.md), and the one table that
 * turns the runtime's typed errors into them.
 */
import type { EngineErrorCode } from '../engine';
import type { FilesErrorCode } from '../files/private-files';
import type { InspectErrorCode } from '../inspect/cloud-assembly';
import { BatchkitError, isBatchkitError, type ModelErrorCode } from '../model/errors';
import type { ServerErrorCode } from '../server';
import type { TemplateErrorCode } from '../template/load-template';
import type { WorkflowErrorCode } from '../workflow/errors';

export const EXIT_OK = 0;
/** The work itself failed: a job or workflow ended FAILED, a check found errors. */
export const EXIT_WORK_FAILED = 1;
/** Bad input or usage: unknown option, unreadable file, invalid workflow. */
export const EXIT_USAGE = 2;
/** Ctrl-C stopped the command (128 + SIGINT, as shells report it). */
export const EXIT_INTERRUPTED = 130;

/** Codes of the CLI's own errors. */
export type CliErrorCode = 'CLI_USAGE' | 'CLI_WORK_FAILED';

/** Every code a batchkit error can carry, layer by layer. */
export type BatchkitErrorCode =
  | ModelErrorCode | FilesErrorCode | EngineErrorCode | TemplateErrorCode | ServerErrorCode | InspectErrorCode | WorkflowErrorCode | CliErrorCode;

/**
 * How the CLI ends for each error code that reaches it: the exit code, and for some the hint that
 * follows the message. `bug` marks a code that must never reach the top of a command (it is
 * handled where it arises); one that does is rethrown with its stack, as any other bug.
 * A `Record` over the union: adding a code anywhere fails compilation until it is placed here.
 */
export const EXIT_CODE_OF_ERROR: Readonly<Record<BatchkitErrorCode, { readonly exit: number; readonly hint?: string } | 'bug'>> = {
  // Bad input: nothing ran, and running again unchanged cannot help.
  CLI_USAGE: { exit: EXIT_USAGE },
  WORKFLOW_INVALID: { exit: EXIT_USAGE },
  REFERENCE_UNRESOLVED: { exit: EXIT_USAGE },
  WORKFLOW_CONFIGURATION: { exit: EXIT_USAGE },
  RUN_NOT_FOUND: { exit: EXIT_USAGE },
  PRIVATE_STATE_REFUSED: { exit: EXIT_USAGE },
  TEMPLATE_UNREADABLE: { exit: EXIT_USAGE },
  TEMPLATE_CHANGE_REFUSED: { exit: EXIT_USAGE },
  CLOUD_ASSEMBLY_UNREADABLE: { exit: EXIT_USAGE },
  DIFF_INPUT_INVALID: { exit: EXIT_USAGE },
  ENGINE_CONFIGURATION: { exit: EXIT_USAGE, hint: 'the local engine cannot start' },
  // The work failed, or could not be done against the target.
  CLI_WORK_FAILED: { exit: EXIT_WORK_FAILED },
  BATCH_CALL_FAILED: { exit: EXIT_WORK_FAILED, hint: 'check the target (--local, --endpoint, or AWS credentials and --region)' },
  SUBMISSION_FAILED: { exit: EXIT_WORK_FAILED },
  TRACK_DEADLINE: { exit: EXIT_WORK_FAILED },
  // Stopping on purpose.
  WAIT_ABORTED: { exit: EXIT_INTERRUPTED },
  // The engine answers these to its callers as AWS would; the CLI sees them wrapped (BATCH_CALL_FAILED).
  BATCH_CLIENT_EXCEPTION: 'bug',
  BATCH_SERVER_EXCEPTION: 'bug',
  CONTAINER_SPEC_INVALID: 'bug',
  WIRE_ERROR: 'bug',
  CLIENT_GONE: 'bug',
};

/** An error whose message is for the user as it stands, with the exit code to leave with. */
export class CliError extends BatchkitError {
  public readonly name = 'CliError';
  public readonly code: CliErrorCode;
  /** Running the same command again unchanged does not help. */
  public readonly retryable = false;
  /** The exit code the command ends with. */
  public readonly exitCode: number;
  constructor(message: string, exitCode: typeof EXIT_USAGE | typeof EXIT_WORK_FAILED = EXIT_USAGE) {
    super(message);
    this.exitCode = exitCode;
    this.code = exitCode === EXIT_WORK_FAILED ? 'CLI_WORK_FAILED' : 'CLI_USAGE';
  }
}

/** What the CLI prints and exits with for an error that reached the top of a command; undefined for a bug. */
export interface CliOutcome {
  /** The line to print after `batchkit: `. */
  readonly message: string;
  /** The exit code. */
  readonly exitCode: number;
}

/**
 * The outcome the table gives a batchkit error, or undefined for anything else (a bug, to be
 * rethrown with its stack). A failed Batch call for want of credentials gets a hint of its own.
 */
export function cliOutcomeOf(err: unknown): CliOutcome | undefined {
  if (!isBatchkitError(err)) return undefined;
  const entry = EXIT_CODE_OF_ERROR[err.code as BatchkitErrorCode];
  if (entry === undefined || entry === 'bug') return undefined;
  if (err.code === 'ENGINE_CONFIGURATION') return { message: `${entry.hint}: ${err.message}`, exitCode: entry.exit };
  const hint = err.code === 'BATCH_CALL_FAILED' && causeName(err) === 'CredentialsProviderError'
    ? 'no AWS credentials were found: for the local engine add --local, for a running \'batchkit local serve\' add --endpoint URL, for AWS configure credentials'
    : entry.hint;
  return { message: hint ? `${err.message}; ${hint}` : err.message, exitCode: entry.exit };
}

// The AWS SDK's own errors are told apart by `name`, as its documentation does.
function causeName(err: Error): string | undefined {
  const cause = (err as { cause?: { name?: unknown } }).cause;
  return typeof cause?.name === 'string' ? cause.name : undefined;
}
