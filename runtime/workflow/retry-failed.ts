/**
 * `resume --retry-failed`: steps that FAILED (on their own, cancelled, or interrupted with the
 * local engine) run again as new jobs, with every step that depends on them; steps that
 * succeeded keep their jobs, and the new jobs depend on those job ids as before.
 */
import { BatchCalls } from './batch-calls';
import { Journal } from './journal';
import { Workflow } from './model';
import { RuntimeServices } from './retry';
import { isJobFinished, pollOnce } from './track';

/** What preparing a retry needs. */
export interface RetryPreparation {
  readonly journal: Journal;
  readonly calls: BatchCalls;
  readonly runId: string;
  readonly workflow: Workflow;
  readonly services: RuntimeServices;
  /** Step → the steps it depends on. */
  readonly parentsOf: ReadonlyMap<string, readonly string[]>;
}

/**
 * Brings the journal up to date (one poll of the open jobs), then forgets the jobs of every
 * failed step and of every step downstream of one, stopping those still open, so the next
 * submission creates them anew under new names.
 * @returns the steps that will run again
 */
export async function prepareRetryOfFailedSteps(ctx: RetryPreparation): Promise<string[]> {
  const { journal, runId } = ctx;
  await pollOnce({
    runId, journal, calls: ctx.calls, services: ctx.services, emit: () => undefined, failurePolicy: 'batch-default', poll: {}, parentsOf: ctx.parentsOf,
  });
  const stepJobs = new Map(journal.jobs(runId).filter((j) => j.kind === 'step').map((j) => [j.step, j]));
  const rerun = new Set(ctx.workflow.steps.filter((s) => stepJobs.get(s.name)?.status === 'FAILED').map((s) => s.name));
  // Steps are in an order where parents come first, so one pass collects every dependent.
  for (const step of ctx.workflow.steps) {
    if (step.dependsOn.some((d) => rerun.has(d.step))) {
      rerun.add(step.name);
    }
  }
  for (const job of journal.jobs(runId)) {
    if (rerun.has(job.step) && job.jobId && !isJobFinished(job.status)) {
      // Still waiting on a failed parent (Batch fails it soon) or not yet observed: its new job replaces it.
      await ctx.calls.terminateJob(job.jobId, 'batchkit: replaced by resume --retry-failed');
    }
  }
  journal.forgetStepsForRetry(runId, rerun, ctx.services.now());
  return [...rerun];
}
