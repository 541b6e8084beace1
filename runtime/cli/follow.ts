/**
 * Following a run from a terminal: progress while it moves, the summary when it ends, and a
 * Ctrl-C that stops following, never the run, and says how to pick it up again.
 */
import { type FailureReport, type RunEvent, type RunEventListener, type RunHandle, type RunStatusReport } from '../workflow';
import { hasErrorCode } from '../model/errors';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_WORK_FAILED } from './exit-codes';
import { tailOfOutput } from './job-output';
import { formatDuration, type Output } from './output';
import { createProgressView, type ProgressView } from './progress';
import { AWS_BATCH_LOG_GROUP, buildRunDocument, logLocation, printRunDocument, type LogLocation, type RunDocument } from './run-summary';
import { targetFlagsText, type TargetSpec } from './targets';

/** Failure blocks shown for one step while a run is followed; the summary lists every failure. */
const FAILURE_BLOCKS_PER_STEP = 3;
/** Lines of a failed job's output a failure block shows. */
const FAILURE_LOG_LINES = 5;

/** The lines of a failure block. */
export function failureBlock(failure: FailureReport, log: LogLocation | undefined, tail: readonly string[], output: Output): string[] {
  const { bold, red, dim } = output.style;
  const job = failure.arrayIndex !== undefined ? `${failure.step}[${failure.arrayIndex}]` : failure.step;
  const facts = [
    `job ${failure.jobId}`,
    failure.attempt !== undefined ? `attempt ${failure.attempt}` : undefined,
    failure.exitCode !== undefined ? `exit code ${failure.exitCode}` : undefined,
  ].filter(Boolean).join(', ');
  const lines = [`${red(bold('FAILED'))} ${bold(job)}: ${facts}`];
  if (failure.statusReason) lines.push(`  reason: ${failure.statusReason}`);
  if (log) lines.push(`  logs: ${log.file ?? `${log.logGroupName ? `${log.logGroupName} ` : ''}${log.logStreamName}`}`);
  if (tail.length > 0) {
    lines.push(dim(`  last ${tail.length === 1 ? 'line' : `${tail.length} lines`} of its output:`));
    // Tabs and carriage returns would move the cursor where the view does not expect it.
    for (const line of tail) lines.push(`    ${line.replace(/\t/g, '  ').replace(/[\r\u0000-\u0008\u000b-\u001f]/g, '')}`);
  }
  return lines;
}

/** What following needs to know about the command. */
export interface FollowContext {
  /** Where lines and documents go. */
  readonly output: Output;
  /** The run's target (for the hints). */
  readonly spec: TargetSpec;
  /** The journal directory, absolute. */
  readonly journalDir: string;
  /** `--journal-dir` as the user gave it, for the hints. @default - the default directory */
  readonly journalDirFlag?: string;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/** Progress of one run fed by the run's events; attach a status source once the run exists. */
export class RunProgress {
  /** Pass as the run's `onEvent`. */
  public readonly listener: RunEventListener;
  private readonly view: ProgressView;
  private statusOf?: () => RunStatusReport;
  private readonly blockedNoted = new Map<string, string>();
  private spec?: TargetSpec;
  private readonly failuresShown = new Set<string>();
  private readonly blocksPerStep = new Map<string, number>();
  private failureBlocks: Promise<void> = Promise.resolve();

  constructor(private readonly output: Output, private readonly now: () => number = Date.now) {
    this.view = createProgressView(output, { now });
    this.listener = (event) => this.onEvent(event);
  }

  /** Where snapshots come from: the run handle's status, or a journal read. */
  attach(statusOf: () => RunStatusReport): void {
    this.statusOf = statusOf;
  }

  /** Where the run's jobs are, so a failure block can show the end of the failed job's output. */
  useTarget(spec: TargetSpec): void {
    this.spec = spec;
  }

  /** Redraws from a status report, and shows each new failure at once. */
  show(report: RunStatusReport): void {
    const total = report.steps.reduce((sum, s) => sum + (s.arraySize ?? 1), 0);
    const steps = report.steps.map((s) => ({
      name: s.step,
      total: s.arraySize ?? 1,
      counts: s.statusSummary && Object.values(s.statusSummary).some((n) => n > 0) ? s.statusSummary : { [s.status]: s.arraySize ?? 1 },
    }));
    this.view.update({ total, counts: report.jobCounts, elapsedMs: Math.max(0, this.now() - report.createdAt), steps });
    for (const failure of report.failures) this.failed(report.runId, failure);
  }

  /** Resolves once every failure block seen so far is printed (each may wait for its log's last lines). */
  flush(): Promise<void> {
    return this.failureBlocks;
  }

