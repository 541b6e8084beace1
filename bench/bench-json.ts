/**
 * The line through which a benchmark hands its figures to `scripts/bench.js`, which builds the
 * table of docs/benchmarks.md from it alone: the human-readable output above it can be reworded
 * without breaking the report.
 */

/** One measured figure, beside what it is compared with in the same run. */
export interface BenchFigure {
  /** What was measured; the report's rows are named by it, so keep it stable across runs. */
  readonly name: string;
  /** Rounded as the human-readable output shows it, so the table and the quoted run agree. */
  readonly value: number;
  /** The unit of `value` and of the baseline's value. */
  readonly unit: string;
  /**
   * The same quantity measured on the alternative, in the same run on the same machine.
   * @default - no baseline: the report shows the value alone
   */
  readonly baseline?: { readonly name: string; readonly value: number };
  /**
   * Which way is an improvement over the baseline.
   * @default - neither: the baseline is a reference point (a floor, say), not a competitor
   */
  readonly better?: 'lower' | 'higher';
}

/** Prints the benchmark's `BENCH_JSON` line; call it once, after the human-readable output. */
export function printBenchJson(bench: string, figures: readonly BenchFigure[]): void {
  console.log(`BENCH_JSON ${JSON.stringify({ bench, figures })}`);
}
