/**
 * Time for the local engine: the current time and one-shot timers, injectable so tests drive
 * timeouts and queue time-limit actions without waiting on the wall clock.
 */

/** Cancels a timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/** The engine's source of time. */
export interface EngineClock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Calls `callback` once, `delayMs` from now. */
  setTimer(delayMs: number, callback: () => void): CancelTimer;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: EngineClock = {
  now: () => Date.now(),
  setTimer(delayMs, callback) {
    const handle = setTimeout(callback, delayMs);
    return () => clearTimeout(handle);
  },
};

interface PendingTimer {
  readonly dueAt: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when told to, for tests and simulations: `advance(ms)` fires every
 * timer that falls due, in due order, each seeing `now()` equal to its due time.
 */
export class ManualClock implements EngineClock {
  private current: number;
  private readonly timers: PendingTimer[] = [];
  private created = 0;

  /** @param startAt initial time in epoch milliseconds (default: 2026-01-01T00:00:00Z, a fixed instant so runs repeat) */
  constructor(startAt = Date.UTC(2026, 0, 1)) {
    this.current = startAt;
  }

  /** Current simulated time. */
  public now(): number {
    return this.current;
  }

  /** Registers a timer due `delayMs` after the simulated now. */
  public setTimer(delayMs: number, callback: () => void): CancelTimer {
    const timer: PendingTimer = { dueAt: this.current + Math.max(0, delayMs), order: this.created++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, firing due timers (including ones they register) in order. */
  public advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = this.nextDue(target);
      if (!next) {
        break;
      }
      this.timers.splice(this.timers.indexOf(next), 1);
      this.current = next.dueAt;
      next.callback();
    }
    this.current = target;
  }

  /** How many timers are waiting to fire (lets tests wait until the engine armed one). */
  public get pendingTimers(): number {
    return this.timers.filter((timer) => !timer.cancelled).length;
  }

  private nextDue(limit: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.timers) {
      if (timer.cancelled || timer.dueAt > limit) {
        continue;
      }
      if (!best || timer.dueAt < best.dueAt || (timer.dueAt === best.dueAt && timer.order < best.order)) {
        best = timer;
      }
    }
    return best;
  }
}
