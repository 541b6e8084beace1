import type { TemplateResource } from '../../runtime/inspect/cloud-assembly';
import { analyzeBatch, type BatchAnalysis } from './batch-analysis';
import { summarizeGrants, summarizeMonitoringRules, type GrantSummary, type MonitoringRuleSummary } from './permission-summary';
import type { BatchSummarySource } from './template-source';
import { compareText, describeImage, describeTemplateValue } from './template-values';

/** A compute environment as a reviewer reads it. */
export interface ComputeEnvironmentSummary {
  /** Construct path inside the stack (without `/Resource`). */
  readonly path: string;
  /** The custom name, when the environment has one. @default - none: CloudFormation generates it */
  readonly name?: string;
  /** `EC2`, `SPOT`, `FARGATE`, `FARGATE_SPOT` or `UNMANAGED`. */
  readonly kind: string;
  /** `ENABLED` or `DISABLED`. */
  readonly state: string;
  /** Fewest vCPUs kept running. @default - not declared */
  readonly minvCpus?: number;
  /** Most vCPUs (for unmanaged compute: its `unmanagedvCpus`). @default - not declared */
  readonly maxvCpus?: number;
  /** Instance types and families, sorted; for unmanaged compute, those of the attached instances. */
  readonly instanceTypes: string[];
  /** How Batch picks instances. @default - not declared */
  readonly allocationStrategy?: string;
  /** The update policy, e.g. `terminate jobs on update, 30 min job timeout`. @default - not declared */
  readonly updatePolicy?: string;
  /** Whether CloudFormation replaces the environment on a change that cannot be made in place. @default - not declared */
  readonly replaceComputeEnvironment?: boolean;
}

/** A job queue as a reviewer reads it. */
export interface JobQueueSummary {
  /** Construct path inside the stack. */
  readonly path: string;
  /** The custom name. @default - none */
  readonly name?: string;
  /** Scheduling priority. @default - not declared */
  readonly priority?: number;
  /** `ENABLED` or `DISABLED`. */
  readonly state: string;
  /** Compute environments by label, in the order the queue tries them. */
  readonly computeOrder: string[];
  /** Fair-share scheduling policy, by label. @default - none: first in, first out */
  readonly schedulingPolicy?: string;
  /** What happens to jobs stuck in a state, e.g. `RUNNABLE 3600 s: CANCEL (MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT)`. @default - none */
  readonly stuckJobActions?: string[];
}

/** What one container, or one node group of a multi-node job, asks for. */
export interface ContainerSummary {
  /** Node range of a multi-node group, e.g. `1:3`. @default - a container job */
  readonly nodes?: string;
  /** Image; every CDK asset image reads `<asset>`. @default - not declared */
  readonly image?: string;
  /** vCPUs. @default - not declared */
  readonly vcpus?: number;
  /** Memory in MiB. @default - not declared */
  readonly memoryMiB?: number;
  /** GPUs. @default - none */
  readonly gpus?: number;
  /** The instance type a node group must run on. @default - any */
  readonly instanceType?: string;
}

/** A job definition as a reviewer reads it. */
export interface JobDefinitionSummary {
  /** Construct path inside the stack. */
  readonly path: string;
  /** The custom name. @default - none */
  readonly name?: string;
  /** `container` or `multinode`. */
  readonly type: string;
  /** `EC2` or `FARGATE`. */
  readonly platform: string;
  /** Nodes of a multi-node job. @default - not a multi-node job */
  readonly numNodes?: number;
  /** What each container or node group asks for. */
  readonly containers: ContainerSummary[];
  /** Attempts. @default - not declared: one */
  readonly retryAttempts?: number;
  /** Retry conditions, e.g. `RETRY on reason 'Host EC2*'`. @default - none */
  readonly retryConditions?: string[];
  /** Attempt timeout in seconds. @default - none */
  readonly timeoutSeconds?: number;
  /** Queues (by label) on which the placement rules say it can run, sorted. */
  readonly runsOn: string[];
  /** Queues on which it cannot be judged (unknown instance types, unmanaged compute without known instances). @default - none */
  readonly cannotJudgeOn?: string[];
}

