/**
 * The RUNNABLE jobs of one queue (or of one share of a fair-share queue), ordered as Batch runs
 * them: submission order, then array index (a retried job goes back to its original place); in a
 * share of a fair-share queue, higher scheduling priority first. A binary heap, so taking the head
 * of a queue with 100,000 runnable children is O(log n), not a scan.
 */
import type { JobRecord } from './job-record';

/** Whether `a` runs before `b`. */
export type RunOrder = (a: JobRecord, b: JobRecord) => boolean;

/** First-in, first-out: submission order, then array index. */
export const submissionOrder: RunOrder = (a, b) => (a.seq !== b.seq ? a.seq < b.seq : (a.index ?? 0) < (b.index ?? 0));

/** The scheduling priority of a job: the submit's override, else its job definition's, else 0. */
export function schedulingPriorityOf(job: JobRecord): number {
  return job.spec.request.schedulingPriorityOverride ?? job.spec.jobDefinition.schedulingPriority ?? 0;
}

/** Higher scheduling priority first, then submission order (how a share of a fair-share queue runs). */
export const priorityOrder: RunOrder = (a, b) => {
  const difference = schedulingPriorityOf(a) - schedulingPriorityOf(b);
  return difference !== 0 ? difference > 0 : submissionOrder(a, b);
};

/** A min-heap of job records by a run order. Entries that stopped being RUNNABLE are skipped lazily by the caller. */
export class RunnableHeap {
  private readonly items: JobRecord[] = [];

  /** @param runsBefore the order jobs run in (default: submission order) */
  constructor(private readonly runsBefore: RunOrder = submissionOrder) {}

  /** Number of entries, including stale ones. */
  public get size(): number {
    return this.items.length;
  }

  /** Adds a job. */
  public push(job: JobRecord): void {
    const items = this.items;
    items.push(job);
    let index = items.length - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      if (!this.runsBefore(items[index], items[parentIndex])) {
        break;
      }
      [items[index], items[parentIndex]] = [items[parentIndex], items[index]];
      index = parentIndex;
    }
  }

  /** The first `limit` RUNNABLE jobs in the order they run (a copy: the heap is left as it is). */
  public ordered(limit = Infinity): JobRecord[] {
    return this.items.filter((job) => job.status === 'RUNNABLE').sort((a, b) => (this.runsBefore(a, b) ? -1 : this.runsBefore(b, a) ? 1 : 0)).slice(0, limit);
  }

  /** The job that runs first, without removing it. */
  public peek(): JobRecord | undefined {
    return this.items[0];
  }

  /** Removes and returns the job that runs first. */
  public pop(): JobRecord | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last) {
      items[0] = last;
      let index = 0;
      for (;;) {
        const left = 2 * index + 1;
        const right = left + 1;
        let smallest = index;
        if (left < items.length && this.runsBefore(items[left], items[smallest])) {
          smallest = left;
        }
        if (right < items.length && this.runsBefore(items[right], items[smallest])) {
          smallest = right;
        }
        if (smallest === index) {
          break;
        }
        [items[index], items[smallest]] = [items[smallest], items[index]];
        index = smallest;
      }
    }
    return top;
  }
}
