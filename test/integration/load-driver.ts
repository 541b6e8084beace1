/**
 * Load against the local server: N clients (each its own SDK client and connections) submit a
 * job and describe their latest jobs in a loop until a deadline. Used by the load test (a few
 * seconds in CI) and by `npm run bench` (longer, figures into docs/benchmarks.md); run directly
 * it starts `batchkit local serve` and prints a `BENCH_JSON` line.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { printBenchJson } from '../../bench/bench-json';
import type { LocalServeReady } from '../../runtime/cli/commands/local-serve';

const ROOT = path.join(__dirname, '..', '..');

/** What a load run measured. */
export interface LoadFigures {
  readonly clients: number;
  readonly durationMs: number;
  readonly submits: number;
  readonly describes: number;
  readonly errors: readonly string[];
  /** Jobs submitted that a final DescribeJobs did not return. */
  readonly missing: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** A `batchkit local serve` process with a queue whose compute is disabled: jobs are accepted and stay RUNNABLE. */
export interface LoadTarget {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts the built CLI on a temporary data directory with queue `q` and job definition `d`. */
export async function startLoadTarget(): Promise<LoadTarget> {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'runtime', 'cli', 'main.js'))) {
    throw new Error('dist/runtime/cli/main.js is missing: run `npm run build` first');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-load-'));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin', 'batchkit.js'), 'local', 'serve', '--port', '0', '--json', '--data-dir', path.join(dir, 'data')], {
    cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' },
  });
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ready = await new Promise<LocalServeReady>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('local serve printed no endpoint within 20 s')), 20_000);
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as LocalServeReady);
      });
    });
    const client = newClient(ready.endpoint);
    await client.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED', state: 'DISABLED' }));
    await client.send(new CreateJobQueueCommand({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
    await client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'd', type: 'container', containerProperties: { command: ['true'], vcpus: 1, memory: 128 } }));
    client.destroy();
    return { endpoint: ready.endpoint, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function newClient(endpoint: string): BatchClient {
  // SDK retries off: a throttled or failed call must show up as an error, not be hidden.
  return new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
}

/** Runs `clients` loops of SubmitJob + DescribeJobs (the client's last 20 jobs) until `durationMs` has passed. */
export async function runLoad(endpoint: string, options: { clients: number; durationMs: number; now?: () => number }): Promise<LoadFigures> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const latencies: number[] = [];
  const errors: string[] = [];
  const submitted: string[] = [];
  let submits = 0;
  let describes = 0;
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const start = now();
    try {
      return await call();
    } finally {
      latencies.push(now() - start);
    }
  };
  const loop = async (index: number) => {
    const client = newClient(endpoint);
    const mine: string[] = [];
    try {
      for (let i = 0; now() - started < options.durationMs; i++) {
        try {
          const { jobId } = await timed(() => client.send(new SubmitJobCommand({ jobName: `load-${index}-${i}`, jobQueue: 'q', jobDefinition: 'd' })));
          submits++;
          mine.push(jobId!);
          const recent = mine.slice(-20);
          const { jobs } = await timed(() => client.send(new DescribeJobsCommand({ jobs: recent })));
          describes++;
          if (jobs?.length !== recent.length) errors.push(`client ${index}: DescribeJobs returned ${jobs?.length} of ${recent.length} jobs`);
        } catch (err) {
          errors.push(`client ${index}: ${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    } finally {
      submitted.push(...mine);
      client.destroy();
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, index) => loop(index)));
  const durationMs = now() - started;
  const checker = newClient(endpoint);
  let found = 0;
  for (let i = 0; i < submitted.length; i += 100) {
    found += (await checker.send(new DescribeJobsCommand({ jobs: submitted.slice(i, i + 100) }))).jobs?.length ?? 0;
  }
  checker.destroy();
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) => sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  return {
    clients: options.clients, durationMs, submits, describes, errors, missing: submitted.length - found,
    requestsPerSecond: (submits + describes) / (durationMs / 1000), p50Ms: percentile(0.5), p99Ms: percentile(0.99),
  };
}

async function main(): Promise<void> {
  const durationMs = Number(process.argv[2] ?? 10_000);
  const target = await startLoadTarget();
  try {
    const figures = await runLoad(target.endpoint, { clients: 20, durationMs });
    console.log(`load: 20 clients for ${(figures.durationMs / 1000).toFixed(1)} s: ${figures.submits} submits, ${figures.describes} describes, `
      + `${figures.requestsPerSecond.toFixed(0)} requests/s, p50 ${figures.p50Ms.toFixed(1)} ms, p99 ${figures.p99Ms.toFixed(1)} ms, ${figures.errors.length} errors, ${figures.missing} missing`);
    printBenchJson('load', [
      { name: 'requests/s, 20 clients submitting and describing', value: Math.round(figures.requestsPerSecond), unit: 'req/s' },
      { name: 'request latency p50', value: Number(figures.p50Ms.toFixed(2)), unit: 'ms' },
      { name: 'request latency p99', value: Number(figures.p99Ms.toFixed(2)), unit: 'ms' },
      { name: 'errors', value: figures.errors.length, unit: 'count' },
      { name: 'accepted jobs missing', value: figures.missing, unit: 'count' },
    ]);
  } finally {
    await target.close();
  }
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(err.stack);
    process.exitCode = 1;
  });
}
