/**
 * Placement: which RUNNABLE job starts next, and on which compute environment. Queues are served
 * by priority (higher first); inside a queue jobs go in submission order (a queue with a scheduling
 * policy: by fair share, see `FairShareQueue`), and the head of a queue waits for room rather than
 * being overtaken, as on AWS. A head that can never fit blocks its
 * queue, which is what AWS's "Batch Job Queue Blocked" event and `jobStateTimeLimitActions` are for.
 */
import type * as batch from '@aws-sdk/client-batch';
import { containerNeeds, definitionContainer, placementNeeds, ResourceNeeds } from './job-container';
import type { JobRecord, JobSpec } from './job-record';
import { platformOf, type ResourceRegistry } from './resources';
import { FairShareQueue } from './fair-share';
import { RunnableHeap } from './runnable-heap';
import { consumableNeedsOf } from './consumable-jobs';
import type { ConsumableNeeds } from './consumable-resources';

/** What the machine offers to each compute environment. */
export interface HostCapacity {
  /** vCPUs a compute environment may use (each CE is capped at this or its `maxvCpus`, whichever is smaller). */
  readonly vcpus: number;
  /** Memory a compute environment may use, in MiB. */
  readonly memoryMiB: number;
  /**
   * GPUs a compute environment may use.
   * @default 0 - the engine starts host processes and does not hand out GPUs
   */
  readonly gpus?: number;
}

/** What the scheduler asks of the engine. */
export interface PlacementActions {
  /** Starts a job on a compute environment (its resources are already reserved). */
  start(job: JobRecord, computeEnvironment: string, needs: ResourceNeeds): void;
  /** Reports that a queue's head can never be placed on the queue's compute environments. */
  blocked(queue: batch.JobQueueDetail, job: JobRecord, reason: string): void;
  /** Reports that a queue's head waits for units of a consumable resource (`reason` says which). */
  waiting(job: JobRecord, reason: string): void;
}

/** The units of consumable resources jobs hold: asked before a start, taken at it, given back at the end of the attempt. */
export interface ConsumableGate {
  /** Why a job needing these units cannot start now, or `undefined` when it can. */
  shortage(needs: ConsumableNeeds): string | undefined;
  /** Takes the units of a job that starts. */
  take(needs: ConsumableNeeds): void;
  /** Gives back (or consumes for good) the units of an attempt that ended. */
  release(needs: ConsumableNeeds): void;
}

/** The AWS reason for a job whose vCPUs exceed every compute environment's `maxvCpus`. */
export const MAX_RESOURCE_REASON = 'MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.';
/** The AWS reason for a job that asks for more than any compute environment's instances offer. */
export const JOB_RESOURCE_REASON = 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.';

interface Usage {
  milliVcpus: number;
  memoryMiB: number;
  gpus: number;
}

/** Runnable heaps per queue and resource usage per compute environment. */
export class Scheduler {
  private readonly heaps = new Map<string, RunnableHeap | FairShareQueue>();
  private readonly usage = new Map<string, Usage>();
  private readonly needsBySpec = new WeakMap<JobSpec, ResourceNeeds>();

  /**
   * @param now the engine clock's epoch ms (fair-share usage is measured with it)
   * @param consumables the consumable resources jobs may need
   */
  constructor(
    private readonly resources: ResourceRegistry,
    private readonly host: HostCapacity,
    private readonly actions: PlacementActions,
    private readonly now: () => number = Date.now,
    private readonly consumables?: ConsumableGate,
  ) {}

  /** Adds a RUNNABLE job to its queue. */
  public enqueue(job: JobRecord): void {
    let heap = this.heaps.get(job.spec.queueName);
    // Jobs of a queue with a scheduling policy carry a share identifier. A queue deleted and created
    // again may change kind: deleting it ended its jobs, so what the old order held is stale.
    const fairShare = job.spec.request.shareIdentifier !== undefined;
    if (!heap || (heap instanceof FairShareQueue) !== fairShare) {
      const queueName = job.spec.queueName;
      heap = fairShare ? new FairShareQueue(() => this.policyOf(queueName)) : new RunnableHeap();
      this.heaps.set(queueName, heap);
    }
    heap.push(job);
  }