/** A fair-share scheduling policy. */
export interface SchedulingPolicySummary {
  /** Construct path inside the stack. */
  readonly path: string;
  /** The custom name. @default - none */
  readonly name?: string;
  /** Share decay in seconds. @default - not declared */
  readonly shareDecaySeconds?: number;
  /** Reserved compute percentage. @default - not declared */
  readonly computeReservation?: number;
  /** Weight of each share identifier, e.g. `team-a=1`, sorted. */
  readonly shares: string[];
}

/**
 * The Batch resources of a stack in reviewable form: plain objects, sorted, named by construct
 * path (or custom name), with no asset hashes or logical ids, so a snapshot diff reads like the change.
 */
export interface BatchSummary {
  readonly computeEnvironments: ComputeEnvironmentSummary[];
  readonly jobQueues: JobQueueSummary[];
  readonly jobDefinitions: JobDefinitionSummary[];
  readonly schedulingPolicies: SchedulingPolicySummary[];
  /** Who may use which Batch actions on what. */
  readonly grants: GrantSummary[];
  /** EventBridge rules and what they match. */
  readonly monitoringRules: MonitoringRuleSummary[];
}

/**
 * Summarizes the Batch resources of a stack, an `assertions.Template` or a template's JSON, for
 * `expect(summarizeBatch(stack)).toMatchSnapshot()`. Give the stack where you can: only the
 * construct tree knows the instances attached to unmanaged compute.
 */
export function summarizeBatch(source: BatchSummarySource): BatchSummary {
  const analysis = analyzeBatch(source);
  const resources = Object.entries(analysis.template.Resources ?? {});
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  return {
    computeEnvironments: byPath(analysis.declared.computeEnvironments.map((ce) => computeEnvironmentSummary(ce, analysis))),
    jobQueues: byPath(ofType('AWS::Batch::JobQueue').map(([id, r]) => jobQueueSummary(id, r, analysis))),
    jobDefinitions: byPath(analysis.declared.jobDefinitions.map((jd) => jobDefinitionSummary(jd, analysis))),
    schedulingPolicies: byPath(ofType('AWS::Batch::SchedulingPolicy').map(([id, r]) => schedulingPolicySummary(id, r, analysis))),
    grants: summarizeGrants(analysis.template, analysis.labels),
    monitoringRules: summarizeMonitoringRules(analysis.template, analysis.labels),
  };
}

type DeclaredComputeEnvironment = BatchAnalysis['declared']['computeEnvironments'][number];
type DeclaredJobDefinition = BatchAnalysis['declared']['jobDefinitions'][number];

function computeEnvironmentSummary(ce: DeclaredComputeEnvironment, analysis: BatchAnalysis): ComputeEnvironmentSummary {
  const props = propertiesOf(analysis, ce.logicalId);
  const compute = (props.ComputeResources ?? {}) as Record<string, unknown>;
  const updatePolicy = props.UpdatePolicy as Record<string, unknown> | undefined;
  return compact({
    path: ce.name,
    name: literalString(props.ComputeEnvironmentName),
    kind: ce.kind,
    state: literalString(props.State) ?? 'ENABLED',
    minvCpus: ce.minvCpus,
    maxvCpus: ce.maxvCpus,
    instanceTypes: [...ce.instanceTypes].sort(),
    allocationStrategy: literalString(compute.AllocationStrategy),
    updatePolicy: updatePolicy ? describeUpdatePolicy(updatePolicy) : undefined,
    replaceComputeEnvironment: typeof props.ReplaceComputeEnvironment === 'boolean' ? props.ReplaceComputeEnvironment : undefined,
  });
}

function jobQueueSummary(logicalId: string, resource: TemplateResource, analysis: BatchAnalysis): JobQueueSummary {
  const props = resource.Properties ?? {};
  const queue = analysis.declared.jobQueues.find((q) => q.logicalId === logicalId)!;
  const stuck = Array.isArray(props.JobStateTimeLimitActions) ? props.JobStateTimeLimitActions as Array<Record<string, unknown>> : [];
  return compact({
    path: queue.name,
    name: literalString(props.JobQueueName),
    priority: queue.priority,
    state: literalString(props.State) ?? 'ENABLED',
    computeOrder: queue.computeEnvironments.map((id) => analysis.labels.get(id) ?? id),
    schedulingPolicy: props.SchedulingPolicyArn === undefined ? undefined : describeTemplateValue(props.SchedulingPolicyArn, analysis.labels),
    stuckJobActions: stuck.length === 0 ? undefined : stuck.map((a) => `${a.State} ${a.MaxTimeSeconds} s: ${a.Action} (${a.Reason})`),
  });
}

