/**
 * Where each declared job definition can run: the synth-time placement rules
 * (`runtime/model/placement.ts`) applied to a synthesized template, so `batchkit check` shows
 * the same verdicts for apps written with plain `aws-cdk-lib/aws-batch` constructs too.
 */
import { multiNodeCapableCompute } from '../model/multi-node-rules';
import { placeOnQueue, type ComputeDescription, type ComputeKind, type JobDescription, type JobPlatform, type PlacementVerdict } from '../model/placement';
import type { DeclaredBatchResources, DeclaredJobDefinition } from './batch-resources';

/** One job definition against one queue. */
export interface QueuePlacement {
  readonly queue: string;
  readonly status: PlacementVerdict['status'];
  /** Why it does not fit or cannot be judged; empty when it fits. */
  readonly reason: string;
}

/** Every queue's verdict for one job definition. */
export interface JobDefinitionPlacement {
  readonly jobDefinition: string;
  readonly queues: QueuePlacement[];
}

const KINDS: readonly ComputeKind[] = ['EC2', 'SPOT', 'FARGATE', 'FARGATE_SPOT', 'UNMANAGED'];

/** Judges every job definition of a template against every queue of it. */
export function placementReport(resources: DeclaredBatchResources): JobDefinitionPlacement[] {
  const computeById = new Map(resources.computeEnvironments.map((ce): [string, ComputeDescription] => [ce.logicalId, {
    name: ce.name,
    kind: KINDS.includes(ce.kind as ComputeKind) ? ce.kind as ComputeKind : 'EC2',
    instanceTypes: ce.instanceTypes,
    maxvCpus: ce.maxvCpus,
  }]));
  return resources.jobDefinitions.map((jd) => ({
    jobDefinition: jd.name,
    queues: resources.jobQueues.map((queue) => {
      const whole = { name: queue.name, computeEnvironments: queue.computeEnvironments.flatMap((id) => computeById.get(id) ?? []) };
      const description = jd.type === 'multinode' ? multiNodeCapableCompute(whole) : whole;
      return { queue: queue.name, ...worstVerdict(jobsOf(jd).map((job) => placeOnQueue(job, description))) };
    }),
  }));
}

// A multi-node job fits a queue only if every node group does.
function worstVerdict(verdicts: PlacementVerdict[]): PlacementVerdict {
  return verdicts.find((v) => v.status === 'never-fits')
    ?? verdicts.find((v) => v.status === 'unknown')
    ?? { status: 'fits', reason: '' };
}

function jobsOf(jd: DeclaredJobDefinition): JobDescription[] {
  const platform: JobPlatform = jd.platform.includes('FARGATE') ? 'FARGATE' : 'EC2';
  return jd.containers.map((container) => ({
    subject: container.targetNodes === undefined
      ? `job definition '${jd.name}'`
      : `node group ${container.targetNodes} of job definition '${jd.name}'`,
    platform,
    vcpus: container.vcpus ?? 0,
    memoryMiB: container.memoryMiB ?? 0,
    gpus: container.gpus ?? 0,
    instanceType: container.instanceType,
  }));
}
