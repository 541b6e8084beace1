/**
 * Time, randomness and retries for the runtime's Batch calls: a submit rate limiter, jittered
 * exponential backoff, and the classification that decides whether a failed call may have
 * taken effect (which matters for SubmitJob, the one call that is not idempotent).
 */
import { BatchCallError, WaitAbortedError } from './errors';

/** Waits `ms` milliseconds; rejects early when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Clock, sleep and randomness, injected so tests control time and jitter. */
export interface RuntimeServices {
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  /** Waits, abortable. */
  readonly sleep: Sleep;
  /** A number in [0, 1). */
  readonly random: () => number;
}

/** The real clock, timers and `Math.random`. */
export const SYSTEM_SERVICES: RuntimeServices = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) => new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new Error('aborted'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  }),
};

/** Retry settings for Batch calls. */
export interface BackoffOptions {
  /** Attempts in total per call, including the first. @default 8 */
  readonly maxAttempts?: number;
  /** Delay cap of the first retry in ms; doubles each retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Largest delay in ms. @default 20000 */
  readonly maxDelayMs?: number;
}

/**
 * The delay before retry number `retry` (1 for the first retry): "equal jitter", half of the
 * exponential cap plus a random share of the other half, so retries spread out without ever
 * collapsing to an immediate retry.
 */
export function backoffDelayMs(retry: number, options: BackoffOptions, random: () => number): number {
  const base = options.baseDelayMs ?? 200;
  const cap = Math.min(options.maxDelayMs ?? 20_000, base * 2 ** (retry - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

/**
 * What a failed call tells about the request:
 * - `not-applied`: refused before taking effect (throttled, connection refused): safe to repeat.
 * - `unknown`: may or may not have taken effect (5xx, connection dropped, timeout).
 * - `fatal`: refused for good (validation, missing resource): repeating cannot help.
 */
export type FailureKind = 'not-applied' | 'unknown' | 'fatal';

const THROTTLING_NAMES = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'ThrottledException', 'RequestLimitExceeded']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND']);
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);

/** Classifies an error raised by an SDK client call. */
export function classifyFailure(err: unknown): FailureKind {
  const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  const status = e?.$metadata?.httpStatusCode;
  if (status === 429 || THROTTLING_NAMES.has(e?.name ?? '')) {
    return 'not-applied';
  }
  if (status !== undefined && status >= 500) {
    return 'unknown';
  }
  if (status !== undefined) {
    return 'fatal';
  }
  if (REFUSED_CODES.has(e?.code ?? '')) {
    return 'not-applied';
  }
  if (DROPPED_CODES.has(e?.code ?? '') || e?.name === 'TimeoutError' || /socket hang up|ECONNRESET|premature close/i.test(e?.message ?? '')) {
    return 'unknown';
  }
  return 'fatal';
}

/** Options of one retried call. */
export interface RetryCallOptions {
  /** Batch operation name, for errors. */
  readonly operation: string;
  /** Retry settings. */
  readonly backoff: BackoffOptions;
  /** Clock, sleep, randomness. */
  readonly services: RuntimeServices;
  /** Stops retrying (and waiting) when aborted. @default - never */
  readonly signal?: AbortSignal;
  /** Called before each retry with the delay chosen, e.g. to count or log retries. @default - none */
  readonly onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
  /**
   * Called after a failure of kind `unknown`, before retrying: returns a result if the failed
   * call turns out to have taken effect (how SubmitJob avoids duplicates), else undefined.
   * @default - retry blindly (for idempotent calls)
   */
  readonly reconcile?: () => Promise<unknown>;
}

/**
 * Calls `call` until it succeeds, a fatal error occurs or attempts run out. This is the only
 * retry layer: the runtime's clients are built with the SDK's own retries off, so delays and
 * attempts do not multiply.
 */
export async function callWithRetry<T>(call: () => Promise<T>, options: RetryCallOptions): Promise<T> {
  const maxAttempts = options.backoff.maxAttempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const kind = classifyFailure(err);
      if (kind === 'fatal' || attempt >= maxAttempts) {
        throw new BatchCallError(options.operation, attempt, kind !== 'fatal', err);
      }
      const delayMs = backoffDelayMs(attempt, options.backoff, options.services.random);
      options.onRetry?.(attempt, delayMs, err);
      await options.services.sleep(delayMs, options.signal);
      if (kind === 'unknown' && options.reconcile) {
        const found = await options.reconcile();
        if (found !== undefined) {
          return found as T;
        }
      }
    }
  }
}

/**
 * Spaces calls at least `1000 / ratePerSecond` ms apart (no bursts), across every concurrent
 * caller: Batch's SubmitJob quota is about 50 TPS per account, shared with everything else.
 */
export class RateLimiter {
  private nextFreeAt = 0;
  private readonly intervalMs: number;

  /** @param ratePerSecond calls per second, above 0 */
  constructor(ratePerSecond: number, private readonly services: RuntimeServices) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) {
      throw new RangeError(`submit rate must be a positive number of calls per second, got ${ratePerSecond}`);
    }
    this.intervalMs = 1000 / ratePerSecond;
  }

  /** Resolves when the caller may make its call. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const now = this.services.now();
    const slot = Math.max(now, this.nextFreeAt);
    this.nextFreeAt = slot + this.intervalMs;
    if (slot > now) {
      await this.services.sleep(slot - now, signal);
    }
  }
}

/** Rejects with `WaitAbortedError` if the signal has aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, runId: string): void {
  if (signal?.aborted) {
    throw new WaitAbortedError(runId);
  }
}
