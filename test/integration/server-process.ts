/**
 * The local server as a child process, and Batch calls to it over plain HTTP, for the durability
 * and disk-full tests: a call can kill the server the instant its answer arrives.
 */
import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import { createInterface } from 'readline';

/** A server process. */
export interface ServerProcess {
  /** The process. */
  readonly child: ChildProcess;
  /** Endpoint, e.g. `http://127.0.0.1:41805`. */
  readonly url: string;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or signal) once it exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/** A Batch operation's HTTP request. */
export interface BatchRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: object;
}

/** An answer: status, AWS error type (for errors) and the parsed body. */
export interface BatchAnswer {
  readonly status: number;
  readonly errorType?: string;
  readonly body: Record<string, unknown>;
}

/**
 * Runs a TypeScript entry point (through ts-node, from source) and resolves once it printed its
 * first stdout line, from which `endpointOf` takes the endpoint.
 */
export async function startServerProcess(entry: string, args: string[], endpointOf: (firstLine: string) => string, env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', entry, ...args], {
    env: { ...process.env, TS_NODE_SWC: 'true', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal!)));
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server printed no endpoint within 30 s; stderr: ${stderr}`)), 30_000);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code}) before printing its endpoint; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
  });
  return { child, url: endpointOf(firstLine), stderr: () => stderr, exited };
}

/** Kills the process with SIGKILL (if it still runs) and waits for it to be gone. */
export async function killServer(server: ServerProcess): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
  }
  await server.exited;
}

/** The HTTP request of a Batch operation (the rest-json routes of Batch's service model). */
export function batchRequest(operation: string, input: Record<string, unknown>): BatchRequest {
  if (operation === 'TagResource') {
    const { resourceArn, ...body } = input;
    return { method: 'POST', path: `/v1/tags/${encodeURIComponent(resourceArn as string)}`, body };
  }
  if (operation === 'UntagResource') {
    const query = (input.tagKeys as string[]).map((key) => `tagKeys=${encodeURIComponent(key)}`).join('&');
    return { method: 'DELETE', path: `/v1/tags/${encodeURIComponent(input.resourceArn as string)}?${query}` };
  }
  return { method: 'POST', path: `/v1/${operation.toLowerCase()}`, body: input };
}

/**
 * Sends a request and resolves with the answer. `onResponse` runs first thing when the response
 * arrives, before its body is read (the durability test kills the server there).
 */
export function send(url: string, request: BatchRequest, onResponse?: () => void): Promise<BatchAnswer> {
  const payload = request.body === undefined ? '' : JSON.stringify(request.body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${request.path}`, {
      method: request.method,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      agent: false,
    }, (res) => {
      onResponse?.();
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      const done = () => resolve({
        status: res.statusCode!,
        errorType: res.headers['x-amzn-errortype'] as string | undefined,
        body: parsedBody(text),
      });
      res.once('end', done);
      res.once('aborted', done);
    });
    req.once('error', reject);
    req.end(payload);
  });
}

/** Calls an operation and fails the test unless it answers 200; `T` is the operation's output shape. */
export async function call<T = Record<string, unknown>>(url: string, operation: string, input: Record<string, unknown>): Promise<T> {
  const answer = await send(url, batchRequest(operation, input));
  if (answer.status !== 200) {
    throw new Error(`${operation} answered ${answer.status} ${answer.errorType}: ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}

/** Polls until `check` holds (the engine moves jobs asynchronously). */
export async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  for (let waited = 0; !(await check()); waited += 50) {
    if (waited >= timeoutMs) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function parsedBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return { unparsed: text };
  }
}
