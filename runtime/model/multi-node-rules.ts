/**
 * Rules AWS Batch applies to multi-node parallel job definitions: one to five node groups whose
 * ranges do not overlap and together cover nodes 0..numNodes-1 exactly, and a main node inside
 * them, and never on Spot or Fargate. Pure functions shared by the CDK checks and the runtime.
 */
import { NUM_NODES_RANGE } from './job-rules';
import type { QueueDescription } from './placement';

/** Fewest and most node groups a multi-node job definition may have. */
export const NODE_GROUPS_RANGE = { min: 1, max: 5 } as const;

/** An inclusive range of node indexes. */
export interface NodeRange {
  /** First node. */
  readonly start: number;
  /** Last node. */
  readonly end: number;
}

/**
 * Parses a `targetNodes` range (`0:3`, `:3`, `4:` or `2`) against `numNodes`; an omitted start
 * means node 0, an omitted end the last node. `undefined` when the text is not a range.
 */
export function parseTargetNodes(targetNodes: string, numNodes: number): NodeRange | undefined {
  const match = /^(\d*)(?::(\d*))?$/.exec(targetNodes.trim());
  if (!match || (match[1] === '' && match[2] === undefined)) return undefined;
  const start = match[1] === '' ? 0 : Number(match[1]);
  if (match[2] === undefined) return { start, end: start };
  const end = match[2] === '' ? numNodes - 1 : Number(match[2]);
  return { start, end };
}

/** Whether `targetNodes` is a node range Batch can read (`0:3`, `:3`, `4:`, `2` or `:`). */
export function isNodeRangeText(targetNodes: string): boolean {
  return parseTargetNodes(targetNodes, NUM_NODES_RANGE.max) !== undefined;
}

/** Problems with a multi-node layout; each completes "<job definition> ...". */
export function nodeLayoutProblems(numNodes: number, mainNode: number, targetNodes: readonly string[]): string[] {
  const problems: string[] = [];
  if (!NUM_NODES_RANGE.accepts(numNodes)) return [`has numNodes ${numNodes} but expected ${NUM_NODES_RANGE.expected}`];
  const { min, max } = NODE_GROUPS_RANGE;
  if (targetNodes.length < min || targetNodes.length > max) {
    problems.push(`has ${targetNodes.length} node groups but Batch expects ${min} to ${max}`);
  }
  const last = numNodes - 1;
  const ranges: Array<{ text: string; range: NodeRange }> = [];
  for (const text of targetNodes) {
    const range = parseTargetNodes(text, numNodes);
    if (!range) problems.push(`has node range '${text}' but expected 'start:end' with whole numbers`);
    else if (range.start > range.end) problems.push(`has node range '${text}' that starts after it ends`);
    else if (range.end > last) problems.push(`has node range '${text}' beyond its ${numNodes} nodes (0..${last})`);
    else ranges.push({ text, range });
  }
  const owner = new Array<string | undefined>(numNodes).fill(undefined);
  for (const { text, range } of ranges) {
    for (let node = range.start; node <= range.end; node++) {
      const previous = owner[node];
      if (previous !== undefined) {
        problems.push(`has node ranges '${previous}' and '${text}' that overlap at node ${node}`);
        break;
      }
      owner[node] = text;
    }
  }
  const uncovered = owner.map((o, node) => (o === undefined ? node : -1)).filter((node) => node >= 0);
  if (uncovered.length > 0 && problems.length === 0) {
    problems.push(`leaves node(s) ${uncovered.join(', ')} without a node group but its ranges must cover 0..${last} exactly`);
  }
  if (!Number.isInteger(mainNode) || mainNode < 0 || mainNode > last) {
    problems.push(`has main node ${mainNode} outside its nodes 0..${last}`);
  }
  return problems;
}

/**
 * The part of `queue` a multi-node job can use: multi-node jobs never run on Spot or Fargate,
 * so only on-demand EC2 and unmanaged compute environments remain.
 */
export function multiNodeCapableCompute(queue: QueueDescription): QueueDescription {
  return { name: queue.name, computeEnvironments: queue.computeEnvironments.filter((ce) => ce.kind === 'EC2' || ce.kind === 'UNMANAGED') };
}

/** Why a multi-node job (`subject`) can never run on `queue`, or `undefined` when some compute environment can take it. */
export function multiNodeQueueProblem(subject: string, queue: QueueDescription): string | undefined {
  if (multiNodeCapableCompute(queue).computeEnvironments.length > 0) return undefined;
  const kinds = [...new Set(queue.computeEnvironments.map((ce) => ce.kind))].join(', ');
  return `${subject} is multi-node but queue '${queue.name}' has only ${kinds} compute environments: multi-node jobs run on on-demand EC2 only`;
}

/**
 * Why SubmitJob's `nodeOverrides.numNodes` cannot change a job definition's node count, or
 * `undefined` when it can. AWS Batch accepts a different count only when one node range of the
 * definition is open at its upper end (`:` or `n:`), every range starts below the new count, and
 * so does the main node; the open range then stretches to the new last node.
 */
export function numNodesOverrideProblem(
  definition: { readonly numNodes: number; readonly mainNode: number; readonly targetNodes: readonly string[] },
  numNodes: number,
): string | undefined {
  if (numNodes === definition.numNodes) return undefined;
  const closed = `${definition.targetNodes.map((t) => `'${t}'`).join(', ')}`;
  if (!definition.targetNodes.some((text) => /:$/.test(text.trim()))) {
    return `cannot change the job definition's ${definition.numNodes} nodes to ${numNodes}: none of its node ranges (${closed}) is open at the end ('n:'), which Batch requires to resize a job`;
  }
  const beyond = definition.targetNodes.find((text) => (parseTargetNodes(text, definition.numNodes)?.start ?? 0) >= numNodes);
  if (beyond !== undefined) {
    return `cannot run ${numNodes} nodes: node range '${beyond}' of the job definition starts at or beyond node ${numNodes}; expected more than ${parseTargetNodes(beyond, definition.numNodes)!.start} nodes`;
  }
  if (definition.mainNode >= numNodes) {
    return `cannot run ${numNodes} nodes: the job definition's main node is ${definition.mainNode}; expected more than ${definition.mainNode} nodes`;
  }
  return undefined;
}
