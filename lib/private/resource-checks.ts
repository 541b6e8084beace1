import { Annotations, Stack } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import { IConstruct } from 'constructs';
import { containerMemoryProblem } from '../../runtime/model/container-resource-rules';
import { OrchestratedCompute, Orchestration, orchestrationProblem, queueOrchestrationProblem } from '../../runtime/model/eks-rules';
import type { CpuArchitecture } from '../../runtime/model/instance-catalog';
import { multiNodeCapableCompute, multiNodeQueueProblem, nodeLayoutProblems } from '../../runtime/model/multi-node-rules';
import { batchNameProblem } from '../../runtime/model/name-rules';
import { JobDescription, PlacementVerdict, QueueDescription, computeOffer, jobResourceProblems, placeOnQueue } from '../../runtime/model/placement';
import { queueFindings } from '../../runtime/model/queue-rules';
import { environmentNameProblems, evaluateOnExitProblems, retryAttemptsProblems, timeoutProblems } from '../../runtime/model/retry-rules';
import { managedEc2ResourceFindings, orchestrationOf } from './compute-resource-checks';
import { Described, cfnComputeOf, describeCompute, describeJobDefinition, displayName } from './describe';
import { describeEksJob } from './eks-checks';

/*
 * The synth-time checks, one function per resource kind, returning findings that
 * `addChecks` turns into validation errors (which fail synth) and warning annotations. The
 * constructs attach them to themselves; the `BatchChecks` aspect attaches them to plain L2
 * resources. The rules themselves live in runtime/model as pure functions.
 */

/** What one check found. */
export interface Findings {
  /** Problems that make a resource fail to deploy or a job never run. */
  readonly errors: string[];
  /** Advice, and checks skipped because a value is a token. */
  readonly warnings: string[];
}

/** Runs `check` when the app is validated: errors fail synth, warnings become annotations on `target`. */
export function addChecks(target: IConstruct, check: () => Findings): void {
  target.node.addValidation({
    validate: () => {
      const findings = check();
      for (const warning of findings.warnings) Annotations.of(target).addWarningV2('batchkit:check', warning);
      return findings.errors;
    },
  });
}

function skippedFor(subject: string, unresolved: readonly string[]): string[] {
  return unresolved.length === 0 ? [] : [`${subject}: skipped checks of ${unresolved.join(', ')}: not known at synth time (a token, or an imported resource)`];
}

// Batch's name rule on a resource's name, when it has one: a name that is a token goes to `unresolved`.
function nameProblems(subject: string, resource: IConstruct, name: unknown, prop: string, unresolved: string[]): string[] {
  if (name === undefined) return [];
  const resolved = Stack.of(resource).resolve(name);
  if (typeof resolved !== 'string') {
    unresolved.push(prop);
    return [];
  }
  const problem = batchNameProblem(resolved);
  return problem ? [`${subject} ${problem}`] : [];
}

/** The compute environments a queue lists, with their orders, as the checks can reach them. */
interface QueueEntry {
  readonly order: number;
  /** The L1 resource, when the compute environment is declared in this app. */
  readonly cfn?: batch.CfnComputeEnvironment;
  /** How to name it when it is not. */
  readonly label: string;
}

function l2QueueEntries(queue: batch.JobQueue): QueueEntry[] {
  return queue.computeEnvironments.map((entry) => ({ order: entry.order, cfn: cfnComputeOf(entry.computeEnvironment), label: entry.computeEnvironment.node.id }));
}

// A bare L1 queue names its compute environments by `Ref`/`Fn::GetAtt`: find them in its stack.
function l1QueueEntries(queue: batch.CfnJobQueue): QueueEntry[] {
  const stack = Stack.of(queue);
  const orders = (stack.resolve(queue.computeEnvironmentOrder) ?? []) as Array<{ computeEnvironment?: unknown; order?: unknown }>;
  const computes = stack.node.findAll().filter((c): c is batch.CfnComputeEnvironment => c instanceof batch.CfnComputeEnvironment);
  return orders.map((entry) => {
    const ref = entry.computeEnvironment as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | string | undefined;
    const logicalId = typeof ref === 'object' ? ref.Ref ?? ref['Fn::GetAtt']?.[0] : undefined;
    const cfn = logicalId ? computes.find((c) => stack.resolve(c.logicalId) === logicalId) : undefined;
    return { order: typeof entry.order === 'number' ? entry.order : NaN, cfn, label: typeof ref === 'string' ? ref : JSON.stringify(ref) };
  });
}

