/**
 * `batchkit resume <run>`: continues a run whose process stopped (Ctrl-C, crash, closed
 * laptop): finds every journalled job by its unique name, submits only what never was, and
 * follows the run to the end. With `--retry-failed`, failed steps run again as new jobs.
 */
import type { Command } from 'commander';
import { resumeRun } from '../../workflow';
import { EXIT_INTERRUPTED, EXIT_OK } from '../exit-codes';
import { exitIfSubmissionUnsettled, followRun, RunProgress, settledFlag } from '../follow';
import { InterruptCounter, windDownLocalEngine } from '../local-wind-down';
import { createOutput, type Output } from '../output';
import { addRunOptions, journalDirOf, rememberTarget, requireRunRecord, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget, recordedTargetOf } from '../targets';
import { LOCAL_POLL } from './run';

/** Flags of `batchkit resume`. */
export interface ResumeFlags extends RunCommandFlags {
  /** `--retry-failed`: run failed steps, and what depends on them, again as new jobs. */
  readonly retryFailed?: boolean;
}

/** Adds `batchkit resume` to the program. */
export function registerResume(program: Command): void {
  const command = program
    .command('resume')
    .description('continue a run whose process stopped: submit what was never submitted, then follow it to the end')
    .argument('<run>', 'run id (printed by `batchkit run`)')
    .option('--retry-failed', 'run every failed, cancelled or interrupted step again as a new job, with the steps that depend on it; steps that succeeded are kept');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit resume nightly-20260101T020000-k3x9
  $ batchkit resume nightly-20260101T020000-k3x9 --retry-failed
  $ batchkit resume nightly-20260101T020000-k3x9 --local --data-dir .batchkit/local --template cdk.out/BatchkitExample.template.json

Without target flags, the run's own target (remembered in the journal directory) is used; target
flags that name another target than the run's are refused.
With --local the engine restarts on the data directory: attempts it was running when it stopped
end as interrupted and are retried if their retry strategy allows.
Exit codes: 0 the run succeeded, 1 it failed or was cancelled, 2 bad usage or unknown run,
130 Ctrl-C stopped following.`)
    .action(async (runId: string, flags: ResumeFlags) => {
      process.exitCode = await resumeRunCommand(runId, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit resume` does; resolves to the exit code. */
export async function resumeRunCommand(runId: string, flags: ResumeFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  // The run first: an unknown run id is the mistake to report, not a missing region.
  requireRunRecord(journalDir, runId);
  const spec = targetForRun(flags, journalDir, runId);
  const target = await openTarget(spec);
  let code = EXIT_OK;
  let submissionSettled = () => true;
  const interrupts = target.engine ? new InterruptCounter() : undefined;
  try {
    rememberTarget(journalDir, runId, spec);
    const progress = new RunProgress(output);
    const handle = await resumeRun(runId, {
      client: target.client,
      journalDir,
      poll: spec.kind === 'local' ? LOCAL_POLL : undefined,
      onEvent: progress.listener,
      target: await recordedTargetOf(target),
      retryFailed: flags.retryFailed,
    });
    submissionSettled = settledFlag(handle.submitted);
    output.info(`resuming run ${output.style.bold(runId)}${flags.retryFailed ? ', failed steps as new jobs' : ''}`);
    try {
      code = await followRun(handle, progress, { output, spec, journalDir, journalDirFlag: flags.journalDir });
      if (code === EXIT_INTERRUPTED && target.engine && interrupts) {
        await windDownLocalEngine(target.engine, interrupts, output, runId);
      }
      return code;
    } finally {
      handle.close();
    }
  } finally {
    interrupts?.close();
    await target.close();
    exitIfSubmissionUnsettled(code, submissionSettled());
  }
}
