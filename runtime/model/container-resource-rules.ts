/**
 * Limits AWS Batch puts on what one container may ask for, whatever the queue: the memory floor
 * of every ECS container and the ephemeral storage range of a Fargate task. Each function returns
 * a message completing "<subject> ...", or `undefined` when the value is accepted.
 */

/** Least memory, in MiB, Batch accepts for a container. */
export const MIN_CONTAINER_MEMORY_MIB = 4;

/** Ephemeral storage a Fargate task may be given, in GiB (20 GiB when none is asked for). */
export const FARGATE_EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

/** Why Batch refuses `memoryMiB` of container memory, e.g. `asks for 2 MiB of memory but Batch expects at least 4`. */
export function containerMemoryProblem(memoryMiB: number): string | undefined {
  if (memoryMiB >= MIN_CONTAINER_MEMORY_MIB) return undefined;
  return `asks for ${memoryMiB} MiB of memory but Batch expects at least ${MIN_CONTAINER_MEMORY_MIB}`;
}

/** Why Fargate refuses `gib` of ephemeral storage, e.g. `asks for 20 GiB of ephemeral storage but Fargate accepts 21..200 GiB`. */
export function fargateEphemeralStorageProblem(gib: number): string | undefined {
  const { min, max } = FARGATE_EPHEMERAL_STORAGE_GIB;
  if (Number.isInteger(gib) && gib >= min && gib <= max) return undefined;
  return `asks for ${gib} GiB of ephemeral storage but Fargate accepts ${min}..${max} GiB`;
}
