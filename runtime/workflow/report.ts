/**
 * A run's status as the CLI shows it, built from the journal alone so it stays available
 * after the submitting process is gone and after Batch has forgotten the jobs.
 */
import { FailureRecord, Journal, RunState, RunTarget } from './journal';
import { validateWorkflow } from './validate';

/** Where a step stands. */
export interface StepReport {
  /** Step name. */
  readonly step: string;
  /** Batch job id. @default - not submitted yet */
  readonly jobId?: string;
  /** Batch job name (`<runId>__<step>`). @default - not submitted yet */
  readonly jobName?: string;
  /** Batch status, or `NOT_SUBMITTED`. */
  readonly status: string;
  /** Array size. @default - not an array step */
  readonly arraySize?: number;
  /** Nodes of a multi-node step, as the workflow overrides them. @default - not overridden, or not multi-node */
  readonly numNodes?: number;
  /** Children per status (array steps). @default - not an array step */
  readonly statusSummary?: Readonly<Record<string, number>>;
  /** Attempts made so far. @default - none yet */
  readonly attempts?: number;
  /** Exit code of the last attempt. @default - none yet */
  readonly exitCode?: number;
  /** Batch's status reason. @default - none */
  readonly statusReason?: string;
  /** CloudWatch log stream of the last attempt (on AWS in log group `/aws/batch/job`). @default - none */
  readonly logStreamName?: string;
}

/** A step that failed on its own, and what failed because of it. */
export interface FailureReport extends Omit<FailureRecord, 'runId'> {
  /** Steps that failed because this one did (transitively). */
  readonly failedDependents: readonly string[];
}

/** A run's status as a whole. */
export interface RunStatusReport {
  /** The run id. */
  readonly runId: string;
  /** The workflow's name. */
  readonly workflowName: string;
  /** State of the run. */
  readonly status: RunState;
  /** Where the jobs went. */
  readonly target: RunTarget;
  /** When the run started (ms since the epoch). */
  readonly createdAt: number;
  /** Last change recorded (ms since the epoch). */
  readonly updatedAt: number;
  /** @default - still running */
  readonly finishedAt?: number;
  /** Why the run ended as it did, when its jobs alone do not say (e.g. its submission failed). @default - none */
  readonly statusReason?: string;
  /** Every step, in definition order. */
  readonly steps: readonly StepReport[];
  /** Steps per status. */
  readonly stepCounts: Readonly<Record<string, number>>;
  /** Jobs per status, array children counted one by one (array parents not counted). */
  readonly jobCounts: Readonly<Record<string, number>>;
  /** Steps that failed on their own, each with the steps that failed because of it. */
  readonly failures: readonly FailureReport[];
}

/** Builds the status report of a run from the journal. */
export function buildRunReport(journal: Journal, runId: string): RunStatusReport | undefined {
  const run = journal.getRun(runId);
  if (!run) {
    return undefined;
  }
  const workflow = validateWorkflow(JSON.parse(run.workflowJson));
  const jobs = new Map(journal.jobs(runId).filter((j) => j.kind === 'step').map((j) => [j.step, j]));
  const steps: StepReport[] = workflow.steps.map((s) => {
    const job = jobs.get(s.name);
    return {
      step: s.name,
      jobId: job?.jobId,
      jobName: job?.jobName,
      status: job?.jobId ? job.status ?? 'SUBMITTED' : 'NOT_SUBMITTED',
      arraySize: job?.arraySize ?? s.definition.arraySize,
      numNodes: s.definition.numNodes,
      statusSummary: job?.statusSummary,
      attempts: job?.attempts,
      exitCode: job?.exitCode,
      statusReason: job?.statusReason,
      logStreamName: job?.logStreamName,
    };
  });
  const stepCounts: Record<string, number> = {};
  const jobCounts: Record<string, number> = {};
  for (const step of steps) {
    stepCounts[step.status] = (stepCounts[step.status] ?? 0) + 1;
    if (step.arraySize !== undefined) {
      const summary = step.statusSummary ?? { [step.status]: step.arraySize };
      for (const [status, count] of Object.entries(summary)) {
        if (count > 0) {
          jobCounts[status] = (jobCounts[status] ?? 0) + count;
        }
      }
    } else {
      jobCounts[step.status] = (jobCounts[step.status] ?? 0) + 1;
    }
  }
  const parentsOf = new Map(workflow.steps.map((s) => [s.name, s.dependsOn.map((d) => d.step)]));
  const statusOf = new Map(steps.map((s) => [s.step, s.status]));
  const rootFailures = steps.filter((s) => s.status === 'FAILED' && !(parentsOf.get(s.step) ?? []).some((p) => statusOf.get(p) === 'FAILED'));
  const details = journal.failures(runId);
  const failures: FailureReport[] = [];
  for (const root of rootFailures) {
    const failedDependents = dependentsOf(root.step, parentsOf).filter((d) => statusOf.get(d) === 'FAILED');
    const recorded = details.filter((f) => f.step === root.step);
    const entries = recorded.length > 0 ? recorded : [{ ...root, jobId: root.jobId ?? '', arrayIndex: undefined, attempt: root.attempts }];
    for (const f of entries) {
      failures.push({
        step: root.step, jobId: f.jobId, arrayIndex: f.arrayIndex, attempt: f.attempt, exitCode: f.exitCode,
        statusReason: f.statusReason, logStreamName: f.logStreamName, failedDependents,
      });
    }
  }
  return {
    runId, workflowName: run.workflowName, status: run.status, target: run.target,
    createdAt: run.createdAt, updatedAt: run.updatedAt, finishedAt: run.finishedAt, statusReason: run.statusReason,
    steps, stepCounts, jobCounts, failures,
  };
}

/** Every step that depends on `step`, directly or not, in definition order. */
function dependentsOf(step: string, parentsOf: ReadonlyMap<string, readonly string[]>): string[] {
  const childrenOf = new Map<string, string[]>();
  for (const [child, parents] of parentsOf) {
    for (const parent of parents) {
      childrenOf.set(parent, [...childrenOf.get(parent) ?? [], child]);
    }
  }
  const reached = new Set<string>();
  const queue = [step];
  for (let i = 0; i < queue.length; i++) {
    for (const child of childrenOf.get(queue[i]) ?? []) {
      if (!reached.has(child)) {
        reached.add(child);
        queue.push(child);
      }
    }
  }
  return [...parentsOf.keys()].filter((s) => reached.has(s));
}
