/**
 * Checks of the engine's requests against the Batch rules in `runtime/model` (queue time-limit
 * actions, multi-node job definitions, a model range on any field), worded as ClientException
 * texts, and the helpers of partial updates and pagination of Describe* results.
 */
import type * as batch from '@aws-sdk/client-batch';
import type { IntegerRange } from '../model/integer-range';
import { NUM_NODES_RANGE } from '../model/job-rules';
import { nodeLayoutProblems } from '../model/multi-node-rules';
import { MAX_STATE_TIME_LIMIT_ACTIONS, STATE_TIME_LIMIT_REASONS, STATE_TIME_LIMIT_SECONDS_RANGE } from '../model/queue-rules';
import { checkInteger, invalid, requireInteger, requireOneOf, requireString, shown } from './errors';

/** Refuses a field outside a model range when it is given, e.g. `retryStrategy.attempts must be an integer from 1 to 10: given 11`. */
export function checkInRange(value: unknown, field: string, range: IntegerRange): number | undefined {
  if (value !== undefined && !range.accepts(value)) {
    invalid(`${field} must be ${range.expected}: given ${shown(value)}`);
  }
  return value as number | undefined;
}

/** Refuses a field that is missing or outside a model range. */
export function requireInRange(value: unknown, field: string, range: IntegerRange): number {
  if (value === undefined) {
    invalid(`${field} is required: given nothing, expected ${range.expected}`);
  }
  return checkInRange(value, field, range)!;
}

/** Checks a queue's time-limit actions: at most 5, state RUNNABLE, action CANCEL, 600..86,400 seconds. */
export function checkTimeLimitActions(actions: batch.JobStateTimeLimitAction[] | undefined): batch.JobStateTimeLimitAction[] | undefined {
  if (actions === undefined) {
    return undefined;
  }
  if (!Array.isArray(actions) || actions.length > MAX_STATE_TIME_LIMIT_ACTIONS) {
    invalid(`jobStateTimeLimitActions must be a list of at most ${MAX_STATE_TIME_LIMIT_ACTIONS} actions: given ${shown(actions)}`);
  }
  actions.forEach((action, index) => {
    const field = `jobStateTimeLimitActions[${index}]`;
    requireOneOf(action.reason, `${field}.reason`, STATE_TIME_LIMIT_REASONS);
    requireOneOf(action.state, `${field}.state`, ['RUNNABLE']);
    requireOneOf(action.action, `${field}.action`, ['CANCEL']);
    requireInRange(action.maxTimeSeconds, `${field}.maxTimeSeconds`, STATE_TIME_LIMIT_SECONDS_RANGE);
  });
  return actions;
}

/**
 * Checks a multinode job definition's node count, main node and node ranges: the ranges must
 * not overlap and must cover nodes 0..numNodes-1 exactly, as RegisterJobDefinition requires.
 */
export function checkNodeProperties(nodeProperties: batch.NodeProperties | undefined, name: string): void {
  if (!nodeProperties) {
    invalid(`nodeProperties is required for a multinode job definition ${shown(name)}`);
  }
  const numNodes = requireInRange(nodeProperties.numNodes, 'nodeProperties.numNodes', NUM_NODES_RANGE);
  requireInteger(nodeProperties.mainNode, 'nodeProperties.mainNode', 0, numNodes - 1);
  if (!nodeProperties.nodeRangeProperties?.length) {
    invalid(`nodeProperties.nodeRangeProperties must list at least one node range for job definition ${shown(name)}`);
  }
  const targetNodes = nodeProperties.nodeRangeProperties.map((range, index) =>
    requireString(range?.targetNodes, `nodeProperties.nodeRangeProperties[${index}].targetNodes`));
  const problems = nodeLayoutProblems(numNodes, nodeProperties.mainNode!, targetNodes);
  if (problems.length > 0) {
    invalid(`nodeProperties of job definition ${shown(name)} ${problems.join('; ')}`);
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
