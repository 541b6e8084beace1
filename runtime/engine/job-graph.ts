/**
 * The jobs the engine holds and the rules that move them without running anything: admission
 * (SUBMITTED to PENDING or RUNNABLE), dependencies (plain, N_TO_N, SEQUENTIAL) with failure
 * cascading down the graph, array parents following their children, and cancellation.
 *
 * Every status change goes through `setStatus`, which records it, reports it, and processes the
 * consequences of a job finishing from a work list, so a 10,000-deep SEQUENTIAL cascade cannot
 * overflow the stack.
 */
import { isTerminalStatus, JOB_STATUSES, JobStatus } from '../model/job-states';
import type { JobKind, JobRecord, JobSpec } from './job-record';

/** What the graph needs from the engine. */
export interface GraphHooks {
  /** Current time, epoch ms. */
  now(): number;
  /** A job's status (or reason) changed: persist it and emit its event. */
  statusChanged(job: JobRecord): void;
  /** A job became RUNNABLE: queue it for placement. */
  runnable(job: JobRecord): void;
}

/** The status reason of an array parent whose children did not all succeed. */
export const ARRAY_CHILD_FAILED_REASON = 'Array Child Job failed';

/** The status reason of a job failed because a job it depends on failed (AWS's words, plus the culprit). */
export function dependencyFailedReason(dependency: JobRecord): string {
  return `Dependent Job failed: ${dependency.jobId} is FAILED${dependency.statusReason ? ` (${dependency.statusReason})` : ''}`;
}

/** Jobs by id, by queue, and the dependency edges between them. */
export class JobGraph {
  /** Top-level jobs by id (children and nodes are reached through their parent). */
  public readonly jobs = new Map<string, JobRecord>();
  /** Top-level jobs of each queue, in submission order. */
  public readonly byQueue = new Map<string, JobRecord[]>();
  private readonly dependents = new Map<string, JobRecord[]>();
  private readonly nToNDependents = new Map<string, JobRecord[]>();
  private readonly finished: JobRecord[] = [];
  private draining = false;

  constructor(private readonly hooks: GraphHooks) {}

