/**
 * How the engine starts a job attempt. One small interface, so a container launcher (docker,
 * podman) can replace the default host-process launcher without touching the scheduler.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import type { ContainerLaunchSpec } from './container-spec';
import { createPrivateDirs, openPrivateFile } from '../files/private-files';

/** One process to start for a job attempt (or for one node of a multi-node job). */
export interface LaunchRequest {
  /**
   * The container's command after overrides and `Ref::` substitution: argv, never a shell line.
   * Empty only for a launcher that `runsContainers`: the image's CMD runs then.
   */
  readonly command: readonly string[];
  /** The whole environment the process sees (no host variables beyond what the engine put here). */
  readonly environment: Readonly<Record<string, string>>;
  /** Working directory for the attempt: the launcher creates it (with its parents) if missing. */
  readonly workDir: string;
  /**
   * File that receives stdout and stderr combined, like the attempt's CloudWatch log stream; its
   * directory exists, and the launcher creates the file before `started` resolves.
   */
  readonly logFile: string;
  /** The image the job definition names: recorded for a container launcher, ignored by the host launcher. */
  readonly image?: string;
  /**
   * What a container launcher needs to run the job as a container (image, limits, mounts, labels);
   * set only for a launcher that `runsContainers`, ignored by host launchers.
   * @default - none: run `command` as a host process
   */
  readonly container?: ContainerLaunchSpec;
}

/** How a launched process ended. */
export interface ProcessExit {
  /** Exit code as a container reports it: the process's own code, or 128 + signal number when a signal killed it. */
  readonly exitCode?: number;
  /** Set when the process could not be started at all (no exit code then), e.g. command not found. */
  readonly startError?: string;
  /** Why the container was stopped, beside its exit code (e.g. `OutOfMemoryError: ...`): the attempt's `container.reason`. @default - none */
  readonly reason?: string;
}

/** A running attempt, as the engine sees it. */
export interface LaunchedProcess {
  /** Resolves once, when the process is running (`true`) or failed to start (`false`). */
  readonly started: Promise<boolean>;
  /** The host pid, also its process group id, once `started` resolved `true` (a container launcher may leave it out). */
  readonly pid?: number;
  /** Resolves once, when the process has ended (or failed to start). */
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal to the process and everything it started; a no-op once it ended. */
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /**
   * The address the job's other containers reach this one at (a multi-node job's main node), once
   * `started` resolved `true`; `undefined` when the runtime does not say.
   * @default - not offered: host processes share the host's 127.0.0.1
   */
  privateAddress?(): Promise<string | undefined>;
}

/** Starts processes for job attempts. */
export interface ProcessLauncher {
  /** Starts one process; must not throw for a bad command, but report it through `exited`. */
  launch(request: LaunchRequest): LaunchedProcess;
  /** Releases what the launcher holds (a helper process); called by the engine for the launcher it created. */
  close?(): Promise<void>;
  /**
   * Whether the launcher runs `request.container`: the image's ENTRYPOINT always applies and its
   * CMD when the command is empty, and the process inherits no host variables.
   * @default false
   */
  readonly runsContainers?: boolean;
  /**
   * Removes what a crashed engine with this id left running (containers, networks), so that the
   * retries of its interrupted attempts do not run beside them; the engine calls it when it opens
   * a data directory, before it ends those attempts.
   * @default - nothing to clean: host process groups are stopped by pid
   */
  cleanupOrphans?(engineId: string): Promise<void>;
}

const SIGNAL_NUMBERS: Readonly<Record<string, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGTERM: 15 };

/**
 * Runs the command as a process on this host spawned by Node itself, in its own process group (so a timeout or a
 * terminate reaches `sh -c` children too), with stdout and stderr appended to the log file.
 */
export class HostProcessLauncher implements ProcessLauncher {
  /** Starts the command with `spawn` (argv, no shell). */
  public launch(request: LaunchRequest): LaunchedProcess {
    createPrivateDirs(request.workDir);
    const logFd = openPrivateFile(request.logFile, 'a');
    let ended = false;
    let settleStarted: (value: boolean) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => (settleStarted = resolve));
    const child = spawn(request.command[0], request.command.slice(1), {
      cwd: request.workDir,
      env: { ...request.environment },
      stdio: ['ignore', logFd, logFd],
      detached: true,
    });
    fs.closeSync(logFd);
    const exited = new Promise<ProcessExit>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        if (ended) {
          return;
        }
        ended = true;
        settleStarted(false);
        fs.appendFileSync(request.logFile, `batchkit: cannot start ${JSON.stringify(request.command[0])}: ${error.message}\n`);
        resolve({ startError: startErrorReason(request.command[0], error) });
      });
      child.once('exit', (code, signal) => {
        ended = true;
        resolve({ exitCode: code ?? 128 + (signal ? SIGNAL_NUMBERS[signal] ?? 0 : 0) });
      });
    });
    child.once('spawn', () => settleStarted(true));
    return {
      started,
      exited,
      get pid() {
        return child.pid;
      },
      signal(signal) {
        if (ended || child.pid === undefined) {
          return;
        }
        try {
          process.kill(-child.pid, signal);
        } catch {
          // The group is already gone: the exit event is on its way.
        }
      },
    };
  }
}

/** The reason ECS gives when a container's entry point cannot be executed, adapted to a host process. */
function startErrorReason(command: string, error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOENT') {
    return `CannotStartContainerError: exec: "${command}": executable file not found in $PATH`;
  }
  return `CannotStartContainerError: exec: "${command}": ${error.message}`;
}
