/**
 * Rules AWS Batch applies to jobs on Amazon EKS: what a pod asks for (its containers'
 * `resources.limits` and `requests`, in Kubernetes quantities), and which compute runs it. A job
 * definition is for ECS (`containerProperties`, `nodeProperties`) or for EKS (`eksProperties`),
 * and runs only on compute environments of its own orchestration; a queue's compute environments
 * are all of one orchestration.
 */

/** Which orchestration runs a job or a compute environment's instances. */
export type Orchestration = 'ECS' | 'EKS';

/** A compute environment as the orchestration rules see it. */
export interface OrchestratedCompute {
  /** Name used in messages. */
  readonly name: string;
  /** ECS (also Fargate and unmanaged) or EKS (`eksConfiguration`). */
  readonly orchestration: Orchestration;
}

/** Fewest MiB of memory Batch accepts for a job. */
export const EKS_MIN_MEMORY_MIB = 4;

/** vCPU values must be whole multiples of this. */
export const EKS_CPU_STEP = 0.25;

/** What one container of a pod declares; values are Kubernetes quantities (`500m`, `2`, `2048Mi`, `4Gi`). */
export interface EksContainerResources {
  /** Container name used in messages. */
  readonly name: string;
  /** `resources.limits`. */
  readonly limits: Readonly<Record<string, string | number | undefined>>;
  /** `resources.requests`. */
  readonly requests: Readonly<Record<string, string | number | undefined>>;
}

/** What a whole pod needs of one instance. */
export interface EksPodDemand {
  /** vCPUs (may be fractional). */
  readonly vcpus: number;
  /** Memory in MiB. */
  readonly memoryMiB: number;
  /** NVIDIA GPUs. */
  readonly gpus: number;
}

/** A CPU quantity in vCPUs (`500m` is 0.5); `undefined` when it is not one. */
export function parseCpuQuantity(quantity: string | number): number | undefined {
  const text = String(quantity).trim();
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text);
  if (!match) return undefined;
  return match[2] === 'm' ? Number(match[1]) / 1000 : Number(match[1]);
}

const MEMORY_UNITS_BYTES: Readonly<Record<string, number>> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A memory quantity in MiB (`2Gi` is 2048); `undefined` when it is not one. */
export function parseMemoryQuantityMiB(quantity: string | number): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity).trim());
  if (!match) return undefined;
  return (Number(match[1]) * MEMORY_UNITS_BYTES[match[2] ?? '']) / 2 ** 20;
}

interface ResourceRule {
  readonly key: string;
  readonly parse: (q: string | number) => number | undefined;
  /** How limits must relate to requests when both are given. */
  readonly limitVsRequest: 'equal' | 'at-least';
  readonly unit: string;
}

const RULES: readonly ResourceRule[] = [
  { key: 'cpu', parse: parseCpuQuantity, limitVsRequest: 'at-least', unit: 'vCPUs' },
  { key: 'memory', parse: parseMemoryQuantityMiB, limitVsRequest: 'equal', unit: 'MiB' },
  { key: 'nvidia.com/gpu', parse: (q) => (/^\d+$/.test(String(q).trim()) ? Number(q) : undefined), limitVsRequest: 'equal', unit: 'GPUs' },
];

/** One container's amount of one resource (the larger of limit and request), with what is wrong with it. */
function containerAmount(container: EksContainerResources, rule: ResourceRule, problems: string[]): number {
  const read = (from: 'limits' | 'requests'): number | undefined => {
    const raw = container[from][rule.key];
    if (raw === undefined) return undefined;
    const value = rule.parse(raw);
    if (value === undefined) problems.push(`has container '${container.name}' with ${from}.${rule.key} '${raw}' but expected a quantity in ${rule.unit}`);
    return value;
  };
  const limit = read('limits');
  const request = read('requests');
  if (limit !== undefined && request !== undefined) {
    if (rule.limitVsRequest === 'equal' && limit !== request) {
      problems.push(`has container '${container.name}' with ${rule.key} limit ${container.limits[rule.key]} and request ${container.requests[rule.key]} but Batch expects them equal`);
    } else if (rule.limitVsRequest === 'at-least' && limit < request) {
      problems.push(`has container '${container.name}' with ${rule.key} limit ${container.limits[rule.key]} below its request ${container.requests[rule.key]}`);
    }
  }
  const amount = Math.max(limit ?? 0, request ?? 0);
  if (rule.key === 'cpu' && amount > 0 && !Number.isInteger(amount / EKS_CPU_STEP)) {
    problems.push(`has container '${container.name}' with cpu ${amount} but Batch expects a multiple of ${EKS_CPU_STEP}`);
  }
  return amount;
}

