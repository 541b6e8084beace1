import type { BatchSummary, ComputeEnvironmentSummary, ContainerSummary, JobDefinitionSummary, JobQueueSummary, SchedulingPolicySummary } from './batch-summary';
import type { GrantSummary, MonitoringRuleSummary } from './permission-summary';

/**
 * The summary as text, one line per resource, so a changed setting shows in a snapshot diff as
 * one changed line that names the resource:
 *
 * ```text
 * compute environments
 *   OnDemand: EC2, 0-256 vCPUs, instance types c6i, m6i, BEST_FIT_PROGRESSIVE
 * ```
 */
export function renderBatchSummary(summary: BatchSummary): string {
  return [
    ...section('compute environments', summary.computeEnvironments.map(computeEnvironmentLine)),
    ...section('job queues', summary.jobQueues.map(jobQueueLine)),
    ...section('job definitions', summary.jobDefinitions.map(jobDefinitionLine)),
    ...section('scheduling policies', summary.schedulingPolicies.map(schedulingPolicyLine)),
    ...section('grants', summary.grants.map(grantLine)),
    ...section('monitoring rules', summary.monitoringRules.map(monitoringRuleLine)),
  ].join('\n');
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [title, ...lines.map((line) => `  ${line}`)];
}

function computeEnvironmentLine(ce: ComputeEnvironmentSummary): string {
  return `${title(ce)}: ${details([
    ce.kind,
    `${ce.minvCpus ?? 0}-${ce.maxvCpus ?? '?'} vCPUs`,
    ce.instanceTypes.length > 0 ? `instance types ${ce.instanceTypes.join(', ')}` : undefined,
    ce.allocationStrategy,
    ce.updatePolicy,
    ce.replaceComputeEnvironment === false ? 'never replaced' : undefined,
    ce.state === 'ENABLED' ? undefined : ce.state,
  ])}`;
}

function jobQueueLine(queue: JobQueueSummary): string {
  return `${title(queue)}: ${details([
    `priority ${queue.priority ?? '?'}`,
    `compute ${queue.computeOrder.join(' > ') || 'none'}`,
    queue.schedulingPolicy ? `fair share ${queue.schedulingPolicy}` : undefined,
    ...groupedStuckJobActions(queue.stuckJobActions ?? []),
    queue.state === 'ENABLED' ? undefined : queue.state,
  ])}`;
}

// `RUNNABLE 3600 s: CANCEL (A)` and `RUNNABLE 3600 s: CANCEL (B)` read as `stuck RUNNABLE 3600 s: CANCEL (A, B)`.
function groupedStuckJobActions(actions: string[]): string[] {
  const reasonsByAction = new Map<string, string[]>();
  for (const action of actions) {
    const [, what, reason] = /^(.*?) \((.*)\)$/.exec(action) ?? [action, action, ''];
    reasonsByAction.set(what, [...(reasonsByAction.get(what) ?? []), ...(reason ? [reason] : [])]);
  }
  return [...reasonsByAction].map(([what, reasons]) => `stuck ${what}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`);
}

function jobDefinitionLine(jd: JobDefinitionSummary): string {
  return `${title(jd)}: ${details([
    jd.numNodes === undefined ? `${jd.type} on ${jd.platform}` : `${jd.type} of ${jd.numNodes} nodes on ${jd.platform}`,
    jd.containers.map(containerText).join('; '),
    jd.retryAttempts === undefined ? undefined : `${jd.retryAttempts} attempts`,
    ...(jd.retryConditions ?? []),
    jd.timeoutSeconds === undefined ? undefined : `timeout ${jd.timeoutSeconds} s`,
    `runs on ${jd.runsOn.join(', ') || 'no queue'}`,
    jd.cannotJudgeOn ? `cannot be judged on ${jd.cannotJudgeOn.join(', ')}` : undefined,
  ])}`;
}

function containerText(container: ContainerSummary): string {
  return details([
    container.nodes === undefined ? undefined : `nodes ${container.nodes}`,
    `${container.vcpus ?? '?'} vCPUs`,
    `${container.memoryMiB ?? '?'} MiB`,
    container.gpus ? `${container.gpus} GPUs` : undefined,
    container.instanceType,
    container.image === undefined ? undefined : `image ${container.image}`,
  ]);
}

function schedulingPolicyLine(policy: SchedulingPolicySummary): string {
  return `${title(policy)}: ${details([
    policy.shareDecaySeconds === undefined ? undefined : `share decay ${policy.shareDecaySeconds} s`,
    policy.computeReservation === undefined ? undefined : `compute reservation ${policy.computeReservation}`,
    `shares ${policy.shares.join(', ') || 'none'}`,
  ])}`;
}

function grantLine(grant: GrantSummary): string {
  return `${grant.principal}: ${grant.actions.join(', ')} on ${grant.resources.join(', ')}${grant.condition ? ` when ${grant.condition}` : ''}`;
}

function monitoringRuleLine(rule: MonitoringRuleSummary): string {
  return `${rule.path}: ${rule.pattern.join('; ')} -> ${rule.targets.join(', ') || 'no target'}${rule.state === 'ENABLED' ? '' : ` (${rule.state})`}`;
}

function title(resource: { path: string; name?: string }): string {
  return resource.name === undefined ? resource.path : `${resource.path} (${resource.name})`;
}

function details(parts: Array<string | undefined>): string {
  return parts.filter((p): p is string => p !== undefined && p !== '').join(', ');
}
