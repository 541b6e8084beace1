/**
 * Checks and helpers for the resource operations: queue time-limit actions, multi-node job
 * definitions, partial updates and pagination of Describe* results.
 */
import type * as batch from '@aws-sdk/client-batch';
import { checkInteger, invalid, requireInteger, requireOneOf, shown } from './errors';

/** The reasons a `jobStateTimeLimitActions` entry may name (the Batch API's list). */
export const TIME_LIMIT_REASONS = [
  'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT',
  'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE',
  'CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY',
  'MISCONFIGURATION:SERVICE_ROLE_PERMISSIONS',
] as const;

/** Checks a queue's time-limit actions: at most 5, state RUNNABLE, action CANCEL, 600..86,400 seconds. */
export function checkTimeLimitActions(actions: batch.JobStateTimeLimitAction[] | undefined): batch.JobStateTimeLimitAction[] | undefined {
  if (actions === undefined) {
    return undefined;
  }
  if (!Array.isArray(actions) || actions.length > 5) {
    invalid(`jobStateTimeLimitActions must be a list of at most 5 actions: given ${shown(actions)}`);
  }
  actions.forEach((action, index) => {
    const field = `jobStateTimeLimitActions[${index}]`;
    requireOneOf(action.reason, `${field}.reason`, TIME_LIMIT_REASONS);
    requireOneOf(action.state, `${field}.state`, ['RUNNABLE']);
    requireOneOf(action.action, `${field}.action`, ['CANCEL']);
    requireInteger(action.maxTimeSeconds, `${field}.maxTimeSeconds`, 600, 86_400);
  });
  return actions;
}

/** Checks a multinode job definition's node count, main node and node ranges. */
export function checkNodeProperties(nodeProperties: batch.NodeProperties | undefined, name: string): void {
  if (!nodeProperties) {
    invalid(`nodeProperties is required for a multinode job definition ${shown(name)}`);
  }
  const numNodes = requireInteger(nodeProperties.numNodes, 'nodeProperties.numNodes', 1, 1000);
  requireInteger(nodeProperties.mainNode, 'nodeProperties.mainNode', 0, numNodes - 1);
  if (!nodeProperties.nodeRangeProperties?.length) {
    invalid(`nodeProperties.nodeRangeProperties must list at least one node range for job definition ${shown(name)}`);
  }
}

/** The entries of an update that were given (undefined ones keep the current value). */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** Opaque pagination over a list: the token is the base64 offset of the next item. */
export function paginate<T>(items: T[], maxResults: number | undefined, nextToken: string | undefined): { items: T[]; nextToken?: string } {
  const start = nextToken ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) {
    invalid(`nextToken ${shown(nextToken)} is not a token this engine returned`);
  }
  const size = checkInteger(maxResults, 'maxResults', 1, 1000) ?? 100;
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? Buffer.from(String(end)).toString('base64') : undefined };
}
