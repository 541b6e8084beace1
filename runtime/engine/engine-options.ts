/**
 * The options of `LocalBatchEngine.open` and the defaults the engine derives from the host.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { ArnScope } from '../model/arns';
import type { EngineClock } from './clock';
import type { ContainerCliSearch } from './container-cli';
import { ContainerLauncher, ContainerLauncherOptions } from './container-launcher';
import { EngineConfigurationError, shown } from './errors';
import type { EventLogSettings } from './event-bus';
import { hostLauncher, hostLauncherPlan } from './host-launcher';
import type { ProcessLauncher } from './launcher';
import type { HostCapacity } from './scheduler';

/** How to open a local engine. */
export interface LocalEngineOptions {
  /**
   * Directory for the database (`engine.sqlite`), attempt logs (`logs/`), work dirs (`work/`) and
   * the event log (`events.ndjson`); reopening the same directory resumes every accepted job.
   * @default - in-memory SQLite; attempt files go to a temporary directory (under /dev/shm where it exists) removed on close
   */
  readonly dataDir?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '123456789012' */
  readonly accountId?: string;
  /**
   * How attempts run: `'container'` as docker or podman containers of the job's image (see
   * `containers`), `'process'` as processes on this host (the native helper where a C compiler
   * works, else Node's spawn; `BATCHKIT_PROCESS_HELPER` picks one), `'auto'` as containers
   * when a container runtime answers and host processes otherwise; or a launcher object. The
   * engine closes the launcher it creates, never one given here. `launcherDescription` says which
   * one runs and why.
   * @default - `BATCHKIT_LAUNCHER` when set, else 'auto'
   */
  readonly launcher?: ProcessLauncher | LauncherKind;
  /**
   * How containers run when the engine creates a container launcher: which CLI (`cli`, else
   * `BATCHKIT_CONTAINER_CLI`, else docker then podman), the network of single-node jobs, whether
   * AWS credentials are passed.
   * @default - the first CLI that answers, the runtime's default network, no AWS credentials
   */
  readonly containers?: ContainerLauncherOptions & ContainerCliSearch;
  /** @default - the system clock (`Date.now`, `setTimeout`) */
  readonly clock?: EngineClock;
  /** Milliseconds between SIGTERM and SIGKILL when a job times out or is terminated. @default 30000 (ECS's stop timeout) */
  readonly killGraceMs?: number;
  /** What each compute environment may use at most. @default - this host's cores (`os.cpus()`) and memory (`os.totalmem()`), no GPUs */
  readonly hostCapacity?: HostCapacity;
  /** NDJSON file receiving every event. @default - `<dataDir>/events.ndjson` with a dataDir, none without */
  readonly eventLogFile?: string;
  /**
   * Size in bytes the event log may reach: the event that would take it past this renames it to
   * `<file>.1` (replacing an older one) and starts a new file, so at most about twice this is on disk.
   * @default 67108864 (64 MiB)
   */
  readonly eventLogMaxBytes?: number;
  /** Root of attempt log files (`<logDir>/<logStreamName>.log`). @default - `<dataDir>/logs`, or the temporary directory */
  readonly logDir?: string;
}

/** Where ARNs point and how long the SIGTERM→SIGKILL grace is, from options checked for what AWS allows. */
export function checkedOptions(options: LocalEngineOptions): { scope: ArnScope; killGraceMs: number } {
  const scope = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '123456789012' };
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(scope.region)) {
    throw new EngineConfigurationError(`region ${shown(scope.region)} is not an AWS region name: expected e.g. us-east-1`);
  }
  if (!/^\d{12}$/.test(scope.accountId)) {
    throw new EngineConfigurationError(`accountId ${shown(scope.accountId)} is not an AWS account id: expected 12 digits`);
  }
  const killGraceMs = options.killGraceMs ?? 30_000;
  if (!Number.isFinite(killGraceMs) || killGraceMs < 0) {
    throw new EngineConfigurationError(`killGraceMs must be a non-negative number of milliseconds: given ${shown(options.killGraceMs)}`);
  }
  const eventLogMaxBytes = options.eventLogMaxBytes ?? DEFAULT_EVENT_LOG_MAX_BYTES;
  if (!Number.isSafeInteger(eventLogMaxBytes) || eventLogMaxBytes < MIN_EVENT_LOG_MAX_BYTES) {
    throw new EngineConfigurationError(`eventLogMaxBytes must be a whole number of bytes, at least ${MIN_EVENT_LOG_MAX_BYTES}: given ${shown(options.eventLogMaxBytes)}`);
  }
  return { scope, killGraceMs };
}

