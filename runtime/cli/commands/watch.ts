/**
 * `batchkit watch <run>`: follows a run that something else drives (a `run --detach` on AWS,
 * another terminal's `run`) until it ends, with the same progress and summary as `run`.
 */
import type { Command } from 'commander';
import { isBlockedReason, runStatus, type RunStatusReport } from '../../workflow';
import { CliError, EXIT_USAGE } from '../exit-codes';
import { reportFinished, reportInterrupted, resumeCommandOf, RunProgress, untilInterrupted, type FollowContext } from '../follow';
import { createOutput, type Output } from '../output';
import { addRunOptions, isFinalRun, journalDirOf, runOwnership, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget, type OpenTarget } from '../targets';

/** Flags of `batchkit watch`. */
export interface WatchFlags extends RunCommandFlags {
  /** `--interval` in seconds, unparsed. */
  readonly interval?: string;
}

/** Adds `batchkit watch` to the program. */
export function registerWatch(program: Command): void {
  const command = program
    .command('watch')
    .description('follow a run until it ends: progress, then the summary of steps, durations and failures')
    .argument('<run>', 'run id (printed by `batchkit run`)')
    .option('--interval <seconds>', 'seconds between two looks at the run (default: 1 for local runs, 5 otherwise)');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit run pipeline.yaml --detach && batchkit watch <run id>
  $ batchkit watch nightly-20260101T020000-k3x9 --json

When a live process follows the run (a 'batchkit run' in another terminal), watch reads the
journal it keeps; otherwise it describes the open jobs itself (100 per DescribeJobs call).
A local run nobody follows is stopped with its engine: 'batchkit resume' continues it.
Exit codes: 0 the run succeeded, 1 it failed or was cancelled, 2 bad usage, unknown run or a run
nobody can move, 130 Ctrl-C stopped watching.`)
    .action(async (runId: string, flags: WatchFlags) => {
      process.exitCode = await watchRun(runId, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit watch` does; resolves to the exit code. */
export async function watchRun(runId: string, flags: WatchFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  runOwnership(journalDir, runId);
  const spec = targetForRun(flags, journalDir, runId);
  const intervalMs = intervalOf(flags.interval, spec.kind === 'local' ? 1 : 5);
  const ctx: FollowContext = { output, spec, journalDir, journalDirFlag: flags.journalDir };
  // The local engine cannot be shared, so a local run is only ever watched through its journal.
  const target: OpenTarget | undefined = spec.kind === 'local' ? undefined : await openTarget(spec);
  const progress = new RunProgress(output);
  progress.useTarget(spec);
  try {
    const look = async (): Promise<RunStatusReport> => {
      const { liveOwner } = runOwnership(journalDir, runId);
      const report = await runStatus(runId, { journalDir, client: liveOwner ? undefined : target?.client });
      if (!liveOwner && !isFinalRun(report.status) && (spec.kind === 'local' || report.stepCounts.NOT_SUBMITTED)) {
        throw new CliError(`run '${runId}' is not followed by any process and ${spec.kind === 'local' ? 'its local engine is stopped' : 'some steps were never submitted'}; continue it with: ${resumeCommandOf(runId, ctx)}`, EXIT_USAGE);
      }
      return report;
    };
    const outcome = await untilInterrupted(async (signal) => {
      for (;;) {
        const report = await look();
        progress.show(report);
        for (const step of report.steps) {
          if (step.status === 'RUNNABLE' && step.jobId && isBlockedReason(step.statusReason)) {
            progress.blocked(runId, step.step, step.jobId, step.statusReason);
          }
        }
        if (isFinalRun(report.status)) return report;
        await sleep(intervalMs, signal);
      }
    });
    await progress.flush();
    progress.stop();
    if (outcome.interrupted) {
      return reportInterrupted(await runStatus(runId, { journalDir }), ctx, 'watcher');
    }
    return reportFinished(outcome.value, ctx);
  } finally {
    progress.stop();
    await target?.close();
  }
}

function intervalOf(text: string | undefined, fallbackSeconds: number): number {
  if (text === undefined) return fallbackSeconds * 1000;
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds < 0.1 || seconds > 300) {
    throw new CliError(`--interval must be a number of seconds from 0.1 to 300; got '${text}'`, EXIT_USAGE);
  }
  return seconds * 1000;
}

/** Resolves after `ms`, or at once when `signal` aborts (the caller then sees the interruption). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
