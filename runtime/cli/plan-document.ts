/**
 * What `batchkit plan` shows: the jobs a run of a workflow would submit (steps, array sizes,
 * join jobs), each queue and job definition resolved and looked up on the target, the `Ref::`
 * parameters each step would leave unfilled, and the Batch calls the run would make. Built
 * from the same plan `run` submits, so what it shows is what `run` does.
 */
import { parameterReferences } from '../model/parameter-rules';
import {
  DESCRIBE_BATCH_SIZE, planWorkflow, referenceKey, resolveAll, type PlannedJob, type ReferenceKind, type ReferenceResolver, type Workflow, type WorkflowPlan,
} from '../workflow';
import { CliError, EXIT_WORK_FAILED } from './exit-codes';
import { checkReferences, definitionCommand, type ReferenceCheck, type ReferenceChecks, type ReferenceLookup } from './plan-references';
import { formatTable, type Output } from './output';

/** A queue or job definition as the plan resolved and found it. */
export interface PlannedReference {
  /** As the workflow writes it: a name, an ARN or `cdk:<construct>`. */
  readonly reference: string;
  /** The name or ARN SubmitJob gets. */
  readonly resolved: string;
  /** `found` on the target, `missing`, or `registered` (the join job definition a run registers when missing). */
  readonly state: 'found' | 'missing' | 'registered';
  /** A queue's state and status, or a job definition's revision. @default - not found */
  readonly detail?: string;
}

/** One step of the plan. */
export interface PlannedStep {
  readonly step: string;
  readonly kind: 'single' | 'array' | 'multi-node';
  /** Children of an array step. @default - not an array step */
  readonly arraySize?: number;
  /** Nodes of a multi-node step, as the workflow overrides them. @default - the job definition's */
  readonly numNodes?: number;
  /** Jobs the step runs: its array children, else 1. */
  readonly jobs: number;
  /** Steps it waits for, with how. */
  readonly dependsOn: ReadonlyArray<{ readonly step: string; readonly type: string }>;
  /** Join jobs it waits for instead of some of its parents. */
  readonly joinJobs: readonly string[];
  readonly jobQueue: PlannedReference;
  readonly jobDefinition: PlannedReference;
  /** Parameters SubmitJob gets: the step's, with `--param` values over them. */
  readonly parameters: Readonly<Record<string, string>>;
}

/** A join job of the plan. */
export interface PlannedJoinJob {
  readonly key: string;
  /** The step it gathers dependencies for. */
  readonly step: string;
  /** The jobs it waits for (steps or earlier join jobs). */
  readonly waitsFor: readonly string[];
  readonly jobQueue: PlannedReference;
  readonly jobDefinition: PlannedReference;
}

/** The `--json` document of `batchkit plan`. */
export interface PlanDocument {
  readonly workflowName: string;
  readonly file: string;
  /** The target the references were resolved and looked up on. */
  readonly target: string;
  readonly steps: readonly PlannedStep[];
  readonly joinJobs: readonly PlannedJoinJob[];
  /** Steps, jobs (array children counted one by one, join jobs included) and join jobs. */
  readonly totals: { readonly steps: number; readonly jobs: number; readonly joinJobs: number };
  /** The Batch calls a run makes: SubmitJob per planned job, the join job definition's registration, DescribeJobs per poll while every job is open. */
  readonly runCalls: { readonly SubmitJob: number; readonly RegisterJobDefinition: number; readonly DescribeJobsPerPoll: number };
  /** The read-only calls this plan made to look the references up. */
  readonly lookupCalls: ReferenceChecks['calls'];
  /** What would make the run fail at once (a missing queue or job definition). */
  readonly problems: readonly string[];
  /** What a run would do that may not be meant (a `Ref::` with no value, a `--param` no step uses). */
  readonly warnings: readonly string[];
}

