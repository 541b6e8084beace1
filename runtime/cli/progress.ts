/**
 * Progress of a run for people: on a TTY one line per step (name, bar, counts by state) under
 * a header, redrawn in place and never wider or taller than the terminal; elsewhere a
 * timestamped line whenever the counts change, at most once per `minLineIntervalMs`, so CI
 * logs stay short and readable.
 */
import { formatDuration, type Output } from './output';
import { renderStepLines, type StepProgress } from './step-lines';

/** A snapshot of a run's jobs, counted by Batch status. */
export interface ProgressSnapshot {
  /** Jobs (array children counted one by one) the run will have in all. */
  readonly total: number;
  /** Jobs per status, e.g. { RUNNING: 3, SUCCEEDED: 10 }. */
  readonly counts: Readonly<Record<string, number>>;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** Each step's jobs by state, for the per-step view. @default - one line for the whole run */
  readonly steps?: readonly StepProgress[];
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
  /** A warning for people, on stderr (also with --json); a live view is cleared first and redrawn after. */
  note(line: string): void;
  /** Lines for people on stdout above the live view (a failure block); nothing with --json. */
  above(lines: readonly string[]): void;
  stop(): void;
}

/** A terminal as the live view needs it. */
interface Terminal {
  write(chunk: string): unknown;
  readonly columns?: number;
  readonly rows?: number;
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

/** Creates the view that fits the output: live lines on a TTY, plain lines elsewhere, nothing with --json. */
export function createProgressView(output: Output, options: ProgressViewOptions = {}): ProgressView {
  const now = options.now ?? Date.now;
  if (output.json) return { update: () => undefined, note: (line) => output.warn(line), above: () => undefined, stop: () => undefined };
  if (output.interactive) return liveView(output, now);
  return lineView(output, options.minLineIntervalMs ?? 2000, now);
}

/** Width used when a terminal does not say its own. */
const DEFAULT_COLUMNS = 80;
/** Redraws between polls so the elapsed time moves while Batch is quiet. */
const REDRAW_MS = 1000;

/** The per-step view, redrawn in place: the cursor goes back up over the lines drawn last time. */
function liveView(output: Output, now: () => number): ProgressView {
  const terminal = output.stdout as Terminal;
  let drawn = 0;
  let last: ProgressSnapshot | undefined;
  let lastAt = 0;
  let timer: NodeJS.Timeout | undefined;
  const clear = () => {
    if (drawn > 0) terminal.write(`\r\x1b[${drawn}A\x1b[J`);
    drawn = 0;
  };
  const draw = () => {
    if (!last) return;
    const elapsedMs = last.elapsedMs + (now() - lastAt);
    const steps = last.steps ?? [{ name: 'jobs', total: last.total, counts: last.counts }];
    // One column spare: writing into the last one makes some terminals wrap.
    const size = { columns: (terminal.columns || DEFAULT_COLUMNS) - 1, rows: terminal.rows ? terminal.rows - 1 : undefined };
    const lines = renderStepLines({ steps, elapsed: formatDuration(elapsedMs) }, size, output.style);
    clear();
    terminal.write(lines.map((line) => `${line}\n`).join(''));
    drawn = lines.length;
  };
  return {
    update(snapshot) {
      last = snapshot;
      lastAt = now();
      draw();
      if (!timer) {
        timer = setInterval(draw, REDRAW_MS);
        timer.unref();
      }
    },
    note(line) {
      clear();
      output.warn(line);
      draw();
    },
    above(lines) {
      clear();
      const columns = (terminal.columns || DEFAULT_COLUMNS) - 1;
      // Log lines can be of any length; cut ones would wrap and break the redraw's line count.
      for (const line of lines) output.plain(visibleCut(line, columns));
      draw();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      // The final view stays on screen as the last state; the summary follows below it.
      drawn = 0;
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
    above(lines) {
      for (const line of lines) output.info(line);
    },
    stop() {
      if (pending) print(pending);
    },
  };
}

function finished(snapshot: ProgressSnapshot): number {
  return (snapshot.counts.SUCCEEDED ?? 0) + (snapshot.counts.FAILED ?? 0);
}

/** Cuts a line to `columns` visible characters, keeping its escapes and resetting any colour left open. */
export function visibleCut(line: string, columns: number): string {
  if (line.replace(/\u001b\[[0-9;]*m/g, '').length <= columns) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length; i++) {
    const escape = /^\u001b\[[0-9;]*m/.exec(line.slice(i));
    if (escape) {
      out += escape[0];
      i += escape[0].length - 1;
    } else if (visible < columns - 1) {
      out += line[i];
      visible++;
    }
  }
  return `${out}…${out.includes('\u001b') ? '\u001b[0m' : ''}`;
}
