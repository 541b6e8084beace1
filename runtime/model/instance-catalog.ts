/**
 * The EC2 instance types AWS Batch can launch, with what each offers to jobs, and what the
 * instance type shortcuts of a compute environment (`optimal`, `default_x86_64`,
 * `default_arm64`, bare family names such as `c5`) stand for.
 *
 * The data is generated into `instance-catalog.generated.ts` by
 * `scripts/generate-instance-catalog.js`; this module holds the rules applied to it.
 */
import { INSTANCE_TYPE_ROWS } from './instance-catalog.generated';

/** A CPU architecture that Batch runs containers on. */
export type CpuArchitecture = 'x86_64' | 'arm64';

/** Every CPU architecture of the catalog. */
export const CPU_ARCHITECTURES: readonly CpuArchitecture[] = ['x86_64', 'arm64'];

/** One EC2 instance type as the placement checks see it. */
export interface InstanceTypeInfo {
  /** The instance type name, e.g. `m5.large`. */
  readonly name: string;
  /** vCPUs the instance has. */
  readonly vcpus: number;
  /** Memory installed, in MiB (what EC2 advertises). */
  readonly memoryMiB: number;
  /** Memory a job can ask for on this instance, in MiB: see {@link jobMemoryLimitMiB}. */
  readonly jobMemoryMiB: number;
  /** GPUs the instance has. */
  readonly gpus: number;
  /** Architectures the instance runs. */
  readonly architectures: readonly CpuArchitecture[];
}

/**
 * Share of installed memory the OS reports on a Batch ECS instance. AWS's own example: an
 * m4.large has 8192 MiB installed and the OS reports 8,373,026,816 bytes, i.e. 7985 MiB.
 */
export const OS_REPORTED_MEMORY_RATIO = 7985 / 8192;

/** MiB the ECS agent of the default Batch AMI keeps for itself on every instance. */
export const ECS_AGENT_RESERVED_MIB = 32;

/**
 * The most memory, in MiB, a job can ask for and still be placed on an instance with
 * `installedMiB` of memory: what the OS reports (installed times {@link OS_REPORTED_MEMORY_RATIO},
 * rounded down) minus what the ECS agent keeps ({@link ECS_AGENT_RESERVED_MIB}). An m4.large
 * (8192 MiB) takes jobs of up to 7953 MiB; a job asking for 8192 MiB never starts there.
 *
 * The checks treat a job above this limit as one that never runs (an error). AWS further
 * recommends leaving a 5% buffer below it; that is advice, not a placement failure, so the
 * checks do not enforce it.
 */
export function jobMemoryLimitMiB(installedMiB: number): number {
  return Math.max(0, Math.floor(installedMiB * OS_REPORTED_MEMORY_RATIO) - ECS_AGENT_RESERVED_MIB);
}

/** Instance families each shortcut stands for (AWS Batch user guide, "Compute resource instance types"). */
export const INSTANCE_TYPE_SHORTCUTS: Readonly<Record<string, readonly string[]>> = {
  // Since 2025-11-01 `optimal` behaves like `default_x86_64`; batchkit follows the current behaviour.
  optimal: ['m6i', 'c6i', 'r6i', 'c7i'],
  default_x86_64: ['m6i', 'c6i', 'r6i', 'c7i'],
  default_arm64: ['m6g', 'c6g', 'r6g', 'c7g'],
};

const ARCHITECTURE_BITS: ReadonlyArray<readonly [number, CpuArchitecture]> = [[1, 'x86_64'], [2, 'arm64']];

const byName = new Map<string, InstanceTypeInfo>();
const byFamily = new Map<string, InstanceTypeInfo[]>();
for (const [name, [vcpus, memoryMiB, gpus, bits]] of Object.entries(INSTANCE_TYPE_ROWS)) {
  const info: InstanceTypeInfo = {
    name,
    vcpus,
    memoryMiB,
    jobMemoryMiB: jobMemoryLimitMiB(memoryMiB),
    gpus,
    architectures: ARCHITECTURE_BITS.filter(([bit]) => (bits & bit) !== 0).map(([, arch]) => arch),
  };
  byName.set(name, info);
  const family = name.slice(0, name.indexOf('.'));
  const members = byFamily.get(family) ?? [];
  members.push(info);
  byFamily.set(family, members);
}

/** The instance type called `name` (e.g. `g5.12xlarge`), or `undefined` when the catalog does not know it. */
export function findInstanceType(name: string): InstanceTypeInfo | undefined {
  return byName.get(name);
}

/**
 * The instance types a compute environment entry stands for: a full type name gives that
 * type, a family name (`c5`) every size of the family, a shortcut (`optimal`,
 * `default_x86_64`, `default_arm64`) every size of its families. `undefined` when the entry is
 * none of these, so callers can report it rather than treat it as offering nothing.
 */
export function expandInstanceTypeEntry(entry: string): readonly InstanceTypeInfo[] | undefined {
  const exact = byName.get(entry);
  if (exact) return [exact];
  const shortcut = INSTANCE_TYPE_SHORTCUTS[entry];
  if (shortcut) return shortcut.flatMap((family) => byFamily.get(family) ?? []);
  return byFamily.get(entry);
}

/** Number of instance types in the catalog. */
export function instanceTypeCount(): number {
  return byName.size;
}
