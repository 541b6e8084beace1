/**
 * `batchkit logs <run> <step>[:index]`: the output of one job of a run. On the local engine it
 * prints the attempt's log file; on AWS, and on an endpoint (`batchkit local serve` answers
 * CloudWatch Logs' read operations too), it reads the attempt's CloudWatch Logs stream.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';
import { DescribeJobsCommand, type AttemptDetail, type JobDetail } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { readEventLog } from '../../engine/event-log';
import { runStatus, type StepReport } from '../../workflow';
import { CliError, EXIT_OK, EXIT_USAGE, EXIT_WORK_FAILED } from '../exit-codes';
import { logGroupOf, writeLogStream } from '../cloudwatch-logs';
import { createOutput, type Output } from '../output';
import { logLocation, type LogLocation } from '../run-summary';
import { addRunOptions, cliErrorOf, journalDirOf, runOwnership, targetForRun, type RunCommandFlags } from '../run-support';
import { addTargetOptions, openTarget, sdkClientConfig, type TargetSpec } from '../targets';

/** Flags of `batchkit logs`. */
export interface LogsFlags extends RunCommandFlags {
  /** `--attempt`, unparsed. */
  readonly attempt?: string;
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
    .option('--attempt <n>', 'which attempt, from 1 (default: the last one)');
  addTargetOptions(command);
  addRunOptions(command)
    .addHelpText('after', `
Examples:
  $ batchkit logs nightly-20260101T020000-k3x9 prepare
  $ batchkit logs nightly-20260101T020000-k3x9 transform:17 --attempt 1
  $ batchkit logs nightly-20260101T020000-k3x9 merge --json | jq -r .log.logStreamName

On AWS the output is read from CloudWatch Logs (needs logs:GetLogEvents); with --endpoint
(or a run started with it), from that endpoint's CloudWatch Logs API, which
\`batchkit local serve\` answers.

Exit codes: 0 the output was found, 1 the job has not started (no output yet) or its
log stream cannot be read, 2 bad usage, unknown run, step or index.`)
    .action(async (runId: string, stepArgument: string, flags: LogsFlags) => {
      process.exitCode = await showLogs(runId, stepArgument, flags, createOutput({ json: flags.json }));
    });
}

/** Everything `batchkit logs` does; resolves to the exit code. */
export async function showLogs(runId: string, stepArgument: string, flags: LogsFlags, output: Output): Promise<number> {
  const journalDir = journalDirOf(flags);
  runOwnership(journalDir, runId);
  const attemptWanted = attemptOf(flags.attempt);
  const report = await runStatus(runId, { journalDir }).catch((err: unknown) => { throw cliErrorOf(err); });
  const { step, arrayIndex } = parseStepArgument(stepArgument, report.steps);
  if (!step.jobId) {
    throw new CliError(`step '${step.step}' of run '${runId}' has not been submitted yet, so it has no output`, EXIT_WORK_FAILED);
  }
  const jobId = arrayIndex === undefined ? step.jobId : `${step.jobId}:${arrayIndex}`;
  const spec = targetForRun(flags, journalDir, runId);
  const detail = await jobDetailOf(jobId, spec, journalDir, runId);
  const attempts = detail?.attempts ?? [];
  const lastFinished = attemptStream(attempts[attempts.length - 1]);
  // A running attempt is not in `attempts` yet; its stream is the container's.
  const current = currentStream(detail);
  const attempt = attemptWanted ?? (current && current !== lastFinished ? attempts.length + 1 : Math.max(attempts.length, 1));
  const stream = attemptWanted !== undefined
    ? attemptStream(attempts[attemptWanted - 1])
    : current ?? lastFinished ?? (arrayIndex === undefined ? step.logStreamName : undefined);
  const located = logLocation(spec, stream);
  const log = located && located.file === undefined ? { ...located, logGroupName: logGroupOf(detail) } : located;
  if (!log) {
    const which = attemptWanted !== undefined ? `attempt ${attemptWanted} of ` : '';
    throw new CliError(`${which}job ${jobId} (${stepArgument}) has no output yet: status ${detail?.status ?? step.status}, ${attempts.length} attempt(s) made`, EXIT_WORK_FAILED);
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

/**
 * The job's latest detail. A local run is read from the engine's event log: the engine lives
 * only in the process that follows the run, and opening it here would restart its jobs.
 */
async function jobDetailOf(jobId: string, spec: TargetSpec, journalDir: string, runId: string): Promise<JobDetail | undefined> {
  if (spec.kind === 'local') {
    return latestLocalDetail(path.join(spec.dataDir!, 'events.ndjson'), jobId);
  }
  const target = await openTarget(spec);
  try {
    const describe = async (id: string) => (await target.client.send(new DescribeJobsCommand({ jobs: [id] }))).jobs?.[0];
    const detail = await describe(jobId).catch((err: unknown) => {
      throw new CliError(`cannot describe job ${jobId} of run '${runId}' (journal ${journalDir}): ${(err as Error).message}`, EXIT_WORK_FAILED);
    });
    // A multi-node job's output is its main node's.
    const mainNode = detail?.nodeProperties?.mainNode;
    return detail && !detail.container && mainNode !== undefined ? await describe(`${jobId}#${mainNode}`) ?? detail : detail;
  } finally {
    await target.close();
  }
}

/** The job's detail in the last event the engine logged for it (for a multi-node job: its main node's), rotated part included. */
function latestLocalDetail(eventLog: string, jobId: string): JobDetail | undefined {
  let exact: JobDetail | undefined;
  let mainNode: JobDetail | undefined;
  for (const event of readEventLog(eventLog, { mentioning: jobId })) {
    const detail = event.detail as unknown as JobDetail;
    if (detail.jobId === jobId) exact = detail;
    else if (detail.jobId?.startsWith(`${jobId}#`) && detail.nodeDetails?.isMainNode) mainNode = detail;
  }
  return exact?.container || !mainNode ? exact : mainNode;
}

/** An attempt's stream: its container's, or (an ECS task job) its task's essential container's. */
function attemptStream(attempt: AttemptDetail | undefined): string | undefined {
  return attempt?.container?.logStreamName ?? attempt?.taskProperties?.[0]?.containers?.find((c) => c.logStreamName)?.logStreamName;
}

/** The latest attempt's stream, running or not: the container's, or an ECS task job's essential container's. */
function currentStream(detail: JobDetail | undefined): string | undefined {
  return detail?.container?.logStreamName ?? detail?.ecsProperties?.taskProperties?.[0]?.containers?.find((c) => c.logStreamName)?.logStreamName;
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
