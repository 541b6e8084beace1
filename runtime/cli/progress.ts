/**
 * Progress of a run for people: on a TTY a bar redrawn in place (cli-progress) with counts per
 * status and the elapsed time; elsewhere a timestamped line whenever the counts change, at
 * most once per `minLineIntervalMs`, so CI logs stay short and readable.
 */
import { SingleBar } from 'cli-progress';
import { formatDuration, type Output } from './output';

/** A snapshot of a run's jobs, counted by Batch status. */
export interface ProgressSnapshot {
  /** Jobs (array children counted one by one) the run will have in all. */
  readonly total: number;
  /** Jobs per status, e.g. { RUNNING: 3, SUCCEEDED: 10 }. */
  readonly counts: Readonly<Record<string, number>>;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
}

/** Options for {@link createProgressView}. */
export interface ProgressViewOptions {
  /** Least time between two plain lines when not on a TTY. @default 2000 */
  readonly minLineIntervalMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/** Shows progress; `stop()` leaves the terminal clean for what follows. */
export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  /** A warning for people, on stderr (also with --json); a bar is cleared first and redrawn after. */
  note(line: string): void;
  stop(): void;
}

const STATUS_ORDER = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];

/** Counts in Batch's state order, zero counts left out: "RUNNING 3 · SUCCEEDED 10". */
export function formatCounts(counts: Readonly<Record<string, number>>, output?: Output): string {
  const known = STATUS_ORDER.filter((s) => (counts[s] ?? 0) > 0);
  const others = Object.keys(counts).filter((s) => !STATUS_ORDER.includes(s) && counts[s] > 0).sort();
  return [...known, ...others]
    .map((status) => {
      const text = `${status} ${counts[status]}`;
      if (!output) return text;
      if (status === 'FAILED') return output.style.red(text);
      if (status === 'SUCCEEDED') return output.style.green(text);
      return text;
    })
    .join(' · ');
}

/** Creates the view that fits the output: a bar on a TTY, lines elsewhere, nothing with --json. */
export function createProgressView(output: Output, options: ProgressViewOptions = {}): ProgressView {
  if (output.json) return { update: () => undefined, note: (line) => output.warn(line), stop: () => undefined };
  if (output.interactive) return barView(output);
  return lineView(output, options.minLineIntervalMs ?? 2000, options.now ?? Date.now);
}

function finished(snapshot: ProgressSnapshot): number {
  return (snapshot.counts.SUCCEEDED ?? 0) + (snapshot.counts.FAILED ?? 0);
}

function barView(output: Output): ProgressView {
  const bar = new SingleBar({
    format: '{bar} {value}/{total} | {elapsed} | {counts}',
    barCompleteChar: '█',
    barIncompleteChar: '░',
    hideCursor: true,
    clearOnComplete: false,
    // Redraw on every tick, not only when the text changes: a note written over the bar is then followed by it again.
    forceRedraw: true,
    stream: output.stdout as NodeJS.WritableStream,
  });
  let started = false;
  return {
    update(snapshot) {
      const payload = { counts: formatCounts(snapshot.counts, output), elapsed: formatDuration(snapshot.elapsedMs) };
      if (!started) {
        bar.start(Math.max(snapshot.total, 1), finished(snapshot), payload);
        started = true;
        return;
      }
      bar.setTotal(Math.max(snapshot.total, 1));
      bar.update(finished(snapshot), payload);
    },
    note(line) {
      // The bar redraws itself on its next tick (forceRedraw), below the note.
      if (started) output.stdout.write('\r\x1b[2K');
      output.warn(line);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function lineView(output: Output, minLineIntervalMs: number, now: () => number): ProgressView {
  // A heartbeat line every so often shows a run that waits is still being followed.
  const heartbeatMs = Math.max(minLineIntervalMs, 30_000);
  let lastCounts = '';
  let lastAt = -Infinity;
  let pending: ProgressSnapshot | undefined;
  const print = (snapshot: ProgressSnapshot) => {
    output.info(`${finished(snapshot)}/${snapshot.total} done · ${formatCounts(snapshot.counts)} · ${formatDuration(snapshot.elapsedMs)}`);
    lastCounts = formatCounts(snapshot.counts);
    lastAt = now();
    pending = undefined;
  };
  return {
    update(snapshot) {
      const changed = formatCounts(snapshot.counts) !== lastCounts;
      const since = now() - lastAt;
      if ((changed && since >= minLineIntervalMs) || since >= heartbeatMs) print(snapshot);
      else if (changed) pending = snapshot;
    },
    note(line) {
      output.warn(`${new Date(now()).toISOString()} ${line}`);
    },
    stop() {
      if (pending) print(pending);
    },
  };
}
