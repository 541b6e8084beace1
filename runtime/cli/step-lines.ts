/**
 * The live per-step view of a run, as text: a header, then one line per step with its name, a
 * bar and its jobs counted by state, laid out to fit a terminal's width and height. Pure: the
 * same state and size always give the same lines, so the layout is tested without a terminal.
 */
import type { Styles } from './output';

/** One step as the view shows it. */
export interface StepProgress {
  readonly name: string;
  /** Jobs of the step: its array children, else 1. */
  readonly total: number;
  /** Its jobs by state (`NOT_SUBMITTED` for a step not submitted yet). */
  readonly counts: Readonly<Record<string, number>>;
}

/** What the view shows. */
export interface StepViewState {
  readonly steps: readonly StepProgress[];
  /** Milliseconds since the run started, already formatted (e.g. `1m02s`). */
  readonly elapsed: string;
}

/** The terminal's size. */
export interface ViewSize {
  readonly columns: number;
  /** Lines the view may take in all, header included. @default - no limit */
  readonly rows?: number;
}

/**
 * Failures first: on a narrow terminal a line is cut from its end, and a FAILED count is the
 * one thing the view must never lose. Then Batch's order.
 */
const STATE_ORDER = ['FAILED', 'RUNNING', 'STARTING', 'RUNNABLE', 'PENDING', 'SUBMITTED', 'SUCCEEDED', 'NOT_SUBMITTED'];
const SHORT_LABELS: Readonly<Record<string, string>> = {
  FAILED: 'fail', RUNNING: 'run', STARTING: 'start', RUNNABLE: 'rnbl', PENDING: 'pend', SUBMITTED: 'sub', SUCCEEDED: 'ok', NOT_SUBMITTED: 'wait',
};
const LONG_LABELS: Readonly<Record<string, string>> = { NOT_SUBMITTED: 'NOT SUBMITTED' };
const NAME_MAX = 24;
const BAR_MAX = 30;
const BAR_MIN = 6;

/** Lines of the view, none wider than `size.columns` (ANSI escapes not counted), at most `size.rows` of them. */
export function renderStepLines(state: StepViewState, size: ViewSize, style?: Styles): string[] {
  const columns = Math.max(size.columns, 1);
  const room = Math.max((size.rows ?? Infinity) - 1, 1);
  const { shown, hidden } = chooseSteps(state.steps, room);
  const lines = [fit(headerText(state), columns)];
  const layout = layoutFor(shown, columns);
  for (const step of shown) lines.push(renderStep(step, layout, columns, style));
  if (hidden.length > 0) {
    const counts = sumCounts(hidden);
    lines.push(fit(`… ${hidden.length} more step${hidden.length === 1 ? '' : 's'}: ${countsText(counts, layout.short)}`, columns));
  }
  return lines;
}

/** The header: jobs done of all, failures, elapsed. */
function headerText(state: StepViewState): string {
  const counts = sumCounts(state.steps);
  const total = state.steps.reduce((sum, s) => sum + s.total, 0);
  const failed = counts.FAILED ?? 0;
  return `${done(counts)}/${total} jobs done${failed > 0 ? ` · ${failed} FAILED` : ''} · ${state.elapsed}`;
}

interface Layout {
  readonly nameWidth: number;
  readonly fractionWidth: number;
  readonly barWidth: number;
  readonly short: boolean;
}

/** The widest layout every shown step fits in: long labels and a bar, else short labels, else no bar, else shorter names. */
function layoutFor(steps: readonly StepProgress[], columns: number): Layout {
  const nameWidth = Math.min(NAME_MAX, Math.max(4, ...steps.map((s) => s.name.length)));
  const fractionWidth = Math.max(3, ...steps.map((s) => fraction(s).length));
  for (const short of [false, true]) {
    const countsWidth = Math.max(0, ...steps.map((s) => countsText(s.counts, short).length));
    const barWidth = Math.min(BAR_MAX, columns - nameWidth - fractionWidth - countsWidth - 3);
    if (barWidth >= BAR_MIN) return { nameWidth, fractionWidth, barWidth, short };
  }
  const countsWidth = Math.max(0, ...steps.map((s) => countsText(s.counts, true).length));
  const nameRoom = columns - fractionWidth - countsWidth - 2;
  return { nameWidth: Math.max(1, Math.min(nameWidth, nameRoom)), fractionWidth, barWidth: 0, short: true };
}