/** What the plan is built from. */
export interface PlanInputs {
  readonly workflow: Workflow;
  readonly plan: WorkflowPlan;
  readonly file: string;
  readonly target: string;
  /** Reference key (`referenceKey`) to the resolved name or ARN. */
  readonly references: Readonly<Record<string, string>>;
  readonly checks: ReferenceChecks;
  /** Whether a run registers the join job definition when it is missing (`--local`, `--register-join-job-definition`). */
  readonly registersJoinJobDefinition: boolean;
  /** The `--param` values given. */
  readonly params: Readonly<Record<string, string>>;
}

/** Where a plan looks its references up: a resolver for `cdk:` references and read-only Describe calls. */
export interface PlanTarget {
  /** How the plan names the target, e.g. `the local engine (1 template)`. */
  readonly description: string;
  readonly resolver: ReferenceResolver;
  readonly lookup: ReferenceLookup;
}

/**
 * Plans the workflow as `run` would, resolves its queue and job definition references and looks
 * each one up on the target with read-only Describe calls, and builds the plan document.
 * @throws CliError (exit 1) when the target cannot be asked
 */
export async function lookUpPlanDocument(workflow: Workflow, params: Readonly<Record<string, string>>, file: string, target: PlanTarget,
  registersJoinJobDefinition: boolean): Promise<PlanDocument> {
  const plan = planWorkflow(workflow);
  const wanted = plan.jobs.flatMap((j) => [
    { kind: 'jobQueue' as ReferenceKind, reference: j.jobQueue }, { kind: 'jobDefinition' as ReferenceKind, reference: j.jobDefinition },
  ]);
  const references = await resolveAll(target.resolver, wanted);
  const resolvedOf = (kind: ReferenceKind) => wanted.filter((w) => w.kind === kind).map((w) => references[`${kind}:${w.reference}`]);
  const checks = await checkReferences(target.lookup, resolvedOf('jobQueue'), resolvedOf('jobDefinition')).catch((err: unknown) => {
    throw new CliError(`cannot look the workflow's queues and job definitions up on ${target.description}: ${(err as Error).message}`, EXIT_WORK_FAILED);
  });
  return buildPlanDocument({ workflow, plan, file, target: target.description, references, checks, params, registersJoinJobDefinition });
}

/** Builds the plan document. */
export function buildPlanDocument(inputs: PlanInputs): PlanDocument {
  const { workflow, plan, checks } = inputs;
  const joinDefinition = inputs.references[referenceKey('jobDefinition', workflow.joinJobDefinition)];
  const planned = (kind: ReferenceKind, reference: string): PlannedReference => {
    const resolved = inputs.references[referenceKey(kind, reference)];
    const check: ReferenceCheck | undefined = (kind === 'jobQueue' ? checks.jobQueues : checks.jobDefinitions).get(resolved);
    const registered = !check?.found && kind === 'jobDefinition' && resolved === joinDefinition && inputs.registersJoinJobDefinition && !resolved.includes(':');
    return { reference, resolved, state: check?.found ? 'found' : registered ? 'registered' : 'missing', detail: check?.detail };
  };
  const joinJobs = plan.jobs.filter((j) => j.kind === 'join').map((j): PlannedJoinJob => ({
    key: j.key, step: j.step, waitsFor: j.dependsOn.map((d) => d.key),
    jobQueue: planned('jobQueue', j.jobQueue), jobDefinition: planned('jobDefinition', j.jobDefinition),
  }));
  const stepJobs = new Map(plan.jobs.filter((j) => j.kind === 'step').map((j) => [j.step, j]));
  const steps = workflow.steps.map((s): PlannedStep => {
    const d = s.definition;
    return {
      step: s.name,
      kind: d.arraySize !== undefined ? 'array' : d.numNodes !== undefined || isMultiNode(checks, inputs.references, s.jobDefinition) ? 'multi-node' : 'single',
      arraySize: d.arraySize, numNodes: d.numNodes, jobs: d.arraySize ?? 1,
      dependsOn: s.dependsOn.map((dep) => ({ step: dep.step, type: dep.type })),
      joinJobs: joinKeysOf(stepJobs.get(s.name)),
      jobQueue: planned('jobQueue', s.jobQueue), jobDefinition: planned('jobDefinition', s.jobDefinition),
      parameters: d.parameters ?? {},
    };
  });
  const missingJoinDefinition = joinJobs.some((j) => j.jobDefinition.state === 'registered');
  return {
    workflowName: workflow.name, file: inputs.file, target: inputs.target, steps, joinJobs,
    totals: { steps: steps.length, jobs: steps.reduce((sum, s) => sum + s.jobs, 0) + joinJobs.length, joinJobs: joinJobs.length },
    runCalls: { SubmitJob: plan.jobs.length, RegisterJobDefinition: missingJoinDefinition ? 1 : 0, DescribeJobsPerPoll: Math.ceil(plan.jobs.length / DESCRIBE_BATCH_SIZE) },
    lookupCalls: checks.calls,
    problems: problemsOf(steps, joinJobs),
    warnings: parameterWarnings(inputs, steps),
  };
}