  /** The first `limit` RUNNABLE jobs of a queue, in the order they would start. */
  public frontOf(queue: batch.JobQueueDetail, limit: number): JobRecord[] {
    const heap = this.heaps.get(queue.jobQueueName!);
    if (heap instanceof FairShareQueue) {
      this.prepareFairShare(queue, heap);
    }
    return heap ? heap.ordered(limit) : [];
  }

  /** Gives back what a finished job held. */
  public release(computeEnvironment: string, needs: ResourceNeeds): void {
    const used = this.usageOf(computeEnvironment);
    used.milliVcpus -= needs.milliVcpus;
    used.memoryMiB -= needs.memoryMiB;
    used.gpus -= needs.gpus;
    if (needs.consumables) {
      this.consumables?.release(needs.consumables);
    }
  }

  /** What a compute environment can hold at most: its `maxvCpus` or the host's vCPUs, whichever is smaller; the host's memory and GPUs. */
  public capacityOf(ce: batch.ComputeEnvironmentDetail): ResourceNeeds {
    const maxvCpus = ce.type === 'MANAGED' ? ce.computeResources?.maxvCpus : undefined;
    const vcpus = maxvCpus === undefined ? this.host.vcpus : Math.min(maxvCpus, this.host.vcpus);
    return { milliVcpus: vcpus * 1000, memoryMiB: this.host.memoryMiB, gpus: this.host.gpus ?? 0 };
  }

  /**
   * Whether a container job of this definition (as registered, no overrides) could ever start on
   * the queue: an enabled queue of the definition's platform (EC2 or Fargate) with an enabled
   * compute environment that holds it when empty.
   */
  public canEverStart(queue: batch.JobQueueDetail, definition: batch.JobDefinition): boolean {
    const container = definitionContainer(definition);
    if (queue.state !== 'ENABLED' || definition.type !== 'container' || !container) {
      return false;
    }
    const platform = (definition.platformCapabilities ?? []).includes('FARGATE') ? 'FARGATE' : 'EC2';
    const needs = containerNeeds(container);
    // A queue's compute environments are all of one platform (CreateJobQueue refuses a mix).
    return this.enabledComputeEnvironments(queue).some((ce) => platformOf(ce) === platform && fits(this.capacityOf(ce), needs));
  }

  /** One placement pass over every enabled queue; starts what fits now. */
  public place(): void {
    // Every fair-share queue, even an empty one, learns now which of its jobs stopped, so a share stops being charged when its job ends.
    for (const [queueName, heap] of this.heaps) {
      const queue = heap instanceof FairShareQueue ? this.resources.jobQueues.get(queueName) : undefined;
      if (queue) {
        this.prepareFairShare(queue, heap as FairShareQueue);
      }
    }
    const queues = [...this.resources.jobQueues.values()]
      .filter((queue) => queue.state === 'ENABLED' && this.heaps.get(queue.jobQueueName!)?.size)
      .sort((a, b) => b.priority! - a.priority!);
    // A compute environment that a higher-priority queue's head is waiting for is not handed to lower-priority queues.
    const awaited = new Set<string>();
    for (const queue of queues) {
      this.placeQueue(queue, awaited);
    }
  }

  private placeQueue(queue: batch.JobQueueDetail, awaited: Set<string>): void {
    const heap = this.heaps.get(queue.jobQueueName!)!;
    const computeEnvironments = this.enabledComputeEnvironments(queue);
    if (computeEnvironments.length === 0) {
      return;
    }
    for (let head = heap.peek(); head; head = heap.peek()) {
      if (head.status !== 'RUNNABLE') {
        heap.pop();
        continue;
      }
      const needs = this.needsOf(head);
      const target = computeEnvironments.find((ce) => !awaited.has(ce.computeEnvironmentName!) && this.fitsNow(ce, needs));
      // A head short of consumable units waits without holding a compute environment: other queues' jobs may use it meanwhile.
      const shortage = target && needs.consumables && this.consumables?.shortage(needs.consumables);
      if (shortage) {
        this.actions.waiting(head, shortage);
        return;
      }
      if (target) {
        heap.pop();
        this.reserve(target.computeEnvironmentName!, needs);
        if (heap instanceof FairShareQueue) {
          heap.started(head, needs.milliVcpus);
        }
        this.actions.start(head, target.computeEnvironmentName!, needs);
        continue;
      }
      const possible = computeEnvironments.filter((ce) => fits(this.capacityOf(ce), needs));
      if (possible.length === 0) {
        this.actions.blocked(queue, head, this.blockedReason(computeEnvironments, needs));
      }
      for (const ce of possible) {
        awaited.add(ce.computeEnvironmentName!);
      }
      return;
    }
  }

