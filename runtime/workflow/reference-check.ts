/**
 * Checks, before anything is submitted, that every queue and job definition a run names exists
 * at its target, so a typo ends the run before its first job rather than after half of them:
 * one DescribeJobQueues per 100 queues, one DescribeJobDefinitions per 100 job definitions
 * given as ARN or `name:revision`, and one per bare name (Batch's list takes no bare names).
 */
import { BatchCalls, DESCRIBE_BATCH_SIZE } from './batch-calls';
import { ValidationIssue, WorkflowValidationError } from './errors';
import { workflowSourceLocation } from './load';
import { Workflow } from './model';
import { ReferenceKind, referenceKey } from './resolver';

/** A reference the target does not know. */
export interface MissingReference {
  /** Queue or job definition. */
  readonly kind: ReferenceKind;
  /** As written in the workflow. */
  readonly reference: string;
  /** The name or ARN it resolved to. */
  readonly resolved: string;
}

/** The references (as resolved) that name no queue, or no ACTIVE job definition, at the target. */
export async function findMissingReferences(calls: BatchCalls, references: ReadonlyArray<Omit<MissingReference, 'resolved'>>,
  resolved: Readonly<Record<string, string>>): Promise<MissingReference[]> {
  const distinct = new Map<string, MissingReference>();
  for (const { kind, reference } of references) {
    distinct.set(referenceKey(kind, reference), { kind, reference, resolved: resolved[referenceKey(kind, reference)] });
  }
  const all = [...distinct.values()];
  const queues = all.filter((r) => r.kind === 'jobQueue');
  const definitions = all.filter((r) => r.kind === 'jobDefinition');
  const known = new Set<string>();
  for (const chunk of chunks([...new Set(queues.map((q) => q.resolved))])) {
    for (const queue of await calls.describeJobQueues(chunk)) {
      known.add(`jobQueue:${queue.jobQueueName}`).add(`jobQueue:${queue.jobQueueArn}`);
    }
  }
  const isBareName = (name: string) => !name.includes(':');
  for (const chunk of chunks([...new Set(definitions.map((d) => d.resolved).filter((d) => !isBareName(d)))])) {
    for (const definition of await calls.describeJobDefinitions({ jobDefinitions: chunk })) {
      if (definition.status === 'ACTIVE') {
        known.add(`jobDefinition:${definition.jobDefinitionArn}`).add(`jobDefinition:${definition.jobDefinitionName}:${definition.revision}`);
      }
    }
  }
  for (const name of new Set(definitions.map((d) => d.resolved).filter(isBareName))) {
    if ((await calls.describeJobDefinitions({ jobDefinitionName: name, status: 'ACTIVE' })).length > 0) {
      known.add(`jobDefinition:${name}`);
    }
  }
  return all.filter((r) => !known.has(`${r.kind}:${r.resolved}`));
}

/**
 * The error for references the target does not know: one issue per place the workflow names
 * each, located at `file:line:col` for workflows loaded from a file.
 */
export function missingReferencesError(workflow: Workflow, missing: readonly MissingReference[], targetName: string): WorkflowValidationError {
  const issues: ValidationIssue[] = [];
  for (const ref of missing) {
    const what = ref.kind === 'jobQueue' ? 'job queue' : 'job definition';
    const resolvedText = ref.resolved === ref.reference ? '' : ` (resolved to '${ref.resolved}')`;
    const expected = ref.kind === 'jobQueue' ? 'the name or ARN of an existing queue' : 'the name, name:revision or ARN of an ACTIVE job definition';
    const message = `${what} '${ref.reference}'${resolvedText} does not exist at ${targetName}; expected ${expected}`;
    for (const path of pathsNaming(workflow, ref)) {
      issues.push({ path, message, location: workflowSourceLocation(workflow, path) });
    }
  }
  return new WorkflowValidationError(issues);
}

/** Where the workflow names a reference: each step's own field, else the defaults (once), or the join options. */
function pathsNaming(workflow: Workflow, ref: MissingReference): Array<ReadonlyArray<string | number>> {
  const field = ref.kind === 'jobQueue' ? 'jobQueue' : 'jobDefinition';
  const paths = new Map<string, ReadonlyArray<string | number>>();
  for (const step of workflow.steps) {
    if (step[field] !== ref.reference) {
      continue;
    }
    const path = step.definition[field] !== undefined ? ['steps', step.name, field] : ['defaults', field];
    paths.set(path.join('.'), path);
  }
  const joinValue = ref.kind === 'jobQueue' ? workflow.joinJobQueue : workflow.joinJobDefinition;
  if (joinValue === ref.reference && paths.size === 0) {
    paths.set('join', ['join', field]);
  }
  return [...paths.values()];
}

function chunks<T>(items: readonly T[]): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += DESCRIBE_BATCH_SIZE) {
    result.push(items.slice(i, i + DESCRIBE_BATCH_SIZE));
  }
  return result;
}
