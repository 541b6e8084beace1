/**
 * How the CLI writes for people and for machines: colour only on a TTY and never with
 * NO_COLOR, timestamped plain lines when the output is not a terminal (CI logs), and one
 * JSON document on stdout with `--json`.
 */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Options for {@link createOutput}. */
export interface OutputOptions {
  /** Where lines for people and the JSON document go. @default process.stdout */
  readonly stdout?: OutputStream;
  /** Where errors and warnings go. @default process.stderr */
  readonly stderr?: OutputStream;
  /** Write machine-readable JSON instead of text. @default false */
  readonly json?: boolean;
  /** The environment, read for NO_COLOR and FORCE_COLOR. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** The clock for timestamps on non-TTY lines. @default Date.now */
  readonly now?: () => number;
}

/** Text styles; each returns its input unchanged when colour is off. */
export interface Styles {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

/** The CLI's writer, shared by every command. */
export interface Output {
  /** True when stdout is a terminal: progress bars and redrawn lines are allowed. */
  readonly interactive: boolean;
  readonly json: boolean;
  readonly style: Styles;
  readonly stdout: OutputStream;
  /** A line for people: as is on a TTY, prefixed with an ISO timestamp otherwise. Suppressed with --json. */
  info(line: string): void;
  /** A line for people without timestamp (tables, summaries). Suppressed with --json. */
  plain(line: string): void;
  /** A warning on stderr (also with --json, where stdout is reserved for the document). */
  warn(line: string): void;
  /** Writes the JSON document (only with --json). */
  document(value: unknown): void;
}

const ANSI = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39] } as const;

/** Creates the output for one command invocation. */
export function createOutput(options: OutputOptions = {}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const json = options.json ?? false;
  const interactive = Boolean(stdout.isTTY) && !json;
  const colour = colourEnabled(interactive, env);
  const style = makeStyles(colour);
  const stamp = (line: string) => (interactive ? line : `${new Date(now()).toISOString()} ${line}`);
  return {
    interactive,
    json,
    style,
    stdout,
    info: (line) => { if (!json) stdout.write(`${stamp(line)}\n`); },
    plain: (line) => { if (!json) stdout.write(`${line}\n`); },
    warn: (line) => { stderr.write(`${line}\n`); },
    document: (value) => { if (json) stdout.write(`${JSON.stringify(value, null, 2)}\n`); },
  };
}

/** NO_COLOR (any non-empty value) always wins; FORCE_COLOR turns colour on off a TTY. */
export function colourEnabled(interactive: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return interactive;
}

function makeStyles(colour: boolean): Styles {
  const wrap = ([open, close]: readonly [number, number]) =>
    (text: string) => (colour ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return {
    bold: wrap(ANSI.bold),
    dim: wrap(ANSI.dim),
    red: wrap(ANSI.red),
    green: wrap(ANSI.green),
    yellow: wrap(ANSI.yellow),
    cyan: wrap(ANSI.cyan),
  };
}

/** Lays out rows as a fixed-width text table; widths ignore ANSI escapes. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const pad = (cells: string[]) => cells
    .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visible(c))))
    .join('  ')
    .trimEnd();
  return [pad(header), pad(widths.map((w) => '-'.repeat(w))), ...rows.map(pad)];
}

/** Formats milliseconds the way people read durations: 850ms, 12.3s, 4m05s, 1h02m. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${String(totalSeconds % 60).padStart(2, '0')}s`;
  const minutes = Math.floor(totalSeconds / 60);
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