/**
 * What a pod of `containers` needs of one instance (the sum over its containers), and the
 * problems with what it declares; each problem completes "<job definition> ...".
 */
export function eksPodDemand(containers: readonly EksContainerResources[]): { demand: EksPodDemand; problems: string[] } {
  const problems: string[] = [];
  const total = (rule: ResourceRule) => containers.reduce((sum, c) => sum + containerAmount(c, rule, problems), 0);
  const [vcpus, memoryMiB, gpus] = RULES.map(total);
  if (memoryMiB < EKS_MIN_MEMORY_MIB) {
    problems.push(`asks for ${memoryMiB} MiB of memory (limits or requests) but Batch expects at least ${EKS_MIN_MEMORY_MIB} MiB`);
  }
  return { demand: { vcpus, memoryMiB, gpus }, problems };
}

/**
 * Why a job of `orchestration` can never run on a queue of `computes`, completing nothing (a
 * whole message); `undefined` when some compute environment of the queue runs it.
 */
export function orchestrationProblem(subject: string, orchestration: Orchestration, queueName: string, computes: readonly OrchestratedCompute[]): string | undefined {
  if (computes.length === 0 || computes.some((c) => c.orchestration === orchestration)) return undefined;
  const other = orchestration === 'EKS' ? 'ECS' : 'EKS';
  const names = computes.map((c) => `'${c.name}'`).join(', ');
  return `${subject} is an ${orchestration} job definition but queue '${queueName}' has only ${other} compute environments (${names}): `
    + `${orchestration} jobs run on ${orchestration} compute only, so bind it (queues) to a queue of ${orchestration} compute`;
}

/** Why a queue's compute environments cannot be queued together; `undefined` when they are of one orchestration. */
export function queueOrchestrationProblem(queueName: string, computes: readonly OrchestratedCompute[]): string | undefined {
  const eks = computes.filter((c) => c.orchestration === 'EKS');
  if (eks.length === 0 || eks.length === computes.length) return undefined;
  const names = (list: readonly OrchestratedCompute[]) => list.map((c) => `'${c.name}'`).join(', ');
  return `queue '${queueName}' mixes ECS (${names(computes.filter((c) => c.orchestration === 'ECS'))}) and EKS (${names(eks)}) compute environments but Batch expects one orchestration per queue`;
}

/** Longest Kubernetes namespace name (an RFC 1123 label). */
export const KUBERNETES_NAMESPACE_MAX_LENGTH = 63;

/**
 * Why Batch refuses `namespace` as the Kubernetes namespace of an EKS compute environment,
 * completing "<compute environment> has kubernetesNamespace '<namespace>' but ..."; `undefined`
 * when it takes it. Batch manages the pods of its jobs in that namespace, so it must be a
 * namespace of its own: never `default` nor one of the `kube-` system namespaces.
 */
export function kubernetesNamespaceProblem(namespace: string): string | undefined {
  if (namespace.length === 0 || namespace.length > KUBERNETES_NAMESPACE_MAX_LENGTH) {
    return `expected 1 to ${KUBERNETES_NAMESPACE_MAX_LENGTH} characters (it has ${namespace.length})`;
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) {
    return 'expected a lowercase RFC 1123 label: lowercase letters, digits and hyphens, starting and ending with a letter or digit';
  }
  if (namespace === 'default' || namespace.startsWith('kube-')) {
    return 'expected a namespace of its own for Batch\'s pods, not \'default\' nor one starting with \'kube-\'';
  }
  return undefined;
}