function renderStep(step: StepProgress, layout: Layout, columns: number, style?: Styles): string {
  const name = truncate(step.name, layout.nameWidth).padEnd(layout.nameWidth);
  const parts = [name];
  let bar = '';
  if (layout.barWidth > 0) {
    const filled = step.total > 0 ? Math.round((done(step.counts) / step.total) * layout.barWidth) : 0;
    bar = '█'.repeat(filled) + '░'.repeat(layout.barWidth - filled);
    parts.push(bar);
  }
  parts.push(fraction(step).padStart(layout.fractionWidth));
  const counts = countsText(step.counts, layout.short);
  parts.push(counts);
  const plain = fit(parts.join(' '), columns);
  if (!style) return plain;
  // Colour is added after the layout, so escapes never count against the width.
  const at = plain.lastIndexOf(counts);
  const painted = at >= 0 && counts !== '' ? `${plain.slice(0, at)}${paintCounts(counts, style)}${plain.slice(at + counts.length)}` : plain;
  return bar === '' ? painted : painted.replace(bar, (step.counts.FAILED ?? 0) > 0 ? style.red(bar) : style.green(bar));
}

function paintCounts(counts: string, style: Styles): string {
  return counts.split(' · ').map((part) => (/^(FAILED|fail) /.test(part) ? style.red(part) : /^(SUCCEEDED|ok) /.test(part) ? style.green(part) : part)).join(' · ');
}

/** All steps when they fit; otherwise failed and moving ones first, succeeded and waiting ones folded into one line. */
function chooseSteps(steps: readonly StepProgress[], room: number): { shown: StepProgress[]; hidden: StepProgress[] } {
  if (steps.length <= room) return { shown: [...steps], hidden: [] };
  const rank = (s: StepProgress) => ((s.counts.FAILED ?? 0) > 0 ? 0 : done(s.counts) === s.total ? 3 : (s.counts.NOT_SUBMITTED ?? 0) === s.total ? 2 : 1);
  const picked = new Set(steps.map((s, index) => ({ s, index })).sort((a, b) => rank(a.s) - rank(b.s) || a.index - b.index).slice(0, Math.max(room - 1, 0)).map((e) => e.s));
  return { shown: steps.filter((s) => picked.has(s)), hidden: steps.filter((s) => !picked.has(s)) };
}

/** Counts in the view's order, zero counts left out: `FAILED 1 · RUNNING 2` or, short, `fail 1 · run 2`. */
export function countsText(counts: Readonly<Record<string, number>>, short: boolean): string {
  const known = STATE_ORDER.filter((s) => (counts[s] ?? 0) > 0);
  const others = Object.keys(counts).filter((s) => !STATE_ORDER.includes(s) && counts[s] > 0).sort();
  return [...known, ...others].map((s) => `${short ? SHORT_LABELS[s] ?? s.toLowerCase() : LONG_LABELS[s] ?? s} ${counts[s]}`).join(' · ');
}

function sumCounts(steps: readonly StepProgress[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const step of steps) {
    for (const [state, count] of Object.entries(step.counts)) sum[state] = (sum[state] ?? 0) + count;
  }
  return sum;
}

function done(counts: Readonly<Record<string, number>>): number {
  return (counts.SUCCEEDED ?? 0) + (counts.FAILED ?? 0);
}

function fraction(step: StepProgress): string {
  return `${done(step.counts)}/${step.total}`;
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(width - 1, 0))}…`;
}

/** Cuts a line to `columns` characters; the view's lines hold no escapes when cut. */
export function fit(text: string, columns: number): string {
  return text.length <= columns ? text : truncate(text, columns);
}
