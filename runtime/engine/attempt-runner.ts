/**
 * Runs job attempts: starts the process (through the launcher), moves the job STARTING, RUNNING,
 * then to its outcome, enforces the attempt timeout and terminate requests (SIGTERM, then SIGKILL
 * after the grace), and applies the retry strategy. Multi-node jobs of host processes start
 * every node at once, the main node last; of containers, the main node first and the others once
 * it runs and has an address. They end when the main node exits.
 */
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { createPrivateDirs, writePrivateFile } from '../files/private-files';
import type { CancelTimer, EngineClock } from './clock';
import { containerLaunchSpec, ContainerSpecError, EngineContainerContext, jobNetworkName } from './container-spec';
import { containerNeeds, effectiveContainer, jobEnvironment, resolveCommand, ResourceNeeds } from './job-container';
import { logStreamName } from './job-detail';
import type { JobGraph } from './job-graph';
import type { AttemptRecord, JobRecord } from './job-record';
import type { LaunchedProcess, LaunchRequest, ProcessExit, ProcessLauncher } from './launcher';
import { decideRetry } from './retry-policy';

/** The status reason of an attempt whose container exited on its own (AWS's words). */
export const CONTAINER_EXITED_REASON = 'Essential container in task exited';
/** The status reason of an attempt killed by its timeout (AWS's words). */
export const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';
/** The status reason of an attempt whose process could not be started. */
export const START_FAILED_REASON = 'Task failed to start';

/** Where attempts keep their files, and how they are started and stopped. */
export interface AttemptRunnerOptions {
  /** Starts the processes. */
  readonly launcher: ProcessLauncher;
  /** Times attempt timeouts and the kill grace. */
  readonly clock: EngineClock;
  /** Milliseconds between SIGTERM and SIGKILL. */
  readonly killGraceMs: number;
  /** Root of the per-attempt log files (`<logDir>/<logStreamName>.log`). */
  readonly logDir: string;
  /** Root of the per-attempt working directories (`<workRoot>/<jobId>/attempt-<n>`). */
  readonly workRoot: string;
  /** Labels, EFS root and platforms for a launcher that `runsContainers`. */
  readonly containers: EngineContainerContext;
}

/** What the runner asks of the engine. */
export interface RunnerHooks {
  /** Gives back the resources a placed job held. */
  release(computeEnvironment: string, needs: ResourceNeeds): void;
  /** Queues a job that goes back to RUNNABLE for another attempt. */
  requeue(job: JobRecord): void;
  /** A job's record changed without a status change (attempt details): persist it. */
  touched(job: JobRecord): void;
}

interface ActiveRun {
  readonly job: JobRecord;
  readonly computeEnvironment: string;
  readonly needs: ResourceNeeds;
  readonly processes: Map<JobRecord, LaunchedProcess>;
  readonly timers: CancelTimer[];
  stop?: { readonly cause: 'timeout' | 'terminate' | 'main-node-exited'; readonly reason: string };
  mainNodeOutcome?: AttemptRecord;
}

/** Starts and watches attempts. */
export class AttemptRunner {
  private readonly active = new Map<JobRecord, ActiveRun>();
  /** One per job definition: checked once, not per attempt. */
  private readonly logDirectories = new Set<string>();
  private closed = false;

  constructor(private readonly options: AttemptRunnerOptions, private readonly graph: JobGraph, private readonly hooks: RunnerHooks) {}

  /** Path of an attempt's combined stdout/stderr. */
  public logFileOf(job: JobRecord, attempt: AttemptRecord): string {
    return path.join(this.options.logDir, `${logStreamName(job, attempt)}.log`);
  }

  /** Starts a placed job (its resources are reserved). */
  public start(job: JobRecord, computeEnvironment: string, needs: ResourceNeeds): void {
    const run: ActiveRun = { job, computeEnvironment, needs, processes: new Map(), timers: [] };
    this.active.set(job, run);
    if (job.kind === 'multinode') {
      this.startMultiNode(run);
      return;
    }
    this.launch(run, job, (job.attempts?.length ?? 0) + 1, () => this.armTimeout(run), (exit) => this.finishAttempt(run, exit));
  }

  /** Whether a job (or a job whose node this is) has processes running. */
  public isActive(job: JobRecord): boolean {
    return this.active.has(job);
  }

  /** Stops a STARTING or RUNNING job for TerminateJob: SIGTERM, SIGKILL after the grace; it ends FAILED with `reason`. */
  public terminate(job: JobRecord, reason: string): void {
    const run = this.active.get(job);
    if (run) {
      job.isTerminated = true;
      this.stop(run, { cause: 'terminate', reason });
    }
  }

