/**
 * Server CPU per request: the CPU time (user + system, from /proc) the local server spends per
 * SubmitJob and per DescribeJobs of 100 ids, against moto_server in the same run with the same
 * calls through `@aws-sdk/client-batch`, with one sequential client and with 16 concurrent ones.
 *
 * The local server runs as `batchkit local serve` runs it: the CLI itself, an on-disk data
 * directory, the process launcher, SigV4 verification against an access key, and an ENABLED
 * compute environment, so every submitted job really runs (`true`). The server's CPU is its own
 * process's plus its direct children's (the launcher's helper process, which starts and reaps the
 * jobs); the jobs' own CPU is not counted. A phase ends when the jobs it submitted have ended and
 * the server is idle again, so the scheduling, state writes and events of those jobs are counted in
 * the phase: per SubmitJob means the request and everything its job costs the server. moto
 * finishes its jobs in threads of its one process, counted the same way. DescribeJobs asks for 100
 * ended jobs, each of which was described once after it ended (a poller's steady state: a job's
 * answer is rendered when it changes, which the SubmitJob phases count).
 *
 * Clients run in this process, warmed up first (V8 optimizes the SDK only after some thousand
 * calls): the client's CPU is not the server's. CPU time hardly moves with other load on the
 * machine, unlike rates.
 *
 * A floor is measured the same way: a bare Node `http` server in a child process that reads each
 * request and answers it with a fixed body (SubmitJob: a small JSON object; DescribeJobs: the
 * local server's own answer for 100 jobs, recorded once, so both send the same bytes). No server
 * of this protocol can spend less than that on this machine, whose kernel makes each socket
 * write and wake-up expensive: the floor column says how much of a figure is HTTP itself.
 *
 * Run: `npx ts-node --swc bench/server-cpu.ts [--submits N] [--describes N]`
 */
import { fork, type ChildProcess } from 'child_process';
import { createServer } from 'http';
import type { AddressInfo } from 'net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { main as cliMain } from '../runtime/cli/main';
import { createMotoServiceRole, startMoto } from '../test/runtime/server/moto';
import { printBenchJson } from './bench-json';

const SUBMITS = numberArg('--submits', 300);
const DESCRIBES = numberArg('--describes', 200);
const WARM_UP_SUBMITS = 600;
const CONCURRENT_CLIENTS = 16;
const DESCRIBE_BATCH = 100;
const ACCESS_KEY = { accessKeyId: 'benchkey', secretAccessKey: 'bench-secret-key' };
const CLOCK_TICKS_PER_SECOND = 100;
/** The server counts as idle once its CPU time has not moved for this long (a tick is 10 ms). */
const IDLE_MS = 400;
const TS_NODE = { execArgv: ['-r', 'ts-node/register/transpile-only'], env: { ...process.env, TS_NODE_SWC: 'true' } };

interface Endpoint {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
}

