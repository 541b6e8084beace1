/**
 * Runs of a workflow: start, resume after a crash, wait, status, cancel, list. The API the
 * CLI (`batchkit run/status/watch/resume/cancel`) is built on. One code path for AWS Batch
 * and the local engine: everything goes through the SDK's `BatchClient`.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { assertNoSdkRetries } from './batch-calls';
import { describeError, RunNotFoundError, WorkflowConfigurationError } from './errors';
import { RunEventListener, WorkflowEventPublisher } from './events';
import { Journal, RunRecord, RunTarget } from './journal';
import { Workflow } from './model';
import { planWorkflow } from './plan';
import { PollOptions, resolvePollOptions } from './poll-timing';
import { findMissingReferences, missingReferencesError } from './reference-check';
import { buildRunReport, RunStatusReport } from './report';
import { DirectReferenceResolver, ReferenceKind, ReferenceResolver, resolveAll } from './resolver';
import { BackoffOptions, RuntimeServices, SYSTEM_SERVICES } from './retry';
import { prepareRetryOfFailedSteps } from './retry-failed';
import { callsFor, isFinal, launch, parentsOf } from './run-launch';
import { checkRunId, describeTarget, newRunId, targetConflict, targetDescription } from './run-identity';
import { SubmitHooks } from './submit';
import { FailurePolicy, isJobFinished, pollOnce, stopRemainingJobs, trackUntilDone } from './track';
import { validateWorkflow } from './validate';

/** Options shared by everything that talks to Batch for a run. */
export interface RunConnectionOptions {
  /** Batch client, AWS or local engine; built with `createWorkflowBatchClient` (SDK retries off). */
  readonly client: BatchClient;
  /** Directory of the journal (created if missing). */
  readonly journalDir: string;
  /** Clock, sleep and randomness. @default - the real ones */
  readonly services?: Partial<RuntimeServices>;
  /** Retries of Batch calls. @default - 8 attempts, 200 ms doubling to 20 s, jittered */
  readonly backoff?: BackoffOptions;
  /**
   * How long a job may stay missing from ListJobs after its SubmitJob: after a SubmitJob whose
   * answer was lost (timeout, dropped connection, 5xx), the job is looked up by name at once
   * and then every second until this window has passed, before it is submitted again.
   * @default - 5000 on AWS (a target without an endpoint), 0 with an endpoint (the local engine lists a job as soon as it exists)
   */
  readonly consistencyWindowMs?: number;
}



/** Options of a run that survive in the journal (resume reuses them unless overridden). */
export interface RunBehaviourOptions {
  /** What to do when a step fails. @default 'batch-default' */
  readonly failurePolicy?: FailurePolicy;
  /** Poll timing. @default - 2 s while jobs move, growing 1.5x to 30 s while they wait */
  readonly poll?: PollOptions;
  /** SubmitJob calls per second, under Batch's 50 TPS account quota. @default 40 */
  readonly submitsPerSecond?: number;
  /** SubmitJob calls in flight at once. @default 8 */
  readonly submitConcurrency?: number;
  /**
   * Register the join job definition (busybox `true`) if no ACTIVE one has its name; for the
   * local engine, or AWS accounts where the runtime may register job definitions.
   * @default false
   */
  readonly registerJoinJobDefinition?: boolean;
}

/** Options of `startRun` and `resumeRun`. */
export interface RunOptions extends RunConnectionOptions, RunBehaviourOptions {
  /** Receives the run's events as they happen (progress display). @default - none */
  readonly onEvent?: RunEventListener;
  /** Publishes "Batch Workflow State Change" events (EventBridge). @default - none */
  readonly publisher?: WorkflowEventPublisher;
  /** Hooks around each SubmitJob (tests use them to crash at exact points). @default - none */
  readonly hooks?: SubmitHooks;
  /**
   * Where the jobs go, as recorded in the journal; `resumeRun` refuses a target that differs
   * from the recorded one.
   * @default - read from the client's endpoint and region
   */
  readonly target?: RunTarget;
  /**
   * Called with an error a listener (`onEvent`) threw; the run goes on either way.
   * @default - one line on stderr
   */
  readonly onListenerError?: (error: unknown) => void;
}