  /**
   * Ends an attempt that was STARTING or RUNNING when the engine stopped (found on reopen): it
   * gets `reason`, no exit code, and the retry strategy decides whether the job runs again,
   * unless the attempt was being `stopped` (an acknowledged TerminateJob): then the job ends FAILED.
   */
  public endInterrupted(job: JobRecord, reason: string, stopped = false): void {
    const now = this.options.clock.now();
    for (const unit of [job, ...(job.kind === 'multinode' ? job.members! : [])]) {
      stopOrphan(unit);
    }
    for (const unit of job.kind === 'multinode' ? job.members! : []) {
      if (unit.current) {
        Object.assign(unit.current, { stoppedAt: now, statusReason: reason, hostPid: undefined });
        unit.attempts = [...(unit.attempts ?? []), unit.current];
        unit.current = undefined;
        this.graph.setStatus(unit, 'FAILED', reason);
      }
    }
    const attempt: AttemptRecord = job.current ?? { taskId: randomBytes(16).toString('hex'), computeEnvironment: '' };
    attempt.stoppedAt = now;
    attempt.statusReason = reason;
    attempt.hostPid = undefined;
    job.attempts = [...(job.attempts ?? []), attempt];
    job.current = undefined;
    this.conclude(job, attempt, stopped);
  }

