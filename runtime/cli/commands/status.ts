/**
 * `batchkit status <run>`: where a run stands: counts per status and per step, the failed
 * jobs with attempt, exit code, reason and log location, and who (if anyone) follows it.
 */
import type { Command } from 'commander';
import { Journal, runStatus, type RunStatusReport } from '../../workflow';
import { EXIT_OK, EXIT_WORK_FAILED } from '../exit-codes';
import { resumeCommandOf } from '../follow';
import { createOutput, type Output } from '../output';
import { buildRunDocument, printRunDocument, type RunDocument } from '../run-summary';
import { addRunOptions, isFinalRun, journalDirOf, runOwnership, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget, type TargetSpec } from '../targets';

/** Flags of `batchkit status`. */
export interface StatusFlags extends RunCommandFlags {
  /** `--events`: add the run's own events. */
  readonly events?: boolean;
}

/** The `--json` document of `batchkit status`: the run document, plus the run's events with `--events`. */
export interface StatusDocument extends RunDocument {
  /** Who follows the run now: a live process id, or none. @default - nobody */
  readonly followedByPid?: number;
  /** The run's own events from the journal, oldest first (`--events` only). @default - not asked for */
  readonly events?: ReadonlyArray<{ readonly time: number; readonly event: unknown }>;
}

/** Adds `batchkit status` to the program. */
export function registerStatus(program: Command): void {
  const command = program
    .command('status')
    .description('show where a run stands: counts per status and per step, failed jobs and their logs')
    .argument('<run>', 'run id (printed by `batchkit run`)')
    .option('--events', "also print the run's own events (started, step ended, finished) from the journal");
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit status nightly-20260101T020000-k3x9
  $ batchkit status nightly-20260101T020000-k3x9 --json | jq '.failures'
  $ batchkit status nightly-20260101T020000-k3x9 --events

On AWS or an endpoint, the open jobs are described once (100 per call) so the answer is current.
For a local run the journal answers: the process following the run keeps it up to date.
A run whose submission failed is FAILED, with the reason; 'resume --retry-failed' runs it again.
Exit codes: 0 the run succeeded or is still going, 1 it failed or was cancelled, 2 bad usage or unknown run.`)
    .action(async (runId: string, flags: StatusFlags) => {
      process.exitCode = await showStatus(runId, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit status` does; resolves to the exit code. */
export async function showStatus(runId: string, flags: StatusFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  const { liveOwner } = runOwnership(journalDir, runId);
  const spec = targetForRun(flags, journalDir, runId);
  const report = await currentReport(runId, journalDir, spec);
  const ended = isFinalRun(report.status);
  const resume = ended || liveOwner ? undefined : resumeCommandOf(runId, { output, spec, journalDir, journalDirFlag: flags.journalDir });
  const doc: StatusDocument = {
    ...buildRunDocument(report, journalDir, spec, 'snapshot', resume),
    followedByPid: liveOwner,
    events: flags.events ? runEvents(journalDir, runId) : undefined,
  };
  printRunDocument(doc, output);
  if (report.statusReason) {
    output.plain('');
    output.plain(output.style.red(`The run ended ${report.status}: ${report.statusReason}`));
  }
  if (!ended) {
    output.plain('');
    if (liveOwner) output.plain(`Followed by process ${liveOwner}; watch it with: batchkit watch ${runId}`);
    else output.plain(`No process follows this run${spec.kind === 'local' ? ' and its local engine is stopped' : ''}; continue it with: ${resume}`);
  }
  if (doc.events) {
    output.plain('');
    output.plain(output.style.bold('Events'));
    for (const { time, event } of doc.events) output.plain(`  ${new Date(time).toISOString()} ${JSON.stringify(event)}`);
  }
  output.document(doc);
  return report.status === 'FAILED' || report.status === 'CANCELLED' ? EXIT_WORK_FAILED : EXIT_OK;
}

/**
 * The report, refreshed from Batch when the run is not local: the local engine lives only in
 * the process following the run, so reopening it here would restart (and then kill) its jobs.
 */
async function currentReport(runId: string, journalDir: string, spec: TargetSpec): Promise<RunStatusReport> {
  if (spec.kind === 'local') return runStatus(runId, { journalDir });
  const target = await openTarget(spec);
  try {
    return await runStatus(runId, { journalDir, client: target.client });
  } finally {
    await target.close();
  }
}

function runEvents(journalDir: string, runId: string): Array<{ time: number; event: unknown }> {
  const journal = Journal.open(journalDir);
  try {
    return journal.events(runId).map(({ time, event }) => ({ time, event }));
  } finally {
    journal.close();
  }
}
