/**
 * Rules AWS Batch applies to a job queue's compute environments and time-limit actions
 * (1 to 3 compute environments of one kind, one action per reason), as pure functions over plain
 * descriptions so the CDK checks and the runtime share them.
 */
import { integerRange } from './integer-range';
import { ComputeDescription, computeArchitectures } from './placement';

/** `priority` of a job queue among queues sharing compute environments: 0 to 1,000, higher first. */
export const QUEUE_PRIORITY_RANGE = integerRange(0, 1000);

/** Compute environments one queue may hold: 1 to 3. */
export const QUEUE_COMPUTE_ENVIRONMENTS_RANGE = integerRange(1, 3);

/** `maxTimeSeconds` of a job state time-limit action: 600 to 86,400 (ten minutes to a day). */
export const STATE_TIME_LIMIT_SECONDS_RANGE = integerRange(600, 86_400);

/** Most job state time-limit actions one queue may have. */
export const MAX_STATE_TIME_LIMIT_ACTIONS = 5;

/** The reasons a job state time-limit action may name (the Batch API's list). */
export const STATE_TIME_LIMIT_REASONS = [
  'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
  'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
  'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS',
] as const;

/** Whether a compute environment of this kind (`computeResources.type`) runs jobs on Fargate. */
export function isFargateKind(kind: string | undefined): boolean {
  return kind === 'FARGATE' || kind === 'FARGATE_SPOT';
}

/** Whether compute environments of these kinds would mix Fargate with EC2 in one queue, which Batch refuses. */
export function mixesFargateAndEc2(kinds: readonly (string | undefined)[]): boolean {
  return kinds.some(isFargateKind) && kinds.some((kind) => !isFargateKind(kind));
}

/** One compute environment of a queue with its order. */
export interface OrderedCompute {
  /** Position in the queue; lower is tried first. */
  readonly order: number;
  /** The compute environment. */
  readonly compute: ComputeDescription;
}

/** A queue as the queue rules see it. */
export interface QueueRuleInput {
  /** Name used in messages. */
  readonly name: string;
  /** Compute environments with their orders, as declared. */
  readonly computeEnvironments: readonly OrderedCompute[];
  /** `maxTimeSeconds` of each job state time-limit action. */
  readonly stateTimeLimitSeconds: readonly number[];
  /** The queue's priority, when it is known. */
  readonly priority?: number;
}

/** Problems found in one queue: errors make it fail to deploy or never run jobs, warnings are advice. */
export interface QueueFindings {
  /** Problems Batch refuses or that stop jobs from running. */
  readonly errors: string[];
  /** Advice that should not fail a build. */
  readonly warnings: string[];
}

function isFargate(ce: ComputeDescription): boolean {
  return isFargateKind(ce.kind);
}

function names(entries: readonly OrderedCompute[]): string {
  return entries.map((e) => `'${e.compute.name}'`).join(', ');
}

/** Checks one queue: its priority, 1..3 compute environments, distinct orders, one kind, one architecture, valid time limits. */
export function queueFindings(queue: QueueRuleInput): QueueFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const subject = `queue '${queue.name}'`;
  const entries = queue.computeEnvironments;
  if (queue.priority !== undefined && !QUEUE_PRIORITY_RANGE.accepts(queue.priority)) {
    errors.push(`${subject} has priority ${queue.priority} but Batch expects ${QUEUE_PRIORITY_RANGE.expected}`);
  }
  const { min, max } = QUEUE_COMPUTE_ENVIRONMENTS_RANGE;
  if (!QUEUE_COMPUTE_ENVIRONMENTS_RANGE.accepts(entries.length)) {
    errors.push(`${subject} has ${entries.length} compute environments but Batch expects ${min} to ${max}`);
  }
  const byOrder = new Map<number, OrderedCompute[]>();
  for (const entry of entries) byOrder.set(entry.order, [...(byOrder.get(entry.order) ?? []), entry]);
  for (const [order, same] of byOrder) {
    if (same.length > 1) errors.push(`${subject} gives order ${order} to ${same.length} compute environments (${names(same)}) but each order must be distinct`);
  }
  const fargate = entries.filter((e) => isFargate(e.compute));
  const ec2 = entries.filter((e) => !isFargate(e.compute));
  if (mixesFargateAndEc2(entries.map((e) => e.compute.kind))) {
    errors.push(`${subject} mixes Fargate (${names(fargate)}) and EC2 (${names(ec2)}) compute environments but Batch expects one kind`);
  }
  const architectures = ec2.map((e) => ({ entry: e, architectures: computeArchitectures(e.compute) })).filter((a) => a.architectures.length > 0);
  const distinct = new Set(architectures.flatMap((a) => a.architectures));
  if (distinct.size > 1) {
    const detail = architectures.map((a) => `'${a.entry.compute.name}' offers ${a.architectures.join(' and ')}`).join(', ');
    errors.push(`${subject} mixes architectures (${detail}) but expected one architecture`);
  }
  const unmanaged = ec2.filter((e) => e.compute.kind === 'UNMANAGED');
  const managed = ec2.filter((e) => e.compute.kind !== 'UNMANAGED');
  if (unmanaged.length > 0 && managed.length > 0) {
    warnings.push(`${subject} mixes managed (${names(managed)}) and unmanaged (${names(unmanaged)}) compute environments: jobs may wait on instances nobody scales`);
  }
  for (const seconds of queue.stateTimeLimitSeconds) {
    const range = STATE_TIME_LIMIT_SECONDS_RANGE;
    if (!range.accepts(seconds)) {
      errors.push(`${subject} has a job state time limit of ${seconds} seconds but Batch expects ${range.min}..${range.max}`);
    }
  }
  return { errors, warnings };
}

/** Problems with the reasons of a queue's time-limit actions: Batch takes one action per reason. Each names `subject`. */
export function repeatedStuckReasons(subject: string, reasons: readonly string[]): string[] {
  const repeated = [...new Set(reasons.filter((reason, i) => reasons.indexOf(reason) !== i))];
  return repeated.map((reason) => `${subject} gives reason ${reason} more than one time limit but Batch takes one action per reason`);
}