  /**
   * A failure block the moment a job fails: step, job, attempt, exit code, reason, where its
   * output is and its last lines. At most FAILURE_BLOCKS_PER_STEP per step (an array can fail
   * thousands of children), then one line. Jobs batchkit itself stopped (a cancel, a failure
   * policy) are left to the summary: they are not why the run failed.
   */
  private failed(runId: string, failure: FailureReport): void {
    const key = `${failure.jobId}|${failure.arrayIndex ?? ''}|${failure.attempt ?? ''}`;
    if (this.failuresShown.has(key) || this.output.json || failure.statusReason?.startsWith('batchkit: ')) return;
    this.failuresShown.add(key);
    const count = (this.blocksPerStep.get(failure.step) ?? 0) + 1;
    this.blocksPerStep.set(failure.step, count);
    if (count > FAILURE_BLOCKS_PER_STEP) {
      if (count === FAILURE_BLOCKS_PER_STEP + 1) {
        this.failureBlocks = this.failureBlocks.then(() => this.view.above([`more jobs of step ${failure.step} failed; all of them: batchkit status ${runId}`]));
      }
      return;
    }
    const log = this.logOf(failure);
    const spec = this.spec;
    const tail = spec ? tailOfOutput(log, spec, FAILURE_LOG_LINES) : Promise.resolve([]);
    this.failureBlocks = this.failureBlocks.then(async () => {
      this.view.above(failureBlock(failure, log, await tail, this.output));
    });
  }

  private logOf(failure: FailureReport): LogLocation | undefined {
    if (!this.spec) return undefined;
    const log = logLocation(this.spec, failure.logStreamName);
    return log && log.file === undefined && !log.logGroupName ? { ...log, logGroupName: AWS_BATCH_LOG_GROUP } : log;
  }

  /**
   * Says once per job and reason that Batch cannot place a job: Batch leaves it RUNNABLE, and the
   * run waiting, until the job or its queue changes.
   */
  blocked(runId: string, step: string, jobId: string, statusReason: string): void {
    if (this.blockedNoted.get(jobId) === statusReason) {
      return;
    }
    this.blockedNoted.set(jobId, statusReason);
    this.view.note(this.output.style.yellow(`step ${step}: job ${jobId} stays RUNNABLE, Batch cannot place it: ${statusReason}`));
    // CAPACITY reasons pass when EC2 has instances again; MISCONFIGURATION ones need a change.
    const until = statusReason.startsWith('CAPACITY:') ? 'EC2 has capacity for it again' : "the job definition or the queue's compute environments change";
    this.view.note(`  The run waits until ${until}; \`batchkit cancel ${runId}\` stops it.`);
  }

  /** Leaves the terminal clean for the summary. */
  stop(): void {
    this.view.stop();
  }

