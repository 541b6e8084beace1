/**
 * `batchkit cancel <run>`: stops a whole run: nothing more is submitted, every open job is
 * terminated (or only cancelled if it has not started, with `--no-terminate`), and the run
 * ends CANCELLED. A process following the run sees that and ends too.
 */
import type { Command } from 'commander';
import { cancelRun, runStatus, type RunStatusReport } from '../../workflow';
import { EXIT_OK } from '../exit-codes';
import { createOutput, type Output } from '../output';
import { buildRunDocument, printRunDocument } from '../run-summary';
import { addRunOptions, isFinalRun, journalDirOf, requireRunRecord, runOwnership, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, localServerKey, openTarget, type OpenTarget, type TargetSpec } from '../targets';

/** Flags of `batchkit cancel`. */
export interface CancelFlags extends RunCommandFlags {
  /** `--reason`: recorded on every stopped job. */
  readonly reason?: string;
  /** Commander's `--no-terminate` sets this to false. */
  readonly terminate?: boolean;
}

/** Adds `batchkit cancel` to the program. */
export function registerCancel(program: Command): void {
  const command = program
    .command('cancel')
    .description('cancel a whole run: submit nothing more, terminate its open jobs, end it CANCELLED')
    .argument('<run>', 'run id (printed by `batchkit run`)')
    .option('--reason <text>', 'reason recorded on every stopped job', 'batchkit: run cancelled')
    .option('--no-terminate', 'only cancel jobs that have not started; running ones finish');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit cancel nightly-20260101T020000-k3x9
  $ batchkit cancel nightly-20260101T020000-k3x9 --no-terminate --reason "superseded by tonight's run"

A local run followed by another process is cancelled through that process's engine; a local run
nobody follows is cancelled by starting its engine on the data directory for the duration.
Exit codes: 0 the run is cancelled (or had already ended), 2 bad usage or unknown run.`)
    .action(async (runId: string, flags: CancelFlags) => {
      process.exitCode = await cancelRunCommand(runId, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit cancel` does; resolves to the exit code. */
export async function cancelRunCommand(runId: string, flags: CancelFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  const { run, liveOwner } = runOwnership(journalDir, runId);
  const remembered = targetForRun(flags, journalDir, runId);
  if (isFinalRun(run.status)) {
    // Nothing to stop, and no target to reach: the journal has the run's last word.
    const ended = buildRunDocument(await runStatus(runId, { journalDir }), journalDir, remembered, 'snapshot');
    output.info(`run ${runId} had already ended ${run.status}; nothing to cancel`);
    printRunDocument(ended, output, { cancelReason: flags.reason });
    output.document(ended);
    return EXIT_OK;
  }
  // The engine of a followed local run lives in the follower; its server is the run's recorded endpoint.
  const spec: TargetSpec = remembered.kind === 'local' && liveOwner && run.target.endpoint
    ? { kind: 'endpoint', endpoint: run.target.endpoint, templates: [], region: run.target.region, credentials: localServerKey(remembered.dataDir!) }
    : remembered;
  const target = await openTarget(spec);
  let report: RunStatusReport;
  try {
    report = await cancelRun(runId, { journalDir, client: target.client, reason: flags.reason, terminate: flags.terminate })
      .catch(async (err: unknown) => {
        // A follower that sees the cancel ends the run and closes its engine, and with it the
        // endpoint this command was still reading: the journal then has the run's last word.
        if (liveOwner !== undefined && isFinalRun(requireRunRecord(journalDir, runId).status)) return runStatus(runId, { journalDir });
        throw err;
      });
    if (target.engine) {
      report = await untilStopped(runId, journalDir, target);
    }
  } finally {
    await target.close();
  }
  const doc = buildRunDocument(report, journalDir, remembered, 'snapshot');
  output.info(`run ${runId}: cancel requested; ${liveOwner ? `process ${liveOwner}, which follows it, stops once its jobs have ended` : 'its open jobs are stopped'}`);
  printRunDocument(doc, output, { cancelReason: flags.reason });
  output.document(doc);
  return EXIT_OK;
}

/** How long `cancel` keeps an engine it started so terminated jobs can exit on SIGTERM and be recorded. */
const ENGINE_STOP_WAIT_MS = 10_000;
const ENGINE_STOP_POLL_MS = 200;

/**
 * Waits (bounded) for the run's jobs to end on an engine this command opened: closing it
 * sooner would kill them mid-exit and leave the journal without their final status.
 */
async function untilStopped(runId: string, journalDir: string, target: OpenTarget): Promise<RunStatusReport> {
  let report = await runStatus(runId, { journalDir, client: target.client });
  for (let waited = 0; !isFinalRun(report.status) && waited < ENGINE_STOP_WAIT_MS; waited += ENGINE_STOP_POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, ENGINE_STOP_POLL_MS));
    report = await runStatus(runId, { journalDir, client: target.client });
  }
  return report;
}
