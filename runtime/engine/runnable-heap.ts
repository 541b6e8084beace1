/**
 * The RUNNABLE jobs of one queue, ordered as Batch runs them: submission order, then array index
 * (a retried job goes back to its original place). A binary heap, so taking the head of a queue
 * with 100,000 runnable children is O(log n), not a scan.
 */
import type { JobRecord } from './job-record';

function runsBefore(a: JobRecord, b: JobRecord): boolean {
  return a.seq !== b.seq ? a.seq < b.seq : (a.index ?? 0) < (b.index ?? 0);
}

/** A min-heap of job records by (seq, index). Entries that stopped being RUNNABLE are skipped lazily by the caller. */
export class RunnableHeap {
  private readonly items: JobRecord[] = [];

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
      if (!runsBefore(items[index], items[parentIndex])) {
        break;
      }
      [items[index], items[parentIndex]] = [items[parentIndex], items[index]];
      index = parentIndex;
    }
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
        if (left < items.length && runsBefore(items[left], items[smallest])) {
          smallest = left;
        }
        if (right < items.length && runsBefore(items[right], items[smallest])) {
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