/** Options of `startRun`. */
export interface StartRunOptions extends RunOptions {
  /** Resolves queue and job definition references. @default - names and ARNs only */
  readonly resolver?: ReferenceResolver;
  /**
   * Run id: 1-48 letters, digits, `-`, `_`, starting alphanumeric; prefixes every job name.
   * @default - `<workflow name>-<UTC time>-<random>`
   */
  readonly runId?: string;
  /**
   * Called once the run is journalled, before its first SubmitJob (the CLI remembers the
   * run's target there). If it throws, the run ends FAILED with nothing submitted.
   * @default - none
   */
  readonly onRunCreated?: (runId: string) => void;
}

/** Options of `resumeRun`. */
export interface ResumeRunOptions extends RunOptions {
  /**
   * Run again, as new jobs, every step that FAILED (failed, cancelled, or interrupted with
   * the local engine) and every step depending on one; steps that succeeded are kept.
   * @default false
   */
  readonly retryFailed?: boolean;
}

/** A run being submitted and tracked by this process. */
export interface RunHandle {
  /** The run's id (the CLI prints it for `status`, `resume`, `cancel`). */
  readonly runId: string;
  /** Resolves when every job is submitted; rejects when submission failed for good. */
  readonly submitted: Promise<void>;
  /**
   * Waits for submission, then tracks until every step has ended.
   * @throws WaitAbortedError when `signal` aborts: submission stops between jobs and the
   * handle is done; the jobs keep going on Batch and `resumeRun` picks the run up
   */
  wait(signal?: AbortSignal): Promise<RunStatusReport>;
  /** The run's status from the journal, as of now. */
  status(): RunStatusReport;
  /** Closes the journal; call after `wait` (or instead of it, to leave the run to `resume`). */
  close(): void;
}

/**
 * Starts a run: resolves every reference and plans the whole graph first (nothing is
 * submitted for an invalid workflow), journals the run, then submits in the background.
 * @throws ReferenceResolutionError, WorkflowConfigurationError before anything is submitted
 */
export async function startRun(workflow: Workflow, options: StartRunOptions): Promise<RunHandle> {
  await assertNoSdkRetries(options.client);
  const services = { ...SYSTEM_SERVICES, ...options.services };
  resolvePollOptions(options.poll ?? {});
  const plan = planWorkflow(workflow);
  const wanted: Array<{ kind: ReferenceKind; reference: string }> = plan.jobs.flatMap((j) => [
    { kind: 'jobQueue' as const, reference: j.jobQueue }, { kind: 'jobDefinition' as const, reference: j.jobDefinition },
  ]);
  const references = await resolveAll(options.resolver ?? new DirectReferenceResolver(), wanted);
  const runId = options.runId ?? newRunId(workflow.name, services);
  checkRunId(runId);
  const target = options.target ?? await describeTarget(options.client);
  const checkCalls = callsFor(options, services, target, () => undefined, runId);
  // A join job definition the run registers itself need not exist yet, unless a step uses it too.
  const registersJoin = options.registerJoinJobDefinition === true && !workflow.joinJobDefinition.includes(':');
  const registeredLater = (w: { kind: ReferenceKind; reference: string }) => registersJoin && w.kind === 'jobDefinition'
    && w.reference === workflow.joinJobDefinition && !plan.jobs.some((j) => j.kind === 'step' && j.jobDefinition === w.reference);
  const missing = await findMissingReferences(checkCalls, wanted.filter((w) => !registeredLater(w)), references);
  if (missing.length > 0) {
    throw missingReferencesError(workflow, missing, targetDescription(target));
  }
  const journal = Journal.open(options.journalDir);
  try {
    if (journal.getRun(runId)) {
      throw new WorkflowConfigurationError(`run id '${runId}' already exists in journal ${options.journalDir}; resume it or choose another id`);
    }
    const behaviour: RunBehaviourOptions = {
      failurePolicy: options.failurePolicy, poll: options.poll, submitsPerSecond: options.submitsPerSecond,
      submitConcurrency: options.submitConcurrency, registerJoinJobDefinition: options.registerJoinJobDefinition,
    };
    journal.createRun({
      runId, workflowName: workflow.name, workflowJson: JSON.stringify(workflow.definition), references,
      optionsJson: JSON.stringify(behaviour), target, status: 'SUBMITTING', ownerPid: process.pid, createdAt: services.now(),
    });
    try {
      options.onRunCreated?.(runId);
    } catch (err) {
      journal.failRun(runId, `the run could not start: ${describeError(err)}`, services.now());
      throw err;
    }
  } catch (err) {
    journal.close();
    throw err;
  }
  return launch(journal, runId, workflow, references, { ...options, target }, services, false);
}