  /** A job, array child (`<id>:<index>`) or node (`<id>#<n>`) by id. */
  public find(jobId: string): JobRecord | undefined {
    const direct = this.jobs.get(jobId);
    if (direct) {
      return direct;
    }
    const match = /^(.+)([:#])(\d+)$/.exec(jobId);
    const parent = match && this.jobs.get(match[1]);
    if (!parent || !parent.members || (match[2] === ':') !== (parent.kind === 'array')) {
      return undefined;
    }
    return parent.members[Number(match[3])];
  }

  /** Registers a new top-level job (status SUBMITTED), with its children or nodes. */
  public add(jobId: string, seq: number, kind: JobKind, createdAt: number, spec: JobSpec, status: JobStatus = 'SUBMITTED'): JobRecord {
    const job: JobRecord = { jobId, kind, seq, spec, createdAt, status, unmetDependencies: 0 };
    if (kind === 'array') {
      const size = spec.request.arrayProperties!.size!;
      job.members = new Array<JobRecord>(size);
      for (let index = 0; index < size; index++) {
        job.members[index] = member(job, `${jobId}:${index}`, 'child', index, status === 'SUBMITTED' ? 'SUBMITTED' : 'PENDING');
      }
      job.summary = countStatuses(job.members);
    } else if (kind === 'multinode') {
      job.members = [];
      for (let index = 0; index < spec.numNodes!; index++) {
        job.members.push(member(job, `${jobId}#${index}`, 'node', index, status === 'SUBMITTED' ? 'SUBMITTED' : 'PENDING'));
      }
    }
    this.jobs.set(jobId, job);
    let queueJobs = this.byQueue.get(spec.queueName);
    if (!queueJobs) {
      queueJobs = [];
      this.byQueue.set(spec.queueName, queueJobs);
    }
    queueJobs.push(job);
    return job;
  }

  /** Takes back a job `add` just registered, before it was admitted (its submit could not be recorded): nothing refers to it yet. */
  public remove(job: JobRecord): void {
    this.jobs.delete(job.jobId);
    const queueJobs = this.byQueue.get(job.spec.queueName);
    const index = queueJobs?.lastIndexOf(job) ?? -1;
    if (index >= 0) {
      queueJobs!.splice(index, 1);
    }
  }

  /** Recounts an array parent's `statusSummary` (after restoring children from the store). */
  public recount(job: JobRecord): void {
    job.summary = countStatuses(job.members!);
  }

  /** Moves a freshly submitted job to PENDING (unmet dependencies), RUNNABLE, or FAILED (a dependency already failed). */
  public admit(job: JobRecord): void {
    const failedDependency = this.wire(job);
    if (failedDependency) {
      // A job with dependencies waits in PENDING first, also when one of them has already failed:
      // what a watcher sees must not depend on how fast the dependency failed.
      this.setStatus(job, 'PENDING');
      for (const node of job.kind === 'multinode' ? job.members! : []) {
        this.setStatus(node, 'PENDING');
      }
      this.fail(job, dependencyFailedReason(failedDependency));
    } else if (job.kind === 'array' || job.unmetDependencies > 0) {
      this.setStatus(job, 'PENDING');
      for (const node of job.kind === 'multinode' ? job.members! : []) {
        this.setStatus(node, 'PENDING');
      }
      if (job.kind === 'array') {
        this.wireChildren(job);
      }
    } else {
      this.release(job);
    }
  }

  /**
   * Re-creates the dependency edges of a PENDING job after a restart, then releases or fails it
   * as its dependencies now stand.
   */
  public readmit(job: JobRecord): void {
    const failedDependency = this.wire(job);
    if (failedDependency) {
      // A job with dependencies waits in PENDING first, also when one of them has already failed:
      // what a watcher sees must not depend on how fast the dependency failed.
      this.setStatus(job, 'PENDING');
      for (const node of job.kind === 'multinode' ? job.members! : []) {
        this.setStatus(node, 'PENDING');
      }
      this.fail(job, dependencyFailedReason(failedDependency));
    } else if (job.kind === 'array') {
      this.wireChildren(job);
    } else if (job.unmetDependencies === 0) {
      this.release(job);
    }
  }

  /** Sets a job's status and reason, updates its array parent, persists and reports it, and follows the consequences. */
  public setStatus(job: JobRecord, status: JobStatus, reason?: string): void {
    const previous = job.status;
    job.status = status;
    job.statusReason = reason;
    if (job.kind === 'child') {
      const summary = job.parent!.summary!;
      summary[previous]--;
      summary[status]++;
    }
    if (isTerminalStatus(status)) {
      job.stoppedAt ??= this.hooks.now();
      this.finished.push(job);
    }
    this.hooks.statusChanged(job);
    this.drain();
  }

  /**
   * Fails a job that has not started (dependency failed, cancelled), with its waiting children or
   * its nodes; a job already STARTING, RUNNING or finished is left alone, as CancelJob does on AWS.
   */
  public fail(job: JobRecord, reason: string, flags: { cancelled?: boolean } = {}): void {
    if (job.kind !== 'array' && !isWaiting(job)) {
      return;
    }
    if (flags.cancelled) {
      job.isCancelled = true;
    }
    if (job.kind === 'array') {
      if (!isTerminalStatus(job.status)) {
        job.endReason = reason;
        // Every waiting child gets this reason, not the SEQUENTIAL "dependent job failed" its predecessor would cascade.
        this.deferringConsequences(() => {
          for (const child of job.members!) {
            this.fail(child, reason, flags);
          }
        });
      }
      return;
    }
    if (job.kind === 'multinode') {
      for (const node of job.members!) {
        if (!isTerminalStatus(node.status)) {
          this.setStatus(node, 'FAILED', reason);
        }
      }
    }
    this.setStatus(job, 'FAILED', reason);
  }

  /** Counts and registers a job's job-level dependencies; returns the first one that already failed. */
  private wire(job: JobRecord): JobRecord | undefined {
    job.unmetDependencies = 0;
    for (const dependency of job.spec.request.dependsOn ?? []) {
      if (dependency.type === 'SEQUENTIAL') {
        continue;
      }
      const target = this.find(dependency.jobId!);
      if (!target) {
        continue;
      }
      if (dependency.type === 'N_TO_N') {
        listFor(this.nToNDependents, target.jobId).push(job);
        continue;
      }
      if (target.status === 'FAILED') {
        return target;
      }
      if (target.status !== 'SUCCEEDED') {
        job.unmetDependencies++;
        listFor(this.dependents, target.jobId).push(job);
      }
    }
    return undefined;
  }

  /** Counts each child's N_TO_N and SEQUENTIAL dependencies, then releases the parent if its own are met. */
  private wireChildren(parent: JobRecord): void {
    const dependsOn = parent.spec.request.dependsOn ?? [];
    const sequential = dependsOn.some((dependency) => dependency.type === 'SEQUENTIAL');
    const nToN = dependsOn.filter((dependency) => dependency.type === 'N_TO_N').map((dependency) => this.find(dependency.jobId!)!);
    const failures: [JobRecord, JobRecord][] = [];
    for (const child of parent.members!) {
      if (child.status !== 'SUBMITTED' && child.status !== 'PENDING') {
        continue;
      }
      child.unmetDependencies = 0;
      const prerequisites = nToN.map((array) => array.members![child.index!]);
      if (sequential && child.index! > 0) {
        prerequisites.push(parent.members![child.index! - 1]);
      }
      for (const prerequisite of prerequisites) {
        if (prerequisite.status === 'FAILED') {
          failures.push([child, prerequisite]);
        } else if (prerequisite.status !== 'SUCCEEDED') {
          child.unmetDependencies++;
        }
      }
    }
    for (const [child, prerequisite] of failures) {
      this.fail(child, dependencyFailedReason(prerequisite));
    }
    if (parent.unmetDependencies === 0) {
      this.release(parent);
    } else {
      for (const child of parent.members!) {
        if (child.status === 'SUBMITTED') {
          this.setStatus(child, 'PENDING');
        }
      }
    }
  }

  /** All of a job's dependencies succeeded: it becomes RUNNABLE (an array parent releases its ready children). */
  private release(job: JobRecord): void {
    if (job.kind === 'array') {
      job.released = true;
      if (job.status !== 'PENDING') {
        this.setStatus(job, 'PENDING');
      }
      for (const child of job.members!) {
        this.releaseChild(child);
      }
      return;
    }
    if (job.kind === 'child') {
      this.releaseChild(job);
      return;
    }
    this.setStatus(job, 'RUNNABLE');
    this.hooks.runnable(job);
  }

  private releaseChild(child: JobRecord): void {
    if ((child.status === 'SUBMITTED' || child.status === 'PENDING') && child.unmetDependencies === 0 && child.parent!.released) {
      this.setStatus(child, 'RUNNABLE');
      this.hooks.runnable(child);
    } else if (child.status === 'SUBMITTED') {
      this.setStatus(child, 'PENDING');
    }
  }

  private deferringConsequences(action: () => void): void {
    if (this.draining) {
      action();
      return;
    }
    this.draining = true;
    try {
      action();
    } finally {
      this.draining = false;
    }
    this.drain();
  }

  /** Processes finished jobs until none are left: dependents, N_TO_N siblings, SEQUENTIAL successors, array parents. */
  private drain(): void {
    if (this.draining) {
      return;
    }
    this.draining = true;
    try {
      // An index, not shift(): cancelling a 10,000-child array queues 10,000 finished children.
      for (let next = 0; next < this.finished.length; next++) {
        this.finishedJobConsequences(this.finished[next]);
      }
    } finally {
      this.finished.length = 0;
      this.draining = false;
    }
  }

  private finishedJobConsequences(job: JobRecord): void {
    for (const dependent of this.dependents.get(job.jobId) ?? []) {
      this.prerequisiteFinished(dependent, job);
    }
    this.dependents.delete(job.jobId);
    if (job.kind !== 'child') {
      return;
    }
    const parent = job.parent!;
    for (const dependentArray of this.nToNDependents.get(parent.jobId) ?? []) {
      this.prerequisiteFinished(dependentArray.members![job.index!], job);
    }
    const sequential = parent.spec.request.dependsOn?.some((dependency) => dependency.type === 'SEQUENTIAL');
    if (sequential && job.index! + 1 < parent.members!.length) {
      this.prerequisiteFinished(parent.members![job.index! + 1], job);
    }
    const summary = parent.summary!;
    if (summary.SUCCEEDED + summary.FAILED === parent.members!.length && !isTerminalStatus(parent.status)) {
      parent.startedAt ??= parent.members!.reduce<number | undefined>((first, child) =>
        child.startedAt !== undefined && (first === undefined || child.startedAt < first) ? child.startedAt : first, undefined);
      if (summary.FAILED > 0) {
        this.setStatus(parent, 'FAILED', parent.endReason ?? ARRAY_CHILD_FAILED_REASON);
      } else {
        this.setStatus(parent, 'SUCCEEDED');
      }
    }
  }

  private prerequisiteFinished(dependent: JobRecord, prerequisite: JobRecord): void {
    if (dependent.status !== 'PENDING' && dependent.status !== 'SUBMITTED') {
      return;
    }
    if (prerequisite.status === 'FAILED') {
      this.fail(dependent, dependencyFailedReason(prerequisite));
      return;
    }
    dependent.unmetDependencies--;
    if (dependent.unmetDependencies === 0) {
      this.release(dependent);
    }
  }
}

/** Whether a job is still waiting to start (the states CancelJob acts on). */
function isWaiting(job: JobRecord): boolean {
  return job.status === 'SUBMITTED' || job.status === 'PENDING' || job.status === 'RUNNABLE';
}

function member(parent: JobRecord, jobId: string, kind: JobKind, index: number, status: JobStatus): JobRecord {
  return { jobId, kind, seq: parent.seq, spec: parent.spec, createdAt: parent.createdAt, index, parent, status, unmetDependencies: 0 };
}

function countStatuses(members: JobRecord[]): Record<JobStatus, number> {
  const summary = Object.fromEntries(JOB_STATUSES.map((status) => [status, 0])) as Record<JobStatus, number>;
  for (const child of members) {
    summary[child.status]++;
  }
  return summary;
}

function listFor(map: Map<string, JobRecord[]>, key: string): JobRecord[] {
  let list = map.get(key);
  if (!list) {
    list = [];
    map.set(key, list);
  }
  return list;
}