/** The phases a server is measured in, by name. */
type Phase = 'SubmitJob, 1 client' | 'SubmitJob, 16 clients' | 'DescribeJobs(100), 1 client' | 'DescribeJobs(100), 16 clients';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got '${process.argv[i + 1]}'`);
  return value;
}

/** User plus system CPU seconds of a process and its direct children (their own time, not their reaped children's), from /proc. */
function serverCpuSeconds(pid: number): number {
  return ((ownTicks(pid) ?? 0) / CLOCK_TICKS_PER_SECOND) + childrenCpuSeconds(pid);
}

/** The direct children's part of `serverCpuSeconds` (the local server's: its launcher's helper). */
function childrenCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (/^\d+$/.test(entry) && parentOf(Number(entry)) === pid) {
      ticks += ownTicks(Number(entry)) ?? 0;
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** utime + stime (fields 14 and 15 of stat(5)); `undefined` once the process is gone. */
function ownTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && Number(fields[11]) + Number(fields[12]);
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields && Number(fields[1]);
}

/** stat(5) from field 3 on (the command name may hold spaces). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Resolves once the server's CPU time has stood still for `IDLE_MS`: its jobs have ended and it has written their states. */
async function untilIdle(pid: number): Promise<void> {
  let last = serverCpuSeconds(pid);
  let stillSince = Date.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = serverCpuSeconds(pid);
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= IDLE_MS) {
      return;
    }
  }
}

function sdkClient(endpoint: string): BatchClient {
  return new BatchClient({ endpoint, region: 'us-east-1', credentials: ACCESS_KEY, maxAttempts: 1 });
}

async function createResources(endpoint: string, serviceRole: string): Promise<void> {
  const batch = sdkClient(endpoint);
  try {
    await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'cpu-ce', type: 'UNMANAGED', state: 'ENABLED', unmanagedvCpus: 256, serviceRole }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'cpu-q', state: 'ENABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'cpu-ce' }] }));
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'cpu-jd', type: 'container',
      containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '0.25' }, { type: 'MEMORY', value: '64' }] },
    }));
  } finally {
    batch.destroy();
  }
}

/** `count` calls spread over `clients` loops, each with its own SDK client, one call in flight per loop. */
async function runCalls(clients: BatchClient[], count: number, call: (client: BatchClient, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(clients.map(async (client) => {
    while (next < count) await call(client, next++);
  }));
}

/** CPU microseconds per call of one phase: the server's in all, and its direct children's part. */
interface PhaseCpu {
  readonly perCall: number;
  readonly childrenPerCall: number;
}

/** Server CPU microseconds per call of one phase, the jobs it submitted run to their end. */
async function measure(endpoint: Endpoint, clients: BatchClient[], count: number, call: (client: BatchClient, i: number) => Promise<void>): Promise<PhaseCpu> {
  await untilIdle(endpoint.pid);
  const before = serverCpuSeconds(endpoint.pid);
  const childrenBefore = childrenCpuSeconds(endpoint.pid);
  await runCalls(clients, count, call);
  await untilIdle(endpoint.pid);
  return {
    perCall: ((serverCpuSeconds(endpoint.pid) - before) / count) * 1e6,
    childrenPerCall: ((childrenCpuSeconds(endpoint.pid) - childrenBefore) / count) * 1e6,
  };
}

async function measureEndpoint(endpoint: Endpoint, jobIds: string[] = []): Promise<Record<Phase, PhaseCpu>> {
  const one = [sdkClient(endpoint.url)];
  const many = Array.from({ length: CONCURRENT_CLIENTS }, () => sdkClient(endpoint.url));
  const submit = async (client: BatchClient, i: number) => {
    const { jobId } = await client.send(new SubmitJobCommand({ jobName: `cpu-${i}`, jobQueue: 'cpu-q', jobDefinition: 'cpu-jd' }));
    jobIds.push(jobId!);
  };
  const describe = async (client: BatchClient, i: number) => {
    const start = (i * DESCRIBE_BATCH) % (jobIds.length - DESCRIBE_BATCH);
    const out = await client.send(new DescribeJobsCommand({ jobs: jobIds.slice(start, start + DESCRIBE_BATCH) }));
    if (out.jobs?.length !== DESCRIBE_BATCH) throw new Error(`${endpoint.name}: DescribeJobs returned ${out.jobs?.length} of ${DESCRIBE_BATCH} jobs`);
  };
  try {
    await runCalls(many, WARM_UP_SUBMITS, submit);
    await runCalls(one, WARM_UP_SUBMITS / 3, submit);
    await runCalls(many, DESCRIBES / 3, describe);
    const submitJob1 = await measure(endpoint, one, SUBMITS, submit);
    const submitJob16 = await measure(endpoint, many, SUBMITS, submit);
    // Every job described once after it ended, as a poller that watched it finish has: both
    // DescribeJobs phases then measure the same steady state, not the first one paying for the rest.
    await untilIdle(endpoint.pid);
    await runCalls(many, Math.ceil(jobIds.length / DESCRIBE_BATCH), async (client, i) => {
      await client.send(new DescribeJobsCommand({ jobs: jobIds.slice(i * DESCRIBE_BATCH, (i + 1) * DESCRIBE_BATCH) }));
    });
    const figures = {
      'SubmitJob, 1 client': submitJob1,
      'SubmitJob, 16 clients': submitJob16,
      'DescribeJobs(100), 1 client': await measure(endpoint, one, DESCRIBES, describe),
      'DescribeJobs(100), 16 clients': await measure(endpoint, many, DESCRIBES, describe),
    };
    if (endpoint.name !== 'floor') await checkAllSucceeded(endpoint, one[0], jobIds);
    return figures;
  } finally {
    [...one, ...many].forEach((client) => client.destroy());
  }
}

/** The jobs really ran: every one of them SUCCEEDED (checked after the measurements, outside their windows). */
async function checkAllSucceeded(endpoint: Endpoint, client: BatchClient, jobIds: string[]): Promise<void> {
  for (let start = 0; start < jobIds.length; start += DESCRIBE_BATCH) {
    const out = await client.send(new DescribeJobsCommand({ jobs: jobIds.slice(start, start + DESCRIBE_BATCH) }));
    const other = out.jobs?.find((job) => job.status !== 'SUCCEEDED');
    if (other) throw new Error(`${endpoint.name}: job ${other.jobId} is ${other.status}, expected every job SUCCEEDED`);
  }
}

/** The forked server process: `batchkit local serve` itself, through the CLI's entry point. */
async function runServe(dataDir: string): Promise<void> {
  process.exitCode = await cliMain(['local', 'serve', '--port', '0', '--json', '--data-dir', dataDir, '--launcher', 'process']);
}

function startLocalServe(dataDir: string): Promise<{ endpoint: Endpoint; child: ChildProcess }> {
  const env = { ...TS_NODE.env, BATCHKIT_ACCESS_KEYS: `${ACCESS_KEY.accessKeyId}:${ACCESS_KEY.secretAccessKey}` };
  const child = fork(__filename, ['--serve', dataDir], { ...TS_NODE, env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((candidate) => candidate.startsWith('{') && candidate.includes('"endpoint"'));
      if (line) {
        resolve({ endpoint: { name: 'local server', url: (JSON.parse(line) as { endpoint: string }).endpoint, pid: child.pid! }, child });
      }
    });
    child.once('exit', (code) => reject(new Error(`batchkit local serve exited with ${code} before listening: ${output}`)));
  });
}

/**
 * The floor server's body: reads the request (as any server must), then answers `cannedDescribe`
 * to DescribeJobs and a fixed SubmitJob answer to anything else.
 */
function runFloor(): void {
  const submitAnswer = Buffer.from(JSON.stringify({ jobArn: 'arn:aws:batch:us-east-1:123456789012:job/floor', jobName: 'floor', jobId: 'floor' }));
  let describeAnswer = Buffer.from('{"jobs":[]}');
  process.on('message', (message: { cannedDescribe?: string }) => {
    if (message.cannedDescribe !== undefined) describeAnswer = Buffer.from(message.cannedDescribe);
    process.send!({ ready: true });
  });
  const server = createServer((req, res) => {
    req.on('data', () => undefined);
    req.on('end', () => {
      const body = req.url === '/v1/describejobs' ? describeAnswer : submitAnswer;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
}

/** Starts the floor server, answering DescribeJobs with `cannedDescribe`. */
function startFloor(cannedDescribe: string): Promise<{ endpoint: Endpoint; child: ChildProcess }> {
  const child = fork(__filename, ['--floor'], { ...TS_NODE, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let url = '';
    child.on('message', (message: { port?: number; ready?: boolean }) => {
      if (message.port !== undefined) {
        url = `http://127.0.0.1:${message.port}`;
        child.send({ cannedDescribe });
      }
      if (message.ready) resolve({ endpoint: { name: 'floor', url, pid: child.pid! }, child });
    });
    child.once('exit', (code) => reject(new Error(`the floor server exited with ${code} before listening`)));
  });
}

