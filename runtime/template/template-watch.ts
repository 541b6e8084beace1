/**
 * Watches a synthesized template and applies each new version to the api as a deploy would
 * (see apply-template-change.ts). `cdk synth` rewrites the file, sometimes in several writes:
 * changes are debounced, and a version that does not parse or plan is reported and left out,
 * the previous state kept, until the next write.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { basename } from 'node:path';
import type { ArnScope } from '../model/arns';
import type { BatchApi } from '../model/batch-api';
import { applyTemplateChange, resourceKind, TemplateChangeRefused, type AppliedChange, type AppliedResource, type AppliedResourceChange } from './apply-template-change';
import { assetManifestBeside } from './asset-manifest';
import type { AssetImageOptions } from './docker-assets';
import { TemplateReadError, type LoadedBatchResource, type TemplateFinding } from './load-template';
import { parseTemplateText, planTemplate, type TemplatePlan } from './template-plan';

/** Calls `onChange` whenever the file at `path` may have changed; returns what stops watching. */
export type FileWatcher = (path: string, onChange: () => void) => () => void;

/** The timers the debounce uses. */
export interface WatchTimers {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What one reload of the template did. */
export type TemplateWatchEvent =
  /** The new version is applied; `changes` is empty when no Batch resource changed. */
  | { readonly kind: 'applied'; readonly template: string; readonly changes: AppliedResourceChange[]; readonly warnings: TemplateFinding[] }
  /** Nothing was changed: the file does not parse, a resource cannot be planned, or the change needs a same-named replacement. */
  | { readonly kind: 'refused'; readonly template: string; readonly reason: string; readonly errors: TemplateFinding[] }
  /** A step failed part-way: `changes` were applied, the rest was not tried. */
  | { readonly kind: 'failed'; readonly template: string; readonly changes: AppliedResourceChange[]; readonly error: string };

/** Options of {@link watchTemplate}. */
export interface TemplateWatchOptions {
  /** Where the template's resources live. */
  readonly api: BatchApi;
  /** Region and account of the api's ARNs. */
  readonly scope: ArnScope;
  /** The template file. */
  readonly path: string;
  /** What loading the current version created or found (`LoadReport.resources`): the state changes start from. */
  readonly loaded: readonly LoadedBatchResource[];
  /** Receives each reload's outcome. */
  readonly report: (event: TemplateWatchEvent) => void;
  /**
   * Builds CDK asset images, as loading did.
   * @default - asset images are not built
   */
  readonly assetImages?: AssetImageOptions;
  /**
   * Quiet time after the last write before the file is read.
   * @default 300
   */
  readonly debounceMs?: number;
  /**
   * Notices writes to the file.
   * @default - polls the file's status every 250 ms, which survives the file being replaced
   */
  readonly watchFile?: FileWatcher;
  /** @default - the global timers */
  readonly timers?: WatchTimers;
}

/** A template being watched. */
export interface TemplateWatch {
  /** Resolves once no reload is waiting or running. */
  settled(): Promise<void>;
  /** Stops watching and waits for a reload in progress. */
  close(): Promise<void>;
}

const DEFAULT_DEBOUNCE_MS = 300;

const GLOBAL_TIMERS: WatchTimers = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Starts watching `options.path`, taking its current version as applied. */
export async function watchTemplate(options: TemplateWatchOptions): Promise<TemplateWatch> {
  const { path } = options;
  const planOptions = {
    stackName: basename(path).replace(/\.template\.json$|\.json$/, ''),
    ...(options.assetImages ? { assetImages: { ...options.assetImages, manifestFile: options.assetImages.manifestFile ?? assetManifestBeside(path) } } : {}),
  };
  const plan = async (text: string) => planTemplate(parseTemplateText(text, path), options.scope, planOptions);
  const text = readFileSync(path, 'utf8');
  const initial = await plan(text);
  const arns = new Map(options.loaded.map((r) => [r.logicalId, r.arn]));
  const applied = new Map(initial.resources.filter((r) => arns.has(r.logicalId)).map((r): [string, AppliedResource] => [r.logicalId, { ...r, arn: arns.get(r.logicalId)! }]));
  const watcher = new TemplateWatcher(options, plan, { text, resources: applied, warnings: initial.findings });
  watcher.start(options.watchFile ?? pollFile);
  return watcher;
}

/** The version last applied: its text, what it put in the api, the warnings already reported. */
interface AppliedVersion {
  readonly text: string;
  readonly resources: Map<string, AppliedResource>;
  readonly warnings: readonly TemplateFinding[];
}

class TemplateWatcher implements TemplateWatch {
  private readonly timers: WatchTimers;
  private readonly debounceMs: number;
  private readonly knownWarnings: Set<string>;
  private timer: unknown;
  // Resolves when the debounce timer fires (or the watch closes), for `settled`.
  private firing: { promise: Promise<void>; resolve: () => void } | undefined;
  private running = Promise.resolve();
  private closed = false;
  private stopWatching = (): void => undefined;

