/**
 * The default host launcher: one long-lived native helper (`process-helper.c`, built by
 * `buildNativeHelper`) starts every attempt, so the engine's large Node process never forks.
 * Forking Node costs milliseconds per process (it grows with the heap), which made the engine
 * several times slower than `xargs -P` on short jobs; the helper's `posix_spawn` costs what xargs
 * pays. Each attempt runs in its own process group (signals reach `sh -c` children too), with
 * stdout and stderr appended to its log, both created by the helper.
 *
 * Protocol: each request is a frame, `u32 length` then `u32 id, u32 argc, u32 envc` and
 * NUL-terminated strings (work dir, log file, argv..., NAME=value...), integers little-endian.
 * Strings are passed as they are: a NUL is the only byte they cannot hold, and neither argv nor
 * environment entries can hold one on any Unix. The helper answers with text lines:
 * `S <id> <pid>` once started, `E <id> <exit code>` once ended (128 + signal when killed).
 */
import { ChildProcessWithoutNullStreams, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createPrivateDirs, createPrivateFileIfMissing } from '../files/private-files';
import type { LaunchedProcess, LaunchRequest, ProcessExit, ProcessLauncher } from './launcher';

interface PendingProcess {
  pid?: number;
  queuedSignals: ('SIGTERM' | 'SIGKILL')[];
  ended: boolean;
  settleStarted(started: boolean): void;
  settleExited(exit: ProcessExit): void;
}

/** Builds the frame that asks the helper to start one attempt. */
function encodeFrame(id: number, request: LaunchRequest): Buffer {
  const environment = Object.entries(request.environment).map(([name, value]) => `${name}=${value}`);
  const strings = [request.workDir, request.logFile, ...request.command, ...environment].join('\0') + '\0';
  const bodyLength = 12 + Buffer.byteLength(strings, 'utf8');
  const frame = Buffer.allocUnsafe(4 + bodyLength);
  frame.writeUInt32LE(bodyLength, 0);
  frame.writeUInt32LE(id, 4);
  frame.writeUInt32LE(request.command.length, 8);
  frame.writeUInt32LE(environment.length, 12);
  frame.write(strings, 16, 'utf8');
  return frame;
}

/** Starts attempts through one native helper process (see `planHostLauncher`). */
export class HelperLauncher implements ProcessLauncher {
  private helper?: ChildProcessWithoutNullStreams;
  private readonly processes = new Map<number, PendingProcess>();
  private readonly resolvedCommands = new Set<string>();
  private nextId = 1;
  private buffered = '';

  /** @param binary the compiled helper, as `buildNativeHelper` returns it */
  constructor(private readonly binary: string) {}

  /** Starts the command in its own process group, stdout and stderr appended to the log file. */
  public launch(request: LaunchRequest): LaunchedProcess {
    let settleStarted: (started: boolean) => void = () => undefined;
    let settleExited: (exit: ProcessExit) => void = () => undefined;
    const started = new Promise<boolean>((resolve) => (settleStarted = resolve));
    const exited = new Promise<ProcessExit>((resolve) => (settleExited = resolve));
    const pending: PendingProcess = { queuedSignals: [], ended: false, settleStarted, settleExited };
    const missing = this.missingCommand(request);
    if (missing) {
      createPrivateDirs(request.workDir);
      createPrivateFileIfMissing(request.logFile);
    }
    if (missing) {
      fs.appendFileSync(request.logFile, `batchkit: cannot start ${JSON.stringify(request.command[0])}: ${missing}\n`);
      pending.ended = true;
      settleStarted(false);
      settleExited({ startError: `CannotStartContainerError: exec: "${request.command[0]}": ${missing}` });
    } else {
      const id = this.nextId++;
      this.processes.set(id, pending);
      this.ensureHelper().stdin.write(encodeFrame(id, request));
      this.holdEventLoop(true);
    }
    return {
      started,
      exited,
      get pid() {
        return pending.pid;
      },
      signal: (signal) => {
        if (pending.ended) {
          return;
        }
        if (pending.pid === undefined) {
          pending.queuedSignals.push(signal);
        } else {
          signalGroup(pending.pid, signal);
        }
      },
    };
  }

