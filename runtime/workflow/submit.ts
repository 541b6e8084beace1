/**
 * Submits a run's plan: each job with native `dependsOn` on the job ids of its parents, in
 * topological waves, the intent journalled before SubmitJob and the id after. On resume the
 * same function reconciles intents without an id by name and submits only what never was.
 */
import { ContainerOverrides, SubmitJobRequest } from '@aws-sdk/client-batch';
import { BatchCalls } from './batch-calls';
import { RunEvent } from './events';
import { Journal, JournalledJob } from './journal';
import { Workflow, WorkflowStep } from './model';
import { jobNameFor, PlannedJob, WorkflowPlan } from './plan';
import { referenceKey } from './resolver';
import { throwIfAborted } from './retry';

/**
 * Points in the submission of one job where a test (or an operator's script) can step in,
 * e.g. to kill the process between SubmitJob and the journal write.
 */
export interface SubmitHooks {
  /** After the intent is journalled, before SubmitJob. @default - none */
  readonly beforeSubmit?: (jobName: string) => void | Promise<void>;
  /** After SubmitJob returned, before the id is journalled. @default - none */
  readonly afterSubmit?: (jobName: string, jobId: string) => void | Promise<void>;
}

/** Everything submission needs. */
export interface SubmitContext {
  /** The run. */
  readonly runId: string;
  /** The validated workflow. */
  readonly workflow: Workflow;
  /** Its plan. */
  readonly plan: WorkflowPlan;
  /** Reference key → resolved name or ARN. */
  readonly references: Readonly<Record<string, string>>;
  /** The journal intents and ids go to. */
  readonly journal: Journal;
  /** Batch calls (retries, rate limit). */
  readonly calls: BatchCalls;
  /** The clock. */
  readonly now: () => number;
  /** Reports each submitted job. */
  readonly emit: (event: RunEvent) => void;
  /** SubmitJob calls in flight at once. */
  readonly concurrency: number;
  /** Hooks around SubmitJob. @default - none */
  readonly hooks?: SubmitHooks;
  /** Whether the run was cancelled, or its failure policy stopped it, meanwhile (then nothing more is submitted). */
  readonly isCancelled: () => boolean;
  /** How many times failed steps were run again (`resume --retry-failed`); new job names carry it. @default 0 */
  readonly retryRound?: number;
  /** Stops submitting. @default - never */
  readonly signal?: AbortSignal;
}

/** Submits every planned job that has no job id yet; returns plan key → job id. */
export async function submitPlan(ctx: SubmitContext): Promise<Map<string, string>> {
  const known = new Map(ctx.journal.jobs(ctx.runId).map((j) => [j.key, j]));
  const ids = new Map<string, string>();
  for (const [key, job] of known) {
    if (job.jobId) {
      ids.set(key, job.jobId);
    }
  }
  const steps = new Map(ctx.workflow.steps.map((s) => [s.name, s]));
  for (const wave of waves(ctx.plan)) {
    if (ctx.isCancelled()) {
      break;
    }
    const pending = wave.filter((job) => !ids.has(job.key));
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async () => {
      while (next < pending.length && !failure) {
        throwIfAborted(ctx.signal, ctx.runId);
        if (ctx.isCancelled()) {
          return;
        }
        const job = pending[next++];
        try {
          ids.set(job.key, await submitOne(ctx, job, steps.get(job.step)!, known.get(job.key), ids));
        } catch (error) {
          // The other workers stop too: a submission that failed for good submits nothing more.
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(ctx.concurrency, pending.length) }, worker));
    if (failure) {
      throw failure.error;
    }
  }
  return ids;
}

async function submitOne(ctx: SubmitContext, job: PlannedJob, step: WorkflowStep, journalled: JournalledJob | undefined, ids: Map<string, string>): Promise<string> {
  const jobName = journalled?.jobName ?? jobNameFor(ctx.runId, job.key, ctx.retryRound);
  const jobQueue = ctx.references[referenceKey('jobQueue', job.jobQueue)];
  if (journalled) {
    // The intent was written but the id never was: the process died around SubmitJob.
    const found = await ctx.calls.findLostJob(jobQueue, jobName, journalled.intentAt);
    if (found?.jobId) {
      record(ctx, job, jobName, found.jobId, found.jobArn, true);
      return found.jobId;
    }
  } else {
    ctx.journal.recordIntent({ runId: ctx.runId, key: job.key, jobName, step: job.step, kind: job.kind, jobQueue, intentAt: ctx.now() });
  }
  await ctx.hooks?.beforeSubmit?.(jobName);
  const request = buildSubmitRequest(ctx, job, step, jobName, jobQueue, ids);
  const submitted = await ctx.calls.submitJob(request);
  await ctx.hooks?.afterSubmit?.(jobName, submitted.jobId);
  record(ctx, job, jobName, submitted.jobId, submitted.jobArn, submitted.reconciled);
  return submitted.jobId;
}

