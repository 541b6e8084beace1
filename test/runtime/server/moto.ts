/**
 * Starts `moto_server` (Python moto, installed on the CI machines) on a free port, for
 * comparing response shapes with a second Batch implementation. Fails with a clear message
 * when moto is not installed rather than skipping silently.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';

/** A running moto server with Batch jobs set to finish at submit, without Docker. */
export interface RunningMoto {
  readonly url: string;
  /** Process id of the server (benchmarks read its CPU time). */
  readonly pid: number;
  stop(): Promise<void>;
}

const START_DEADLINE_MS = 30_000;
const POLL_INTERVAL_MS = 200;

/** Starts moto_server and waits (bounded) until it answers. */
export async function startMoto(): Promise<RunningMoto> {
  if (spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).error) {
    throw new Error('moto_server is not installed or not on PATH; the wire shape tests compare against it (pip install "moto[server]")');
  }
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-2000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  try {
    await waitUntilAnswering(url, child, () => stderr);
    const res = await fetch(`${url}/moto-api/config`, { method: 'POST', body: JSON.stringify({ batch: { use_docker: false } }) });
    if (!res.ok) throw new Error(`moto_server refused its batch config: HTTP ${res.status}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid!, stop };
}

async function waitUntilAnswering(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const attempts = START_DEADLINE_MS / POLL_INTERVAL_MS;
  for (let i = 0; i < attempts; i++) {
    if (child.exitCode !== null) throw new Error(`moto_server exited with ${child.exitCode} before answering: ${stderr()}`);
    try {
      await fetch(`${url}/moto-api/`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
  }
  throw new Error(`moto_server did not answer on ${url} within ${START_DEADLINE_MS / 1000} s: ${stderr()}`);
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A port the OS says is free now; moto binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** moto insists on a compute environment service role that exists in its IAM: creates one and returns its ARN. */
export async function createMotoServiceRole(endpoint: string): Promise<string> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'batch.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const args = ['iam', 'create-role', '--role-name', 'BatchServiceRole', '--assume-role-policy-document', trust, '--endpoint-url', endpoint, '--output', 'json'];
  const { stdout } = await promisify(execFile)('aws', args, { env, timeout: 30000 });
  return (JSON.parse(stdout) as { Role: { Arn: string } }).Role.Arn;
}
