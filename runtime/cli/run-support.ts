/**
 * What the workflow commands share besides the target: the journal directory, the target
 * each run was started against (remembered so `status`, `resume` and friends need no flags),
 * and how the runtime's typed errors become exit codes.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { createPrivateDirs, writePrivateFile } from '../files/private-files';
import { listRuns, type RunRecord } from '../workflow';
import { CliError, EXIT_USAGE, EXIT_WORK_FAILED } from './exit-codes';
import { ensurePrivateStateDir, isProcessAlive, targetChosen, targetSpecOf, DEFAULT_JOURNAL_DIR, type TargetFlags, type TargetSpec } from './targets';

/** Directory, inside a journal directory, of the targets runs were started against. */
export const REMEMBERED_TARGETS_DIR = 'targets';

/** Flags of every command that works on a run. */
export interface RunCommandFlags extends TargetFlags {
  /** `--journal-dir`, as given. */
  readonly journalDir?: string;
  /** `--json`: one JSON document on stdout. */
  readonly json?: boolean;
}

/** Adds `--journal-dir` and `--json`. */
export function addRunOptions(command: Command): Command {
  return command
    .option('--journal-dir <dir>', `where run journals are kept (default: ${DEFAULT_JOURNAL_DIR})`)
    .option('--json', 'print one JSON document instead of text');
}

/** The journal directory the flags name, absolute, made private (the journal would create it anyway). */
export function journalDirOf(flags: RunCommandFlags): string {
  const dir = path.resolve(flags.journalDir ?? DEFAULT_JOURNAL_DIR);
  ensurePrivateStateDir(dir, 'run definitions with their job environments');
  return dir;
}

/** Remembers the target of a run next to its journal. */
export function rememberTarget(journalDir: string, runId: string, spec: TargetSpec): void {
  const dir = path.join(journalDir, REMEMBERED_TARGETS_DIR);
  createPrivateDirs(dir);
  writePrivateFile(path.join(dir, `${runId}.json`), `${JSON.stringify(spec, null, 2)}\n`);
}

/** The target a run was started against, if remembered. */
export function rememberedTarget(journalDir: string, runId: string): TargetSpec | undefined {
  const file = path.join(journalDir, REMEMBERED_TARGETS_DIR, `${path.basename(runId)}.json`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TargetSpec;
  } catch {
    return undefined;
  }
}

/** Target flags win; without any, the run's remembered target; without that, AWS. */
export function targetForRun(flags: RunCommandFlags, journalDir: string, runId: string): TargetSpec {
  if (targetChosen(flags)) return targetSpecOf(flags);
  return rememberedTarget(journalDir, runId) ?? targetSpecOf(flags);
}

/**
 * The runtime's typed errors as the CLI reports them: a workflow, reference, configuration or
 * unknown run is bad input (exit 2); a Batch call that failed for good is failed work (exit 1).
 * Errors are told apart by `name`, which the runtime sets on each class.
 */
export function cliErrorOf(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof CliError) return err;
  switch (err.name) {
    case 'WorkflowValidationError':
    case 'ReferenceResolutionError':
    case 'WorkflowConfigurationError':
    case 'RunNotFoundError':
    case 'PrivateStateError':
      return new CliError(err.message, EXIT_USAGE);
    case 'BatchCallError':
      return new CliError(`${err.message}; check the target (--local, --endpoint, or AWS credentials and --region)`, EXIT_WORK_FAILED);
    default:
      return err;
  }
}

/**
 * A run's journal record and the live process following it, if any (`run` or `resume`
 * records its pid; a pid that is gone means nobody follows the run any more).
 * @throws CliError (exit 2) when the journal has no such run
 */
export function runOwnership(journalDir: string, runId: string): { run: RunRecord; liveOwner?: number } {
  const run = listRuns(journalDir).find((r) => r.runId === runId);
  if (!run) {
    throw new CliError(`no run '${runId}' in journal ${journalDir}; expected a run id printed by 'batchkit run' (see --journal-dir)`, EXIT_USAGE);
  }
  const liveOwner = run.ownerPid !== undefined && run.ownerPid !== process.pid && isProcessAlive(run.ownerPid) ? run.ownerPid : undefined;
  return { run, liveOwner };
}

/** Whether a run has ended for good. */
export function isFinalRun(status: string): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}
