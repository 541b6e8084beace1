/**
 * `batchkit run <workflow file>`: validates the workflow, submits it with native Batch
 * dependencies, and follows it to the end (or leaves it with `--detach`).
 */
import { Option, type Command } from 'commander';
import { loadWorkflowFile, startRun, type FailurePolicy, type PollOptions, type RunStatusReport } from '../../workflow';
import { EXIT_INTERRUPTED, CliError, EXIT_OK } from '../exit-codes';
import { exitIfSubmissionUnsettled, followRun, RunProgress, settledFlag } from '../follow';
import { InterruptCounter, windDownLocalEngine } from '../local-wind-down';
import { createOutput, type Output } from '../output';
import { addParamOption, parseParams, withRunParameters } from '../run-parameters';
import { buildRunDocument } from '../run-summary';
import { addRunOptions, journalDirOf, rememberTarget, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget, recordedTargetOf, targetSpecOf, type OpenTarget, type TargetSpec } from '../targets';
import { lookUpPlanDocument } from '../plan-document';
import { clientLookup } from '../plan-references';

/** Flags of `batchkit run`. */
export interface RunFlags extends RunCommandFlags {
  /** `--detach`: return once every step is submitted. */
  readonly detach?: boolean;
  /** `--run-id`. */
  readonly runId?: string;
  /** `--failure-policy`. */
  readonly failurePolicy?: FailurePolicy;
  /** `--register-join-job-definition`. */
  readonly registerJoinJobDefinition?: boolean;
  /** `--param key=value`, repeatable, unparsed. */
  readonly param?: string[];
}

/**
 * Polling for runs on the local engine: jobs there take milliseconds to seconds, and a poll
 * is a local HTTP call, so the runtime's AWS pacing (2 s growing to 30 s) would mostly wait.
 */
export const LOCAL_POLL: PollOptions = { minIntervalMs: 200, maxIntervalMs: 1000 };