  /** Kills every process without recording outcomes: the next open ends those attempts as interrupted. */
  public async close(): Promise<void> {
    this.closed = true;
    const exits: Promise<ProcessExit>[] = [];
    for (const run of this.active.values()) {
      run.timers.forEach((cancel) => cancel());
      for (const launched of run.processes.values()) {
        launched.signal('SIGKILL');
        exits.push(launched.exited);
      }
    }
    let giveUp: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(exits), new Promise((resolve) => (giveUp = setTimeout(resolve, 5000)))]);
    clearTimeout(giveUp);
  }

  /** Starts one process; when its log or work directory cannot be made (a full disk), the attempt ends with that reason instead of throwing. */
  private launch(run: ActiveRun, unit: JobRecord, attemptNumber: number, onRunning: () => void, onExit: (exit: ProcessExit) => void, mainNodeAddress?: string): void {
    try {
      this.launchProcess(run, unit, attemptNumber, onRunning, onExit, mainNodeAddress);
    } catch (error) {
      queueMicrotask(() => onExit({ startError: attemptFilesError(error) }));
    }
  }

  private launchProcess(run: ActiveRun, unit: JobRecord, attemptNumber: number, onRunning: () => void, onExit: (exit: ProcessExit) => void, mainNodeAddress?: string): void {
    const attempt: AttemptRecord = { taskId: randomBytes(16).toString('hex'), computeEnvironment: run.computeEnvironment };
    unit.current = attempt;
    this.graph.setStatus(unit, 'STARTING');
    const container = effectiveContainer(unit);
    const command = resolveCommand(container, unit.spec.parameters);
    const logFile = this.logFileOf(unit, attempt);
    const workDir = path.join(this.options.workRoot, unit.jobId, `attempt-${attemptNumber}`);
    const logDirectory = path.dirname(logFile);
    if (!this.logDirectories.has(logDirectory)) {
      createPrivateDirs(logDirectory);
      this.logDirectories.add(logDirectory);
    }
    const runsContainers = this.options.launcher.runsContainers === true;
    if (command.length === 0 && !runsContainers) {
      createPrivateDirs(workDir);
      writePrivateFile(logFile, 'batchkit: the job has no command: the local engine runs the container command and cannot fall back to the image\n');
      queueMicrotask(() => onExit({ startError: 'CannotStartContainerError: no command: the job definition and the overrides give no command to run' }));
      return;
    }
    const environment = jobEnvironment(unit, container, { computeEnvironment: run.computeEnvironment, jobQueue: unit.spec.queueName, attempt: attemptNumber }, !runsContainers);
    if (mainNodeAddress !== undefined) {
      environment.AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS = mainNodeAddress;
    }
    let request: LaunchRequest = { command, environment, workDir, logFile, image: container.image };
    if (runsContainers) {
      const { engineId, efsRoot, platformOf } = this.options.containers;
      try {
        request = { ...request, container: containerLaunchSpec(container, {
          jobId: unit.jobId, attempt: attemptNumber, taskId: attempt.taskId, engineId, workDir, efsRoot,
          platform: platformOf(run.computeEnvironment),
          needs: containerNeeds(container),
          jobNetwork: unit.kind === 'node' ? jobNetworkName(unit.parent!.jobId) : undefined,
        }) };
      } catch (error) {
        if (!(error instanceof ContainerSpecError)) {
          throw error;
        }
        createPrivateDirs(workDir);
        writePrivateFile(logFile, `batchkit: ${error.message}\n`);
        queueMicrotask(() => onExit({ startError: error.message }));
        return;
      }
    }
    const launched = this.options.launcher.launch(request);
    run.processes.set(unit, launched);
    void launched.started.then((started) => {
      if (!started || this.closed || unit.current !== attempt) {
        return;
      }
      const now = this.options.clock.now();
      attempt.startedAt = now;
      attempt.hostPid = launched.pid;
      unit.startedAt = now;
      if (unit.parent && unit.kind === 'child') {
        unit.parent.startedAt ??= now;
      }
      this.graph.setStatus(unit, 'RUNNING');
      onRunning();
    });
    void launched.exited.then((exit) => {
      run.processes.delete(unit);
      if (!this.closed) {
        onExit(exit);
      }
    });
  }

  private armTimeout(run: ActiveRun): void {
    const seconds = run.job.spec.timeoutSeconds;
    if (seconds !== undefined) {
      run.timers.push(this.options.clock.setTimer(seconds * 1000, () => this.stop(run, { cause: 'timeout', reason: TIMEOUT_REASON })));
    }
  }

  private stop(run: ActiveRun, stop: NonNullable<ActiveRun['stop']>): void {
    if (run.stop) {
      return;
    }
    run.stop = stop;
    for (const launched of run.processes.values()) {
      launched.signal('SIGTERM');
    }
    run.timers.push(this.options.clock.setTimer(this.options.killGraceMs, () => {
      for (const launched of run.processes.values()) {
        launched.signal('SIGKILL');
      }
    }));
  }

  /** Records how the attempt ended and moves the job on: SUCCEEDED, FAILED, or RUNNABLE for a retry. */
  private finishAttempt(run: ActiveRun, exit: ProcessExit): void {
    const job = run.job;
    const attempt = this.recordExit(job, exit, run.stop?.cause === 'main-node-exited' ? undefined : run.stop);
    run.timers.forEach((cancel) => cancel());
    this.active.delete(job);
    this.hooks.release(run.computeEnvironment, run.needs);
    this.conclude(job, attempt, run.stop?.cause === 'timeout' || run.stop?.cause === 'terminate');
  }

  /**
   * Nodes of containers start once the main node runs and has an address; a main node that exits
   * before then leaves them unlaunched. They end with the main node's outcome and time, and say
   * why they never ran, so the job ends with no node still waiting.
   */
  private endUnlaunchedNodes(job: JobRecord, main: AttemptRecord): void {
    const mainIndex = job.spec.jobDefinition.nodeProperties!.mainNode!;
    for (const node of job.members!) {
      if (node.index !== mainIndex && node.status !== 'SUCCEEDED' && node.status !== 'FAILED' && !node.current) {
        node.stoppedAt = main.stoppedAt;
        this.graph.setStatus(node, main.exitCode === 0 ? 'SUCCEEDED' : 'FAILED', `Main node ${mainIndex} exited before node ${node.index} was launched`);
      }
    }
  }

  private recordExit(unit: JobRecord, exit: ProcessExit, stop: ActiveRun['stop']): AttemptRecord {
    const attempt = unit.current!;
    attempt.stoppedAt = this.options.clock.now();
    // A unit's stoppedAt is its last attempt's (a retry clears it again).
    unit.stoppedAt = attempt.stoppedAt;
    attempt.exitCode = exit.exitCode;
    if (exit.startError ?? exit.reason) {
      attempt.reason = exit.startError ?? exit.reason;
    }
    attempt.statusReason = stop?.reason ?? (exit.startError ? START_FAILED_REASON : CONTAINER_EXITED_REASON);
    attempt.hostPid = undefined;
    unit.attempts = [...(unit.attempts ?? []), attempt];
    unit.current = undefined;
    return attempt;
  }

  /** Outcome of a finished attempt; a stopped (timed-out, terminated) attempt is never retried. */
  private conclude(job: JobRecord, attempt: AttemptRecord, stopped: boolean): void {
    if (!stopped && attempt.exitCode === 0) {
      this.graph.setStatus(job, 'SUCCEEDED', attempt.statusReason);
      return;
    }
    const decision = stopped ? 'EXIT' : decideRetry(job.spec.retryStrategy, attempt, job.attempts!.length);
    if (decision === 'RETRY') {
      job.stoppedAt = undefined;
      for (const node of job.kind === 'multinode' ? job.members! : []) {
        node.stoppedAt = undefined;
        this.graph.setStatus(node, 'PENDING');
      }
      this.graph.setStatus(job, 'RUNNABLE', attempt.statusReason);
      this.hooks.requeue(job);
    } else {
      this.graph.setStatus(job, 'FAILED', attempt.statusReason);
    }
  }

  private startMultiNode(run: ActiveRun): void {
    const job = run.job;
    const mainIndex = job.spec.jobDefinition.nodeProperties!.mainNode!;
    const attemptNumber = (job.attempts?.length ?? 0) + 1;
    const jobAttempt: AttemptRecord = { taskId: '', computeEnvironment: run.computeEnvironment };
    job.current = jobAttempt;
    this.graph.setStatus(job, 'STARTING');
    const main = job.members![mainIndex];
    const launchNodes = (mainNodeAddress?: string) => {
      for (const node of job.members!) {
        if (node !== main && !run.stop && !this.closed) {
          this.launch(run, node, attemptNumber, () => undefined, (exit) => this.nodeExited(run, node, exit), mainNodeAddress);
        }
      }
    };
    const runsContainers = this.options.launcher.runsContainers === true;
    // Host processes reach the main node at 127.0.0.1 before it runs, so the other nodes start
    // first: none can then start after a main node that exits at once has already exited.
    if (!runsContainers) {
      launchNodes();
    }
    this.launch(run, main, attemptNumber, () => {
      const now = this.options.clock.now();
      jobAttempt.startedAt = now;
      job.startedAt = now;
      this.graph.setStatus(job, 'RUNNING');
      this.armTimeout(run);
      if (!runsContainers) {
        return;
      }
      // A container's address on the job's network is known only once it runs.
      const address = run.processes.get(main)?.privateAddress?.();
      if (address) {
        void address.then(launchNodes, () => launchNodes());
      } else {
        launchNodes();
      }
    }, (exit) => this.nodeExited(run, main, exit));
  }

  private nodeExited(run: ActiveRun, node: JobRecord, exit: ProcessExit): void {
    const job = run.job;
    const isMain = node.index === job.spec.jobDefinition.nodeProperties!.mainNode;
    const stoppedByMain = !isMain && run.stop?.cause === 'main-node-exited';
    const attempt = this.recordExit(node, exit, stoppedByMain ? undefined : run.stop);
    if (isMain) {
      run.mainNodeOutcome = attempt;
      this.stop(run, { cause: 'main-node-exited', reason: `Main node ${node.index} exited` });
      const succeeded = attempt.exitCode === 0 && run.stop?.cause === 'main-node-exited';
      this.graph.setStatus(node, succeeded ? 'SUCCEEDED' : 'FAILED', attempt.statusReason);
    } else if (stoppedByMain) {
      const mainSucceeded = run.mainNodeOutcome?.exitCode === 0;
      this.graph.setStatus(node, mainSucceeded ? 'SUCCEEDED' : 'FAILED', run.stop!.reason);
    } else {
      this.graph.setStatus(node, attempt.exitCode === 0 && !run.stop ? 'SUCCEEDED' : 'FAILED', attempt.statusReason);
    }
    if (run.processes.size > 0 || !run.mainNodeOutcome) {
      return;
    }
    run.timers.forEach((cancel) => cancel());
    this.active.delete(job);
    this.hooks.release(run.computeEnvironment, run.needs);
    const main = run.mainNodeOutcome;
    this.endUnlaunchedNodes(job, main);
    const jobAttempt = job.current!;
    Object.assign(jobAttempt, { taskId: main.taskId, exitCode: main.exitCode, reason: main.reason, statusReason: main.statusReason, stoppedAt: main.stoppedAt });
    job.attempts = [...(job.attempts ?? []), jobAttempt];
    job.current = undefined;
    job.stoppedAt = jobAttempt.stoppedAt;
    this.hooks.touched(job);
    this.conclude(job, jobAttempt, main.statusReason === TIMEOUT_REASON || job.isTerminated === true);
  }
}

/** The start error of an attempt whose files could not be created, naming the cause (the message of an fs error holds the path). */
export function attemptFilesError(error: unknown): string {
  return `CannotStartContainerError: the local engine could not create the attempt's log file or work directory: ${(error as Error).message ?? String(error)}`;
}

/**
 * Kills the process group a crashed engine left running for this attempt, so the retry does not
 * run beside it. Only when /proc shows that pid still runs this very job (its environment holds
 * AWS_BATCH_JOB_ID=<jobId>): a recycled pid belongs to someone else and is left alone.
 */
function stopOrphan(unit: JobRecord): void {
  const pid = unit.current?.hostPid;
  if (pid === undefined) {
    return;
  }
  try {
    const environment = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
    if (environment.split('\u0000').includes(`AWS_BATCH_JOB_ID=${unit.jobId}`)) {
      process.kill(-pid, 'SIGKILL');
    }
  } catch {
    // Gone, not ours to read, or no /proc (macOS): nothing we can safely stop.
  }
}
