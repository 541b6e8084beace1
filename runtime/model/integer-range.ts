/**
 * The shape of Batch's numeric limits: an inclusive range of integers that says whether a value
 * is in it and what it expects. Every consumer (constructs, engine, workflow validator) decides
 * with `accepts` and words its own message around `expected`, so the limit lives in one place.
 */

/** An inclusive range of integers Batch accepts for one field. */
export interface IntegerRange {
  /** Smallest value accepted. */
  readonly min: number;
  /** Largest value accepted (`Number.MAX_SAFE_INTEGER` when Batch sets no upper bound). */
  readonly max: number;
  /** Whether `value` is an integer within the range. */
  accepts(value: unknown): value is number;
  /** What is accepted, to follow "expected" or "must be", e.g. `an integer from 1 to 10`. */
  readonly expected: string;
}

/** The range `min..max` (inclusive); without `max`, every integer from `min` up. */
export function integerRange(min: number, max = Number.MAX_SAFE_INTEGER): IntegerRange {
  return {
    min,
    max,
    accepts: (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
    expected: max === Number.MAX_SAFE_INTEGER ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`,
  };
}
