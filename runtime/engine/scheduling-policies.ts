/**
 * Scheduling policies of the local engine: CreateSchedulingPolicy and its siblings, with the
 * limits of the Batch API model, and the weight a fair-share policy gives a share identifier.
 */
import type * as batch from '@aws-sdk/client-batch';
import { ArnScope, nameFromReference, schedulingPolicyArn } from '../model/arns';
import {
  COMPUTE_RESERVATION_RANGE, DEFAULT_WEIGHT_FACTOR, MAX_SHARE_DISTRIBUTION, SHARE_DECAY_SECONDS_RANGE, SHARE_IDENTIFIER_EXPECTED,
  WEIGHT_FACTOR_RANGE, isShareIdentifier, isWeightFactor, shareIdentifiersOverlap,
} from '../model/fair-share-rules';
import { checkName, checkTags, invalid, requireString, shown } from './errors';
import { checkInRange, definedOnly, paginate } from './request-checks';

/** Called after every change so the store can persist it (`detail` undefined = deleted). */
export type PolicyChangeListener = (key: string, detail: batch.SchedulingPolicyDetail | undefined) => void;

/** Holds the engine's scheduling policies, by name. */
export class SchedulingPolicyRegistry {
  /** Scheduling policies by name. */
  public readonly policies = new Map<string, batch.SchedulingPolicyDetail>();

  /**
   * @param scope region and account of the ARNs
   * @param onChange persists a change
   * @param usedBy the name of a job queue that uses the policy ARN, if any
   */
  constructor(
    private readonly scope: ArnScope,
    private readonly onChange: PolicyChangeListener,
    private readonly usedBy: (arn: string) => string | undefined,
  ) {}

  /** Puts back a policy read from the store. */
  public restore(detail: batch.SchedulingPolicyDetail): void {
    this.policies.set(detail.name!, detail);
  }

  /** CreateSchedulingPolicy. */
  public create(input: batch.CreateSchedulingPolicyRequest): batch.CreateSchedulingPolicyResponse {
    const name = checkName(input.name, 'name');
    if (this.policies.has(name)) {
      invalid(`scheduling policy ${shown(name)} already exists`);
    }
    refuseQuotaShare(input.quotaSharePolicy);
    const arn = schedulingPolicyArn(this.scope, name);
    const detail: batch.SchedulingPolicyDetail = {
      name,
      arn,
      fairsharePolicy: checkFairsharePolicy(input.fairsharePolicy ?? {}),
      tags: checkTags(input.tags, 'tags') ?? {},
    };
    this.policies.set(name, detail);
    this.onChange(name, detail);
    return { name, arn };
  }

  /** DescribeSchedulingPolicies: up to 100 ARNs; unknown ones are left out. */
  public describe(input: batch.DescribeSchedulingPoliciesRequest): batch.DescribeSchedulingPoliciesResponse {
    if (!Array.isArray(input.arns) || input.arns.length > 100) {
      invalid(`arns is required: given ${shown(input.arns)}, expected a list of up to 100 scheduling policy ARNs`);
    }
    return { schedulingPolicies: input.arns.map((arn) => this.find(arn)).filter((policy): policy is batch.SchedulingPolicyDetail => policy !== undefined) };
  }

  /** ListSchedulingPolicies: ARNs, with AWS's pagination. */
  public list(input: batch.ListSchedulingPoliciesRequest): batch.ListSchedulingPoliciesResponse {
    const page = paginate([...this.policies.values()], input.maxResults, input.nextToken);
    return { schedulingPolicies: page.items.map((policy) => ({ arn: policy.arn })), nextToken: page.nextToken };
  }

  /** UpdateSchedulingPolicy: the fair-share policy given replaces the old one; queues using it follow at once. */
  public update(input: batch.UpdateSchedulingPolicyRequest): batch.UpdateSchedulingPolicyResponse {
    const policy = this.require(requireString(input.arn, 'arn'), 'arn');
    refuseQuotaShare(input.quotaSharePolicy);
    const updated = { ...policy, fairsharePolicy: input.fairsharePolicy ? checkFairsharePolicy(input.fairsharePolicy) : policy.fairsharePolicy };
    this.policies.set(policy.name!, updated);
    this.onChange(policy.name!, updated);
    return {};
  }