  private prepareFairShare(queue: batch.JobQueueDetail, heap: FairShareQueue): void {
    const capacityMilliVcpus = this.enabledComputeEnvironments(queue).reduce((total, ce) => total + this.capacityOf(ce).milliVcpus, 0);
    heap.prepare({ now: this.now(), capacityMilliVcpus, milliVcpusOf: (job) => this.needsOf(job).milliVcpus });
  }

  private policyOf(queueName: string): batch.FairsharePolicy | undefined {
    const arn = this.resources.jobQueues.get(queueName)?.schedulingPolicyArn;
    return arn === undefined ? undefined : this.resources.schedulingPolicies.find(arn)?.fairsharePolicy;
  }

  private enabledComputeEnvironments(queue: batch.JobQueueDetail): batch.ComputeEnvironmentDetail[] {
    return (queue.computeEnvironmentOrder ?? [])
      .map((entry) => this.resources.findComputeEnvironment(entry.computeEnvironment!))
      .filter((ce): ce is batch.ComputeEnvironmentDetail => ce?.state === 'ENABLED');
  }

  private blockedReason(computeEnvironments: batch.ComputeEnvironmentDetail[], needs: ResourceNeeds): string {
    const capacities = computeEnvironments.map((ce) => this.capacityOf(ce));
    const largest = capacities.reduce((best, capacity) => (capacity.milliVcpus > best.milliVcpus ? capacity : best));
    const maxvCpusTooSmall = computeEnvironments.every((ce) => ce.type === 'MANAGED' && (ce.computeResources?.maxvCpus ?? Infinity) * 1000 < needs.milliVcpus);
    const base = maxvCpusTooSmall ? MAX_RESOURCE_REASON : JOB_RESOURCE_REASON;
    return `${base} The job asks for ${needs.milliVcpus / 1000} vCPUs, ${needs.memoryMiB} MiB and ${needs.gpus} GPUs;`
      + ` the largest compute environment offers ${largest.milliVcpus / 1000} vCPUs, ${largest.memoryMiB} MiB and ${largest.gpus} GPUs`;
  }

  private needsOf(job: JobRecord): ResourceNeeds {
    if (job.kind === 'multinode') {
      return withConsumables(placementNeeds(job), job.spec);
    }
    let needs = this.needsBySpec.get(job.spec);
    if (!needs) {
      needs = withConsumables(placementNeeds(job), job.spec);
      this.needsBySpec.set(job.spec, needs);
    }
    return needs;
  }

  private fitsNow(ce: batch.ComputeEnvironmentDetail, needs: ResourceNeeds): boolean {
    const capacity = this.capacityOf(ce);
    const used = this.usageOf(ce.computeEnvironmentName!);
    return fits({ milliVcpus: capacity.milliVcpus - used.milliVcpus, memoryMiB: capacity.memoryMiB - used.memoryMiB, gpus: capacity.gpus - used.gpus }, needs);
  }

  private reserve(computeEnvironment: string, needs: ResourceNeeds): void {
    const used = this.usageOf(computeEnvironment);
    used.milliVcpus += needs.milliVcpus;
    used.memoryMiB += needs.memoryMiB;
    used.gpus += needs.gpus;
    if (needs.consumables) {
      this.consumables?.take(needs.consumables);
    }
  }

  private usageOf(computeEnvironment: string): Usage {
    let used = this.usage.get(computeEnvironment);
    if (!used) {
      used = { milliVcpus: 0, memoryMiB: 0, gpus: 0 };
      this.usage.set(computeEnvironment, used);
    }
    return used;
  }
}

function fits(free: ResourceNeeds, needs: ResourceNeeds): boolean {
  return needs.milliVcpus <= free.milliVcpus && needs.memoryMiB <= free.memoryMiB && needs.gpus <= free.gpus;
}

function withConsumables(needs: ResourceNeeds, spec: JobSpec): ResourceNeeds {
  const consumables = consumableNeedsOf(spec);
  return consumables ? { ...needs, consumables } : needs;
}
