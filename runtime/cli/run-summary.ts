/**
 * A run as the workflow commands show it: the runtime's status report plus what a person
 * looks for next: how long each step took, where each failed job's logs are, and where the
 * journal and event logs live. The same data is the `--json` document.
 */
import * as path from 'path';
import { isBlockedReason, Journal, JOURNAL_FILE, type FailureReport, type RunStatusReport, type StepReport } from '../workflow';
import { formatTable, formatDuration, type Output } from './output';
import { formatCounts } from './progress';
import type { TargetSpec } from './targets';

/** CloudWatch Logs group of Batch jobs that do not configure another one. */
export const AWS_BATCH_LOG_GROUP = '/aws/batch/job';

/** Where a job attempt's output is. */
export interface LogLocation {
  /** The attempt's log stream, as Batch names it. */
  readonly logStreamName: string;
  /** Local engine: the file holding the attempt's stdout and stderr. @default - not local */
  readonly file?: string;
  /** AWS: the CloudWatch Logs group holding the stream. @default - not AWS */
  readonly logGroupName?: string;
}

/** A step with its timing. */
export interface StepSummary extends StepReport {
  /** When the step's job started (epoch ms). @default - not started */
  readonly startedAt?: number;
  /** When it stopped (epoch ms). @default - not stopped */
  readonly stoppedAt?: number;
  /** `stoppedAt - startedAt`. @default - not both known */
  readonly durationMs?: number;
  /** Where the last attempt's output is. @default - never started */
  readonly log?: LogLocation;
}

/** A failed job with where its logs are. */
export interface FailureSummary extends FailureReport {
  /** @default - the job never started */
  readonly log?: LogLocation;
}

/** Where a run's records are. */
export interface RunLocations {
  /** The journal database (steps, job ids, results, the run's own events). */
  readonly journal: string;
  /** Local engine: directory of the job log files; AWS: the CloudWatch Logs group. */
  readonly logs: string;
  /** Local engine: its event log of job state changes (NDJSON). @default - AWS: EventBridge, nothing local */
  readonly engineEvents?: string;
}

/**
 * The `--json` document of `run`, `resume`, `watch` and `status`. `following` says how the
 * command left the run: `finished` (it ended), `interrupted` (Ctrl-C; the run goes on),
 * `detached` (`run --detach`), `snapshot` (`status`).
 */
export interface RunDocument extends Omit<RunStatusReport, 'steps' | 'failures'> {
  readonly following: 'finished' | 'interrupted' | 'detached' | 'snapshot';
  readonly durationMs?: number;
  readonly steps: readonly StepSummary[];
  readonly failures: readonly FailureSummary[];
  readonly locations: RunLocations;
  /** The command that continues the run. @default - the run has ended */
  readonly resumeCommand?: string;
}

/** Gathers a run's document from its report and journal. */
export function buildRunDocument(report: RunStatusReport, journalDir: string, spec: TargetSpec, following: RunDocument['following'], resumeCommand?: string): RunDocument {
  const timing = stepTimings(journalDir, report.runId);
  const steps = report.steps.map((s): StepSummary => {
    const t = timing.get(s.step);
    const durationMs = t?.startedAt !== undefined && t.stoppedAt !== undefined ? t.stoppedAt - t.startedAt : undefined;
    return { ...s, startedAt: t?.startedAt, stoppedAt: t?.stoppedAt, durationMs, log: logLocation(spec, s.logStreamName) };
  });
  const failures = report.failures.map((f): FailureSummary => ({ ...f, log: logLocation(spec, f.logStreamName) }));
  const finished = report.finishedAt ?? (following === 'finished' ? report.updatedAt : undefined);
  return {
    ...report, following, steps, failures,
    durationMs: finished !== undefined ? finished - report.createdAt : undefined,
    locations: runLocations(journalDir, spec),
    resumeCommand,
  };
}

/** Where a job attempt's output is, given its log stream. */
export function logLocation(spec: TargetSpec, logStreamName: string | undefined): LogLocation | undefined {
  if (!logStreamName) return undefined;
  if (spec.kind === 'local') return { logStreamName, file: path.join(spec.dataDir!, 'logs', `${logStreamName}.log`) };
  if (spec.kind === 'aws') return { logStreamName, logGroupName: AWS_BATCH_LOG_GROUP };
  return { logStreamName };
}

/** Where the journal, the logs and the event log of runs on this target are. */
export function runLocations(journalDir: string, spec: TargetSpec): RunLocations {
  const journal = path.join(journalDir, JOURNAL_FILE);
  if (spec.kind === 'local') {
    return { journal, logs: path.join(spec.dataDir!, 'logs'), engineEvents: path.join(spec.dataDir!, 'events.ndjson') };
  }
  if (spec.kind === 'aws') return { journal, logs: `CloudWatch Logs group ${AWS_BATCH_LOG_GROUP}` };
  return { journal, logs: `log streams on ${spec.endpoint}` };
}

