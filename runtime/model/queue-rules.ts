/**
 * Rules AWS Batch applies to a job queue's compute environments and time-limit actions
 * (1 to 3 compute environments of one kind, one action per reason), as pure functions over plain
 * descriptions so the CDK checks and the runtime share them.
 */
import { ComputeDescription, computeArchitectures } from './placement';

/** Fewest and most compute environments one queue may hold. */
export const QUEUE_COMPUTE_ENVIRONMENTS_RANGE = { min: 1, max: 3 } as const;

/** Shortest and longest `maxTimeSeconds` of a job state time-limit action. */
export const STATE_TIME_LIMIT_SECONDS_RANGE = { min: 600, max: 86400 } as const;

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
}

/** Problems found in one queue: errors make it fail to deploy or never run jobs, warnings are advice. */
export interface QueueFindings {
  /** Problems Batch refuses or that stop jobs from running. */
  readonly errors: string[];
  /** Advice that should not fail a build. */
  readonly warnings: string[];
}

function isFargate(ce: ComputeDescription): boolean {
  return ce.kind === 'FARGATE' || ce.kind === 'FARGATE_SPOT';
}

function names(entries: readonly OrderedCompute[]): string {
  return entries.map((e) => `'${e.compute.name}'`).join(', ');
}

/** Checks one queue: 1..3 compute environments, distinct orders, one kind, one architecture, valid time limits. */
export function queueFindings(queue: QueueRuleInput): QueueFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const subject = `queue '${queue.name}'`;
  const entries = queue.computeEnvironments;
  const { min, max } = QUEUE_COMPUTE_ENVIRONMENTS_RANGE;
  if (entries.length < min || entries.length > max) {
    errors.push(`${subject} has ${entries.length} compute environments but Batch expects ${min} to ${max}`);
  }
  const byOrder = new Map<number, OrderedCompute[]>();
  for (const entry of entries) byOrder.set(entry.order, [...(byOrder.get(entry.order) ?? []), entry]);
  for (const [order, same] of byOrder) {
    if (same.length > 1) errors.push(`${subject} gives order ${order} to ${same.length} compute environments (${names(same)}) but each order must be distinct`);
  }
  const fargate = entries.filter((e) => isFargate(e.compute));
  const ec2 = entries.filter((e) => !isFargate(e.compute));
  if (fargate.length > 0 && ec2.length > 0) {
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
    if (seconds < range.min || seconds > range.max) {
      errors.push(`${subject} has a job state time limit of ${seconds} seconds but Batch expects ${range.min}..${range.max}`);
    }
  }
  return { errors, warnings };
}
