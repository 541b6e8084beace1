/**
 * Runs the real `batchkit` binary (`node bin/batchkit.js`, the compiled CLI in dist/) in a
 * child process with pipes for stdout and stderr, as CI and scripts see it: not a TTY.
 */
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The repository root. */
export const ROOT = path.join(__dirname, '..', '..', '..');
/** The small template the CLI tests load into the local engine. */
export const TEST_TEMPLATE = path.join(__dirname, 'fixtures', 'cli-test.template.json');

/** What a finished CLI process left. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process still running. */
export interface RunningCli {
  readonly child: ChildProcess;
  /** Output so far. */
  readonly output: () => { stdout: string; stderr: string };
  /** Resolves once `predicate` holds for stdout; rejects after `timeoutMs` or if the process ends first. */
  waitForStdout(predicate: (stdout: string) => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the process has ended. */
  readonly done: Promise<CliResult>;
}

/** The environment of every CLI run: no colour forcing, no AWS settings leaking in from the machine. */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...extra };
  delete env.FORCE_COLOR;
  return env;
}

/** Starts `batchkit <args>` in `cwd`. */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; script?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [options.script ?? path.join(ROOT, 'bin', 'batchkit.js'), ...args], {
    cwd: options.cwd ?? ROOT, env: options.env ?? cliEnv(), stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); listeners.forEach((l) => l()); });
  child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
      listeners.forEach((l) => l());
    });
  });
  let ended = false;
  void done.then(() => { ended = true; });
  return {
    child,
    done,
    output: () => ({ stdout, stderr }),
    waitForStdout: (predicate, timeoutMs = 15_000) => new Promise<void>((resolve, reject) => {
      const check = () => {
        if (predicate(stdout)) {
          finish();
          resolve();
        } else if (ended || child.exitCode !== null) {
          finish();
          reject(new Error(`the CLI ended before the expected output; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`no expected output within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    }),
  };
}

/** Runs `batchkit <args>` to the end (killed after `timeoutMs`). */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; script?: string } = {}): Promise<CliResult> {
  const running = startCli(args, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

/** True when text holds an ANSI escape sequence. */
export function hasEscapeCodes(text: string): boolean {
  return text.includes('\u001b');
}

/** Writes `yaml` as `<dir>/<name>.yaml` and returns its path, for a CLI run to read. */
export function writeWorkflowFile(dir: string, name: string, yaml: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, yaml);
  return file;
}