function jobDefinitionSummary(jd: DeclaredJobDefinition, analysis: BatchAnalysis): JobDefinitionSummary {
  const props = propertiesOf(analysis, jd.logicalId);
  const images = imagesOf(props, analysis.labels);
  const verdicts = analysis.placements.find((p) => p.jobDefinition === jd.name)?.queues ?? [];
  const conditions = ((props.RetryStrategy as Record<string, unknown> | undefined)?.EvaluateOnExit ?? []) as Array<Record<string, unknown>>;
  const cannotJudgeOn = verdicts.filter((v) => v.status === 'unknown').map((v) => v.queue).sort();
  return compact({
    path: jd.name,
    name: literalString(props.JobDefinitionName),
    type: jd.type,
    platform: jd.platform,
    numNodes: jd.numNodes,
    containers: jd.containers.map((c, index) => compact({
      nodes: c.targetNodes, image: images[index], vcpus: c.vcpus, memoryMiB: c.memoryMiB, gpus: c.gpus, instanceType: c.instanceType,
    })),
    retryAttempts: jd.retryAttempts,
    retryConditions: conditions.length === 0 ? undefined : conditions.map(describeRetryCondition),
    timeoutSeconds: jd.timeoutSeconds,
    runsOn: verdicts.filter((v) => v.status === 'fits').map((v) => v.queue).sort(),
    cannotJudgeOn: cannotJudgeOn.length === 0 ? undefined : cannotJudgeOn,
  });
}

function schedulingPolicySummary(logicalId: string, resource: TemplateResource, analysis: BatchAnalysis): SchedulingPolicySummary {
  const props = resource.Properties ?? {};
  const fairshare = (props.FairsharePolicy ?? {}) as Record<string, unknown>;
  const shares = Array.isArray(fairshare.ShareDistribution) ? fairshare.ShareDistribution as Array<Record<string, unknown>> : [];
  return compact({
    path: analysis.labels.get(logicalId) ?? logicalId,
    name: literalString(props.Name),
    shareDecaySeconds: typeof fairshare.ShareDecaySeconds === 'number' ? fairshare.ShareDecaySeconds : undefined,
    computeReservation: typeof fairshare.ComputeReservation === 'number' ? fairshare.ComputeReservation : undefined,
    shares: shares.map((s) => `${s.ShareIdentifier}=${s.WeightFactor ?? 1}`).sort(),
  });
}

// Container jobs have one image, multi-node jobs one per node group, in the order batch-resources reads them.
function imagesOf(props: Record<string, unknown>, labels: ReadonlyMap<string, string>): Array<string | undefined> {
  const nodeRanges = (props.NodeProperties as Record<string, unknown> | undefined)?.NodeRangeProperties;
  if (Array.isArray(nodeRanges)) {
    return nodeRanges.map((range) => describeImage((range as Record<string, Record<string, unknown> | undefined>).Container?.Image, labels));
  }
  return [describeImage((props.ContainerProperties as Record<string, unknown> | undefined)?.Image, labels)];
}

function describeUpdatePolicy(policy: Record<string, unknown>): string {
  const parts = [policy.TerminateJobsOnUpdate === true ? 'terminate jobs on update' : 'jobs finish before update'];
  if (policy.JobExecutionTimeoutMinutes !== undefined) parts.push(`${policy.JobExecutionTimeoutMinutes} min job timeout`);
  return parts.join(', ');
}

function describeRetryCondition(condition: Record<string, unknown>): string {
  const on = [['exit code', condition.OnExitCode], ['reason', condition.OnReason], ['status reason', condition.OnStatusReason]]
    .filter(([, value]) => value !== undefined)
    .map(([what, value]) => `${what} '${value}'`);
  return `${String(condition.Action).toUpperCase()} on ${on.join(' and ')}`;
}

function propertiesOf(analysis: BatchAnalysis, logicalId: string): Record<string, unknown> {
  return analysis.template.Resources?.[logicalId]?.Properties ?? {};
}

function literalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function byPath<T extends { path: string }>(items: T[]): T[] {
  return items.sort((a, b) => compareText(a.path, b.path));
}

/** Drops members whose value is undefined, so snapshots show only what was declared. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