/**
 * Resumes a run after its process died: reconciles every journalled intent without a job id
 * by the job's unique name, submits only what was never submitted, and tracks to the end.
 * @throws RunNotFoundError, WorkflowConfigurationError when another live process owns the run
 */
export async function resumeRun(runId: string, options: ResumeRunOptions): Promise<RunHandle> {
  await assertNoSdkRetries(options.client);
  const services = { ...SYSTEM_SERVICES, ...options.services };
  const journal = Journal.open(options.journalDir);
  try {
    const run = journal.getRun(runId);
    if (!run) {
      throw new RunNotFoundError(runId, options.journalDir);
    }
    const given = options.target ?? await describeTarget(options.client);
    const conflict = targetConflict(run.target, given);
    if (conflict) {
      throw new WorkflowConfigurationError(`run '${runId}' ${conflict}; resume it against its own target`);
    }
    if (run.ownerPid !== undefined && run.ownerPid !== process.pid && isAlive(run.ownerPid)) {
      throw new WorkflowConfigurationError(`run '${runId}' is still owned by live process ${run.ownerPid}; stop it first, two processes submitting one run could duplicate jobs`);
    }
    journal.setOwner(runId, process.pid, services.now());
    if (options.target) {
      journal.setTarget(runId, { ...run.target, ...options.target }, services.now());
    }
    const stored = JSON.parse(run.optionsJson) as RunBehaviourOptions;
    const merged: RunOptions = { ...stored, ...definedOnly(options), client: options.client, journalDir: options.journalDir, target: journal.getRun(runId)!.target };
    const workflow = validateWorkflow(JSON.parse(run.workflowJson));
    if (options.retryFailed) {
      const calls = callsFor(merged, services, run.target, () => undefined, runId);
      await prepareRetryOfFailedSteps({ journal, calls, runId, workflow, services, parentsOf: parentsOf(run) });
    }
    return launch(journal, runId, workflow, run.references, merged, services, true);
  } catch (err) {
    journal.close();
    throw err;
  }
}

/**
 * The status of a run from its journal; with a client, the open jobs are described once
 * first (ceil(open / 100) DescribeJobs calls) so the answer is current.
 * @throws RunNotFoundError
 */
export async function runStatus(runId: string, options: { journalDir: string; client?: BatchClient; services?: Partial<RuntimeServices> }): Promise<RunStatusReport> {
  const journal = Journal.open(options.journalDir);
  try {
    const run = requireRun(journal, runId, options.journalDir);
    if (options.client && !isFinal(run)) {
      const services = { ...SYSTEM_SERVICES, ...options.services };
      const calls = callsFor({ client: options.client }, services, run.target, () => undefined, runId);
      await pollOnce({ runId, journal, calls, services, emit: () => undefined, failurePolicy: 'batch-default', poll: {}, parentsOf: parentsOf(run) });
      finishIfDone(journal, runId, services.now());
    }
    return buildRunReport(journal, runId)!;
  } finally {
    journal.close();
  }
}