/** A queue's stuck-job time limits as its construct states them, for when its resource cannot carry them. */
export interface StatedTimeLimits {
  /** The limits, in seconds. */
  readonly seconds: number[];
  /** Whether a limit is a token. */
  readonly unresolved: boolean;
}

// The time limits on a queue's resource; the three reasons of one setting give one limit.
function timeLimitsOf(cfnQueue: batch.CfnJobQueue): StatedTimeLimits {
  const actions = (Stack.of(cfnQueue).resolve(cfnQueue.jobStateTimeLimitActions) ?? []) as Array<{ maxTimeSeconds?: unknown }>;
  const seconds = actions.map((a) => a.maxTimeSeconds).filter((s): s is number => typeof s === 'number');
  return { seconds: [...new Set(seconds)], unresolved: seconds.length < actions.length };
}

/**
 * A queue described for the rules, from its L2 construct or, used bare, its L1 resource.
 * `stated` replaces the time limits read from the resource.
 */
export function describeQueue(
  queue: batch.IJobQueue | batch.CfnJobQueue, stated?: StatedTimeLimits,
): Described<QueueDescription & { orders: number[]; orchestrations: Orchestration[]; stateTimeLimitSeconds: number[] }> {
  const name = queue instanceof batch.CfnJobQueue ? displayName(queue) : queue.node.id;
  if (!(queue instanceof batch.JobQueue) && !(queue instanceof batch.CfnJobQueue)) {
    return { unresolved: [`queue '${name}' (imported: its compute environments are unknown)`] };
  }
  const unresolved: string[] = [];
  const computeEnvironments = [];
  const orders: number[] = [];
  const orchestrations: Orchestration[] = [];
  for (const entry of queue instanceof batch.JobQueue ? l2QueueEntries(queue) : l1QueueEntries(queue)) {
    const described = entry.cfn ? describeCompute(entry.cfn) : { unresolved: [`compute environment '${entry.label}' (imported)`] };
    unresolved.push(...described.unresolved);
    if (Number.isNaN(entry.order)) unresolved.push(`order of compute environment '${entry.label}'`);
    if (described.value) {
      computeEnvironments.push(described.value);
      orders.push(entry.order);
      orchestrations.push(orchestrationOf(entry.cfn!));
    }
  }
  const cfnQueue = queue instanceof batch.CfnJobQueue ? queue : queue.node.defaultChild as batch.CfnJobQueue;
  const limits = stated ?? timeLimitsOf(cfnQueue);
  if (limits.unresolved) unresolved.push('jobStateTimeLimitActions.maxTimeSeconds');
  return { value: { name, computeEnvironments, orders, orchestrations, stateTimeLimitSeconds: limits.seconds }, unresolved };
}

/**
 * Queue rules: a valid name, a priority of 0..1000, 1..3 compute environments, distinct orders,
 * one kind, one architecture, time limits (`stated` by the construct, or read from the resource).
 */