  private onEvent(event: RunEvent): void {
    const { output } = this;
    if (!output.interactive && !output.json) {
      if (event.type === 'step-status' && (event.status === 'SUCCEEDED' || event.status === 'FAILED')) {
        const paint = event.status === 'FAILED' ? output.style.red : output.style.green;
        output.info(`step ${event.step} ${paint(event.status)}`);
      } else if (event.type === 'retry') {
        output.info(output.style.yellow(`${event.operation} failed (${event.error}); retry ${event.attempt} in ${formatDuration(event.delayMs)}`));
      }
    }
    if (event.type === 'step-blocked') {
      this.blocked(event.runId, event.step, event.jobId, event.statusReason);
    }
    // Once per poll, not per event: a report reads the whole run from the journal.
    if (event.type === 'poll' && this.statusOf) {
      this.show(this.statusOf());
    }
  }
}

/**
 * Ends the process at once after Ctrl-C interrupted a run whose submission is still going:
 * its in-flight SubmitJob calls would go on retrying (with backoff) against a target this
 * command has already let go of. Stopping them is as safe as a crash, which the journal is
 * built for: each intent is written before its SubmitJob, and `resume` reconciles it by name.
 */
export function exitIfSubmissionUnsettled(code: number, submissionSettled: boolean): void {
  if (code === EXIT_INTERRUPTED && !submissionSettled) {
    process.exit(code);
  }
}

/** Whether a run's submission has settled, as a function to ask later. */
export function settledFlag(submitted: Promise<void>): () => boolean {
  let settled = false;
  submitted.then(() => { settled = true; }, () => { settled = true; });
  return () => settled;
}

/** Waits for a run to end (or Ctrl-C), prints the summary or the resume hint, returns the exit code. */
export async function followRun(handle: RunHandle, progress: RunProgress, ctx: FollowContext): Promise<number> {
  progress.attach(() => handle.status());
  progress.useTarget(ctx.spec);
  const outcome = await untilInterrupted((signal) => handle.wait(signal));
  if (!outcome.interrupted) progress.show(outcome.value);
  await progress.flush();
  progress.stop();
  if (outcome.interrupted) {
    return reportInterrupted(handle.status(), ctx);
  }
  return reportFinished(outcome.value, ctx);
}

/** Prints and returns the exit code of a run that ended: 0 when it succeeded, 1 otherwise. */
export function reportFinished(report: RunStatusReport, ctx: FollowContext): number {
  const doc = buildRunDocument(report, ctx.journalDir, ctx.spec, 'finished');
  printRunDocument(doc, ctx.output);
  ctx.output.document(doc);
  return report.status === 'SUCCEEDED' ? EXIT_OK : EXIT_WORK_FAILED;
}

/**
 * Prints what happens to the run now that this command stops following it, and how to pick
 * it up again: `resume` after `run`/`resume` (this process drove the run), `watch` after `watch`.
 */
export function reportInterrupted(report: RunStatusReport, ctx: FollowContext, role: 'driver' | 'watcher' = 'driver'): number {
  const again = role === 'driver' ? resumeCommandOf(report.runId, ctx) : `batchkit watch ${report.runId}${journalFlag(ctx)}`;
  const doc: RunDocument = buildRunDocument(report, ctx.journalDir, ctx.spec, 'interrupted', role === 'driver' ? again : undefined);
  const { output } = ctx;
  printRunDocument(doc, output);
  output.plain('');
  output.plain(output.style.bold(`Stopped ${role === 'driver' ? 'following' : 'watching'} run ${report.runId}; the run was not cancelled.`));
  if (role === 'watcher') {
    output.plain('The process that drives it carries on.');
  } else if (ctx.spec.kind === 'local') {
    output.plain('The local engine runs inside this command: it starts no new job and stops once the running ones');
    output.plain('end; queued jobs wait. A second Ctrl-C abandons running jobs: they end as interrupted ("Host EC2 ...');
    output.plain('terminated") and are retried if their retry strategy allows. Resuming restarts the engine on the');
    output.plain('same data directory; --retry-failed also runs failed steps again.');
  } else {
    output.plain('Its jobs keep running on Batch; resuming submits whatever was not submitted yet and follows it.');
  }
  output.plain(`Continue with: ${output.style.cyan(again)}`);
  output.document(doc);
  return EXIT_INTERRUPTED;
}

/** `batchkit resume <run> <flags>` that reaches the same target and journal. */
export function resumeCommandOf(runId: string, ctx: FollowContext): string {
  const flags = targetFlagsText(ctx.spec);
  return `batchkit resume ${runId}${flags ? ` ${flags}` : ''}${journalFlag(ctx)}`;
}

function journalFlag(ctx: FollowContext): string {
  return ctx.journalDirFlag ? ` --journal-dir ${ctx.journalDirFlag}` : '';
}

/** How long an interrupted wait may take to notice its aborted signal before the command moves on. */
const ABORT_SETTLE_MS = 2000;

/**
 * Runs `work` until it settles or SIGINT arrives. The first Ctrl-C aborts the signal and
 * returns once `work` has noticed (at most ABORT_SETTLE_MS later: a wait stuck in submission
 * must not hold the terminal); a second one gets Node's default, which ends the process.
 * Errors of `work` other than the abort become CLI errors.
 */
export async function untilInterrupted<T>(work: (signal: AbortSignal) => Promise<T>): Promise<{ interrupted: false; value: T } | { interrupted: true }> {
  const controller = new AbortController();
  let onSigint = (): void => undefined;
  const interrupted = new Promise<{ interrupted: true }>((resolve) => {
    onSigint = () => {
      process.off('SIGINT', onSigint);
      controller.abort();
      resolve({ interrupted: true });
    };
  });
  process.on('SIGINT', onSigint);
  // Never rejects, so nothing is left unhandled when the interruption wins the race.
  const working = work(controller.signal).then(
    (value) => ({ interrupted: false as const, value }),
    (error: unknown) => (hasErrorCode(error, 'WAIT_ABORTED') ? { interrupted: true as const } : { error }),
  );
  try {
    const outcome = await Promise.race([working, interrupted]);
    if (outcome.interrupted) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([working, new Promise((resolve) => { timer = setTimeout(resolve, ABORT_SETTLE_MS); })]);
      clearTimeout(timer);
      return { interrupted: true };
    }
    if ('error' in outcome) throw outcome.error;
    return outcome;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