/** The reason `batchkit cancel` gives the jobs it stops unless told another. */
export const DEFAULT_CANCEL_REASON = 'batchkit: run cancelled';

/** Options of {@link printRunDocument}. */
export interface PrintRunOptions {
  /** The reason the run's jobs were stopped with, if it was cancelled. @default DEFAULT_CANCEL_REASON */
  readonly cancelReason?: string;
}

/** Prints the run for people: status line, the step table, failures, locations. */
export function printRunDocument(doc: RunDocument, output: Output, options: PrintRunOptions = {}): void {
  const { bold, dim, red, green, yellow } = output.style;
  const colourStatus = (status: string) => (status === 'SUCCEEDED' ? green(status) : status === 'FAILED' || status === 'CANCELLED' ? red(status) : yellow(status));
  output.plain('');
  const took = doc.durationMs !== undefined ? ` in ${formatDuration(doc.durationMs)}` : '';
  output.plain(`${bold(`Run ${doc.runId}`)} (${doc.workflowName}): ${colourStatus(doc.status)}${took}`);
  output.plain(dim(`jobs: ${formatCounts(doc.jobCounts)}`));
  output.plain('');
  const rows = doc.steps.map((s) => [
    s.step,
    s.arraySize !== undefined ? `array ${s.arraySize}` : s.numNodes !== undefined ? `${s.numNodes} nodes` : 'single',
    colourStatus(s.status),
    s.statusSummary ? formatCounts(s.statusSummary) : s.attempts !== undefined ? `${s.attempts} attempt${s.attempts === 1 ? '' : 's'}` : '-',
    s.durationMs !== undefined ? formatDuration(s.durationMs) : '-',
  ]);
  for (const line of formatTable(['step', 'kind', 'status', 'jobs / attempts', 'duration'], rows)) output.plain(`  ${line}`);
  const blocked = doc.steps.filter((s) => s.status === 'RUNNABLE' && isBlockedReason(s.statusReason));
  if (blocked.length > 0) {
    output.plain('');
    output.plain(bold(yellow('Cannot be placed')));
    for (const s of blocked) output.plain(`  ${bold(s.step)}: job ${s.jobId} stays RUNNABLE: ${s.statusReason}`);
  }
  // A cancelled run's stopped jobs end FAILED with the cancel's reason: what the user asked for, not failures to read one by one.
  const cancelReason = options.cancelReason ?? DEFAULT_CANCEL_REASON;
  const stopped = doc.status === 'CANCELLED' ? doc.failures.filter((f) => f.statusReason === cancelReason) : [];
  const failed = doc.failures.filter((f) => !stopped.includes(f));
  if (failed.length > 0) {
    output.plain('');
    output.plain(bold(red('Failed')));
    for (const f of failed) printFailure(f, output);
  }
  if (stopped.length > 0) {
    const names = stopped.map((f) => (f.arrayIndex !== undefined ? `${f.step}[${f.arrayIndex}]` : f.step));
    const shown = names.length > 10 ? `${names.slice(0, 10).join(', ')} and ${names.length - 10} more` : names.join(', ');
    output.plain('');
    output.plain(`${bold('Stopped by the cancel')} (${cancelReason}): ${shown}`);
  }
  output.plain('');
  output.plain(`${dim('journal:')}       ${doc.locations.journal}`);
  output.plain(`${dim('logs:')}          ${doc.locations.logs}`);
  if (doc.locations.engineEvents) output.plain(`${dim('engine events:')} ${doc.locations.engineEvents}`);
  output.plain(`${dim('run events:')}    batchkit status ${doc.runId} --events`);
}

/** Prints one failed job: what failed, how, why and where its output is. */
export function printFailure(f: FailureSummary, output: Output): void {
  const job = f.arrayIndex !== undefined ? `${f.step}[${f.arrayIndex}]` : f.step;
  const facts = [
    `job ${f.jobId}`,
    f.attempt !== undefined ? `attempt ${f.attempt}` : undefined,
    f.exitCode !== undefined ? `exit code ${f.exitCode}` : undefined,
  ].filter(Boolean).join(', ');
  output.plain(`  ${output.style.bold(job)}: ${facts}`);
  if (f.statusReason) output.plain(`    reason: ${f.statusReason}`);
  if (f.log) output.plain(`    logs: ${f.log.file ?? `${f.log.logGroupName ? `${f.log.logGroupName} ` : ''}${f.log.logStreamName}`}`);
  if (f.failedDependents.length > 0) output.plain(`    failed because of it: ${f.failedDependents.join(', ')}`);
}

function stepTimings(journalDir: string, runId: string): Map<string, { startedAt?: number; stoppedAt?: number }> {
  const journal = Journal.open(journalDir);
  try {
    return new Map(journal.jobs(runId).filter((j) => j.kind === 'step').map((j) => [j.step, { startedAt: j.startedAt, stoppedAt: j.stoppedAt }]));
  } finally {
    journal.close();
  }
}