export function queueCheck(queue: batch.IJobQueue | batch.CfnJobQueue, stated?: StatedTimeLimits): Findings {
  const described = describeQueue(queue, stated);
  const subject = `queue '${queue instanceof batch.CfnJobQueue ? displayName(queue) : queue.node.id}'`;
  const cfnQueue = queue instanceof batch.CfnJobQueue ? queue : queue.node.defaultChild as batch.CfnJobQueue | undefined;
  const nameUnresolved: string[] = [];
  const errors = cfnQueue ? nameProblems(subject, cfnQueue, cfnQueue.jobQueueName, 'jobQueueName', nameUnresolved) : [];
  const warnings = skippedFor(subject, [...nameUnresolved, ...described.unresolved]);
  if (!described.value) return { errors, warnings };
  const q = described.value;
  // With a compute environment left out as unresolved, the count and mix rules would judge a partial queue.
  if (described.unresolved.length > 0) return { errors, warnings };
  const priority = cfnQueue ? Stack.of(cfnQueue).resolve(cfnQueue.priority) : undefined;
  if (priority !== undefined && typeof priority !== 'number') warnings.push(...skippedFor(subject, ['priority']));
  const findings = queueFindings({
    name: q.name,
    computeEnvironments: q.computeEnvironments.map((compute, i) => ({ compute, order: q.orders[i] })),
    stateTimeLimitSeconds: q.stateTimeLimitSeconds,
    priority: typeof priority === 'number' ? priority : undefined,
  });
  const mixed = queueOrchestrationProblem(q.name, orchestratedComputes(q));
  if (mixed) errors.push(mixed);
  return { errors: [...errors, ...findings.errors], warnings: [...warnings, ...findings.warnings] };
}

/** Compute rules: a valid name; instance types the catalog does not know are reported, never silently passed. */
export function computeCheck(cfn: batch.CfnComputeEnvironment): Findings {
  const described = describeCompute(cfn);
  const subject = `compute environment '${displayName(cfn)}'`;
  const unresolved = [...described.unresolved];
  const errors = nameProblems(subject, cfn, cfn.computeEnvironmentName, 'computeEnvironmentName', unresolved);
  const warnings = skippedFor(subject, unresolved);
  if (described.value) {
    for (const entry of computeOffer(described.value).unknownEntries) {
      warnings.push(`${subject} lists instance type '${entry}' that batchkit's catalog does not know: placement checks cannot judge it`);
    }
    const resource = managedEc2ResourceFindings(cfn, described.value);
    errors.push(...resource.errors);
    warnings.push(...resource.warnings, ...skippedFor(subject, resource.unresolved));
  }
  return { errors, warnings };
}

// Every queue of the app: L2 queues, and L1 queues declared without one.
function appQueues(scope: IConstruct): Array<batch.JobQueue | batch.CfnJobQueue> {
  return scope.node.root.node.findAll().filter((c): c is batch.JobQueue | batch.CfnJobQueue =>
    c instanceof batch.JobQueue || (c instanceof batch.CfnJobQueue && !(c.node.scope instanceof batch.JobQueue)));
}

/**
 * Job definition rules (name, retry, timeout, environment, memory, multi-node layout) and
 * placement: on each bound queue, or, when `queues` is undefined, on at least one queue of the
 * app. `architecture` is what the image needs, when the declaring construct knows it.
 */
export function jobDefinitionCheck(cfn: batch.CfnJobDefinition, queues: readonly batch.IJobQueue[] | undefined, architecture?: CpuArchitecture): Findings {
  const described = describeJobDefinition(cfn, architecture);
  const facts = described.value!;
  const subject = facts.subject;
  const orchestration: Orchestration = cfn.eksProperties === undefined ? 'ECS' : 'EKS';
  const eks = orchestration === 'EKS' ? describeEksJob(cfn, subject) : undefined;
  const unresolved = [...described.unresolved, ...(eks?.unresolved ?? [])];
  const errors = nameProblems(subject, cfn, cfn.jobDefinitionName, 'jobDefinitionName', unresolved);
  const warnings = skippedFor(subject, unresolved);
  const prefixed = (problems: string[]) => problems.map((p) => `${subject} ${p}`);
  if (facts.retryAttempts !== undefined) errors.push(...prefixed(retryAttemptsProblems(facts.retryAttempts)));
  errors.push(...prefixed(evaluateOnExitProblems(facts.evaluateOnExit)));
  if (facts.timeoutSeconds !== undefined) errors.push(...prefixed(timeoutProblems(facts.timeoutSeconds)));
  errors.push(...prefixed(environmentNameProblems(facts.environmentNames)));
  for (const job of facts.jobs) {
    errors.push(...jobResourceProblems(job).map((p) => `${job.subject} ${p}`));
    const memory = containerMemoryProblem(job.memoryMiB);
    if (memory) errors.push(`${job.subject} ${memory}`);
  }
  if (eks) errors.push(...prefixed(eks.problems));
  if (facts.nodes) errors.push(...prefixed(nodeLayoutProblems(facts.nodes.numNodes, facts.nodes.mainNode, facts.nodes.targetNodes)));
  const jobs = eks ? eks.jobs : facts.jobs;
  const placement = queues === undefined
    ? placeAnywhere(cfn, jobs, !!facts.nodes, orchestration)
    : placeOnBound(jobs, queues, !!facts.nodes, subject, orchestration);
  return { errors: [...errors, ...placement.errors], warnings: [...warnings, ...placement.warnings] };
}

