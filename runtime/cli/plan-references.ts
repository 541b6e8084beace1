/**
 * Whether the queues and job definitions a plan names exist on its target, found with Batch's
 * read-only Describe calls: job queues 100 names or ARNs a call, job definitions with a revision
 * 100 a call, a bare job definition name one call each (Batch submits its latest ACTIVE revision,
 * which only a by-name lookup tells).
 */
import {
  DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, type BatchClient, type DescribeJobDefinitionsRequest,
  type DescribeJobDefinitionsResponse, type DescribeJobQueuesRequest, type DescribeJobQueuesResponse, type JobDefinition,
} from '@aws-sdk/client-batch';

/** The two read-only Batch operations the check needs: a `BatchClient`'s or the local engine's. */
export interface ReferenceLookup {
  describeJobQueues(input: DescribeJobQueuesRequest): Promise<DescribeJobQueuesResponse>;
  describeJobDefinitions(input: DescribeJobDefinitionsRequest): Promise<DescribeJobDefinitionsResponse>;
}

/** What the target says of one resolved reference. */
export interface ReferenceCheck {
  /** Whether the target has it (a job definition: an ACTIVE revision). */
  readonly found: boolean;
  /** A queue's state and status, or a job definition's revision, e.g. `ENABLED, VALID` or `revision 3`. @default - not found */
  readonly detail?: string;
  /** The job definition found, for its command and parameter defaults. @default - a queue, or not found */
  readonly jobDefinition?: JobDefinition;
}

/** The checks, keyed by the resolved name or ARN, and the Describe calls they took. */
export interface ReferenceChecks {
  readonly jobQueues: ReadonlyMap<string, ReferenceCheck>;
  readonly jobDefinitions: ReadonlyMap<string, ReferenceCheck>;
  readonly calls: { readonly DescribeJobQueues: number; readonly DescribeJobDefinitions: number };
}

/** The most names or ARNs one DescribeJobQueues or DescribeJobDefinitions call takes. */
const DESCRIBE_LIST_LIMIT = 100;

/** A lookup through a `BatchClient` (AWS or an endpoint). */
export function clientLookup(client: BatchClient): ReferenceLookup {
  return {
    describeJobQueues: (input) => client.send(new DescribeJobQueuesCommand(input)),
    describeJobDefinitions: (input) => client.send(new DescribeJobDefinitionsCommand(input)),
  };
}

/** Looks every distinct queue and job definition up. */
export async function checkReferences(lookup: ReferenceLookup, jobQueues: readonly string[], jobDefinitions: readonly string[]): Promise<ReferenceChecks> {
  const calls = { DescribeJobQueues: 0, DescribeJobDefinitions: 0 };
  const queues = new Map<string, ReferenceCheck>();
  for (const batch of chunks([...new Set(jobQueues)], DESCRIBE_LIST_LIMIT)) {
    calls.DescribeJobQueues++;
    const found = (await lookup.describeJobQueues({ jobQueues: batch })).jobQueues ?? [];
    for (const reference of batch) {
      const queue = found.find((q) => q.jobQueueArn === reference || q.jobQueueName === reference);
      queues.set(reference, queue ? { found: true, detail: `${queue.state ?? 'state unknown'}, ${queue.status ?? 'status unknown'}` } : { found: false });
    }
  }
  const definitions = new Map<string, ReferenceCheck>();
  const distinct = [...new Set(jobDefinitions)];
  const withRevision = distinct.filter((reference) => /:\d+$/.test(reference));
  for (const batch of chunks(withRevision, DESCRIBE_LIST_LIMIT)) {
    calls.DescribeJobDefinitions++;
    const found = (await lookup.describeJobDefinitions({ jobDefinitions: batch })).jobDefinitions ?? [];
    for (const reference of batch) {
      const definition = found.find((d) => d.jobDefinitionArn === reference || `${d.jobDefinitionName}:${d.revision}` === reference);
      definitions.set(reference, definition && definition.status !== 'INACTIVE' ? foundDefinition(definition) : { found: false });
    }
  }
  for (const reference of distinct.filter((r) => !withRevision.includes(r))) {
    const name = reference.replace(/^arn:[^/]*:job-definition\//, '');
    const { definition, pages } = await latestActive(lookup, name);
    calls.DescribeJobDefinitions += pages;
    definitions.set(reference, definition ? foundDefinition(definition) : { found: false });
  }
  return { jobQueues: queues, jobDefinitions: definitions, calls };
}

/** The command a job definition runs: its container's, its main node's, or its ECS task's first container's. */
export function definitionCommand(definition: JobDefinition | undefined): readonly string[] {
  if (!definition) return [];
  const mainNode = definition.nodeProperties?.mainNode ?? 0;
  const nodeRange = definition.nodeProperties?.nodeRangeProperties?.find((range) => rangeHolds(range.targetNodes, mainNode));
  return definition.containerProperties?.command
    ?? nodeRange?.container?.command
    ?? definition.ecsProperties?.taskProperties?.[0]?.containers?.[0]?.command
    ?? [];
}

function rangeHolds(targetNodes: string | undefined, node: number): boolean {
  const [from, to] = (targetNodes ?? '').split(':');
  const low = from === '' ? 0 : Number(from);
  const high = to === undefined ? low : to === '' ? Infinity : Number(to);
  return node >= low && node <= high;
}

async function latestActive(lookup: ReferenceLookup, name: string): Promise<{ definition?: JobDefinition; pages: number }> {
  let latest: JobDefinition | undefined;
  let nextToken: string | undefined;
  let pages = 0;
  do {
    pages++;
    const page = await lookup.describeJobDefinitions({ jobDefinitionName: name, status: 'ACTIVE', nextToken });
    for (const definition of page.jobDefinitions ?? []) {
      if (!latest || (definition.revision ?? 0) > (latest.revision ?? 0)) latest = definition;
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return { definition: latest, pages };
}

function foundDefinition(definition: JobDefinition): ReferenceCheck {
  return { found: true, detail: `revision ${definition.revision}`, jobDefinition: definition };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