  /** Ends the helper once every attempt it started has been reported (the engine kills them first). */
  public async close(): Promise<void> {
    const helper = this.helper;
    if (!helper) {
      return;
    }
    // Held again so that awaiting the helper's exit keeps Node alive.
    this.holdEventLoop(true);
    this.helper = undefined;
    helper.stdin.end();
    if (helper.exitCode === null) {
      await new Promise((resolve) => helper.once('exit', resolve));
    }
  }

  private ensureHelper(): ChildProcessWithoutNullStreams {
    if (!this.helper) {
      // An empty environment: each attempt gets exactly the variables it is given.
      // A process group of its own: Ctrl-C at the terminal signals the command's group, and the
      // command, not the terminal, decides whether running attempts end (the helper still exits when its stdin closes).
      const helper = spawn(this.binary, [], { env: {}, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      helper.stdout.setEncoding('utf8');
      helper.stdout.on('data', (chunk: string) => this.onOutput(chunk));
      helper.stderr.on('data', (chunk: Buffer) => process.emitWarning(`batchkit local engine: process helper: ${chunk.toString().trim()}`));
      helper.once('exit', () => this.onHelperExit(helper));
      this.helper = helper;
    }
    return this.helper;
  }

  /** An idle helper must not keep Node running; a helper with attempts in flight must. */
  private holdEventLoop(hold: boolean): void {
    const helper = this.helper;
    if (!helper) {
      return;
    }
    for (const handle of [helper, helper.stdin, helper.stdout, helper.stderr] as { ref(): void; unref(): void }[]) {
      if (hold) {
        handle.ref();
      } else {
        handle.unref();
      }
    }
  }

  private onOutput(chunk: string): void {
    this.buffered += chunk;
    let newline = this.buffered.indexOf('\n');
    while (newline >= 0) {
      const [kind, idText, value] = this.buffered.slice(0, newline).split(' ');
      this.buffered = this.buffered.slice(newline + 1);
      newline = this.buffered.indexOf('\n');
      const pending = this.processes.get(Number(idText));
      if (!pending) {
        continue;
      }
      if (kind === 'S') {
        pending.pid = Number(value);
        pending.settleStarted(true);
        for (const signal of pending.queuedSignals.splice(0)) {
          signalGroup(pending.pid, signal);
        }
      } else if (kind === 'E') {
        // An E without an S: the helper could not start it (no work dir, log or executable).
        pending.settleStarted(false);
        pending.ended = true;
        this.processes.delete(Number(idText));
        pending.settleExited({ exitCode: Number(value) });
        if (this.processes.size === 0) {
          this.holdEventLoop(false);
        }
      }
    }
  }

  private onHelperExit(helper: ChildProcessWithoutNullStreams): void {
    if (this.helper === helper) {
      this.helper = undefined;
    }
    for (const pending of this.processes.values()) {
      pending.ended = true;
      pending.settleStarted(false);
      pending.settleExited({ startError: 'CannotStartContainerError: the process helper exited before reporting the attempt' });
    }
    this.processes.clear();
  }

  /** Looks the command up the way exec would (PATH of the job's environment); `undefined` when found. */
  private missingCommand(request: LaunchRequest): string | undefined {
    const command = request.command[0];
    const searchPath = request.environment.PATH ?? '/usr/local/bin:/usr/bin:/bin';
    const key = `${searchPath}\u0000${command}`;
    if (this.resolvedCommands.has(key) && !command.includes('/')) {
      return undefined;
    }
    const candidates = command.includes('/') ? [path.resolve(request.workDir, command)] : searchPath.split(':').map((dir) => path.join(dir || '.', command));
    for (const candidate of candidates) {
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) {
          this.resolvedCommands.add(key);
          return undefined;
        }
      } catch {
        // Not here: try the next directory of PATH.
      }
    }
    return command.includes('/') ? 'no such file or directory' : 'executable file not found in $PATH';
  }
}

/** Signals the attempt's process group, or the process itself if `setsid` has not run yet. */
function signalGroup(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: its exit line is on the way.
    }
  }
}
