/**
 * API throughput: SubmitJob and DescribeJobs (100 ids a call, as pollers do) through
 * `@aws-sdk/client-batch` against the local server (in-memory engine) and against moto_server,
 * in the same run, with the same load: `--clients` processes, each running `--concurrency`
 * requests at a time. Prints requests/s for each and the ratio (target: local submits/s at
 * least 10x moto's).
 *
 * Both servers run in their own process (the local one as `batchkit local serve` runs it: a
 * forked copy of this script serving an in-memory engine). The SDK costs more CPU per request
 * than the local server does, so one client process measures the client rather than the server;
 * several client processes load the server the way several workflow runners or CLI users would.
 * A last phase sends the same SubmitJob requests on bare keep-alive HTTP connections, to show
 * what the servers themselves sustain without the SDK's cost on the client side. The CPU time
 * each server process and the client processes spend per SubmitJob (from /proc) is printed
 * too: rates move with whatever else the machine runs, CPU time per request hardly does.
 * Jobs go to a queue whose only compute environment is DISABLED, so they wait RUNNABLE and no
 * job process competes for the CPU; moto finishes every job at submit anyway.
 *
 * Run: `npx ts-node --swc bench/api-throughput.ts [--submits N] [--rounds R] [--clients K] [--concurrency C]`
 */
import { fork, type ChildProcess } from 'child_process';
import { readFileSync } from 'fs';
import * as http from 'http';
import * as os from 'os';
import { performance } from 'perf_hooks';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { startBatchServer } from '../runtime/server/server';
import { createMotoServiceRole, startMoto } from '../test/runtime/server/moto';
import { BenchFigure, printBenchJson } from './bench-json';

const SUBMITS = numberArg('--submits', 3000);
const ROUNDS = numberArg('--rounds', 3);
const CLIENTS = numberArg('--clients', 2);
const CONCURRENCY = numberArg('--concurrency', 8);
const DESCRIBE_BATCH = 100;
const DESCRIBE_CALLS = 100;
/**
 * Per client process, before any round. V8 optimizes the SDK's many small functions only after
 * a few thousand calls: with 50 warm-up calls the SDK spent about 490 us of CPU per SubmitJob in
 * the first rounds, against about 300 us once warm, and the bench measured the SDK's warm-up.
 */
const WARM_UP_SUBMITS = 2000;
const TS_NODE = { execArgv: ['-r', 'ts-node/register/transpile-only'], env: { ...process.env, TS_NODE_SWC: 'true' } };

interface Figures {
  readonly submitsPerSecond: number;
  readonly describesPerSecond: number;
  /** SubmitJob on bare HTTP connections, without the SDK's own cost. */
  readonly rawSubmitsPerSecond: number;
  /** CPU time the server process spent per SDK SubmitJob, in microseconds: unlike rates, load from elsewhere barely moves it. */
  readonly serverCpuPerSubmitUs: number;
  /** CPU time the client processes spent per SDK SubmitJob, in microseconds. */
  readonly clientCpuPerSubmitUs: number;
}

/** User plus system CPU seconds a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat(5); the split above starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

const CLOCK_TICKS_PER_SECOND = 100;

type ClientCommand = { phase: 'submit' | 'describe' | 'raw-submit'; count: number };

/**
 * For the raw phase: moto picks the service from the credential scope; neither server checks
 * the signature here (the local server's SigV4 verification is off by default).
 */