  /** DeleteSchedulingPolicy: refused while a job queue uses the policy, as AWS does. */
  public delete(input: batch.DeleteSchedulingPolicyRequest): batch.DeleteSchedulingPolicyResponse {
    const policy = this.require(requireString(input.arn, 'arn'), 'arn');
    const queue = this.usedBy(policy.arn!);
    if (queue !== undefined) {
      invalid(`scheduling policy ${shown(policy.name)} is used by job queue ${shown(queue)}: give the queue another policy or delete it first`);
    }
    this.policies.delete(policy.name!);
    this.onChange(policy.name!, undefined);
    return {};
  }

  /** A policy by ARN (of this engine's region and account). */
  public find(arn: string): batch.SchedulingPolicyDetail | undefined {
    // AWS names scheduling policies by ARN only: a bare name is not a reference here.
    const name = arn.startsWith('arn:') ? nameFromReference(arn, 'scheduling-policy', this.scope) : undefined;
    return name === undefined ? undefined : this.policies.get(name);
  }

  /** A policy by ARN, or a ClientException naming the field and the reference. */
  public require(arn: string, field: string): batch.SchedulingPolicyDetail {
    return this.find(arn)
      ?? invalid(`${field} ${shown(arn)} names no scheduling policy: expected the ARN of an existing one, like ${schedulingPolicyArn(this.scope, 'name')}`);
  }
}

/**
 * The weight factor a fair-share policy gives a share identifier: its own entry, else the entry
 * of the longest prefix (`name*`) it starts with, else 1. A lower weight gets more capacity.
 */
export function weightFactorOf(policy: batch.FairsharePolicy | undefined, shareIdentifier: string): number {
  let best: batch.ShareAttributes | undefined;
  for (const entry of policy?.shareDistribution ?? []) {
    const identifier = entry.shareIdentifier!;
    if (identifier === shareIdentifier) {
      return entry.weightFactor ?? DEFAULT_WEIGHT_FACTOR;
    }
    if (identifier.endsWith('*') && shareIdentifier.startsWith(identifier.slice(0, -1))
      && (!best || identifier.length > best.shareIdentifier!.length)) {
      best = entry;
    }
  }
  return best?.weightFactor ?? DEFAULT_WEIGHT_FACTOR;
}

/** Checks a job's `shareIdentifier` the way a policy's identifiers are checked. */
export function checkShareIdentifier(value: unknown, field: string): string {
  const identifier = requireString(value, field);
  if (!isShareIdentifier(identifier)) {
    invalid(`${field} ${shown(identifier)} is not a share identifier: expected ${SHARE_IDENTIFIER_EXPECTED}`);
  }
  return identifier;
}

function checkFairsharePolicy(policy: batch.FairsharePolicy): batch.FairsharePolicy {
  checkInRange(policy.shareDecaySeconds, 'fairsharePolicy.shareDecaySeconds', SHARE_DECAY_SECONDS_RANGE);
  checkInRange(policy.computeReservation, 'fairsharePolicy.computeReservation', COMPUTE_RESERVATION_RANGE);
  const distribution = policy.shareDistribution;
  if (distribution !== undefined && (!Array.isArray(distribution) || distribution.length > MAX_SHARE_DISTRIBUTION)) {
    invalid(`fairsharePolicy.shareDistribution must be a list of at most ${MAX_SHARE_DISTRIBUTION} entries: given ${Array.isArray(distribution) ? `${distribution.length} entries` : shown(distribution)}`);
  }
  const identifiers: string[] = [];
  (distribution ?? []).forEach((entry, index) => {
    const field = `fairsharePolicy.shareDistribution[${index}]`;
    const identifier = checkShareIdentifier(entry?.shareIdentifier, `${field}.shareIdentifier`);
    const weight = entry.weightFactor;
    if (weight !== undefined && !isWeightFactor(weight)) {
      invalid(`${field}.weightFactor must be a number from ${WEIGHT_FACTOR_RANGE.min} to ${WEIGHT_FACTOR_RANGE.max}: given ${shown(weight)}`);
    }
    const overlapping = identifiers.find((other) => shareIdentifiersOverlap(other, identifier));
    if (overlapping !== undefined) {
      invalid(`${field}.shareIdentifier ${shown(identifier)} overlaps ${shown(overlapping)}: expected share identifiers that no other entry (or prefix*) covers`);
    }
    identifiers.push(identifier);
  });
  return definedOnly(policy);
}

function refuseQuotaShare(policy: unknown): void {
  if (policy !== undefined) {
    invalid('quotaSharePolicy cannot be used with the local engine: quota shares are not modelled, expected a fairsharePolicy');
  }
}
