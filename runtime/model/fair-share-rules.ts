/**
 * Limits AWS Batch puts on fair-share scheduling: the share identifier a job is submitted with
 * and a policy lists, each share's weight factor, the policy's decay and reserved compute. The
 * local engine decides with these; a submit's share identifier follows the policy's own rule.
 */
import { integerRange } from './integer-range';

/** `shareDecaySeconds` of a fair-share policy: 0 to one week. */
export const SHARE_DECAY_SECONDS_RANGE = integerRange(0, 604_800);

/** `computeReservation` of a fair-share policy: a percentage, 0 to 99. */
export const COMPUTE_RESERVATION_RANGE = integerRange(0, 99);

/** Most `shareDistribution` entries one fair-share policy may have. */
export const MAX_SHARE_DISTRIBUTION = 500;

/** `weightFactor` of a share: a number from 0.0001 to 999.9999 (a lower weight gets more capacity). */
export const WEIGHT_FACTOR_RANGE = { min: 0.0001, max: 999.9999 } as const;

/** The weight of a share identifier the policy does not list. */
export const DEFAULT_WEIGHT_FACTOR = 1;

/** Most letters and digits of a share identifier, before an optional trailing `*`. */
export const MAX_SHARE_IDENTIFIER_LENGTH = 255;

const SHARE_IDENTIFIER = new RegExp(`^[A-Za-z0-9]{1,${MAX_SHARE_IDENTIFIER_LENGTH}}\\*?$`);

/** What a share identifier must be, to follow "expected". */
export const SHARE_IDENTIFIER_EXPECTED = `1 to ${MAX_SHARE_IDENTIFIER_LENGTH} letters and digits, optionally followed by *`;

/** Whether Batch accepts `value` as a share identifier (a policy's entry may end in `*`, a prefix). */
export function isShareIdentifier(value: unknown): value is string {
  return typeof value === 'string' && SHARE_IDENTIFIER.test(value);
}

/** Whether Batch accepts `value` as a share's weight factor. */
export function isWeightFactor(value: unknown): value is number {
  return typeof value === 'number' && value >= WEIGHT_FACTOR_RANGE.min && value <= WEIGHT_FACTOR_RANGE.max;
}

/** Whether two share identifiers of one policy cover a common identifier (equal, or one is a `prefix*` of the other). */
export function shareIdentifiersOverlap(a: string, b: string): boolean {
  const covers = (prefix: string, other: string): boolean => prefix.endsWith('*') && other.replace(/\*$/, '').startsWith(prefix.slice(0, -1));
  return a === b || covers(a, b) || covers(b, a);
}