/** Default `eventLogMaxBytes`: 64 MiB. */
export const DEFAULT_EVENT_LOG_MAX_BYTES = 64 * 1024 * 1024;

/** Smallest `eventLogMaxBytes`: below a few events per file, rotating only churns the disk. */
const MIN_EVENT_LOG_MAX_BYTES = 4096;

/** Where the engine logs its events (`undefined`: nowhere) and when the log rotates; options already checked. */
export function eventLogSettings(options: LocalEngineOptions, dataRoot: string): EventLogSettings | undefined {
  const file = options.eventLogFile ?? (options.dataDir ? path.join(dataRoot, 'events.ndjson') : undefined);
  return file === undefined ? undefined : { file, maxBytes: options.eventLogMaxBytes ?? DEFAULT_EVENT_LOG_MAX_BYTES };
}

/** The reason an attempt gets when the engine stopped while it ran (AWS's wording for a lost instance, so `onStatusReason: "Host EC2*"` matches). */
export const HOST_TERMINATED_REASON = 'Host EC2 (instance batchkit-local-engine) terminated.';

/** Where an in-memory engine keeps attempt files: tmpfs when the host has one (nothing on disk, and a mkdir there costs microseconds). */
export function temporaryRoot(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
}

/** How the engine runs attempts when it creates the launcher. */
export type LauncherKind = 'auto' | 'container' | 'process';

/** The launcher kinds, as `launcher` and `BATCHKIT_LAUNCHER` accept them. */
export const LAUNCHER_KINDS: readonly LauncherKind[] = ['auto', 'container', 'process'];

/** The launcher an engine runs attempts with, and why that one. */
export interface ChosenLauncher {
  /** The launcher. */
  readonly launcher: ProcessLauncher;
  /** Whether the engine created it (and so closes it). */
  readonly owned: boolean;
  /** One line: what runs attempts and why, e.g. `containers via podman 4.3.1 (launcher auto: podman answered)`. */
  readonly description: string;
}

/**
 * The launcher the options ask for: a given object as is; `process` a host launcher; `container`
 * the first container CLI that answers (an error listing why each failed when none does); `auto`
 * a container launcher when one answers, a host launcher otherwise.
 */
export async function chooseLauncher(options: LocalEngineOptions): Promise<ChosenLauncher> {
  if (typeof options.launcher === 'object') {
    const given = options.launcher as ProcessLauncher & { description?: string };
    return { launcher: given, owned: false, description: `${given.description ?? 'the launcher given to the engine'} (launcher option)` };
  }
  const fromEnvironment = options.launcher === undefined && process.env.BATCHKIT_LAUNCHER ? process.env.BATCHKIT_LAUNCHER : undefined;
  const kind = (options.launcher ?? fromEnvironment ?? 'auto') as LauncherKind;
  const source = fromEnvironment !== undefined ? 'BATCHKIT_LAUNCHER' : 'launcher';
  if (!LAUNCHER_KINDS.includes(kind)) {
    throw new EngineConfigurationError(`${source} must be one of ${LAUNCHER_KINDS.join(', ')} (or, as an option, a ProcessLauncher): given ${shown(kind)}`);
  }
  if (kind === 'process') {
    const plan = hostLauncherPlan();
    return { launcher: hostLauncher(plan), owned: true, description: `host processes (${source} ${kind}) started by ${plan.description}` };
  }
  if (kind === 'container') {
    const launcher = await ContainerLauncher.detect(options.containers);
    return { launcher, owned: true, description: `${launcher.description} (${source} ${kind})` };
  }
  try {
    const launcher = await ContainerLauncher.detect(options.containers);
    return { launcher, owned: true, description: `${launcher.description} (${source} auto: ${launcher.cli.command} answered)` };
  } catch (error) {
    if (!(error instanceof EngineConfigurationError)) {
      throw error;
    }
    const plan = hostLauncherPlan();
    return { launcher: hostLauncher(plan), owned: true, description: `host processes (${source} auto: ${error.message}) started by ${plan.description}` };
  }
}

/** The engine's id on containers and networks (`batchkit.engine` label): a hash of its data directory. */
export function engineIdOf(dataRoot: string): string {
  return createHash('sha256').update(dataRoot).digest('hex').slice(0, 12);
}

/** This host's cores and memory, no GPUs. */
export function defaultHostCapacity(): HostCapacity {
  return { vcpus: os.cpus().length, memoryMiB: Math.floor(os.totalmem() / (1024 * 1024)), gpus: 0 };
}
