/**
 * What the workflow commands share besides the target: the journal directory, the target
 * each run was started against (remembered so `status`, `resume` and friends need no flags),
 * and how the runtime's typed errors become exit codes.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { createPrivateDirs, openPrivateFile } from '../files/private-files';
import { JOURNAL_FILE, listRuns, targetConflict, type RunRecord, type RunTarget } from '../workflow';
import { CliError, EXIT_USAGE } from './exit-codes';
import {
  ensurePrivateStateDir, isProcessAlive, runTargetOf, targetChosen, targetSpecOf, DEFAULT_JOURNAL_DIR, type TargetFlags, type TargetSpec,
} from './targets';

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

/**
 * Remembers the target of a run next to its journal, atomically: a crash leaves the old file or
 * the new one, never half of one (written to a temporary file, synced, then renamed over).
 */
export function rememberTarget(journalDir: string, runId: string, spec: TargetSpec): void {
  const dir = path.join(journalDir, REMEMBERED_TARGETS_DIR);
  createPrivateDirs(dir);
  const file = rememberedTargetFile(journalDir, runId);
  const temporary = `${file}.${process.pid}.tmp`;
  const { credentials: _signingKeys, ...kept } = spec;
  const fd = openPrivateFile(temporary, 'w');
  try {
    fs.writeSync(fd, `${JSON.stringify(kept, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
  const dirFd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dirFd);
  } finally {
    fs.closeSync(dirFd);
  }
}

/**
 * The target a run was started against, if remembered.
 * @throws CliError when the file exists but cannot be read or parsed: guessing a target could send a run's calls to the wrong place
 */
export function rememberedTarget(journalDir: string, runId: string): TargetSpec | undefined {
  const file = rememberedTargetFile(journalDir, runId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read the remembered target of run '${runId}' at ${file}: ${(err as Error).message}; fix its permissions, or give the run's target flags`);
  }
  try {
    const spec = JSON.parse(text) as TargetSpec;
    if (!['local', 'endpoint', 'aws'].includes(spec?.kind) || !Array.isArray(spec.templates)) throw new Error(`kind '${spec?.kind}' is not local, endpoint or aws`);
    return spec;
  } catch (err) {
    throw new CliError(`the remembered target of run '${runId}' at ${file} is damaged (${(err as Error).message}); expected the JSON 'batchkit run' writes; give the run's target flags instead`);
  }
}

/**
 * The target of a per-run command: the target flags if given, else the remembered target, else
 * the one the journal recorded. Whatever is chosen must be the target the journal recorded for
 * the run: a run's jobs exist in one place only.
 * @throws CliError (exit 2) for an unknown run, a target that conflicts with the run's, or flags that do not go together
 */
export function targetForRun(flags: RunCommandFlags, journalDir: string, runId: string): TargetSpec {
  const run = requireRunRecord(journalDir, runId);
  // Checked even when no flag chose a target: `--vcpus` without `--local` is a mistake, not a no-op.
  const fromFlags = targetSpecOf(flags);
  if (targetChosen(flags)) {
    const conflict = targetConflict(run.target, runTargetOf(fromFlags));
    if (conflict) {
      throw new CliError(`run '${runId}' ${conflict}; drop the target flags to use the run's own target`);
    }
    return fromFlags;
  }
  const remembered = rememberedTarget(journalDir, runId) ?? specOfRecordedTarget(run.target);
  return fromFlags.requestTimeoutMs ? { ...remembered, requestTimeoutMs: fromFlags.requestTimeoutMs } : remembered;
}

/** A target from what the journal recorded, for a run whose remembered target file is missing. */
function specOfRecordedTarget(target: RunTarget): TargetSpec {
  if (target.kind === 'local') return { kind: 'local', dataDir: target.dataDir, templates: [], region: target.region };
  if (target.kind === 'endpoint' || target.endpoint) return { kind: 'endpoint', endpoint: target.endpoint, templates: [], region: target.region };
  return { kind: 'aws', templates: [], region: target.region };
}

function rememberedTargetFile(journalDir: string, runId: string): string {
  return path.join(journalDir, REMEMBERED_TARGETS_DIR, `${path.basename(runId)}.json`);
}

/**
 * The run's journal record.
 * @throws CliError (exit 2) naming the run and where it was looked for
 */
export function requireRunRecord(journalDir: string, runId: string): RunRecord {
  const run = fs.existsSync(path.join(journalDir, JOURNAL_FILE)) ? listRuns(journalDir).find((r) => r.runId === runId) : undefined;
  if (!run) {
    throw new CliError(`no run '${runId}' in journal ${path.join(journalDir, JOURNAL_FILE)}; expected a run id printed by 'batchkit run' (runs kept elsewhere: pass --journal-dir)`, EXIT_USAGE);
  }
  return run;
}

/**
 * A run's journal record and the live process following it, if any (`run` or `resume`
 * records its pid; a pid that is gone means nobody follows the run any more).
 * @throws CliError (exit 2) when the journal has no such run
 */
export function runOwnership(journalDir: string, runId: string): { run: RunRecord; liveOwner?: number } {
  const run = requireRunRecord(journalDir, runId);
  const liveOwner = run.ownerPid !== undefined && run.ownerPid !== process.pid && isProcessAlive(run.ownerPid) ? run.ownerPid : undefined;
  return { run, liveOwner };
}

/** Whether a run has ended for good. */
export function isFinalRun(status: string): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED' || status === 'CANCELLED';
}
