/**
 * Can a job ever start on a queue? Pure functions over plain descriptions of compute
 * environments, queues and jobs, shared by the CDK synth-time checks and the runtime.
 *
 * A verdict is `fits`, `never-fits` (the job would sit in RUNNABLE forever: wrong platform,
 * wrong architecture, or more vCPUs, memory or GPUs than any instance of the queue offers or
 * `maxvCpus` allows) or `unknown` (an instance type the catalog does not know, or unmanaged
 * compute whose instances batchkit cannot see): a check reports `unknown`, it never passes
 * it silently. Memory is compared with what an instance offers jobs, not what is installed:
 * see `jobMemoryLimitMiB` in `instance-catalog.ts`.
 */
import { CpuArchitecture, InstanceTypeInfo, expandInstanceTypeEntry, findInstanceType } from './instance-catalog';
import { fargatePairProblem } from './fargate';

/** The kind of a compute environment: its `computeResources.type`, or `UNMANAGED`. */
export type ComputeKind = 'EC2' | 'SPOT' | 'FARGATE' | 'FARGATE_SPOT' | 'UNMANAGED';

/** The platform a job definition is registered for (`platformCapabilities`). */
export type JobPlatform = 'EC2' | 'FARGATE';

/** A compute environment as the checks see it. */
export interface ComputeDescription {
  /** Name used in messages. */
  readonly name: string;
  /** Kind of compute. */
  readonly kind: ComputeKind;
  /**
   * Instance type entries: full names, family names or shortcuts (`optimal`, `default_x86_64`,
   * `default_arm64`). Empty for Fargate; for unmanaged compute, the types of the instances
   * attached to it, when known.
   */
  readonly instanceTypes: readonly string[];
  /** Most vCPUs the environment scales to; `undefined` when unlimited or unknown. */
  readonly maxvCpus?: number;
}

/** A queue as the checks see it: its compute environments in order. */
export interface QueueDescription {
  /** Name used in messages. */
  readonly name: string;
  /** Compute environments, in the order the queue tries them. */
  readonly computeEnvironments: readonly ComputeDescription[];
}

/** What one job (or one node group of a multi-node job) asks for. */
export interface JobDescription {
  /** How messages name the job, e.g. `job definition 'Train'`. */
  readonly subject: string;
  /** Platform the job definition is registered for. */
  readonly platform: JobPlatform;
  /** vCPUs asked for. */
  readonly vcpus: number;
  /** Memory asked for, MiB. */
  readonly memoryMiB: number;
  /** GPUs asked for. */
  readonly gpus: number;
  /** Architecture the image needs; `undefined` when any will do. */
  readonly architecture?: CpuArchitecture;
  /** The one instance type the job must run on (multi-node node groups); `undefined` for any. */
  readonly instanceType?: string;
}

/** Outcome of one placement check. */
export interface PlacementVerdict {
  /** Whether the job can start, never can, or cannot be judged. */
  readonly status: 'fits' | 'never-fits' | 'unknown';
  /** Why, as a full sentence fragment naming the job and the queue (empty when it fits). */
  readonly reason: string;
}

/** What a compute environment's instance type entries stand for. */
export interface ComputeOffer {
  /** Every instance type the environment may launch. */
  readonly types: readonly InstanceTypeInfo[];
  /** Entries the catalog does not know. */
  readonly unknownEntries: readonly string[];
}

/** Expands a compute environment's instance type entries through the catalog. */
export function computeOffer(compute: ComputeDescription): ComputeOffer {
  const types = new Map<string, InstanceTypeInfo>();
  const unknownEntries: string[] = [];
  for (const entry of compute.instanceTypes) {
    const expanded = expandInstanceTypeEntry(entry);
    if (!expanded) unknownEntries.push(entry);
    for (const info of expanded ?? []) types.set(info.name, info);
  }
  return { types: [...types.values()], unknownEntries };
}

/** Architectures a compute environment offers (empty when it cannot be told, e.g. Fargate). */
export function computeArchitectures(compute: ComputeDescription): CpuArchitecture[] {
  const found = new Set<CpuArchitecture>();
  for (const info of computeOffer(compute).types) info.architectures.forEach((a) => found.add(a));
  return [...found].sort();
}

/** Whether a job for `platform` can be placed on compute of `kind` at all. */
export function platformAccepts(platform: JobPlatform, kind: ComputeKind): boolean {
  const fargate = kind === 'FARGATE' || kind === 'FARGATE_SPOT';
  return platform === 'FARGATE' ? fargate : !fargate;
}

/** Fewest vCPUs a job on EC2 compute may ask for (Batch: "you must specify at least one vCPU"). */
export const MIN_EC2_VCPUS = 1;

/** Problems with what a job asks for that no queue could fix; each completes "<subject> ...". */
export function jobResourceProblems(job: JobDescription): string[] {
  if (job.platform === 'EC2' && job.vcpus < MIN_EC2_VCPUS) return [`asks for ${job.vcpus} vCPUs but jobs on EC2 need at least ${MIN_EC2_VCPUS}`];
  return [];
}

const FITS: PlacementVerdict = { status: 'fits', reason: '' };

