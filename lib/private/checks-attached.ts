import { IConstruct } from 'constructs';

/*
 * Whether a Batch resource already carries batchkit's synth-time checks, recorded on the
 * resource itself, so the `BatchChecks` aspect does not attach them a second time to the
 * resources of batchkit constructs (or to ones it visited before). A symbol keeps the mark out of
 * the constructs' public API and is shared by every copy of this module that an app loads.
 */

const CHECKS_ATTACHED = Symbol.for('batchkit.checksAttached');

/** Records that `resource`'s checks are attached. */
export function markChecksAttached(resource: IConstruct): void {
  Object.defineProperty(resource, CHECKS_ATTACHED, { value: true, enumerable: false });
}

/** Whether `resource`'s checks are attached. */
export function hasChecksAttached(resource: IConstruct): boolean {
  return (resource as unknown as Record<symbol, unknown>)[CHECKS_ATTACHED] === true;
}