const RAW_AUTHORIZATION = 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/batch/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer; got '${process.argv[i + 1]}'`);
  return value;
}

function sdkClient(endpoint: string): BatchClient {
  return new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
}

/** Runs `count` calls, `CONCURRENCY` at a time. */
async function runConcurrently(count: number, call: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < count) await call(next++);
  }));
}

/** The same SubmitJob request as the SDK sends, on a bare keep-alive connection: what the server alone costs. */
function rawSubmit(endpoint: string, agent: http.Agent): Promise<void> {
  const body = JSON.stringify({ jobName: 'bench-raw', jobQueue: 'bench-q', jobDefinition: 'bench-jd' });
  return new Promise((resolve, reject) => {
    const request = http.request(`${endpoint}/v1/submitjob`, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: RAW_AUTHORIZATION, 'x-amz-date': '20260101T000000Z' },
    }, (response) => {
      response.resume();
      response.once('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`raw SubmitJob answered HTTP ${response.statusCode}`))));
    });
    request.once('error', reject);
    request.end(body);
  });
}

/** A client process: submits, then describes what it submitted, when the parent says so. */
function runClient(endpoint: string): void {
  const batch = sdkClient(endpoint);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const jobIds: string[] = [];
  const phases: Record<ClientCommand['phase'], (i: number) => Promise<unknown>> = {
    submit: async (i) => {
      jobIds.push((await batch.send(new SubmitJobCommand({ jobName: `bench-${i}`, jobQueue: 'bench-q', jobDefinition: 'bench-jd' }))).jobId!);
    },
    describe: async (i) => {
      const start = (i * DESCRIBE_BATCH) % Math.max(1, jobIds.length - DESCRIBE_BATCH);
      const out = await batch.send(new DescribeJobsCommand({ jobs: jobIds.slice(start, start + DESCRIBE_BATCH) }));
      if (out.jobs?.length !== DESCRIBE_BATCH) throw new Error(`DescribeJobs returned ${out.jobs?.length} of ${DESCRIBE_BATCH} jobs`);
    },
    'raw-submit': () => rawSubmit(endpoint, agent),
  };
  process.on('message', (command: ClientCommand) => {
    const work = runConcurrently(command.count, phases[command.phase]);
    work.then(() => process.send!('done'), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  process.once('disconnect', () => {
    batch.destroy();
    agent.destroy();
  });
  process.send!('ready');
}

/** Sends `command` to every client and resolves with the seconds until the last one is done. */
async function timePhase(clients: ChildProcess[], command: (share: number) => ClientCommand, total: number): Promise<number> {
  const started = performance.now();
  await Promise.all(clients.map((client, i) => new Promise<void>((resolve, reject) => {
    client.once('message', () => resolve());
    client.once('exit', (code) => reject(new Error(`a client process exited with ${code}`)));
    client.send(command(Math.floor(total / clients.length) + (i < total % clients.length ? 1 : 0)));
  })));
  return (performance.now() - started) / 1000;
}

async function createBenchResources(endpoint: string, serviceRole: string): Promise<void> {
  const batch = sdkClient(endpoint);
  try {
    await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'bench-ce', type: 'UNMANAGED', state: 'DISABLED', unmanagedvCpus: 1, serviceRole }));
    await batch.send(new CreateJobQueueCommand({ jobQueueName: 'bench-q', state: 'ENABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'bench-ce' }] }));
    await batch.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: 'bench-jd', type: 'container',
      containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
    }));
  } finally {
    batch.destroy();
  }
}

/** `CLIENTS` client processes aimed at one endpoint, kept for every round. */
async function startClients(endpoint: string): Promise<{ clients: ChildProcess[]; stop(): Promise<void> }> {
  const clients = Array.from({ length: CLIENTS }, () => fork(__filename, ['--client', endpoint], TS_NODE));
  await Promise.all(clients.map((c) => new Promise((resolve) => c.once('message', resolve))));
  await timePhase(clients, (count) => ({ phase: 'submit', count }), WARM_UP_SUBMITS * CLIENTS);
  const stop = () => Promise.all(clients.map((c) => new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.disconnect();
  }))).then(() => undefined);
  return { clients, stop };
}

async function measureRound(clients: ChildProcess[], serverPid: number): Promise<Figures> {
  const clientCpu = () => clients.reduce((sum, c) => sum + cpuSeconds(c.pid!), 0);
  const serverBefore = cpuSeconds(serverPid);
  const clientsBefore = clientCpu();
  const submitSeconds = await timePhase(clients, (count) => ({ phase: 'submit', count }), SUBMITS);
  const serverCpuPerSubmitUs = ((cpuSeconds(serverPid) - serverBefore) / SUBMITS) * 1e6;
  const clientCpuPerSubmitUs = ((clientCpu() - clientsBefore) / SUBMITS) * 1e6;
  const describeSeconds = await timePhase(clients, (count) => ({ phase: 'describe', count }), DESCRIBE_CALLS);
  const rawSeconds = await timePhase(clients, (count) => ({ phase: 'raw-submit', count }), SUBMITS);
  return {
    submitsPerSecond: SUBMITS / submitSeconds, describesPerSecond: DESCRIBE_CALLS / describeSeconds, rawSubmitsPerSecond: SUBMITS / rawSeconds,
    serverCpuPerSubmitUs, clientCpuPerSubmitUs,
  };
}

function best(a: Figures | undefined, b: Figures): Figures {
  if (!a) return b;
  return {
    submitsPerSecond: Math.max(a.submitsPerSecond, b.submitsPerSecond),
    describesPerSecond: Math.max(a.describesPerSecond, b.describesPerSecond),
    rawSubmitsPerSecond: Math.max(a.rawSubmitsPerSecond, b.rawSubmitsPerSecond),
    serverCpuPerSubmitUs: Math.min(a.serverCpuPerSubmitUs, b.serverCpuPerSubmitUs),
    clientCpuPerSubmitUs: Math.min(a.clientCpuPerSubmitUs, b.clientCpuPerSubmitUs),
  };
}

/** The forked server process: an in-memory engine behind the server; stops on disconnect. */
async function runServer(): Promise<void> {
  const engine = await LocalBatchEngine.open({});
  const server = await startBatchServer({ api: engine });
  process.send!({ url: server.url });
  process.once('disconnect', () => {
    void server.close().then(() => engine.close());
  });
}

function startServerProcess(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = fork(__filename, ['--serve'], TS_NODE);
  const stop = () => new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.disconnect();
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve({ url: message.url, pid: child.pid!, stop }));
    child.once('exit', (code) => reject(new Error(`the server process exited with ${code} before listening`)));
  });
}

async function main(): Promise<void> {
  const moto = await startMoto();
  const local = await startServerProcess();
  const stops: Array<() => Promise<void>> = [() => moto.stop(), () => local.stop()];
  try {
    const serviceRole = await createMotoServiceRole(moto.url);
    await createBenchResources(local.url, serviceRole);
    await createBenchResources(moto.url, serviceRole);
    const localClients = await startClients(local.url);
    stops.unshift(localClients.stop);
    const motoClients = await startClients(moto.url);
    stops.unshift(motoClients.stop);
    let ours: Figures | undefined;
    let theirs: Figures | undefined;
    // Rounds alternate between the servers and each keeps its best: load from elsewhere on the
    // machine then slows both alike instead of whichever happened to run at the time.
    for (let round = 0; round < ROUNDS; round++) {
      ours = best(ours, await measureRound(localClients.clients, local.pid));
      theirs = best(theirs, await measureRound(motoClients.clients, moto.pid));
    }
    report(ours!, theirs!);
  } finally {
    for (const stop of stops) await stop();
  }
}

function report(ours: Figures, theirs: Figures): void {
  const row = (name: string, f: Figures) => `${name.padEnd(14)} ${f.submitsPerSecond.toFixed(0).padStart(10)} ${f.describesPerSecond.toFixed(0).padStart(12)} ${f.rawSubmitsPerSecond.toFixed(0).padStart(22)}`
    + ` ${f.serverCpuPerSubmitUs.toFixed(0).padStart(18)} ${f.clientCpuPerSubmitUs.toFixed(0).padStart(18)}`;
  console.log(`API throughput through @aws-sdk/client-batch: ${SUBMITS} SubmitJob, ${DESCRIBE_CALLS} DescribeJobs of ${DESCRIBE_BATCH} ids per round, best of ${ROUNDS} alternating rounds; ${CLIENTS} client processes x ${CONCURRENCY} concurrent requests`);
  console.log(`${'endpoint'.padEnd(14)} ${'submits/s'.padStart(10)} ${'describes/s'.padStart(12)} ${'bare-HTTP submits/s'.padStart(22)} ${'server CPU/submit'.padStart(18)} ${'SDK CPU/submit'.padStart(18)}`);
  console.log(row('local server', ours));
  console.log(row('moto_server', theirs));
  const submitRatio = ours.submitsPerSecond / theirs.submitsPerSecond;
  const describeRatio = ours.describesPerSecond / theirs.describesPerSecond;
  const rawRatio = ours.rawSubmitsPerSecond / theirs.rawSubmitsPerSecond;
  console.log(`ratio local/moto through the SDK: SubmitJob ${submitRatio.toFixed(1)}x (target >= 10x: ${submitRatio >= 10 ? 'met' : 'NOT met'}), DescribeJobs ${describeRatio.toFixed(1)}x`);
  console.log(`ratio local/moto on bare HTTP (server cost only): SubmitJob ${rawRatio.toFixed(1)}x`);
  console.log(`server CPU per SubmitJob (us): local ${ours.serverCpuPerSubmitUs.toFixed(0)}, moto ${theirs.serverCpuPerSubmitUs.toFixed(0)}: moto spends ${(theirs.serverCpuPerSubmitUs / ours.serverCpuPerSubmitUs).toFixed(1)}x as much; the SDK client spends ${ours.clientCpuPerSubmitUs.toFixed(0)} us per call`);
  // Client and server share the machine's cores: together they cannot do more SubmitJobs a second
  // than the cores' microseconds divided by the client's and the server's CPU per call.
  const cores = os.cpus().length;
  const localCeiling = (cores * 1e6) / (ours.clientCpuPerSubmitUs + ours.serverCpuPerSubmitUs);
  console.log(`ceiling on this machine (${cores} cores / (SDK + server CPU per call)): local ${localCeiling.toFixed(0)} SubmitJob/s, `
    + `${(localCeiling / theirs.submitsPerSecond).toFixed(1)}x moto's measured rate; the local server alone would take ${((cores * 1e6) / ours.serverCpuPerSubmitUs).toFixed(0)}/s`);
  const rate = (name: string, perSecond: (f: Figures) => number): BenchFigure => ({
    name, value: Math.round(perSecond(ours)), unit: '/s', baseline: { name: 'moto_server', value: Math.round(perSecond(theirs)) }, better: 'higher',
  });
  printBenchJson('api-throughput', [
    rate('SubmitJob/s through the SDK', (f) => f.submitsPerSecond),
    rate('DescribeJobs/s through the SDK', (f) => f.describesPerSecond),
    rate('SubmitJob/s on bare HTTP', (f) => f.rawSubmitsPerSecond),
  ]);
}

if (process.argv.includes('--serve')) {
  void runServer();
} else if (process.argv.includes('--client')) {
  runClient(process.argv[process.argv.indexOf('--client') + 1]);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