/** Whether `job` can ever start on some compute environment of `queue`. */
export function placeOnQueue(job: JobDescription, queue: QueueDescription): PlacementVerdict {
  const where = `queue '${queue.name}'`;
  const candidates = queue.computeEnvironments.filter((ce) => platformAccepts(job.platform, ce.kind));
  if (candidates.length === 0) {
    const kinds = [...new Set(queue.computeEnvironments.map((ce) => ce.kind))].join(', ') || 'no';
    return { status: 'never-fits', reason: `${job.subject} runs on ${job.platform} but ${where} has ${kinds} compute environments` };
  }
  const limit = maxvCpusOf(candidates);
  if (limit && job.vcpus > limit.maxvCpus) {
    return { status: 'never-fits', reason: `${job.subject} asks for ${job.vcpus} vCPUs but ${where} allows at most ${limit.maxvCpus} (maxvCpus of compute environment '${limit.name}')` };
  }
  if (job.platform === 'FARGATE') {
    const problem = fargatePairProblem(job.vcpus, job.memoryMiB);
    return problem ? { status: 'never-fits', reason: `${job.subject} asks for ${problem}` } : FITS;
  }
  const ec2Candidates = candidates.filter((ce) => job.vcpus <= (ce.maxvCpus ?? Infinity));
  const offers = ec2Candidates.map(computeOffer);
  let types = offers.flatMap((offer) => offer.types);
  if (types.some((t) => fitsInstance(job, t))) return FITS;
  const unknowable = ec2Candidates.find((ce) => ce.kind === 'UNMANAGED' && ce.instanceTypes.length === 0);
  if (unknowable) {
    return { status: 'unknown', reason: `${job.subject} cannot be checked against ${where}: unmanaged compute environment '${unknowable.name}' has no instances batchkit knows of` };
  }
  const unknownEntries = offers.flatMap((offer) => offer.unknownEntries);
  if (unknownEntries.length > 0) {
    return { status: 'unknown', reason: `${job.subject} cannot be checked against ${where}: instance type(s) ${unknownEntries.join(', ')} are not in batchkit's catalog` };
  }
  if (job.instanceType !== undefined) {
    if (!findInstanceType(job.instanceType)) {
      return { status: 'unknown', reason: `${job.subject} cannot be checked: instance type ${job.instanceType} is not in batchkit's catalog` };
    }
    const offered = types.filter((t) => t.name === job.instanceType);
    if (offered.length === 0) {
      return { status: 'never-fits', reason: `${job.subject} asks for instance type ${job.instanceType} but ${where} does not offer it (it offers ${describeEntries(ec2Candidates)})` };
    }
    types = offered;
  }
  return { status: 'never-fits', reason: shortfall(job, types, where) };
}

/** Whether one instance type can hold `job`. */
export function fitsInstance(job: JobDescription, info: InstanceTypeInfo): boolean {
  return (job.instanceType === undefined || job.instanceType === info.name)
    && (job.architecture === undefined || info.architectures.includes(job.architecture))
    && info.vcpus >= job.vcpus
    && info.jobMemoryMiB >= job.memoryMiB
    && info.gpus >= job.gpus;
}

// Names the first dimension in which no instance type is big enough, with the biggest one offered.
function shortfall(job: JobDescription, allTypes: readonly InstanceTypeInfo[], where: string): string {
  if (allTypes.length === 0) return `${job.subject} asks for ${job.vcpus} vCPUs but ${where} offers no instance types`;
  const types = job.architecture ? allTypes.filter((t) => t.architectures.includes(job.architecture!)) : allTypes;
  if (types.length === 0) {
    const offered = [...new Set(allTypes.flatMap((t) => t.architectures))].sort().join(' and ');
    return `${job.subject} needs ${job.architecture} but ${where} offers only ${offered} instance types`;
  }
  const most = (pick: (t: InstanceTypeInfo) => number) => types.reduce((best, t) => (pick(t) > pick(best) ? t : best));
  const byVcpus = most((t) => t.vcpus);
  if (byVcpus.vcpus < job.vcpus) return `${job.subject} asks for ${job.vcpus} vCPUs but ${where} offers at most ${byVcpus.vcpus} (${byVcpus.name})`;
  const byGpus = most((t) => t.gpus);
  if (byGpus.gpus < job.gpus) {
    return byGpus.gpus === 0
      ? `${job.subject} asks for ${job.gpus} GPUs but ${where} offers no GPU instance types`
      : `${job.subject} asks for ${job.gpus} GPUs but ${where} offers at most ${byGpus.gpus} (${byGpus.name})`;
  }
  const byMemory = most((t) => t.jobMemoryMiB);
  if (byMemory.jobMemoryMiB < job.memoryMiB) {
    return `${job.subject} asks for ${job.memoryMiB} MiB of memory but ${where} offers jobs at most ${byMemory.jobMemoryMiB} MiB (${byMemory.name}: ${byMemory.memoryMiB} MiB installed, less what the OS and the ECS agent keep)`;
  }
  const gpuText = job.gpus > 0 ? ` and ${job.gpus} GPUs` : '';
  return `${job.subject} asks for ${job.vcpus} vCPUs, ${job.memoryMiB} MiB${gpuText} together but no single instance type of ${where} offers all of them`;
}

function maxvCpusOf(computes: readonly ComputeDescription[]): { name: string; maxvCpus: number } | undefined {
  if (computes.some((ce) => ce.maxvCpus === undefined)) return undefined;
  return computes.reduce<{ name: string; maxvCpus: number } | undefined>(
    (best, ce) => (best && best.maxvCpus >= ce.maxvCpus! ? best : { name: ce.name, maxvCpus: ce.maxvCpus! }), undefined);
}

function describeEntries(computes: readonly ComputeDescription[]): string {
  return [...new Set(computes.flatMap((ce) => ce.instanceTypes))].join(', ') || 'nothing';
}
