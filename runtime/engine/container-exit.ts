/**
 * How a container attempt ended, from the runtime's `inspect` of the stopped container: its exit
 * code, whether the kernel killed it for exceeding its memory limit, or why it never started.
 */
import * as fs from 'fs';
import type { ProcessExit } from './launcher';

/** The reason ECS gives for a container killed by its memory limit. */
export const OUT_OF_MEMORY_REASON = 'OutOfMemoryError: Container killed due to memory usage';

/** The part of `inspect`'s `.State` the launcher reads (docker and podman spell it the same). */
export interface InspectedState {
  /** `created`, `running`, `exited`, ... */
  readonly Status?: string;
  /** The main process's exit code. */
  readonly ExitCode?: number;
  /** Whether the runtime saw the kernel's OOM killer act in the container. */
  readonly OOMKilled?: boolean;
  /** Why the runtime could not start it, when it says. */
  readonly Error?: string;
  /** RFC 3339 start time; year 1 when it never started. */
  readonly StartedAt?: string;
}

/** Reads the kernel log's records (`/dev/kmsg`), or nothing when it is not readable. */
export type KernelLogReader = () => string[];

/** What the launcher knows once `start --attach` returned. */
export interface StoppedContainer {
  /** Full container id (as `create` printed it). */
  readonly id: string;
  /** `inspect`'s state; `undefined` when the container is gone (removed while running). */
  readonly state?: InspectedState;
  /** The exit code of the attached `start`, which is the container's when it ran. */
  readonly attachExitCode?: number;
  /** The runtime's message when the start failed (read from the attempt's log). */
  readonly startFailure: () => string;
}

/** The attempt's exit: a start failure, or an exit code with the OOM reason when the memory limit killed it. */
export function containerExit(stopped: StoppedContainer, readKernelLog: KernelLogReader = readKmsg): ProcessExit {
  const { state } = stopped;
  if (!state) {
    return { exitCode: stopped.attachExitCode ?? 137 };
  }
  if (!state.StartedAt || state.StartedAt.startsWith('0001-')) {
    return { startError: `CannotStartContainerError: ${state.Error || stopped.startFailure()}` };
  }
  const exitCode = state.ExitCode ?? stopped.attachExitCode ?? 137;
  // Conmon misses OOM kills on some cgroup v1 hosts (nested containers among them); the kernel's own
  // record names the container's memory cgroup, which holds its id, so it settles the question.
  if (exitCode === 137 && (state.OOMKilled === true || kernelKilledForMemory(stopped.id, readKernelLog))) {
    return { exitCode, reason: OUT_OF_MEMORY_REASON };
  }
  return { exitCode };
}

function kernelKilledForMemory(containerId: string, readKernelLog: KernelLogReader): boolean {
  return containerId.length >= 12 && readKernelLog().some((record) => record.includes('oom-kill:') && record.includes(containerId));
}

/** Every record in the kernel's ring buffer; empty where `/dev/kmsg` cannot be read (not root, macOS). */
export function readKmsg(): string[] {
  let fd: number;
  try {
    fd = fs.openSync('/dev/kmsg', fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return [];
  }
  const records: string[] = [];
  const buffer = Buffer.alloc(16 * 1024);
  try {
    // Bounded: a busy kernel keeps appending while we read.
    while (records.length < 100_000) {
      try {
        const size = fs.readSync(fd, buffer, 0, buffer.length, null);
        records.push(buffer.toString('utf8', 0, size));
      } catch (error) {
        // EPIPE: records were overwritten under us; the next read resumes at the oldest kept one.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') {
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return records;
}