function record(ctx: SubmitContext, job: PlannedJob, jobName: string, jobId: string, jobArn: string | undefined, reconciled: boolean): void {
  ctx.journal.recordSubmitted(ctx.runId, job.key, jobId, jobArn, ctx.now());
  ctx.emit({ type: 'job-submitted', runId: ctx.runId, step: job.step, key: job.key, jobId, jobName, reconciled });
}

/** The SubmitJob request of a planned job, with its parents' job ids. */
export function buildSubmitRequest(
  ctx: Pick<SubmitContext, 'references'>, job: PlannedJob, step: WorkflowStep, jobName: string, jobQueue: string, ids: ReadonlyMap<string, string>,
): SubmitJobRequest {
  const dependsOn: NonNullable<SubmitJobRequest['dependsOn']> = job.dependsOn.map((dep) => {
    const jobId = ids.get(dep.key);
    if (!jobId) {
      throw new Error(`internal: job '${job.key}' planned before its dependency '${dep.key}' was submitted`);
    }
    return dep.type === 'N_TO_N' ? { jobId, type: 'N_TO_N' } : { jobId };
  });
  if (job.sequential) {
    dependsOn.push({ type: 'SEQUENTIAL' });
  }
  const base: SubmitJobRequest = {
    jobName,
    jobQueue,
    jobDefinition: ctx.references[referenceKey('jobDefinition', job.jobDefinition)],
    dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
  };
  if (job.kind === 'join') {
    return base;
  }
  const d = step.definition;
  const overrides = containerOverridesOf(step);
  return {
    ...base,
    arrayProperties: d.arraySize !== undefined ? { size: d.arraySize } : undefined,
    // Multi-node jobs take their overrides per node range; every node gets the step's.
    containerOverrides: d.numNodes === undefined ? overrides : undefined,
    nodeOverrides: d.numNodes !== undefined
      ? { numNodes: d.numNodes, nodePropertyOverrides: overrides ? [{ targetNodes: '0:', containerOverrides: overrides }] : undefined }
      : undefined,
    parameters: d.parameters ? { ...d.parameters } : undefined,
    retryStrategy: d.retry ? {
      attempts: d.retry.attempts,
      evaluateOnExit: d.retry.evaluateOnExit?.map((c) => ({ ...c, action: c.action.toUpperCase() as 'RETRY' | 'EXIT' })),
    } : undefined,
    timeout: d.timeoutSeconds !== undefined ? { attemptDurationSeconds: d.timeoutSeconds } : undefined,
    tags: d.tags ? { ...d.tags } : undefined,
  };
}

function containerOverridesOf(step: WorkflowStep): ContainerOverrides | undefined {
  const d = step.definition;
  const resources = ([['VCPU', d.vcpus], ['MEMORY', d.memoryMiB], ['GPU', d.gpus]] as const)
    .filter(([, value]) => value !== undefined)
    .map(([type, value]) => ({ type, value: String(value) }));
  if (!d.command && !d.environment && resources.length === 0) {
    return undefined;
  }
  return {
    command: d.command ? [...d.command] : undefined,
    environment: d.environment ? Object.entries(d.environment).map(([name, value]) => ({ name, value })) : undefined,
    resourceRequirements: resources.length > 0 ? resources : undefined,
  };
}

/** Groups the plan into waves: a job's wave is one more than its latest parent's. */
function waves(plan: WorkflowPlan): PlannedJob[][] {
  const depth = new Map<string, number>();
  const result: PlannedJob[][] = [];
  for (const job of plan.jobs) {
    const level = job.dependsOn.reduce((max, dep) => Math.max(max, (depth.get(dep.key) ?? -1) + 1), 0);
    depth.set(job.key, level);
    (result[level] ??= []).push(job);
  }
  return result;
}