/** The local server's answer to one DescribeJobs of 100 of its jobs, as the floor server replays it. */
async function recordDescribeAnswer(endpoint: string, jobIds: string[]): Promise<string> {
  const client = sdkClient(endpoint);
  try {
    const out = await client.send(new DescribeJobsCommand({ jobs: jobIds.slice(0, DESCRIBE_BATCH) }));
    return JSON.stringify({ jobs: out.jobs });
  } finally {
    client.destroy();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'batchkit-server-cpu-'));
  const moto = await startMoto();
  let local: { endpoint: Endpoint; child: ChildProcess } | undefined;
  let floor: { endpoint: Endpoint; child: ChildProcess } | undefined;
  try {
    local = await startLocalServe(dataDir);
    const serviceRole = await createMotoServiceRole(moto.url);
    await createResources(local.endpoint.url, serviceRole);
    await createResources(moto.url, serviceRole);
    const localJobIds: string[] = [];
    const ours = await measureEndpoint(local.endpoint, localJobIds);
    const theirs = await measureEndpoint({ name: 'moto_server', url: moto.url, pid: moto.pid });
    floor = await startFloor(await recordDescribeAnswer(local.endpoint.url, localJobIds));
    const bare = await measureEndpoint(floor.endpoint);
    report(ours, theirs, bare);
  } finally {
    if (local) await stopChild(local.child);
    if (floor) await stopChild(floor.child);
    await moto.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function report(oursCpu: Record<Phase, PhaseCpu>, theirsCpu: Record<Phase, PhaseCpu>, bareCpu: Record<Phase, PhaseCpu>): void {
  const perCall = (cpu: Record<Phase, PhaseCpu>) => Object.fromEntries(Object.entries(cpu).map(([phase, { perCall: value }]) => [phase, value])) as Record<Phase, number>;
  const [ours, theirs, bare] = [perCall(oursCpu), perCall(theirsCpu), perCall(bareCpu)];
  console.log(`server CPU per call (user + system from /proc, us): ${SUBMITS} SubmitJob and ${DESCRIBES} DescribeJobs of ${DESCRIBE_BATCH} ids per phase,`
    + ` through @aws-sdk/client-batch; local: batchkit local serve (data dir on disk, process launcher, SigV4 verified, ENABLED compute environment, jobs run \`true\`)`);
  console.log('floor: a bare Node http server answering a fixed body (DescribeJobs: the local server\'s recorded answer), no jobs; no server can spend less per call here');
  console.log('local helper: the part of the local server\'s figure spent by its launcher\'s helper process (starting and reaping the jobs)');
  console.log(`${'phase'.padEnd(32)} ${'local server'.padStart(13)} ${'local helper'.padStart(13)} ${'moto_server'.padStart(12)} ${'floor'.padStart(8)} ${'moto / local'.padStart(13)}`);
  const phases = Object.keys(ours) as Phase[];
  for (const phase of phases) {
    console.log(`${phase.padEnd(32)} ${ours[phase].toFixed(0).padStart(13)} ${oursCpu[phase].childrenPerCall.toFixed(0).padStart(13)} ${theirs[phase].toFixed(0).padStart(12)}`
      + ` ${bare[phase].toFixed(0).padStart(8)} ${(theirs[phase] / ours[phase]).toFixed(1).padStart(12)}x`);
  }
  printBenchJson('server-cpu', [
    ...phases.map((phase) => ({
      name: `server CPU per ${phase}`, value: Math.round(ours[phase]), unit: 'us', baseline: { name: 'moto_server', value: Math.round(theirs[phase]) }, better: 'lower' as const,
    })),
    ...phases.map((phase) => ({
      name: `server CPU per ${phase}, against the HTTP floor`, value: Math.round(ours[phase]), unit: 'us', baseline: { name: 'bare Node http server', value: Math.round(bare[phase]) },
    })),
  ]);
}

if (process.argv[2] === '--serve') {
  void runServe(process.argv[3]);
} else if (process.argv[2] === '--floor') {
  runFloor();
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
