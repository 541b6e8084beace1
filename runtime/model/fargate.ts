/**
 * The vCPU and memory combinations Fargate accepts (AWS Batch user guide, "Fargate resource
 * requirements"). A Fargate job asking for any other pair is rejected when submitted.
 */

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

/** The Fargate size with exactly `vcpus`, or `undefined` when Fargate offers none. */
export function findFargateSize(vcpus: number): FargateSize | undefined {
  return FARGATE_SIZES.find((s) => s.vcpus === vcpus);
}

/**
 * Why Fargate refuses `vcpus` with `memoryMiB`, or `undefined` when it accepts the pair.
 * The text completes "<job> asks for ...", e.g.
 * `3 vCPUs but Fargate offers 0.25, 0.5, 1, 2, 4, 8 or 16 vCPUs`.
 */
export function fargatePairProblem(vcpus: number, memoryMiB: number): string | undefined {
  const found = findFargateSize(vcpus);
  if (!found) {
    const offered = FARGATE_SIZES.map((s) => s.vcpus);
    return `${vcpus} vCPUs but Fargate offers ${offered.slice(0, -1).join(', ')} or ${offered[offered.length - 1]} vCPUs`;
  }
  if (found.memoryChoicesMiB.includes(memoryMiB)) return undefined;
  return `${memoryMiB} MiB of memory with ${vcpus} vCPUs but Fargate accepts ${found.memoryChoicesText} with ${vcpus} vCPUs`;
}
