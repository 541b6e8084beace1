/**
 * `batchkit runs`: the runs a journal directory holds, newest first, with where each went,
 * how it stands and its jobs counted by status: the ids every other run command takes.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { buildRunReport, Journal, JOURNAL_FILE, type RunRecord, type RunState } from '../../workflow';
import { CliError, EXIT_OK, EXIT_USAGE } from '../exit-codes';
import { createOutput, formatTable, type Output } from '../output';
import { formatCounts } from '../progress';
import { addRunOptions, rememberedTarget, type RunCommandFlags } from '../run-support';
import { DEFAULT_JOURNAL_DIR, isProcessAlive, type TargetSpec } from '../targets';

/** Flags of `batchkit runs`. */
export interface RunsFlags extends Pick<RunCommandFlags, 'journalDir' | 'json'> {
  /** `--limit`, unparsed. */
  readonly limit?: string;
  /** `--status`: only runs in this state. */
  readonly status?: string;
}

/** One run as `batchkit runs` lists it. */
export interface RunListEntry {
  readonly runId: string;
  readonly workflowName: string;
  /** Where its jobs went, as a person reads it: `local <data dir>`, `endpoint <url>`, `aws <region>`. */
  readonly target: string;
  readonly status: RunState;
  /** When the run started (ms since the epoch). */
  readonly createdAt: number;
  /** When it ended (ms since the epoch). @default - still going */
  readonly finishedAt?: number;
  /** Jobs per status, array children counted one by one. */
  readonly jobCounts: Readonly<Record<string, number>>;
  /** The live process following the run. @default - nobody follows it */
  readonly followedByPid?: number;
}

/** The `--json` document of `batchkit runs`. */
export interface RunsDocument {
  /** The journal directory listed. */
  readonly journalDir: string;
  /** Runs in the journal in all, before `--status` and `--limit`. */
  readonly totalRuns: number;
  /** The runs shown, newest first. */
  readonly runs: readonly RunListEntry[];
}

const RUN_STATES: readonly RunState[] = ['SUBMITTING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];
const DEFAULT_LIMIT = 20;

/** Adds `batchkit runs` to the program. */
export function registerRuns(program: Command): void {
  const command = program
    .command('runs')
    .description('list the runs of a journal directory, newest first: id, workflow, target, status, start and job counts')
    .option('--limit <n>', `show at most this many runs (default: ${DEFAULT_LIMIT}; 0 for all)`)
    .option('--status <state>', `only runs in this state: ${RUN_STATES.join(', ')}`);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit runs
  $ batchkit runs --status FAILED --limit 5
  $ batchkit runs --json | jq -r '.runs[0].runId'

Exit codes: 0 listed (also when there are no runs), 2 bad usage.`)
    .action((flags: RunsFlags) => {
      process.exitCode = listRunsCommand(flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit runs` does; returns the exit code. */
export function listRunsCommand(flags: RunsFlags, output: Output): number {
  const limit = limitOf(flags.limit);
  const status = statusOf(flags.status);
  const journalDir = path.resolve(flags.journalDir ?? DEFAULT_JOURNAL_DIR);
  const all = readRuns(journalDir);
  const matching = status ? all.filter((run) => run.status === status) : all;
  const shown = limit === 0 ? matching : matching.slice(0, limit);
  const doc: RunsDocument = { journalDir, totalRuns: all.length, runs: shown };
  if (output.json) {
    output.document(doc);
    return EXIT_OK;
  }
  if (shown.length === 0) {
    output.plain(all.length === 0 ? `no runs in ${journalDir} yet; start one with 'batchkit run <workflow>'` : `no ${status} runs among the ${all.length} in ${journalDir}`);
    return EXIT_OK;
  }
  printRuns(shown, output);
  const hidden = matching.length - shown.length;
  if (hidden > 0) output.plain(output.style.dim(`${hidden} older run${hidden === 1 ? '' : 's'} not shown; --limit 0 shows all`));
  return EXIT_OK;
}

function printRuns(runs: readonly RunListEntry[], output: Output): void {
  const { green, red, yellow } = output.style;
  const paint = (state: RunState) => (state === 'SUCCEEDED' ? green(state) : state === 'FAILED' || state === 'CANCELLED' ? red(state) : yellow(state));
  const rows = runs.map((run) => [
    run.runId,
    run.workflowName,
    run.target,
    paint(run.status) + (run.followedByPid !== undefined ? ` (pid ${run.followedByPid})` : ''),
    new Date(run.createdAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    formatCounts(run.jobCounts) || '-',
  ]);
  for (const line of formatTable(['run', 'workflow', 'target', 'status', 'started', 'jobs'], rows)) output.plain(line);
}

/** Reads every run without creating a journal where there is none. */
function readRuns(journalDir: string): RunListEntry[] {
  if (!fs.existsSync(path.join(journalDir, JOURNAL_FILE))) return [];
  const journal = Journal.open(journalDir);
  try {
    return journal.listRuns().map((run) => ({
      runId: run.runId,
      workflowName: run.workflowName,
      target: targetText(rememberedTarget(journalDir, run.runId), run),
      status: run.status,
      createdAt: run.createdAt,
      finishedAt: run.finishedAt,
      jobCounts: buildRunReport(journal, run.runId)?.jobCounts ?? {},
      followedByPid: followingPid(run),
    }));
  } finally {
    journal.close();
  }
}

function targetText(spec: TargetSpec | undefined, run: RunRecord): string {
  if (spec?.kind === 'local') return `local ${shortPath(spec.dataDir!)}`;
  if (spec?.kind === 'endpoint' || (!spec && run.target.endpoint)) return `endpoint ${spec?.endpoint ?? run.target.endpoint}`;
  const region = spec?.region ?? run.target.region;
  return region ? `aws ${region}` : 'aws';
}

function followingPid(run: RunRecord): number | undefined {
  const open = run.status === 'SUBMITTING' || run.status === 'RUNNING';
  return open && run.ownerPid !== undefined && run.ownerPid !== process.pid && isProcessAlive(run.ownerPid) ? run.ownerPid : undefined;
}

function limitOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  if (!/^(0|[1-9]\d*)$/.test(text)) {
    throw new CliError(`--limit must be a whole number, 0 for all; got '${text}'`, EXIT_USAGE);
  }
  return Number(text);
}

function statusOf(text: string | undefined): RunState | undefined {
  if (text === undefined) return undefined;
  const upper = text.toUpperCase() as RunState;
  if (!RUN_STATES.includes(upper)) {
    throw new CliError(`--status must be one of ${RUN_STATES.join(', ')}; got '${text}'`, EXIT_USAGE);
  }
  return upper;
}

function shortPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}
