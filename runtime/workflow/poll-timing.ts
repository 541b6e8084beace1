/**
 * When the tracker polls: waiter-style timing with a minimum and maximum interval, growth while
 * nothing moves, jitter, and an optional deadline. Pure functions of their inputs (randomness
 * is passed in), so tests assert exact delay sequences.
 */
import { WorkflowConfigurationError } from './errors';

/**
 * Poll timing, as a waiter's: the interval drops to the minimum when something moved and grows
 * while nothing does, each sleep is jittered so many runs polling one account spread out, and
 * an optional deadline bounds the whole wait (the last sleep is cut short to poll at it).
 * @example { minIntervalMs: 2000, maxIntervalMs: 30000, growthFactor: 1.5, jitterRatio: 0.2, deadlineMs: 3_600_000 }
 */
export interface PollOptions {
  /** Shortest interval between polls, used while jobs move. @default 2000 */
  readonly minIntervalMs?: number;
  /** Longest interval, reached while nothing changes. @default 30000 */
  readonly maxIntervalMs?: number;
  /** Growth of the interval after a poll that saw no change. @default 1.5 */
  readonly growthFactor?: number;
  /**
   * Share of each interval taken off at random (0 to 1): a sleep lasts between
   * `interval * (1 - jitterRatio)` and `interval`.
   * @default 0.2
   */
  readonly jitterRatio?: number;
  /**
   * Longest wait for the run to end, in ms from the start of tracking; past it the wait
   * stops with `TrackDeadlineError` and the jobs keep going on Batch.
   * @default - no deadline
   */
  readonly deadlineMs?: number;
}

/** Poll timing with every default applied. */
export type ResolvedPollOptions = Required<Omit<PollOptions, 'deadlineMs'>> & Pick<PollOptions, 'deadlineMs'>;

/**
 * Applies the defaults and checks each field.
 * @throws WorkflowConfigurationError naming the field and the value given
 */
export function resolvePollOptions(poll: PollOptions): ResolvedPollOptions {
  const resolved = {
    minIntervalMs: poll.minIntervalMs ?? 2000,
    maxIntervalMs: poll.maxIntervalMs ?? 30_000,
    growthFactor: poll.growthFactor ?? 1.5,
    jitterRatio: poll.jitterRatio ?? 0.2,
    deadlineMs: poll.deadlineMs,
  };
  const checks: Array<[string, number | undefined, boolean, string]> = [
    ['minIntervalMs', resolved.minIntervalMs, resolved.minIntervalMs > 0, 'a number of milliseconds above 0'],
    ['maxIntervalMs', resolved.maxIntervalMs, resolved.maxIntervalMs >= resolved.minIntervalMs, `at least minIntervalMs (${resolved.minIntervalMs})`],
    ['growthFactor', resolved.growthFactor, resolved.growthFactor >= 1, 'a number of at least 1'],
    ['jitterRatio', resolved.jitterRatio, resolved.jitterRatio >= 0 && resolved.jitterRatio <= 1, 'a number from 0 to 1'],
    ['deadlineMs', resolved.deadlineMs, resolved.deadlineMs === undefined || resolved.deadlineMs > 0, 'a number of milliseconds above 0'],
  ];
  for (const [field, value, ok, expected] of checks) {
    if (!ok || (value !== undefined && !Number.isFinite(value))) {
      throw new WorkflowConfigurationError(`poll option ${field} must be ${expected}, got ${value}`);
    }
  }
  return resolved;
}

/** The next interval before jitter: the minimum after a change, else the last one grown, capped. */
export function nextPollIntervalMs(previousMs: number, changed: boolean, poll: ResolvedPollOptions): number {
  return changed ? poll.minIntervalMs : Math.min(poll.maxIntervalMs, Math.round(previousMs * poll.growthFactor));
}

/** The sleep for an interval: up to `jitterRatio` of it taken off at random. */
export function jitteredDelayMs(intervalMs: number, poll: ResolvedPollOptions, random: () => number): number {
  return Math.round(intervalMs * (1 - poll.jitterRatio * random()));
}
