/**
 * `batchkit resume <run>`: continues a run whose process stopped (Ctrl-C, crash, closed
 * laptop): finds every journalled job by its unique name, submits only what never was, and
 * follows the run to the end.
 */
import type { Command } from 'commander';
import { resumeRun } from '../../workflow';
import { EXIT_OK } from '../exit-codes';
import { exitIfSubmissionUnsettled, followRun, RunProgress, settledFlag } from '../follow';
import { createOutput, type Output } from '../output';
import { addRunOptions, cliErrorOf, journalDirOf, rememberTarget, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget } from '../targets';
import { LOCAL_POLL } from './run';

/** Adds `batchkit resume` to the program. */
export function registerResume(program: Command): void {
  const command = program
    .command('resume')
    .description('continue a run whose process stopped: submit what was never submitted, then follow it to the end')
    .argument('<run>', 'run id (printed by `batchkit run`)');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit resume nightly-20260101T020000-k3x9
  $ batchkit resume nightly-20260101T020000-k3x9 --local --data-dir .batchkit/local --template cdk.out/BatchkitExample.template.json

Without target flags, the run's own target (remembered in the journal directory) is used.
With --local the engine restarts on the data directory: attempts it was running when it stopped
end as interrupted and are retried if their retry strategy allows.
Exit codes: 0 the run succeeded, 1 it failed or was cancelled, 2 bad usage or unknown run,
130 Ctrl-C stopped following.`)
    .action(async (runId: string, flags: RunCommandFlags) => {
      process.exitCode = await resumeRunCommand(runId, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit resume` does; resolves to the exit code. */
export async function resumeRunCommand(runId: string, flags: RunCommandFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  const spec = targetForRun(flags, journalDir, runId);
  const target = await openTarget(spec);
  let code = EXIT_OK;
  let submissionSettled = () => true;
  try {
    const progress = new RunProgress(output);
    const handle = await resumeRun(runId, {
      client: target.client,
      journalDir,
      poll: spec.kind === 'local' ? LOCAL_POLL : undefined,
      onEvent: progress.listener,
    }).catch((err: unknown) => { throw cliErrorOf(err); });
    submissionSettled = settledFlag(handle.submitted);
    rememberTarget(journalDir, runId, spec);
    output.info(`resuming run ${output.style.bold(runId)}`);
    try {
      code = await followRun(handle, progress, { output, spec, journalDir, journalDirFlag: flags.journalDir });
      return code;
    } finally {
      handle.close();
    }
  } finally {
    await target.close();
    exitIfSubmissionUnsettled(code, submissionSettled());
  }
}