/** A queue's compute environments with their orchestrations, for the orchestration rules. */
function orchestratedComputes(queue: QueueDescription & { orchestrations: Orchestration[] }): OrchestratedCompute[] {
  return queue.computeEnvironments.map((ce, i) => ({ name: ce.name, orchestration: queue.orchestrations[i] }));
}

/** The part of a queue that runs jobs of `orchestration`. */
function computeFor(queue: QueueDescription & { orchestrations: Orchestration[] }, orchestration: Orchestration): QueueDescription {
  return { name: queue.name, computeEnvironments: queue.computeEnvironments.filter((_, i) => queue.orchestrations[i] === orchestration) };
}

function verdictOn(job: JobDescription, queue: QueueDescription, multiNode: boolean): PlacementVerdict {
  if (multiNode) {
    const problem = multiNodeQueueProblem(job.subject, queue);
    if (problem) return { status: 'never-fits', reason: problem };
    return placeOnQueue(job, multiNodeCapableCompute(queue));
  }
  return placeOnQueue(job, queue);
}

function placeOnBound(jobs: readonly JobDescription[], queues: readonly batch.IJobQueue[], multiNode: boolean, subject: string, orchestration: Orchestration): Findings {
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const queue of queues) {
    const described = describeQueue(queue);
    warnings.push(...skippedFor(`placement of ${subject} on queue '${queue.node.id}'`, described.unresolved));
    if (!described.value || described.unresolved.length > 0) continue;
    const mismatch = orchestrationProblem(subject, orchestration, described.value.name, orchestratedComputes(described.value));
    if (mismatch) {
      errors.push(mismatch);
      continue;
    }
    for (const job of jobs) {
      const verdict = verdictOn(job, computeFor(described.value, orchestration), multiNode);
      if (verdict.status === 'never-fits') errors.push(verdict.reason);
      if (verdict.status === 'unknown') warnings.push(verdict.reason);
    }
  }
  return { errors, warnings };
}

function placeAnywhere(scope: IConstruct, jobs: readonly JobDescription[], multiNode: boolean, orchestration: Orchestration): Findings {
  const queues = appQueues(scope).map((q) => describeQueue(q)).filter((d) => d.value && d.unresolved.length === 0)
    .map((d) => computeFor(d.value!, orchestration)).filter((q) => q.computeEnvironments.length > 0);
  // An app without (checkable) queues may submit to queues declared elsewhere: nothing to judge.
  if (queues.length === 0) return { errors: [], warnings: [] };
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const job of jobs) {
    const verdicts = queues.map((q) => verdictOn(job, q, multiNode));
    if (verdicts.some((v) => v.status === 'fits')) continue;
    const unknown = verdicts.filter((v) => v.status === 'unknown');
    if (unknown.length > 0) {
      warnings.push(...unknown.map((v) => v.reason));
      continue;
    }
    errors.push(`${job.subject} is bound to no queue and fits none of the app's queues: ${verdicts.map((v) => v.reason).join('; ')}`);
  }
  return { errors, warnings };
}
