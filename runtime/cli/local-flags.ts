/**
 * The local engine's flags: what each compute environment of the in-process engine offers
 * (`--vcpus`, `--memory`, `--gpus` and their older names) and how it runs jobs (`--launcher`),
 * shared by `run --local`, `resume --local` and `local serve`.
 */
import * as os from 'os';
import { LAUNCHER_KINDS, type LauncherKind } from '../engine';
import { CliError } from './exit-codes';

/** `--vcpus`, `--memory` and `--gpus` of `run --local` and `local serve`: what each compute environment of the local engine offers. */
export const VCPUS_HELP = 'vCPUs each local compute environment may use (default: this host\'s cores)';
/** Help of `--memory`. */
export const MEMORY_HELP = 'memory each local compute environment may use, in MiB (default: this host\'s memory)';
/** Help of `--gpus`. */
export const GPUS_HELP = 'GPUs each local compute environment may hand out (default: 0)';

/** The capacity flags as given: each `undefined` when not given. */
export interface LocalCapacity {
  /** `--vcpus`. @default - not given */
  readonly vcpus?: number;
  /** `--memory`, MiB. @default - not given */
  readonly memoryMiB?: number;
  /** `--gpus`. @default - not given */
  readonly gpus?: number;
}

/**
 * Parses `--vcpus`, `--memory`, `--gpus` and the older `--local-vcpus`, `--local-memory`; an old
 * and a new name given different values is refused rather than one silently winning.
 */
export function localCapacityOf(flags: { vcpus?: string; memory?: string; gpus?: string; localVcpus?: string; localMemory?: string }): LocalCapacity {
  return {
    vcpus: aliased('--vcpus', flags.vcpus, '--local-vcpus', flags.localVcpus),
    memoryMiB: aliased('--memory', flags.memory, '--local-memory', flags.localMemory),
    gpus: wholeNumber('--gpus', flags.gpus),
  };
}

/** The engine's `hostCapacity` for the flags given, this host's cores and memory filling in the rest; `undefined` when none was given. */
export function hostCapacityOf(capacity: LocalCapacity): { vcpus: number; memoryMiB: number; gpus: number } | undefined {
  if (capacity.vcpus === undefined && capacity.memoryMiB === undefined && capacity.gpus === undefined) return undefined;
  return {
    vcpus: capacity.vcpus ?? os.cpus().length,
    memoryMiB: capacity.memoryMiB ?? Math.floor(os.totalmem() / (1024 * 1024)),
    gpus: capacity.gpus ?? 0,
  };
}

function aliased(flag: string, text: string | undefined, oldFlag: string, oldText: string | undefined): number | undefined {
  const value = positiveInteger(flag, text);
  const old = positiveInteger(oldFlag, oldText);
  if (value !== undefined && old !== undefined && value !== old) {
    throw new CliError(`${flag} ${value} and ${oldFlag} ${old} name the same setting; give one of them`);
  }
  return value ?? old;
}

function wholeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9]\d*)$/.test(text)) {
    throw new CliError(`${flag} must be a whole number, 0 or more; got '${text}'`);
  }
  return Number(text);
}

/** The `--launcher` help, shared by `local serve`. */
export const LAUNCHER_HELP = 'how the local engine runs jobs: container (docker or podman, the job\'s image), process (on this host), or auto (containers when a runtime answers) (default: BATCHKIT_LAUNCHER, else auto)';

/** Checks a `--launcher` value. */
export function launcherKindOf(text: string | undefined): LauncherKind | undefined {
  if (text === undefined) return undefined;
  if (!(LAUNCHER_KINDS as readonly string[]).includes(text)) {
    throw new CliError(`--launcher must be ${LAUNCHER_KINDS.join(', ')}; got '${text}'`);
  }
  return text as LauncherKind;
}

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text)) {
    throw new CliError(`${flag} must be a whole number above 0; got '${text}'`);
  }
  return Number(text);
}
