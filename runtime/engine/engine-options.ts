/**
 * The options of `LocalBatchEngine.open` and the defaults the engine derives from the host.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { ArnScope } from '../model/arns';
import type { EngineClock } from './clock';
import { EngineConfigurationError, shown } from './errors';
import { HelperLauncher } from './helper-launcher';
import { availableHelper } from './helper-programs';
import { HostProcessLauncher, ProcessLauncher } from './launcher';
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
   * Starts attempts. The engine closes the launcher it creates, never one given here.
   * @default - a `HelperLauncher` (the native helper, else perl, else sh with `setsid`; `BATCHKIT_PROCESS_HELPER` picks one), else a `HostProcessLauncher`: each attempt is a process on this host
   */
  readonly launcher?: ProcessLauncher;
  /** @default - the system clock (`Date.now`, `setTimeout`) */
  readonly clock?: EngineClock;
  /** Milliseconds between SIGTERM and SIGKILL when a job times out or is terminated. @default 30000 (ECS's stop timeout) */
  readonly killGraceMs?: number;
  /** What each compute environment may use at most. @default - this host's cores (`os.cpus()`) and memory (`os.totalmem()`), no GPUs */
  readonly hostCapacity?: HostCapacity;
  /** NDJSON file receiving every event. @default - `<dataDir>/events.ndjson` with a dataDir, none without */
  readonly eventLogFile?: string;
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
  return { scope, killGraceMs };
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

/** The fastest launcher this host supports: a helper process where possible, Node's spawn otherwise. */
export function defaultLauncher(): ProcessLauncher {
  const helper = availableHelper();
  return helper ? new HelperLauncher(helper) : new HostProcessLauncher();
}

/** This host's cores and memory, no GPUs. */
export function defaultHostCapacity(): HostCapacity {
  return { vcpus: os.cpus().length, memoryMiB: Math.floor(os.totalmem() / (1024 * 1024)), gpus: 0 };
}
