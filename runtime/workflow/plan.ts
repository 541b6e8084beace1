/**
 * Turns a validated workflow into the list of jobs to submit, in an order where every job's
 * dependencies come first, with join jobs inserted where a step has more dependencies than
 * Batch allows. Pure and deterministic: resume recomputes the same plan from the journal.
 */
import { MAX_JOB_DEPENDENCIES } from '../model/job-rules';
import { DependencyType, Workflow, WorkflowStep } from './model';

/** A dependency of a planned job on another planned job. */
export interface PlannedDependency {
  /** Key of the job waited for. */
  readonly key: string;
  /** How it is waited for. */
  readonly type: DependencyType;
}

/** One job the run submits. */
export interface PlannedJob {
  /** Unique key within the run: the step name, or `<step>__join<n>` for a join job. */
  readonly key: string;
  /** A step's own job, or a join job that gathers dependencies for a step. */
  readonly kind: 'step' | 'join';
  /** The step this job belongs to. */
  readonly step: string;
  /** Queue reference (unresolved). */
  readonly jobQueue: string;
  /** Job definition reference (unresolved). */
  readonly jobDefinition: string;
  /** Jobs this job waits for (at most 20, SEQUENTIAL included). */
  readonly dependsOn: readonly PlannedDependency[];
  /** Whether the job's children run one after another. */
  readonly sequential: boolean;
}

/** The jobs of a run in submission order. */
export interface WorkflowPlan {
  /** Jobs in topological order (parents before children, join jobs before their step). */
  readonly jobs: readonly PlannedJob[];
  /** How many of them are join jobs. */
  readonly joinJobCount: number;
}

/** Separator between run id, step and join index in keys and job names; step names may not contain it. */
export const NAME_SEPARATOR = '__';

/** Plans a validated workflow. */
export function planWorkflow(workflow: Workflow): WorkflowPlan {
  const jobs: PlannedJob[] = [];
  let joinJobCount = 0;
  for (const step of topologicalOrder(workflow.steps)) {
    const joins = planJoins(workflow, step);
    joinJobCount += joins.joinJobs.length;
    jobs.push(...joins.joinJobs);
    jobs.push({
      key: step.name,
      kind: 'step',
      step: step.name,
      jobQueue: step.jobQueue,
      jobDefinition: step.jobDefinition,
      dependsOn: joins.dependsOn,
      sequential: step.definition.sequential === true,
    });
  }
  return { jobs, joinJobCount };
}

/**
 * Reduces a step's whole-step dependencies to what fits beside its N_TO_N and SEQUENTIAL
 * entries. Each join job takes the first parents still unjoined (up to 20) and joins the
 * list at its end, so the fewest join jobs are used and the depth grows as log20 of the
 * parent count. Join jobs keep Batch's semantics: a failed parent fails the join job, which
 * fails the step.
 */
function planJoins(workflow: Workflow, step: WorkflowStep): { joinJobs: PlannedJob[]; dependsOn: PlannedDependency[] } {
  const fixed: PlannedDependency[] = step.dependsOn.filter((d) => d.type === 'N_TO_N').map((d) => ({ key: d.step, type: 'N_TO_N' }));
  let whole: string[] = step.dependsOn.filter((d) => d.type === 'STEP').map((d) => d.step);
  const budget = MAX_JOB_DEPENDENCIES - fixed.length - (step.definition.sequential ? 1 : 0);
  const joinJobs: PlannedJob[] = [];
  while (whole.length > budget) {
    const groupSize = Math.min(MAX_JOB_DEPENDENCIES, whole.length - budget + 1);
    const group = whole.slice(0, groupSize);
    const key = `${step.name}${NAME_SEPARATOR}join${joinJobs.length + 1}`;
    joinJobs.push({
      key,
      kind: 'join',
      step: step.name,
      jobQueue: workflow.joinJobQueue ?? step.jobQueue,
      jobDefinition: workflow.joinJobDefinition,
      dependsOn: group.map((k) => ({ key: k, type: 'STEP' })),
      sequential: false,
    });
    whole = [...whole.slice(groupSize), key];
  }
  return { joinJobs, dependsOn: [...whole.map((k): PlannedDependency => ({ key: k, type: 'STEP' })), ...fixed] };
}

/** Kahn's algorithm, stable in definition order so plans (and job names) are reproducible. */
function topologicalOrder(steps: readonly WorkflowStep[]): WorkflowStep[] {
  const children = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const step of steps) {
    waiting.set(step.name, new Set(step.dependsOn.map((d) => d.step)).size);
    for (const parent of new Set(step.dependsOn.map((d) => d.step))) {
      const list = children.get(parent) ?? [];
      list.push(step.name);
      children.set(parent, list);
    }
  }
  const byName = new Map(steps.map((s) => [s.name, s]));
  const ready = steps.filter((s) => waiting.get(s.name) === 0);
  const order: WorkflowStep[] = [];
  for (let i = 0; i < ready.length; i++) {
    const step = ready[i];
    order.push(step);
    for (const child of children.get(step.name) ?? []) {
      const left = (waiting.get(child) ?? 0) - 1;
      waiting.set(child, left);
      if (left === 0) {
        ready.push(byName.get(child)!);
      }
    }
  }
  return order;
}

/** The Batch job name of a planned job in a run: `<runId>__<key>`, unique per run and step. */
export function jobNameFor(runId: string, key: string, retryRound = 0): string {
  // A step run again after `resume --retry-failed` needs a new name: the old job keeps its own.
  return `${runId}${NAME_SEPARATOR}${key}${retryRound > 0 ? `${NAME_SEPARATOR}r${retryRound}` : ''}`;
}
