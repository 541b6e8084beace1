/**
 * The vCPU and memory combinations Fargate accepts (AWS Batch user guide, "Fargate resource
 * requirements"). A Fargate job asking for any other pair is rejected when submitted. Windows
 * containers take the same pairs from 1 vCPU up: Fargate gives them no 0.25 or 0.5 vCPU size.
 * Also which platform versions each operating system runs on, and what needs Linux 1.4.0.
 */

/** The operating systems of Fargate tasks, as far as their sizes and platform versions differ. */
export type FargateOperatingSystem = 'LINUX' | 'WINDOWS';

/** Fewest vCPUs of a Windows container on Fargate. */
export const WINDOWS_FARGATE_MIN_VCPUS = 1;

/** One vCPU size Fargate offers, with the memory sizes it accepts. */
export interface FargateSize {
  /** vCPUs of this size. */
  readonly vcpus: number;
  /** Every memory size, in MiB, accepted with these vCPUs, ascending. */
  readonly memoryChoicesMiB: readonly number[];
  /** The choices as people write them, e.g. `2048..8192 MiB in steps of 1024`. */
  readonly memoryChoicesText: string;
}

function steps(minMiB: number, maxMiB: number, stepMiB: number): FargateSize['memoryChoicesMiB'] {
  const choices: number[] = [];
  for (let mib = minMiB; mib <= maxMiB; mib += stepMiB) choices.push(mib);
  return choices;
}

function size(vcpus: number, minMiB: number, maxMiB: number, stepMiB: number): FargateSize {
  return { vcpus, memoryChoicesMiB: steps(minMiB, maxMiB, stepMiB), memoryChoicesText: `${minMiB}..${maxMiB} MiB in steps of ${stepMiB}` };
}

/** Every vCPU size Fargate offers, smallest first. */
export const FARGATE_SIZES: readonly FargateSize[] = [
  // 0.25 vCPU is the one size whose choices are not an even step sequence.
  { vcpus: 0.25, memoryChoicesMiB: [512, 1024, 2048], memoryChoicesText: '512, 1024 or 2048 MiB' },
  size(0.5, 1024, 4096, 1024),
  size(1, 2048, 8192, 1024),
  size(2, 4096, 16384, 1024),
  size(4, 8192, 30720, 1024),
  size(8, 16384, 61440, 4096),
  size(16, 32768, 122880, 8192),
];

/** The vCPU sizes Fargate offers containers of `os`, smallest first. */
export function fargateSizesFor(os: FargateOperatingSystem): readonly FargateSize[] {
  return os === 'WINDOWS' ? FARGATE_SIZES.filter((s) => s.vcpus >= WINDOWS_FARGATE_MIN_VCPUS) : FARGATE_SIZES;
}

/** The Fargate size with exactly `vcpus` for containers of `os`, or `undefined` when Fargate offers none. */
export function findFargateSize(vcpus: number, os: FargateOperatingSystem = 'LINUX'): FargateSize | undefined {
  return fargateSizesFor(os).find((s) => s.vcpus === vcpus);
}

/**
 * Why Fargate refuses `vcpus` with `memoryMiB`, or `undefined` when it accepts the pair.
 * The text completes "<job> asks for ...", e.g.
 * `3 vCPUs but Fargate offers 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs`.
 */
export function fargatePairProblem(vcpus: number, memoryMiB: number, os: FargateOperatingSystem = 'LINUX'): string | undefined {
  const found = findFargateSize(vcpus, os);
  if (!found) {
    const offered = fargateSizesFor(os).map((s) => s.vcpus);
    const to = os === 'WINDOWS' ? ' to Windows containers' : '';
    return `${vcpus} vCPUs but Fargate offers ${offered.slice(0, -1).join(', ')} or ${offered[offered.length - 1]} vCPUs${to}`;
  }
  if (found.memoryChoicesMiB.includes(memoryMiB)) return undefined;
  return `${memoryMiB} MiB of memory with ${vcpus} vCPUs but Fargate accepts ${found.memoryChoicesText} with ${vcpus} vCPUs`;
}

/** Platform versions Fargate runs Windows tasks on (`LATEST` picks the newest). */
export const WINDOWS_FARGATE_PLATFORM_VERSIONS: readonly string[] = ['LATEST', '1.0.0'];

/** Linux platform version from which Fargate offers ephemeral storage beyond 20 GiB and the 8 and 16 vCPU sizes. */
export const LINUX_LARGE_TASK_PLATFORM_VERSION = '1.4.0';

/** A Fargate task as far as its platform version matters. */
export interface FargatePlatformRequest {
  /** The platform version asked for: `LATEST` or `x.y.z`. */
  readonly platformVersion: string;
  /** Operating system of the task. */
  readonly os: FargateOperatingSystem;
  /** vCPUs of the task. */
  readonly vcpus?: number;
  /** Ephemeral storage asked for, GiB. */
  readonly ephemeralStorageGiB?: number;
}

function versionBefore(version: string, than: string): boolean {
  const parts = (v: string) => v.split('.').map(Number);
  const [a, b] = [parts(version), parts(than)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  }
  return false;
}

/**
 * Why Fargate cannot run a task on the platform version asked for, or `undefined` when it can:
 * Windows tasks run on 1.0.0 only; on Linux, ephemeral storage and the 8 and 16 vCPU sizes need
 * 1.4.0 or later. Completes "<job> ...".
 */
export function fargatePlatformVersionProblem(request: FargatePlatformRequest): string | undefined {
  const { platformVersion: version, os } = request;
  if (os === 'WINDOWS') {
    if (WINDOWS_FARGATE_PLATFORM_VERSIONS.includes(version)) return undefined;
    return `runs Windows on Fargate platform version ${version} but Windows tasks run on ${WINDOWS_FARGATE_PLATFORM_VERSIONS.join(' or ')}`;
  }
  if (version === 'LATEST' || !versionBefore(version, LINUX_LARGE_TASK_PLATFORM_VERSION)) return undefined;
  const needs = [
    request.ephemeralStorageGiB !== undefined ? `${request.ephemeralStorageGiB} GiB of ephemeral storage` : undefined,
    request.vcpus !== undefined && request.vcpus >= 8 ? `${request.vcpus} vCPUs` : undefined,
  ].filter((need): need is string => need !== undefined);
  if (needs.length === 0) return undefined;
  return `asks for ${needs.join(' and ')} on Fargate platform version ${version} but that needs ${LINUX_LARGE_TASK_PLATFORM_VERSION} or later (or LATEST)`;
}