/** Options of `cancelRun`. */
export interface CancelRunOptions {
  /** Directory of the journal. */
  readonly journalDir: string;
  /** Batch client (SDK retries off). */
  readonly client: BatchClient;
  /** Reason given to TerminateJob/CancelJob (Batch shows it as the status reason). @default 'batchkit: run cancelled' */
  readonly reason?: string;
  /** Terminate running jobs too; with false, only jobs that have not started are cancelled. @default true */
  readonly terminate?: boolean;
  /**
   * Wait until every job of the run has ended (terminated jobs end after their stop grace
   * period), so the run is CANCELLED when this returns.
   * @default - true when terminating, false when only cancelling (running jobs may run for long)
   */
  readonly waitForJobs?: boolean;
  /** Poll timing while waiting. @default - as for runs */
  readonly poll?: PollOptions;
  /** Stops waiting (the jobs are already stopped or cancelled). @default - never */
  readonly signal?: AbortSignal;
  /** Clock, sleep and randomness. @default - the real ones */
  readonly services?: Partial<RuntimeServices>;
}

/**
 * Cancels a whole run: no further job is submitted, every open job is terminated (or only
 * cancelled if it has not started, with `terminate: false`), and the run ends CANCELLED once
 * its jobs have ended. A run that already ended is left as it is.
 * @throws RunNotFoundError
 * @throws WaitAbortedError when `signal` aborts while waiting for the jobs to end
 */
export async function cancelRun(runId: string, options: CancelRunOptions): Promise<RunStatusReport> {
  const services = { ...SYSTEM_SERVICES, ...options.services };
  const journal = Journal.open(options.journalDir);
  try {
    const run = requireRun(journal, runId, options.journalDir);
    if (isFinal(run)) {
      return buildRunReport(journal, runId)!;
    }
    journal.requestCancel(runId, services.now());
    const calls = callsFor({ client: options.client }, services, run.target, () => undefined, runId);
    const terminate = options.terminate !== false;
    await stopRemainingJobs(journal, calls, runId, terminate ? 'terminate' : 'cancel', options.reason ?? 'batchkit: run cancelled');
    const track = {
      runId, journal, calls, services, emit: () => undefined, failurePolicy: 'batch-default' as const,
      poll: options.poll ?? {}, parentsOf: parentsOf(run), signal: options.signal,
    };
    if (options.waitForJobs ?? terminate) {
      await trackUntilDone(track);
    } else {
      await pollOnce(track);
      finishIfDone(journal, runId, services.now());
    }
    return buildRunReport(journal, runId)!;
  } finally {
    journal.close();
  }
}

/** Every run in a journal directory, newest first. */
export function listRuns(journalDir: string): RunRecord[] {
  const journal = Journal.open(journalDir);
  try {
    return journal.listRuns();
  } finally {
    journal.close();
  }
}

function finishIfDone(journal: Journal, runId: string, now: number): void {
  const jobs = journal.jobs(runId).filter((j) => j.kind === 'step');
  const run = journal.getRun(runId)!;
  const planned = validateWorkflow(JSON.parse(run.workflowJson)).steps.length;
  if (isFinal(run) || jobs.length < planned || !jobs.every((j) => isJobFinished(j.status))) {
    return;
  }
  journal.setRunStatus(runId, jobs.every((j) => j.status === 'SUCCEEDED') ? 'SUCCEEDED' : run.cancelRequested ? 'CANCELLED' : 'FAILED', now);
}

function requireRun(journal: Journal, runId: string, journalDir: string): RunRecord {
  const run = journal.getRun(runId);
  if (!run) {
    throw new RunNotFoundError(runId, journalDir);
  }
  return run;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
