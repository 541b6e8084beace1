/**
 * Rules AWS Batch (and the ECS agent and Docker behind it) applies to a container's settings
 * beyond its resources: Linux parameters, ulimits, what Windows and Fargate containers refuse,
 * and the scheduling priority of a job definition. Each function returns messages completing
 * "<subject> ...", so the CDK checks and the runtime word them alike.
 */
import { integerRange } from './integer-range';
import type { JobPlatform } from './placement';

/**
 * `schedulingPriority` of a job definition and `schedulingPriorityOverride` of a submit: 0 to
 * 9,999 (higher is scheduled first under fair share).
 */
export const SCHEDULING_PRIORITY_RANGE = integerRange(0, 9999);

/** Lowest and highest `swappiness` of a container. */
export const SWAPPINESS_RANGE = { min: 0, max: 100 } as const;

/** Host devices under this path are the EFA (Elastic Fabric Adapter) interfaces of an instance. */
export const EFA_DEVICE_PATH_PREFIX = '/dev/infiniband/';

/** The Linux parameters of a container, in the units Batch takes (MiB). */
export interface LinuxSettings {
  /** Size of `/dev/shm`, MiB. */
  readonly sharedMemorySizeMiB?: number;
  /** Swap the container may use, MiB (0: none). */
  readonly maxSwapMiB?: number;
  /** How readily the kernel swaps the container's pages (0..100). */
  readonly swappiness?: number;
  /** Host paths of the devices exposed to the container. */
  readonly devicePaths: readonly string[];
  /** Sizes of the tmpfs mounts, MiB. */
  readonly tmpfsSizesMiB: readonly number[];
}

/** Errors make a job definition fail to register or its jobs fail to start; warnings are advice. */
export interface SettingsFindings {
  /** Problems Batch refuses or that stop jobs from starting. */
  readonly errors: string[];
  /** Advice that should not fail a build. */
  readonly warnings: string[];
}

function isWholeAtLeast(value: number, min: number): boolean {
  return Number.isInteger(value) && value >= min;
}

// The Linux parameters Batch does not accept for Fargate jobs, by the name the API gives them.
function fargateRefused(settings: LinuxSettings): string[] {
  return [
    settings.devicePaths.length > 0 ? 'devices' : undefined,
    settings.sharedMemorySizeMiB !== undefined ? 'sharedMemorySize' : undefined,
    settings.tmpfsSizesMiB.length > 0 ? 'tmpfs' : undefined,
    settings.maxSwapMiB !== undefined ? 'maxSwap' : undefined,
    settings.swappiness !== undefined ? 'swappiness' : undefined,
  ].filter((name): name is string => name !== undefined);
}

/**
 * Problems with a container's Linux parameters on `platform`, given the container's memory:
 * Fargate takes only `initProcessEnabled`; sizes are whole MiB; swappiness is 0..100; a
 * `/dev/shm` larger than the container's memory can never be filled, since its pages count
 * against that memory.
 */
export function linuxSettingsFindings(settings: LinuxSettings, platform: JobPlatform, memoryMiB: number | undefined): SettingsFindings {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (platform === 'FARGATE') {
    const refused = fargateRefused(settings);
    if (refused.length > 0) errors.push(`sets linuxParameters ${refused.join(', ')} but Fargate jobs accept only initProcessEnabled`);
    return { errors, warnings };
  }
  const shm = settings.sharedMemorySizeMiB;
  if (shm !== undefined && !isWholeAtLeast(shm, 1)) errors.push(`has a sharedMemorySize of ${shm} MiB but Batch expects a whole number of MiB, at least 1`);
  const swap = settings.maxSwapMiB;
  if (swap !== undefined && !isWholeAtLeast(swap, 0)) errors.push(`has a maxSwap of ${swap} MiB but Batch expects a whole number of MiB, 0 or more`);
  const swappiness = settings.swappiness;
  const { min, max } = SWAPPINESS_RANGE;
  if (swappiness !== undefined && !(isWholeAtLeast(swappiness, min) && swappiness <= max)) {
    errors.push(`has a swappiness of ${swappiness} but Batch expects a whole number from ${min} to ${max}`);
  }
  for (const size of settings.tmpfsSizesMiB) {
    if (!isWholeAtLeast(size, 1)) errors.push(`has a tmpfs mount of ${size} MiB but Batch expects a whole number of MiB, at least 1`);
  }
  if (shm !== undefined && memoryMiB !== undefined && shm > memoryMiB) {
    warnings.push(`has a sharedMemorySize of ${shm} MiB, more than its ${memoryMiB} MiB of memory: /dev/shm pages count against the container's memory, so it can never be filled`);
  }
  return { errors, warnings };
}

/** One ulimit of a container. */
export interface UlimitSetting {
  /** Resource name (`nofile`, `memlock`, ...). */
  readonly name: string;
  /** Soft limit. */
  readonly softLimit: number;
  /** Hard limit. */
  readonly hardLimit: number;
}

/** The limit value Docker reads as unlimited (EFA's `memlock` is commonly set to it). */
export const UNLIMITED_ULIMIT = -1;

const asCeiling = (limit: number) => (limit === UNLIMITED_ULIMIT ? Infinity : limit);

/** Problems with a container's ulimits: whole limits of 0 or more (or -1, unlimited), soft at most hard (Docker refuses the container otherwise), one entry per name. */
export function ulimitProblems(ulimits: readonly UlimitSetting[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const { name, softLimit, hardLimit } of ulimits) {
    if (seen.has(name)) problems.push(`sets ulimit '${name}' more than once but Batch expects one entry per name`);
    seen.add(name);
    if (!isWholeAtLeast(softLimit, UNLIMITED_ULIMIT) || !isWholeAtLeast(hardLimit, UNLIMITED_ULIMIT)) {
      problems.push(`has ulimit '${name}' with limits ${softLimit}/${hardLimit} but expected whole numbers, 0 or more, or -1 for unlimited`);
    } else if (asCeiling(softLimit) > asCeiling(hardLimit)) {
      problems.push(`has ulimit '${name}' with a soft limit of ${softLimit} above its hard limit of ${hardLimit}: the container would not start`);
    }
  }
  return problems;
}

/** Settings a Windows container may not have, by the name the API gives them. */
export const WINDOWS_REFUSED_SETTINGS = ['linuxParameters', 'privileged', 'user', 'ulimits', 'readonlyRootFilesystem', 'efsVolumeConfiguration'] as const;

/** Why a Windows container cannot have the settings in `set` (names from {@link WINDOWS_REFUSED_SETTINGS}), or `undefined` when it sets none of them. */
export function windowsSettingsProblem(set: readonly string[]): string | undefined {
  const refused = set.filter((name) => (WINDOWS_REFUSED_SETTINGS as readonly string[]).includes(name));
  if (refused.length === 0) return undefined;
  return `runs Windows but sets ${refused.join(', ')}, which Batch refuses for Windows containers`;
}

/** Why Batch refuses `priority` as a job definition's scheduling priority, or `undefined` when it accepts it. */
export function schedulingPriorityProblem(priority: number): string | undefined {
  const { min, max } = SCHEDULING_PRIORITY_RANGE;
  if (SCHEDULING_PRIORITY_RANGE.accepts(priority)) return undefined;
  return `has a schedulingPriority of ${priority} but Batch expects a whole number from ${min} to ${max}`;
}

/** The devices among `devicePaths` that are EFA interfaces. */
export function efaDevicePaths(devicePaths: readonly string[]): string[] {
  return devicePaths.filter((path) => path.startsWith(EFA_DEVICE_PATH_PREFIX));
}
