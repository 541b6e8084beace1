/**
 * Ctrl-C on a `--local` run: the engine lives inside this command, so closing it at once would
 * fail every job it runs. The first Ctrl-C stops following and submitting; then the engine
 * places no new job and is kept until its running attempts end. A second Ctrl-C abandons them.
 */
import type { LocalBatchEngine } from '../engine';
import type { Output } from './output';

/** How often the engine is asked whether its running attempts have ended. */
const WIND_DOWN_CHECK_MS = 200;

/** Counts Ctrl-C presses from the moment it is created; close it when the command ends. */
export class InterruptCounter {
  private count = 0;
  private readonly listeners = new Set<() => void>();
  private readonly onSigint = () => {
    this.count++;
    this.listeners.forEach((listener) => listener());
  };

  constructor() {
    // Listening also keeps Node from ending the process at the second Ctrl-C: this command decides.
    process.on('SIGINT', this.onSigint);
  }

  /** Ctrl-C presses so far. */
  get presses(): number {
    return this.count;
  }

  /** Calls `listener` at each further Ctrl-C; returns how to stop. */
  onPress(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops listening. */
  close(): void {
    process.off('SIGINT', this.onSigint);
  }
}

/**
 * Keeps the engine until its running attempts end, placing no new job; returns early at the
 * next Ctrl-C (or at once if it was pressed twice already), saying what is abandoned.
 */
export async function windDownLocalEngine(engine: LocalBatchEngine, interrupts: InterruptCounter, output: Output, runId: string,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<'drained' | 'abandoned'> {
  engine.holdPlacement();
  const running = engine.activeAttemptCount();
  if (running === 0) return 'drained';
  const abandon = (): 'abandoned' => {
    const left = engine.activeAttemptCount();
    output.warn(`batchkit: abandoning ${left} running job${left === 1 ? '' : 's'}: the local engine stops now and they end as interrupted (retried if their retry strategy allows); 'batchkit resume ${runId} --retry-failed' runs failed steps again`);
    return 'abandoned';
  };
  if (interrupts.presses >= 2) return abandon();
  output.warn(`batchkit: waiting for ${running} running job${running === 1 ? '' : 's'} to end before the local engine stops; no new job starts, queued ones wait for 'batchkit resume'. Ctrl-C again abandons them`);
  let pressed = false;
  const stopListening = interrupts.onPress(() => { pressed = true; });
  try {
    while (engine.activeAttemptCount() > 0) {
      if (pressed) return abandon();
      await sleep(WIND_DOWN_CHECK_MS);
    }
  } finally {
    stopListening();
  }
  output.warn('batchkit: the running jobs have ended; the local engine stops');
  return 'drained';
}