/** Adds `batchkit run` to the program. */
export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('validate a workflow file, submit it, and follow it until it ends')
    .argument('<workflow>', 'workflow file (YAML or JSON)');
  addTargetOptions(command);
  addParamOption(command);
  addRunOptions(command)
    .option('--detach', 'submit every step, print the run id and return without following (not with --local)')
    .option('--run-id <id>', 'id of the run: 1-48 letters, digits, - or _ (default: <workflow>-<UTC time>-<random>)')
    .addOption(new Option('--failure-policy <policy>', "what to do when a step fails: Batch's default (dependents fail), cancel the whole run, or cancel what has not started")
      .choices(['batch-default', 'cancel-run', 'drain']).default('batch-default'))
    .option('--register-join-job-definition', 'register the join job definition if missing (always on with --local)')
    .addHelpText('after', `
Examples:
  $ batchkit run examples/workflow.yaml --local --template cdk.out/BatchkitExample.template.json
  $ batchkit run pipeline.yaml --region eu-west-1 --stack BatchkitExample
  $ batchkit run pipeline.yaml --endpoint http://127.0.0.1:8866 --detach --json
  $ batchkit run pipeline.yaml --local --param date=2026-01-01 --param mode=full

Targets: --local (engine in this process), --endpoint URL, or AWS Batch (default credentials and region).
Ctrl-C stops following, not the run, and prints the 'batchkit resume' command that continues it.
With --local the engine then places no new job and stops once its running jobs end; a second
Ctrl-C abandons them (they end as interrupted; 'resume --retry-failed' runs failed steps again).
--request-timeout bounds each Batch request: one that gets no answer in time is retried (a
SubmitJob is first looked up by name, so no job is submitted twice).
Exit codes: 0 the run succeeded (or was submitted, with --detach), 1 it failed or was cancelled,
2 bad usage or an invalid workflow (nothing submitted), 130 Ctrl-C stopped following.`)
    .action(async (file: string, flags: RunFlags) => {
      process.exitCode = await runWorkflowFile(file, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit run` does; resolves to the exit code. */
export async function runWorkflowFile(file: string, flags: RunFlags, output: Output): Promise<number> {
  const spec = targetSpecOf(flags);
  if (flags.detach && spec.kind === 'local') {
    throw new CliError('--detach cannot be used with --local: the local engine runs inside this command and would stop with it; start `batchkit local serve` and pass its URL with --endpoint');
  }
  const params = parseParams(flags.param);
  const workflow = withRunParameters(loadWorkflowFile(file), params);
  const journalDir = journalDirOf(flags);
  const target = await openTarget(spec, { resolveReferences: true });
  let code: number = EXIT_OK;
  let submissionSettled = () => true;
  const interrupts = target.engine ? new InterruptCounter() : undefined;
  try {
    announceTarget(target, output);
    if (Object.keys(params).length > 0) {
      // The plan's parameter warnings (a --param no command uses, a Ref:: left unfilled), before anything is submitted.
      const planned = await lookUpPlanDocument(workflow, params, file, { description: targetDescription(target), resolver: target.resolver, lookup: clientLookup(target.client) }, true);
      for (const warning of planned.warnings) output.warn(`batchkit: ${warning}`);
    }
    const progress = new RunProgress(output);
    const handle = await startRun(workflow, {
      client: target.client,
      journalDir,
      resolver: target.resolver,
      runId: flags.runId,
      failurePolicy: flags.failurePolicy,
      registerJoinJobDefinition: spec.kind === 'local' || flags.registerJoinJobDefinition,
      poll: spec.kind === 'local' ? LOCAL_POLL : undefined,
      onEvent: progress.listener,
      target: await recordedTargetOf(target),
      // Before the first SubmitJob: a run whose process dies mid-submission is resumed against this target.
      onRunCreated: (runId) => rememberTarget(journalDir, runId, spec),
    });
    submissionSettled = settledFlag(handle.submitted);
    const jobs = workflow.steps.reduce((sum, s) => sum + (s.definition.arraySize ?? 1), 0);
    output.info(`run ${output.style.bold(handle.runId)}: ${workflow.steps.length} steps, ${jobs} jobs, journal in ${journalDir}`);
    try {
      if (flags.detach) {
        await handle.submitted;
        return reportDetached(handle.status(), journalDir, spec, output, flags.journalDir);
      }
      code = await followRun(handle, progress, { output, spec, journalDir, journalDirFlag: flags.journalDir });
      if (code === EXIT_INTERRUPTED && target.engine && interrupts) {
        await windDownLocalEngine(target.engine, interrupts, output, handle.runId);
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

function reportDetached(report: RunStatusReport, journalDir: string, spec: TargetSpec, output: Output, journalDirFlag?: string): number {
  const journal = journalDirFlag ? ` --journal-dir ${journalDirFlag}` : '';
  output.info(`every step of run ${report.runId} is submitted; Batch moves it along from here`);
  output.plain(`Follow it:  batchkit watch ${report.runId}${journal}`);
  output.plain(`Status:     batchkit status ${report.runId}${journal}`);
  output.plain(`Cancel it:  batchkit cancel ${report.runId}${journal}`);
  output.document(buildRunDocument(report, journalDir, spec, 'detached'));
  return EXIT_OK;
}

function targetDescription({ spec }: OpenTarget): string {
  if (spec.kind === 'local') return 'the local engine';
  return spec.kind === 'endpoint' ? `Batch endpoint ${spec.endpoint}` : `AWS Batch${spec.region ? ` in ${spec.region}` : ''}`;
}

function announceTarget(target: OpenTarget, output: Output): void {
  const { spec } = target;
  if (spec.kind === 'local') {
    output.info(`local engine on ${spec.dataDir}: ${target.loadedResources.length} Batch resources from ${spec.templates.length} template(s)`);
    output.info(`jobs run as ${target.engine!.launcherDescription}`);
  } else if (spec.kind === 'endpoint') {
    output.info(`Batch endpoint ${spec.endpoint}`);
  } else {
    output.info(`AWS Batch${spec.region ? ` in ${spec.region}` : ''}`);
  }
  for (const finding of target.findings) {
    output.warn(`${finding.level}: ${finding.logicalId ?? 'template'}${finding.property ? ` ${finding.property}` : ''}: ${finding.message}`);
  }
}