  constructor(
    private readonly options: TemplateWatchOptions,
    private readonly plan: (text: string) => Promise<TemplatePlan>,
    private applied: AppliedVersion,
  ) {
    this.timers = options.timers ?? GLOBAL_TIMERS;
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.knownWarnings = new Set(applied.warnings.map((f) => JSON.stringify(f)));
  }

  public start(watchFileWith: FileWatcher): void {
    this.stopWatching = watchFileWith(this.options.path, () => this.schedule());
  }

  public async settled(): Promise<void> {
    while (this.firing) await this.firing.promise;
    await this.running;
  }

  public async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.firing?.resolve();
    this.firing = undefined;
    await this.running;
  }

  // Each write restarts the quiet period; reloads run one after another.
  private schedule(): void {
    if (this.closed) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    const fired = this.firing ??= deferred();
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.firing = undefined;
      this.running = this.running.then(() => this.reload()).catch((err: unknown) => {
        this.options.report({ kind: 'failed', template: this.options.path, changes: [], error: (err as Error).message });
      });
      fired.resolve();
    }, this.debounceMs);
  }

  private async reload(): Promise<void> {
    const { path, report } = this.options;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      report({ kind: 'refused', template: path, reason: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, errors: [] });
      return;
    }
    if (text === this.applied.text) return;
    let next: TemplatePlan;
    let outcome: AppliedChange;
    try {
      next = await this.plan(text);
      const errors = next.findings.filter((f) => f.level === 'error');
      if (errors.length > 0) {
        report({ kind: 'refused', template: path, reason: `${errors.length} resource(s) of the new version cannot be created`, errors });
        return;
      }
      outcome = await applyTemplateChange(this.options.api, this.applied.resources, next.resources);
    } catch (err) {
      if (!(err instanceof TemplateChangeRefused || err instanceof TemplateReadError)) throw err;
      report({ kind: 'refused', template: path, reason: err.message, errors: [] });
      return;
    }
    if (outcome.error !== undefined) {
      // The text stays the old one, so writing the same version again retries what is left.
      this.applied = { ...this.applied, resources: outcome.applied };
      report({ kind: 'failed', template: path, changes: outcome.changes, error: outcome.error });
      return;
    }
    this.applied = { text, resources: outcome.applied, warnings: next.findings };
    const warnings = next.findings.filter((f) => !this.knownWarnings.has(JSON.stringify(f)));
    warnings.forEach((f) => this.knownWarnings.add(JSON.stringify(f)));
    report({ kind: 'applied', template: path, changes: outcome.changes, warnings });
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/** One line per event (and per changed resource), for people. */
export function describeWatchEvent(event: TemplateWatchEvent): string[] {
  switch (event.kind) {
    case 'applied':
      return [
        `${event.template} changed: ${event.changes.length === 0 ? 'no Batch resource changed' : `${event.changes.length} Batch resource change(s) applied`}`,
        ...event.changes.map(describeChange),
        ...event.warnings.map((f) => `  warning: ${f.logicalId ? `${f.logicalId}: ` : ''}${f.message}`),
      ];
    case 'refused':
      return [
        `${event.template} changed but was not applied: ${event.reason}; the previous version stays in place`,
        ...event.errors.map((f) => `  error: ${f.logicalId ? `${f.logicalId}: ` : ''}${f.message}`),
      ];
    case 'failed':
      return [
        `${event.template} changed and was applied only in part: ${event.error}`,
        ...event.changes.map(describeChange),
      ];
  }
}

function describeChange(change: AppliedResourceChange): string {
  return `  ${resourceKind(change.type)} '${change.name}' (${change.constructPath ?? change.logicalId}) ${change.action}${change.detail === change.action ? '' : `: ${change.detail}`}`;
}

// fs.watch follows an inode, which `cdk synth` may replace; polling the path's status does not.
const pollFile: FileWatcher = (path, onChange) => {
  const listener = (current: { mtimeMs: number; size: number }, previous: { mtimeMs: number; size: number }): void => {
    if (current.mtimeMs !== previous.mtimeMs || current.size !== previous.size) onChange();
  };
  watchFile(path, { interval: POLL_INTERVAL_MS, persistent: false }, listener);
  // The poller takes its first status asynchronously, so a write landing between the caller's
  // read and that first status would never count as a change: one look once the poller is
  // running catches it (a reload of unchanged text does nothing).
  const firstLook = setTimeout(onChange, 2 * POLL_INTERVAL_MS);
  firstLook.unref();
  return () => {
    clearTimeout(firstLook);
    unwatchFile(path, listener);
  };
};

const POLL_INTERVAL_MS = 250;
