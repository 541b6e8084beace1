/**
 * Fuzzing `batchkit local serve` (the built CLI, in its own process so a crash shows): 1,200
 * seeded malformed or hostile requests, 8 in flight; every one gets a 4xx with AWS's error
 * shape, none hangs, the process stays up, and valid SDK requests keep succeeding meanwhile.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { createInterface } from 'readline';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand,
} from '@aws-sdk/client-batch';
import type { LocalServeReady } from '../../runtime/cli/commands/local-serve';
import { FUZZ_CATEGORIES, FuzzCase, generateFuzzCases } from './fuzz-cases';
import { seededRandom } from './seeded-random';

const ROOT = path.join(__dirname, '..', '..');
const CASES = 1200;
const IN_FLIGHT = 8;
const VALID_EVERY = 40;

let dir: string;
let server: ChildProcess;
let endpoint: URL;
let client: BatchClient;

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'runtime', 'cli', 'main.js'))) {
    throw new Error('dist/runtime/cli/main.js is missing: run `npm run build` before these tests (npm test does)');
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-fuzz-'));
  server = spawn(process.execPath, [path.join(ROOT, 'bin', 'batchkit.js'), 'local', 'serve', '--port', '0', '--json', '--data-dir', path.join(dir, 'data')], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  const ready = await new Promise<LocalServeReady>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('local serve printed no endpoint within 20 s')), 20_000);
    createInterface({ input: server.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as LocalServeReady);
    });
  });
  endpoint = new URL(ready.endpoint);
  client = new BatchClient({ endpoint: ready.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // A disabled compute environment: valid jobs are accepted and stay RUNNABLE, no process runs.
  await client.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'ce', type: 'UNMANAGED', state: 'DISABLED' }));
  await client.send(new CreateJobQueueCommand({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
  await client.send(new RegisterJobDefinitionCommand({ jobDefinitionName: 'd', type: 'container', containerProperties: { command: ['true'], vcpus: 1, memory: 128 } }));
});

afterAll(async () => {
  client?.destroy();
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Answer {
  readonly status: number;
  readonly errorTypeHeader?: string;
  readonly body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });

/** Sends one case raw (no SDK: the SDK would refuse to build most of them). */
function send(fuzzCase: FuzzCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request({
      agent, host: endpoint.hostname, port: endpoint.port, method: fuzzCase.method, path: fuzzCase.path,
      // An explicit length for every method: without one, Node sends a GET's body unframed.
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(fuzzCase.body) }, timeout: 10_000,
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({
        status: response.statusCode ?? 0, errorTypeHeader: response.headers['x-amzn-errortype'] as string | undefined, body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within 10 s to ${fuzzCase.method} ${fuzzCase.path.slice(0, 80)}`)));
    request.on('error', reject);
    request.end(fuzzCase.body);
  });
}

/** Why an answer is not a 4xx in AWS's error shape, or undefined when it is. */
function shapeProblem(answer: Answer): string | undefined {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  let body: { __type?: unknown; message?: unknown };
  try {
    body = JSON.parse(answer.body) as typeof body;
  } catch {
    return `body is not JSON: ${answer.body.slice(0, 80)}`;
  }
  if (typeof body.__type !== 'string' || typeof body.message !== 'string' || body.message === '') return `body lacks __type/message: ${answer.body.slice(0, 80)}`;
  if (answer.errorTypeHeader !== body.__type) return `x-amzn-errortype ${answer.errorTypeHeader} differs from __type ${body.__type}`;
  return undefined;
}

describe('fuzzing the local server', () => {
  test(`answers ${CASES} malformed or hostile requests with 4xx in AWS's error shape, and keeps serving valid ones`, async () => {
    // GIVEN
    const cases = generateFuzzCases(seededRandom(1234), CASES);
    const problems: string[] = [];
    const errorTypes: Record<string, Record<string, number>> = {};
    let validServed = 0;
    // WHEN: workers take cases in order; every VALID_EVERY cases one of them submits and describes a real job
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const fuzzCase = cases[index];
        const answer = await send(fuzzCase).catch((err: Error) => ({ status: 0, body: err.message } as Answer));
        const problem = shapeProblem(answer);
        if (problem) problems.push(`#${index} ${fuzzCase.category} ${fuzzCase.method} ${fuzzCase.path.slice(0, 60)} ${String(fuzzCase.body).slice(0, 60)}: ${problem}`);
        const type = answer.errorTypeHeader ?? `HTTP ${answer.status}`;
        errorTypes[fuzzCase.category] = { ...errorTypes[fuzzCase.category], [type]: (errorTypes[fuzzCase.category]?.[type] ?? 0) + 1 };
        if (index % VALID_EVERY === 0) {
          const { jobId } = await client.send(new SubmitJobCommand({ jobName: `valid-${index}`, jobQueue: 'q', jobDefinition: 'd' }));
          const { jobs } = await client.send(new DescribeJobsCommand({ jobs: [jobId!] }));
          if (jobs?.[0]?.jobId === jobId) validServed++;
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    // THEN
    expect(problems).toEqual([]);
    expect(Object.keys(errorTypes).sort()).toEqual([...FUZZ_CATEGORIES].sort());
    expect(validServed).toBe(CASES / VALID_EVERY);
    expect({ exitCode: server.exitCode, signal: server.signalCode }).toEqual({ exitCode: null, signal: null });
    process.stdout.write(`fuzz: ${CASES} cases, ${validServed} valid submit+describe pairs served meanwhile; answers by category: ${JSON.stringify(errorTypes)}\n`);
  }, 120_000);
});