/** Prints the plan for people. */
export function printPlanDocument(doc: PlanDocument, output: Output): void {
  const { bold, dim, red, yellow } = output.style;
  const ref = (r: PlannedReference) => {
    const name = shortName(r.resolved);
    const shown = r.reference === r.resolved || r.reference === name ? name : `${r.reference} → ${name}`;
    return r.state === 'missing' ? red(`${shown} (missing)`) : r.state === 'registered' ? `${shown} (registered by the run)` : shown;
  };
  const joins = doc.totals.joinJobs > 0 ? `, ${doc.totals.joinJobs} join job${doc.totals.joinJobs === 1 ? '' : 's'}` : '';
  output.plain(`${bold(`Plan of ${doc.workflowName}`)} (${doc.file}) on ${doc.target}: ${doc.totals.steps} steps, ${doc.totals.jobs} jobs${joins}`);
  output.plain('');
  const rows = doc.steps.map((s) => [
    s.step,
    s.kind === 'array' ? `array ${s.arraySize}` : s.kind === 'multi-node' ? `${s.numNodes ?? ''} nodes`.trim() : 'single',
    dependenciesText(s.dependsOn),
    ref(s.jobQueue),
    ref(s.jobDefinition),
  ]);
  for (const line of formatTable(['step', 'kind', 'waits for', 'queue', 'job definition'], rows)) output.plain(`  ${line}`);
  if (doc.joinJobs.length > 0) {
    output.plain('');
    output.plain(bold('Join jobs') + dim(` (Batch takes at most 20 dependencies a job)`));
    for (const j of doc.joinJobs) output.plain(`  ${j.key}: waits for ${j.waitsFor.length} (${j.waitsFor.join(', ')}); on ${ref(j.jobQueue)} with ${ref(j.jobDefinition)}`);
  }
  const withParams = doc.steps.filter((s) => Object.keys(s.parameters).length > 0);
  if (withParams.length > 0) {
    output.plain('');
    output.plain(bold('Parameters'));
    for (const s of withParams) output.plain(`  ${s.step}: ${Object.entries(s.parameters).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  output.plain('');
  output.plain(bold('Batch calls of a run'));
  output.plain(`  SubmitJob              ${doc.runCalls.SubmitJob}`);
  if (doc.runCalls.RegisterJobDefinition > 0) output.plain(`  RegisterJobDefinition  ${doc.runCalls.RegisterJobDefinition} (the join job definition is missing)`);
  output.plain(`  DescribeJobs           at most ${doc.runCalls.DescribeJobsPerPoll} a poll (${DESCRIBE_BATCH_SIZE} jobs a call; an array step is one job), fewer as jobs end`);
  output.plain(dim(`looked up with ${doc.lookupCalls.DescribeJobQueues} DescribeJobQueues and ${doc.lookupCalls.DescribeJobDefinitions} DescribeJobDefinitions call(s); nothing was submitted`));
  for (const warning of doc.warnings) output.warn(yellow(`warning: ${warning}`));
  for (const problem of doc.problems) output.warn(red(`error: ${problem}`));
}

/** At most this many dependencies are named in a step's row; the rest are counted, so a fan-in step keeps the table narrow (`--json` lists them all). */
const DEPENDENCIES_NAMED = 3;

function dependenciesText(dependsOn: PlannedStep['dependsOn']): string {
  const names = dependsOn.map((d) => (d.type === 'N_TO_N' ? `${d.step} (n-to-n)` : d.step));
  if (names.length === 0) return '-';
  if (names.length <= DEPENDENCIES_NAMED + 1) return names.join(', ');
  return `${names.slice(0, DEPENDENCIES_NAMED).join(', ')} and ${names.length - DEPENDENCIES_NAMED} more`;
}

/** `arn:...:job-queue/name` as `name`, `arn:...:job-definition/name:3` as `name:3`: the ARN's account and region say nothing new here. */
function shortName(resolved: string): string {
  return resolved.replace(/^arn:[^:]*:batch:[^:]*:[^:]*:(job-queue|job-definition)\//, '');
}

function joinKeysOf(job: PlannedJob | undefined): string[] {
  return (job?.dependsOn ?? []).filter((d) => d.key.includes('__join')).map((d) => d.key);
}

function isMultiNode(checks: ReferenceChecks, references: Readonly<Record<string, string>>, reference: string): boolean {
  return checks.jobDefinitions.get(references[referenceKey('jobDefinition', reference)])?.jobDefinition?.type === 'multinode';
}

function problemsOf(steps: readonly PlannedStep[], joinJobs: readonly PlannedJoinJob[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const missing = (owner: string, what: string, r: PlannedReference) => {
    const key = `${what}:${r.resolved}`;
    if (r.state !== 'missing' || seen.has(key)) return;
    seen.add(key);
    const resolvedFrom = r.reference === r.resolved ? '' : ` (resolved from '${r.reference}')`;
    const expected = what === 'job queue' ? 'the name or ARN of an existing job queue' : 'a job definition with an ACTIVE revision';
    problems.push(`${owner} names ${what} '${r.resolved}'${resolvedFrom}, which the target does not have; expected ${expected}`);
  };
  for (const s of steps) {
    missing(`step '${s.step}'`, 'job queue', s.jobQueue);
    missing(`step '${s.step}'`, 'job definition', s.jobDefinition);
  }
  for (const j of joinJobs) {
    missing(`join job '${j.key}'`, 'job queue', j.jobQueue);
    missing(`join job '${j.key}'`, 'job definition', j.jobDefinition);
  }
  return problems;
}

/**
 * A `Ref::` token with no value from `--param`, the step or the job definition reaches the
 * container as written, which is seldom meant; a `--param` no command refers to does nothing.
 */
function parameterWarnings(inputs: PlanInputs, steps: readonly PlannedStep[]): string[] {
  const warnings: string[] = [];
  const used = new Set<string>();
  let allKnown = true;
  for (const s of steps) {
    const definition = inputs.checks.jobDefinitions.get(s.jobDefinition.resolved)?.jobDefinition;
    const step = inputs.workflow.steps.find((w) => w.name === s.step)!;
    if (!definition && !step.definition.command) {
      allKnown = false;
      continue;
    }
    const names = parameterReferences(step.definition.command ?? definitionCommand(definition));
    names.forEach((name) => used.add(name));
    const values = { ...definition?.parameters, ...s.parameters };
    const unfilled = names.filter((name) => values[name] === undefined);
    if (unfilled.length > 0) {
      warnings.push(`step '${s.step}' has no value for ${unfilled.map((n) => `Ref::${n}`).join(', ')}; Batch passes the token as written (give --param ${unfilled[0]}=<value>)`);
    }
  }
  if (allKnown) {
    for (const key of Object.keys(inputs.params).filter((k) => !used.has(k))) {
      warnings.push(`--param ${key} is not used: no step's command has Ref::${key}`);
    }
  }
  return warnings;
}
