/**
 * Fair-share scheduling of one job queue with a scheduling policy: RUNNABLE jobs wait per share
 * identifier, and the next job comes from the share with the lowest usage × weightFactor (a lower
 * weight gets more capacity), where usage is the vCPU-seconds the share used, decayed over
 * `shareDecaySeconds` (running vCPUs only when it is 0). `computeReservation` holds back part of
 * the queue's vCPUs for shares with nothing running. See docs/local-engine.md, "Fair-share scheduling".
 */
import type * as batch from '@aws-sdk/client-batch';
import type { JobRecord } from './job-record';
import { priorityOrder, RunnableHeap } from './runnable-heap';
import { weightFactorOf } from './scheduling-policies';

interface ShareState {
  readonly heap: RunnableHeap;
  /** Decayed vCPU-seconds up to `at`. */
  decayed: number;
  runningMilliVcpus: number;
  at: number;
}

/** What one placement pass tells the queue. */
export interface FairShareContext {
  /** Epoch ms now (the engine clock). */
  readonly now: number;
  /** The vCPUs (× 1000) of the queue's enabled compute environments. */
  readonly capacityMilliVcpus: number;
  /** The milli-vCPUs a job needs. */
  readonly milliVcpusOf: (job: JobRecord) => number;
}

/** The RUNNABLE jobs of a fair-share queue, per share, and what each share ran. */
export class FairShareQueue {
  private readonly shares = new Map<string, ShareState>();
  private readonly running = new Map<JobRecord, { share: ShareState; milliVcpus: number }>();
  private context: FairShareContext = { now: 0, capacityMilliVcpus: 0, milliVcpusOf: () => 0 };
  private chosen?: ShareState;

  /** @param policy the queue's current fair-share policy (read at each pass, so updates apply at once) */
  constructor(private readonly policy: () => batch.FairsharePolicy | undefined) {}

  /** Number of entries, including stale ones. */
  public get size(): number {
    let total = 0;
    for (const share of this.shares.values()) {
      total += share.heap.size;
    }
    return total;
  }

  /** Adds a RUNNABLE job to its share. */
  public push(job: JobRecord): void {
    this.shareOf(job.spec.request.shareIdentifier ?? '').heap.push(job);
  }

  /** Starts a placement pass: brings usage up to `now` and forgets jobs that stopped running. */
  public prepare(context: FairShareContext): void {
    this.context = context;
    this.chosen = undefined;
    for (const share of this.shares.values()) {
      this.advance(share);
    }
    for (const [job, run] of this.running) {
      if (job.status !== 'STARTING' && job.status !== 'RUNNING') {
        this.stopCharging(job, run);
      }
    }
  }

  /** Records that a job of this queue started and now uses its vCPUs. */
  public started(job: JobRecord, milliVcpus: number): void {
    const previous = this.running.get(job);
    if (previous) {
      this.stopCharging(job, previous);
    }
    const share = this.shareOf(job.spec.request.shareIdentifier ?? '');
    this.advance(share);
    share.runningMilliVcpus += milliVcpus;
    this.running.set(job, { share, milliVcpus });
    this.chosen = undefined;
  }

  /** The job that runs next: the head of the share with the lowest weighted usage that the reservation lets start. */
  public peek(): JobRecord | undefined {
    this.chosen = this.choose();
    return this.chosen?.heap.peek();
  }

  /** Removes and returns the job `peek` returned. */
  public pop(): JobRecord | undefined {
    const share = this.chosen ?? this.choose();
    this.chosen = undefined;
    return share?.heap.pop();
  }

  /**
   * The RUNNABLE jobs in the order they would start if each started job kept its vCPUs busy for
   * a second (the durations are unknown): what GetJobQueueSnapshot shows.
   */
  public ordered(limit: number): JobRecord[] {
    const lanes = [...this.shares.entries()].map(([identifier, share]) => ({
      jobs: share.heap.ordered(), next: 0, key: this.usageOf(share), weight: weightFactorOf(this.policy(), identifier),
    }));
    const result: JobRecord[] = [];
    while (result.length < limit) {
      const candidates = lanes.filter((lane) => lane.next < lane.jobs.length);
      if (candidates.length === 0) {
        break;
      }
      const lane = candidates.reduce((best, other) => (other.key * other.weight < best.key * best.weight ? other : best));
      const job = lane.jobs[lane.next++];
      result.push(job);
      lane.key += this.context.milliVcpusOf(job) / 1000;
    }
    return result;
  }

  private choose(): ShareState | undefined {
    const policy = this.policy();
    const candidates: { share: ShareState; head: JobRecord; key: number }[] = [];
    let active = 0;
    let runningMilliVcpus = 0;
    for (const [identifier, share] of this.shares) {
      const head = this.freshHead(share);
      runningMilliVcpus += share.runningMilliVcpus;
      if (head || share.runningMilliVcpus > 0) {
        active++;
      }
      if (head) {
        candidates.push({ share, head, key: this.usageOf(share) * weightFactorOf(policy, identifier) });
      }
    }
    candidates.sort((a, b) => a.key - b.key || a.head.seq - b.head.seq);
    // (computeReservation/100)^activeShares of the queue is kept for shares that run nothing yet.
    const reserved = this.context.capacityMilliVcpus * Math.pow((policy?.computeReservation ?? 0) / 100, active);
    return candidates.find(({ share, head }) => share.runningMilliVcpus === 0
      || runningMilliVcpus + this.context.milliVcpusOf(head) <= this.context.capacityMilliVcpus - reserved)?.share;
  }

  private freshHead(share: ShareState): JobRecord | undefined {
    let head = share.heap.peek();
    while (head && head.status !== 'RUNNABLE') {
      share.heap.pop();
      head = share.heap.peek();
    }
    return head;
  }

  /** Running jobs count as one more second of use, so one pass that starts several jobs spreads them over the shares. */
  private usageOf(share: ShareState): number {
    return (this.decaySeconds() > 0 ? share.decayed : 0) + share.runningMilliVcpus / 1000;
  }

  private decaySeconds(): number {
    return this.policy()?.shareDecaySeconds ?? 0;
  }

  /** Integrates the share's running vCPUs since `at`, with exponential decay of time constant `shareDecaySeconds`. */
  private advance(share: ShareState): void {
    const now = this.context.now;
    const elapsedSeconds = Math.max(0, now - share.at) / 1000;
    const decaySeconds = this.decaySeconds();
    if (decaySeconds > 0 && elapsedSeconds > 0) {
      const kept = Math.exp(-elapsedSeconds / decaySeconds);
      share.decayed = share.decayed * kept + (share.runningMilliVcpus / 1000) * decaySeconds * (1 - kept);
    }
    share.at = now;
  }

  private stopCharging(job: JobRecord, run: { share: ShareState; milliVcpus: number }): void {
    this.advance(run.share);
    run.share.runningMilliVcpus -= run.milliVcpus;
    this.running.delete(job);
  }

  private shareOf(identifier: string): ShareState {
    let share = this.shares.get(identifier);
    if (!share) {
      share = { heap: new RunnableHeap(priorityOrder), decayed: 0, runningMilliVcpus: 0, at: this.context.now };
      this.shares.set(identifier, share);
    }
    return share;
  }
}
