/**
 * Finding and calling the container CLI (`docker` or `podman`). Every call is a short-lived child
 * process spawned through an injectable function, with its output captured; the runtime's own
 * error line (`Error: ...`) is what reasons quote.
 */
import { ChildProcess, spawn as nodeSpawn, SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Spawns a process (Node's `spawn` by default; tests inject one). */
export type SpawnFunction = (command: string, args: readonly string[], options: SpawnOptions) => ChildProcess;

/** A container CLI that answered. */
export interface ContainerCli {
  /** What to run: a name found on PATH or a path. */
  readonly command: string;
  /** Which runtime it is (the podman-docker shim counts as podman). */
  readonly kind: 'docker' | 'podman';
  /** The version its engine reported. */
  readonly version: string;
  /** How its processes are spawned. */
  readonly spawn: SpawnFunction;
}

/** How one CLI call ended. */
export interface CliResult {
  /** Exit code; `undefined` when it could not run or was killed for taking too long. */
  readonly code?: number;
  /** Captured stdout. */
  readonly stdout: string;
  /** Captured stderr. */
  readonly stderr: string;
}

/** How to look for a container CLI. */
export interface ContainerCliSearch {
  /** `docker`, `podman`, or a path to either. @default - `BATCHKIT_CONTAINER_CLI`, else `docker` then `podman`, the first that answers */
  readonly cli?: string;
  /** @default child_process.spawn */
  readonly spawn?: SpawnFunction;
  /** How long a CLI may take to answer `version`. @default 5000 */
  readonly timeoutMs?: number;
}

/** The CLIs tried, in order, when none is named. */
export const CONTAINER_CLI_CANDIDATES = ['docker', 'podman'] as const;

/** Runs the CLI with `args`, capturing its output; never rejects. */
export function runContainerCli(cli: Pick<ContainerCli, 'command' | 'spawn'>, args: readonly string[], timeoutMs?: number): Promise<CliResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (code: number | undefined, extra = '') => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve({ code, stdout, stderr: stderr + extra });
      }
    };
    const child = cli.spawn(cli.command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (error) => settle(undefined, `Error: ${error.message}\n`));
    child.once('close', (code) => settle(code ?? undefined));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => {
      child.kill('SIGKILL');
      settle(undefined, `Error: no answer within ${timeoutMs / 1000} s\n`);
    }, timeoutMs);
  });
}

/** The runtime's own message from a failed call: its last `Error:` line, else its last line. */
export function cliFailure(result: CliResult): string {
  const lines = result.stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const errorLine = [...lines].reverse().find((line) => /^Error( response from daemon)?:/.test(line));
  const chosen = errorLine ?? lines[lines.length - 1] ?? `exit code ${result.code ?? 'none'}`;
  return chosen.replace(/^Error:\s*/, '');
}

/**
 * The first container CLI whose engine answers `version` in time: the one named (option, then
 * `BATCHKIT_CONTAINER_CLI`), else docker, then podman. Without one, why each candidate failed.
 */
export async function findContainerCli(search: ContainerCliSearch = {}): Promise<{ cli: ContainerCli } | { failures: string[] }> {
  const spawn = search.spawn ?? nodeSpawn;
  const timeoutMs = search.timeoutMs ?? 5000;
  const named = search.cli ?? (process.env.BATCHKIT_CONTAINER_CLI || undefined);
  const failures: string[] = [];
  for (const command of named ? [named] : CONTAINER_CLI_CANDIDATES) {
    if (!named && !onPath(command)) {
      failures.push(`${command}: not found on PATH`);
      continue;
    }
    const [server, self] = await Promise.all([
      runContainerCli({ command, spawn }, ['version', '--format', '{{.Server.Version}}'], timeoutMs),
      runContainerCli({ command, spawn }, ['--version'], timeoutMs),
    ]);
    if (server.code === 0 && server.stdout.trim()) {
      return { cli: { command, kind: /podman/i.test(self.stdout) ? 'podman' : 'docker', version: server.stdout.trim(), spawn } };
    }
    failures.push(`${command}: ${cliFailure(server)}`);
  }
  return { failures };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir || '.', command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
