/**
 * AWS Batch ARNs, built and parsed the way AWS spells them, so resources created by the local
 * engine are addressable by name or ARN exactly as on AWS.
 */

/** The Batch resource types that have ARNs. */
export type BatchResourceType = 'job' | 'job-queue' | 'compute-environment' | 'job-definition' | 'scheduling-policy' | 'consumable-resource';

/** Where ARNs are minted: the partition is always `aws` for the local engine. */
export interface ArnScope {
  /** Region part of the ARN, e.g. `us-east-1`. */
  readonly region: string;
  /** Twelve-digit account id. */
  readonly accountId: string;
}

/** The parts of a Batch ARN. */
export interface ParsedBatchArn {
  /** Partition, e.g. `aws`. */
  readonly partition: string;
  /** Region part. */
  readonly region: string;
  /** Account part. */
  readonly accountId: string;
  /** Resource type, e.g. `job-queue`. */
  readonly resourceType: BatchResourceType;
  /** What follows the type: a name, a job id, or `name:revision` for job definitions. */
  readonly resourceName: string;
}

const BATCH_ARN = /^arn:(aws[a-z-]*):batch:([a-z0-9-]+):(\d{12}):(job|job-queue|compute-environment|job-definition|scheduling-policy|consumable-resource)\/(.+)$/;

/** ARN of a job (or an array child `<id>:<index>`, or a node `<id>#<n>`). */
export function jobArn(scope: ArnScope, jobId: string): string {
  return batchArn(scope, 'job', jobId);
}

/** ARN of a job queue. */
export function jobQueueArn(scope: ArnScope, name: string): string {
  return batchArn(scope, 'job-queue', name);
}

/** ARN of a compute environment. */
export function computeEnvironmentArn(scope: ArnScope, name: string): string {
  return batchArn(scope, 'compute-environment', name);
}

/** ARN of one revision of a job definition. */
export function jobDefinitionArn(scope: ArnScope, name: string, revision: number): string {
  return batchArn(scope, 'job-definition', `${name}:${revision}`);
}

/** ARN of a scheduling policy. */
export function schedulingPolicyArn(scope: ArnScope, name: string): string {
  return batchArn(scope, 'scheduling-policy', name);
}

/** ARN of a consumable resource. */
export function consumableResourceArn(scope: ArnScope, name: string): string {
  return batchArn(scope, 'consumable-resource', name);
}

/** Builds `arn:aws:batch:<region>:<account>:<type>/<name>`. */
export function batchArn(scope: ArnScope, resourceType: BatchResourceType, resourceName: string): string {
  return `arn:aws:batch:${scope.region}:${scope.accountId}:${resourceType}/${resourceName}`;
}

/** Splits a Batch ARN into its parts; `undefined` when the string is not a Batch ARN. */
export function parseBatchArn(arn: string): ParsedBatchArn | undefined {
  const match = BATCH_ARN.exec(arn);
  if (!match) {
    return undefined;
  }
  return {
    partition: match[1],
    region: match[2],
    accountId: match[3],
    resourceType: match[4] as BatchResourceType,
    resourceName: match[5],
  };
}

/**
 * Splits a Batch ARN of the scope's region and account; `undefined` for any other string. AWS
 * regions and accounts are separate: an ARN of another one names nothing here.
 */
export function parseScopedArn(arn: string, scope: ArnScope): ParsedBatchArn | undefined {
  const parsed = parseBatchArn(arn);
  return parsed && parsed.region === scope.region && parsed.accountId === scope.accountId ? parsed : undefined;
}

/**
 * The name in a reference that AWS accepts as "name or ARN": the ARN's resource name when it is
 * an ARN of the expected type (and, with a scope, of that scope's region and account), the string
 * itself when it is not an ARN at all, `undefined` otherwise.
 */
export function nameFromReference(reference: string, resourceType: BatchResourceType, scope?: ArnScope): string | undefined {
  if (!reference.startsWith('arn:')) {
    return reference;
  }
  const parsed = scope ? parseScopedArn(reference, scope) : parseBatchArn(reference);
  return parsed?.resourceType === resourceType ? parsed.resourceName : undefined;
}
