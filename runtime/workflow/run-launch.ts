/**
 * A run once journalled: its submission (with the failure policy watching while it goes on),
 * and the handle that tracks it to the end. Shared by `startRun` and `resumeRun`.
 */
import { setMaxListeners } from 'events';
import { BatchCalls } from './batch-calls';
import { describeError, SubmissionFailedError, WaitAbortedError } from './errors';
import { RunEvent, workflowStateChangeOf } from './events';
import { Journal, RunRecord, RunTarget } from './journal';
import { Workflow } from './model';
import { planWorkflow } from './plan';
import { resolvePollOptions } from './poll-timing';
import { buildRunReport } from './report';
import { referenceKey } from './resolver';
import { RuntimeServices } from './retry';
import type { RunHandle, RunOptions } from './run';
import { submitPlan } from './submit';
import { FailurePolicyGuard, pollOnce, stopRemainingJobs, trackUntilDone, TrackContext } from './track';
import { validateWorkflow } from './validate';

/** `consistencyWindowMs` on AWS, where ListJobs may lag a moment behind SubmitJob. */
export const AWS_CONSISTENCY_WINDOW_MS = 5000;

/** Submits what the journal lacks of a run in the background and returns its handle. */
export function launch(journal: Journal, runId: string, workflow: Workflow, references: Readonly<Record<string, string>>, options: RunOptions,
  services: RuntimeServices, resumed: boolean): RunHandle {
  const publishing: Array<Promise<void>> = [];
  const onListenerError = options.onListenerError ?? reportListenerError;
  const emit = (event: RunEvent) => {
    if (event.type !== 'poll') {
      journal.appendEvent(runId, services.now(), event);
    }
    try {
      options.onEvent?.(event);
    } catch (err) {
      // A listener's bug must not stop the run, nor vanish.
      onListenerError(err);
    }
    const detail = workflowStateChangeOf(event, workflow.name);
    if (detail && options.publisher) {
      publishing.push(options.publisher.publish(detail).catch((err) => emit({ type: 'publish-failed', runId, error: describeError(err) })));
    }
  };
  // Aborted by close(), or by wait()'s signal: submission stops between jobs; resume completes it.
  const stopping = new AbortController();
  // Every concurrent submit, backoff and poll sleep listens on this one signal: more than
  // Node's default of 10 listeners is expected, not a leak (each sleep removes its own).
  setMaxListeners(0, stopping.signal);
  const calls = callsFor(options, services, options.target ?? {}, emit, runId, stopping.signal);
  const plan = planWorkflow(workflow);
  const run = journal.getRun(runId)!;
  const alreadyEnded = isFinal(run);
  const failurePolicy = options.failurePolicy ?? 'batch-default';
  const policy = new FailurePolicyGuard(journal, calls, runId, failurePolicy);
  const track = (signal?: AbortSignal): TrackContext => ({
    runId, journal, calls, services, emit, signal, parentsOf: parentsOf(run), failurePolicy, policy, poll: options.poll ?? {},
  });
  if (!alreadyEnded) {
    emit({ type: 'run-started', runId, workflowName: workflow.name, resumed });
  }
  const submitted = (async () => {
    if (alreadyEnded) {
      return;
    }
    const submission = new AbortController();
    // Under a failure policy, failures are looked for while submission goes on, so the policy
    // stops it within one poll rather than after every job went in.
    let watchFailure: { error: unknown } | undefined;
    const watching = failurePolicy === 'batch-default' ? Promise.resolve()
      : watchDuringSubmission(track(submission.signal), policy, services, submission.signal).catch((error: unknown) => { watchFailure = { error }; });
    try {
      const joinDefinition = references[referenceKey('jobDefinition', workflow.joinJobDefinition)];
      // Only a bare name can be registered; an ARN or name:revision names one that must exist.
      if (options.registerJoinJobDefinition && plan.joinJobCount > 0 && !joinDefinition.includes(':')) {
        await calls.ensureJoinJobDefinition(joinDefinition);
      }
      await submitPlan({
        runId, workflow, plan, references, journal, calls, now: services.now, emit,
        concurrency: options.submitConcurrency ?? 8, hooks: options.hooks, retryRound: run.retryRound,
        isCancelled: () => journal.getRun(runId)?.cancelRequested === true || policy.stopped || watchFailure !== undefined, signal: stopping.signal,
      });
      if (watchFailure) {
        // The failure policy cannot act without polls: the run ends rather than going on unguarded.
        throw watchFailure.error;
      }
    } catch (err) {
      if (stopping.signal.aborted) {
        throw err;
      }
      throw await endFailedSubmission(journal, calls, runId, err, services, emit);
    } finally {
      submission.abort();
      await watching;
    }
    if (journal.getRun(runId)?.cancelRequested) {
      // A job in flight when the run was cancelled escaped cancelRun's sweep.
      await stopRemainingJobs(journal, calls, runId, 'terminate', 'batchkit: run cancelled');
    } else if (policy.stopped) {
      await policy.sweep();
    }
    if (journal.getRun(runId)?.status === 'SUBMITTING') {
      journal.setRunStatus(runId, 'RUNNING', services.now());
    }
  })();
  submitted.catch(() => undefined);
  return {
    runId,
    submitted,
    status: () => buildRunReport(journal, runId)!,
    close: () => {
      stopping.abort();
      journal.close();
    },
    wait: async (signal?: AbortSignal) => {
      const onAbort = () => stopping.abort();
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await submitted;
        if (!isFinal(journal.getRun(runId)!)) {
          const status = await trackUntilDone({ ...track(signal), blockedReported: new Map() });
          emit({ type: 'run-finished', runId, status });
        }
        await Promise.all(publishing);
        return buildRunReport(journal, runId)!;
      } catch (err) {
        // Whatever was interrupted (a sleep, a call, a submission), the caller asked to stop.
        throw signal?.aborted ? new WaitAbortedError(runId) : err;
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** Polls the run's submitted jobs while submission goes on, and applies the failure policy to what failed. */
async function watchDuringSubmission(ctx: TrackContext, policy: FailurePolicyGuard, services: RuntimeServices, signal: AbortSignal): Promise<void> {
  const intervalMs = resolvePollOptions(ctx.poll).minIntervalMs;
  while (!signal.aborted && !policy.stopped) {
    try {
      await services.sleep(intervalMs, signal);
    } catch (err) {
      if (signal.aborted) {
        return;
      }
      throw err;
    }
    await policy.onFailed((await pollOnce(ctx)).newlyFailed);
  }
}

/**
 * Ends a run whose submission failed for good: FAILED with the reason in the journal, and
 * what was submitted stopped, so nothing is left running for a run nobody will resume.
 */
async function endFailedSubmission(journal: Journal, calls: BatchCalls, runId: string, cause: unknown, services: RuntimeServices,
  emit: (event: RunEvent) => void): Promise<SubmissionFailedError> {
  const error = new SubmissionFailedError(runId, cause);
  let stopped: string;
  try {
    const count = await stopRemainingJobs(journal, calls, runId, 'terminate', 'batchkit: the run\'s submission failed');
    stopped = `${count} submitted job${count === 1 ? '' : 's'} stopped`;
  } catch (err) {
    stopped = `its submitted jobs could not be stopped: ${describeError(err)}`;
  }
  journal.failRun(runId, `submission failed: ${describeError(cause)}; ${stopped}`, services.now());
  emit({ type: 'run-finished', runId, status: 'FAILED' });
  return error;
}

function reportListenerError(error: unknown): void {
  process.stderr.write(`batchkit: a run event listener failed (the run goes on): ${describeError(error)}\n`);
}

export function callsFor(options: Pick<RunOptions, 'client' | 'backoff' | 'submitsPerSecond' | 'consistencyWindowMs'>, services: RuntimeServices, target: RunTarget,
  emit: (e: RunEvent) => void, runId: string, signal?: AbortSignal): BatchCalls {
  return new BatchCalls({
    client: options.client, services, backoff: options.backoff ?? {}, submitsPerSecond: options.submitsPerSecond ?? 40, signal,
    consistencyWindowMs: options.consistencyWindowMs ?? (target.endpoint === undefined && target.kind !== 'local' ? AWS_CONSISTENCY_WINDOW_MS : 0),
    onRetry: (operation, attempt, delayMs, err) => emit({ type: 'retry', runId, operation, attempt, delayMs, error: describeError(err) }),
  });
}

export function parentsOf(run: RunRecord): Map<string, string[]> {
  return new Map(validateWorkflow(JSON.parse(run.workflowJson)).steps.map((s) => [s.name, s.dependsOn.map((d) => d.step)]));
}

export function isFinal(run: RunRecord): boolean {
  return run.status === 'SUCCEEDED' || run.status === 'FAILED' || run.status === 'CANCELLED';
}

