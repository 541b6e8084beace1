import { analyzeBatch } from './batch-analysis';
import type { BatchSummarySource } from './template-source';

/** A job definition that no queue of the stack can run, with each queue's reason. */
export interface UnplaceableJobDefinition {
  /** The job definition, by label. */
  readonly jobDefinition: string;
  /** Why each queue cannot run it (never fits, or cannot be judged); empty when the stack has no queue. */
  readonly reasons: string[];
}

/** Thrown by {@link expectEveryJobDefinitionPlaceable}; the message lists every job definition concerned. */
export class UnplaceableJobDefinitionError extends Error {
  public readonly name = 'UnplaceableJobDefinitionError';
  constructor(public readonly unplaceable: UnplaceableJobDefinition[]) {
    super(describeUnplaceable(unplaceable));
  }
}

/**
 * The job definitions of `source` that no queue can be shown to run, by the placement rules of
 * the synth checks: a job that never fits anywhere would sit in RUNNABLE forever. One that only
 * cannot be judged (an instance type batchkit does not know) is listed too, with that reason.
 */
export function unplaceableJobDefinitions(source: BatchSummarySource): UnplaceableJobDefinition[] {
  return analyzeBatch(source).placements
    .filter((p) => !p.queues.some((q) => q.status === 'fits'))
    .map((p) => ({ jobDefinition: p.jobDefinition, reasons: p.queues.map((q) => q.reason) }));
}

/** Throws {@link UnplaceableJobDefinitionError} unless every job definition of `source` can run on some queue of it. */
export function expectEveryJobDefinitionPlaceable(source: BatchSummarySource): void {
  const unplaceable = unplaceableJobDefinitions(source);
  if (unplaceable.length > 0) throw new UnplaceableJobDefinitionError(unplaceable);
}

/** What a jest matcher returns (structural, so jest stays out of batchkit's dependencies). */
export interface BatchkitMatcherResult {
  readonly pass: boolean;
  readonly message: () => string;
}

/**
 * The matchers of {@link batchkitMatchers}, for typing `expect`:
 * `declare global { namespace jest { interface Matchers<R> extends BatchkitMatchers<R> {} } }`.
 */
export interface BatchkitMatchers<R> {
  /** Passes when every job definition of the stack (or template) can run on some queue of it. */
  toHaveOnlyPlaceableJobDefinitions(): R;
}

/** Custom jest matchers: `expect.extend(batchkitMatchers)`, then `expect(stack).toHaveOnlyPlaceableJobDefinitions()`. */
export const batchkitMatchers = {
  toHaveOnlyPlaceableJobDefinitions(received: unknown): BatchkitMatcherResult {
    const unplaceable = unplaceableJobDefinitions(received as BatchSummarySource);
    return unplaceable.length === 0
      ? { pass: true, message: () => 'expected a job definition that no queue can run, but every job definition can run on some queue' }
      : { pass: false, message: () => describeUnplaceable(unplaceable) };
  },
};

function describeUnplaceable(unplaceable: UnplaceableJobDefinition[]): string {
  const lines = unplaceable.map(({ jobDefinition, reasons }) =>
    `- job definition '${jobDefinition}' can run on no queue of the stack: ${reasons.length > 0 ? reasons.join('; ') : 'the stack has no job queue'}`);
  return [`${unplaceable.length} job definition(s) can run on no queue:`, ...lines].join('\n');
}
