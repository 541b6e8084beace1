/**
 * The name rule AWS Batch applies to compute environments, job queues, job definitions and jobs:
 * 1 to 128 characters, a letter or digit first, then letters, digits, hyphens or underscores.
 * Spaces, `!` and other punctuation are refused when the resource is created or the job submitted.
 */

/** Most characters a Batch resource or job name may have. */
export const MAX_BATCH_NAME_LENGTH = 128;

const BATCH_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Why Batch refuses `name`, completing "<subject> ...", or `undefined` when it accepts it, e.g.
 * `has name 'nightly etl' but expected 1 to 128 characters, starting with a letter or digit, then letters, digits, hyphens or underscores`.
 */
export function batchNameProblem(name: string): string | undefined {
  if (name.length <= MAX_BATCH_NAME_LENGTH && BATCH_NAME.test(name)) return undefined;
  const length = name.length > MAX_BATCH_NAME_LENGTH ? ` (${name.length} characters)` : '';
  return `has name '${name}'${length} but expected 1 to ${MAX_BATCH_NAME_LENGTH} characters, starting with a letter or digit, then letters, digits, hyphens or underscores`;
}
