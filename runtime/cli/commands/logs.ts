/**
 * `batchkit logs <run> <step>[:index]`: the output of one job of a run. On the local engine it
 * prints the attempt's log file; on AWS, and on an endpoint (`batchkit local serve` answers
 * CloudWatch Logs' read operations too), it reads the attempt's CloudWatch Logs stream.
 */
import * as fs from 'fs';
import type { Command } from 'commander';
import type { JobDetail } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { runStatus, type StepReport } from '../../workflow';
import { EXIT_INTERRUPTED, CliError, EXIT_OK, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { logGroupOf, writeLogStream } from '../cloudwatch-logs';
import { resumeCommandOf, untilInterrupted } from '../follow';
import { attemptsMade, attemptStream, attemptStreams, currentStream, openJobDescriber } from '../job-output';
import { abortableSleep, cloudWatchReader, fileReader, followOutput } from '../log-follow';
import { createOutput, type Output } from '../output';
import { logLocation, type LogLocation } from '../run-summary';
import { addRunOptions, isFinalRun, journalDirOf, runOwnership, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, sdkClientConfig, type TargetSpec } from '../targets';

/** Job statuses after which no attempt comes. */
const FINAL_JOB = new Set(['SUCCEEDED', 'FAILED']);

/** Flags of `batchkit logs`. */
export interface LogsFlags extends RunCommandFlags {
  /** `--attempt`, unparsed. */
  readonly attempt?: string;
  /** `--follow`: print output as it comes until the job ends. */
  readonly follow?: boolean;
}

/** The `--json` document of `batchkit logs`. */
export interface LogsDocument {
  /** The run. */
  readonly runId: string;
  /** The step. */
  readonly step: string;
  /** The array child's index. @default - not an array child */
  readonly arrayIndex?: number;
  /** The job whose output this is (`<parent>:<index>` for a child). */
  readonly jobId: string;
  /** Attempt whose output this is, from 1. */
  readonly attempt: number;
  /** Where the output is: stream name, plus the file (local) or log group (AWS or an endpoint). */
  readonly log: LogLocation;
  /** The output itself (one line per CloudWatch event on AWS or an endpoint). @default - not kept (plain output, streamed from CloudWatch Logs) */
  readonly content?: string;
}

/** Adds `batchkit logs` to the program. */
export function registerLogs(program: Command): void {
  const command = program
    .command('logs')
    .description("print a job's output: its log file on the local engine, its CloudWatch Logs stream on AWS or an endpoint")
    .argument('<run>', 'run id (printed by `batchkit run`)')
    .argument('<step>', 'step name, or <step>:<index> for one child of an array step')
    .option('--attempt <n>', 'which attempt, from 1 (default: the last one)')
    .option('-f, --follow', 'keep printing the output as the job writes it (each attempt in turn) until the job ends');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit logs nightly-20260101T020000-k3x9 prepare
  $ batchkit logs nightly-20260101T020000-k3x9 transform:17 --attempt 1
  $ batchkit logs nightly-20260101T020000-k3x9 train --follow
  $ batchkit logs nightly-20260101T020000-k3x9 merge --json | jq -r .log.logStreamName

On AWS the output is read from CloudWatch Logs (needs logs:GetLogEvents); with --endpoint
(or a run started with it), from that endpoint's CloudWatch Logs API, which
\`batchkit local serve\` answers.

--follow waits for the step to be submitted and its job to start, prints each attempt's output
as it is written, and ends when the job does (exit 0, whether the job succeeded or failed).
A local run whose process is gone cannot move: --follow then exits 2 with the resume command.

Exit codes: 0 the output was found (with --follow: the job ended), 1 the job has not started
(no output yet) or its log stream cannot be read, 2 bad usage, unknown run, step or index, an
--attempt the ended job never made, or a run nothing can move, 130 Ctrl-C stopped --follow.`)
    .action(async (runId: string, stepArgument: string, flags: LogsFlags) => {
      process.exitCode = await showLogs(runId, stepArgument, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit logs` does; resolves to the exit code. */
export async function showLogs(runId: string, stepArgument: string, flags: LogsFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  runOwnership(journalDir, runId);
  const attemptWanted = attemptOf(flags.attempt);
  if (flags.follow && attemptWanted !== undefined) {
    throw new CliError(`--follow and --attempt ${attemptWanted} exclude each other: --follow prints each attempt's output as the job makes it`, EXIT_USAGE);
  }
  const report = await runStatus(runId, { journalDir });
  const { step, arrayIndex } = parseStepArgument(stepArgument, report.steps);
  const spec = targetForRun(flags, journalDir, runId);
  if (flags.follow) {
    return followLogs({ runId, stepArgument, step: step.step, arrayIndex, journalDir, journalDirFlag: flags.journalDir, spec, output });
  }
  if (!step.jobId) {
    throw new CliError(`step '${step.step}' of run '${runId}' has not been submitted yet, so it has no output; --follow waits for it`, EXIT_WORK_FAILED);
  }
  const jobId = arrayIndex === undefined ? step.jobId : `${step.jobId}:${arrayIndex}`;
  const describer = await openJobDescriber(spec, `run '${runId}' (journal ${journalDir})`);
  const detail = await describer.describe(jobId).finally(() => describer.close());
  const attempts = detail?.attempts ?? [];
  const made = attemptsMade(detail);
  const status = detail?.status ?? step.status;
  if (attemptWanted !== undefined && attemptWanted > made && FINAL_JOB.has(status)) {
    const existing = made === 0 ? 'none' : Array.from({ length: made }, (_, i) => String(i + 1)).join(', ');
    throw new CliError(`--attempt ${attemptWanted}: job ${jobId} (${stepArgument}) ended ${status} after ${made} attempt(s); expected one of: ${existing}`, EXIT_USAGE);
  }
  const lastFinished = attemptStream(attempts[attempts.length - 1]);
  // A running attempt is not in `attempts` yet; its stream is the container's.
  const current = currentStream(detail);
  const attempt = attemptWanted ?? Math.max(made, 1);
  const stream = attemptWanted !== undefined
    ? attemptWanted <= attempts.length ? attemptStream(attempts[attemptWanted - 1]) : attemptWanted === made ? current : undefined
    : current ?? lastFinished ?? (arrayIndex === undefined ? step.logStreamName : undefined);
  const log = locate(spec, stream, detail);
  if (!log) {
    const which = attemptWanted !== undefined ? `attempt ${attemptWanted} of ` : '';
    throw new CliError(`${which}job ${jobId} (${stepArgument}) has no output yet: status ${status}, ${made} attempt(s) made`, EXIT_WORK_FAILED);
  }
  // The header goes to stderr so that stdout is the job's output and nothing else (`> out.txt`, `| grep`).
  const header = (where: string) => {
    if (!output.json) output.warn(output.style.dim(`${stepArgument} (job ${jobId}), attempt ${attempt}: ${where}`));
  };
  let content: string | undefined;
  if (log.file !== undefined) {
    content = readLogFile(log.file);
    header(log.file);
    if (!output.json) output.stdout.write(content);
  } else {
    const group = log.logGroupName!;
    header(`CloudWatch Logs group ${group}, stream ${log.logStreamName}${spec.endpoint ? ` on ${spec.endpoint}` : ''}`);
    const lines: string[] = [];
    // The Batch client's endpoint, region and credentials; on AWS the SDK's default chain, which also honours AWS_ENDPOINT_URL.
    const logs = new CloudWatchLogsClient(sdkClientConfig(spec));
    try {
      await writeLogStream(logs, group, log.logStreamName, (line) => (output.json ? lines.push(line) : output.stdout.write(`${line}\n`)));
    } finally {
      logs.destroy();
    }
    content = output.json ? lines.map((line) => `${line}\n`).join('') : undefined;
  }
  output.document({ runId, step: step.step, arrayIndex, jobId, attempt, log, content } satisfies LogsDocument);
  return EXIT_OK;
}

/** Where a stream's output is: a file on the local engine, else the job's CloudWatch Logs group. */
function locate(spec: TargetSpec, stream: string | undefined, detail: JobDetail | undefined): LogLocation | undefined {
  const located = logLocation(spec, stream);
  return located && located.file === undefined ? { ...located, logGroupName: logGroupOf(detail) } : located;
}

interface FollowRequest {
  readonly runId: string;
  readonly stepArgument: string;
  readonly step: string;
  readonly arrayIndex?: number;
  readonly journalDir: string;
  /** `--journal-dir` as given, for the resume hint. @default - the default directory */
  readonly journalDirFlag?: string;
  readonly spec: TargetSpec;
  readonly output: Output;
}

/** `logs --follow`: waits for the job to be submitted and started, prints its output as it comes, returns once it has ended. */
async function followLogs(request: FollowRequest): Promise<number> {
  const { runId, stepArgument, journalDir, spec, output } = request;
  const describer = await openJobDescriber(spec, `run '${runId}' (journal ${journalDir})`);
  const logs = spec.kind === 'local' ? undefined : new CloudWatchLogsClient(sdkClientConfig(spec));
  let jobId: string | undefined;
  let detail: JobDetail | undefined;
  let where: LogLocation | undefined;
  const documented: string[] = [];
  let wasStuck = false;
  try {
    const outcome = await untilInterrupted((signal) => followOutput({
      look: async () => {
        jobId ??= await submittedJobId(request);
        detail = jobId === undefined ? undefined : await describer.describe(jobId);
        // Found stuck twice in a row: the first time, the output so far is still printed.
        const stuck = FINAL_JOB.has(detail?.status ?? '') ? undefined : stuckError(request, jobId !== undefined);
        if (stuck && wasStuck) throw stuck;
        wasStuck = stuck !== undefined;
        return detail ? { status: detail.status ?? 'SUBMITTED', streams: attemptStreams(detail) } : undefined;
      },
      readerFor: (stream) => {
        where = locate(spec, stream, detail)!;
        return where.file !== undefined ? fileReader(where.file) : cloudWatchReader(logs!, where.logGroupName!, stream);
      },
      write: (text) => {
        if (output.json) documented.push(text);
        else if (text) output.stdout.write(text);
      },
      announce: (attempt) => {
        if (output.json) return;
        const place = where?.file ?? `CloudWatch Logs group ${where?.logGroupName}, stream ${where?.logStreamName}${spec.endpoint ? ` on ${spec.endpoint}` : ''}`;
        output.warn(output.style.dim(`${stepArgument} (job ${jobId}), attempt ${attempt}: ${place}`));
      },
      sleep: abortableSleep,
      intervalMs: spec.kind === 'aws' ? 2000 : 250,
      signal,
    }));
    if (outcome.interrupted) return EXIT_INTERRUPTED;
    const final = outcome.value;
    const exitCode = detail?.container?.exitCode;
    if (!output.json) output.warn(output.style.dim(`${stepArgument} (job ${jobId}) ended ${final?.status}${exitCode !== undefined ? ` with exit code ${exitCode}` : ''}`));
    output.document({
      runId, step: request.step, arrayIndex: request.arrayIndex, jobId: jobId!, attempt: Math.max(final?.streams.length ?? 0, 1),
      log: where ?? { logStreamName: '' }, content: documented.join(''),
    } satisfies LogsDocument);
    return EXIT_OK;
  } finally {
    logs?.destroy();
    await describer.close();
  }
}

/**
 * The error for a job nothing can move, refused as `watch` refuses such a run: a local run's
 * engine lives only in the process that follows the run, and a step whose run nobody follows is
 * never submitted. Without it the follow would wait in silence until Ctrl-C.
 */
function stuckError(request: FollowRequest, submitted: boolean): CliError | undefined {
  const { run, liveOwner } = runOwnership(request.journalDir, request.runId);
  if (liveOwner !== undefined) return undefined;
  // Batch moves submitted jobs on its own; a step of an ended run that was never submitted is submittedJobId's error.
  if (request.spec.kind !== 'local' && (submitted || isFinalRun(run.status))) return undefined;
  const why = request.spec.kind === 'local' ? 'its local engine is stopped' : `step '${request.step}' was never submitted`;
  const resume = resumeCommandOf(request.runId, request);
  return new CliError(`run '${request.runId}' is not followed by any process and ${why}, so ${request.stepArgument} cannot move; continue the run with: ${resume}`, EXIT_USAGE);
}

/** The followed job's id once its step is submitted; a run that ended without submitting it is an error. */
async function submittedJobId(request: FollowRequest): Promise<string | undefined> {
  const report = await runStatus(request.runId, { journalDir: request.journalDir });
  const parent = report.steps.find((s) => s.step === request.step)?.jobId;
  if (!parent) {
    if (isFinalRun(report.status)) {
      throw new CliError(`step '${request.step}' of run '${request.runId}' was never submitted: the run ended ${report.status}`, EXIT_WORK_FAILED);
    }
    return undefined;
  }
  return request.arrayIndex === undefined ? parent : `${parent}:${request.arrayIndex}`;
}

function parseStepArgument(argument: string, steps: readonly StepReport[]): { step: StepReport; arrayIndex?: number } {
  const match = /^([^:]+)(?::(\d+))?$/.exec(argument);
  const step = match ? steps.find((s) => s.step === match[1]) : undefined;
  if (!match || !step) {
    throw new CliError(`step '${argument}' is not a step of this run; expected <step> or <step>:<index> with step one of: ${steps.map((s) => s.step).join(', ')}`, EXIT_USAGE);
  }
  if (match[2] === undefined) return { step };
  const arrayIndex = Number(match[2]);
  if (step.arraySize === undefined) {
    throw new CliError(`step '${step.step}' is not an array step, so '${argument}' names no child; use '${step.step}'`, EXIT_USAGE);
  }
  if (arrayIndex >= step.arraySize) {
    throw new CliError(`index ${arrayIndex} is outside array step '${step.step}', expected 0 to ${step.arraySize - 1}`, EXIT_USAGE);
  }
  return { step, arrayIndex };
}

function attemptOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^([1-9]|10)$/.test(text)) {
    throw new CliError(`--attempt must be a whole number from 1 to 10; got '${text}'`, EXIT_USAGE);
  }
  return Number(text);
}

function readLogFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read log file ${file}: ${(err as Error).message}`, EXIT_WORK_FAILED);
  }
}
