/**
 * `batchkit local serve --vcpus/--memory/--gpus` sets what each compute environment offers, so a
 * job larger than this machine (a 3-node multi-node job of 1 vCPU per node on 2 cores) can run.
 * Runs the built CLI (`bin/batchkit.js`, which runs `dist/`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, DescribeJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, type JobDetail,
} from '@aws-sdk/client-batch';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'batchkit.js');
let tempDir: string;

beforeAll(() => {
  tempDir = mkdtempSync(join(tmpdir(), 'batchkit-serve-capacity-'));
});

afterAll(() => {
  rmSync(tempDir, { recursive: true, force: true });
});

/** Starts `local serve --json` with `args`; resolves to its endpoint and a stop function resolving to the exit code. */
async function serve(args: string[]): Promise<{ endpoint: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0', '--json', '--launcher', 'process', ...args], { cwd: tempDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const firstLine = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    void exit.then((code) => resolve(`<exited with ${code}: ${stderr}>`));
  });
  if (!firstLine.startsWith('{')) throw new Error(firstLine);
  return { endpoint: (JSON.parse(firstLine) as { endpoint: string }).endpoint, stop: () => { child.kill('SIGTERM'); return exit; } };
}

async function runThreeNodeJob(client: BatchClient, statuses: string[]): Promise<JobDetail> {
  await client.send(new CreateComputeEnvironmentCommand({
    computeEnvironmentName: 'ce', type: 'MANAGED',
    computeResources: { type: 'EC2', maxvCpus: 16, minvCpus: 0, subnets: ['subnet-1'], instanceRole: 'ecsInstanceRole', instanceTypes: ['optimal'] },
  }));
  await client.send(new CreateJobQueueCommand({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] }));
  await client.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'three-nodes', type: 'multinode',
    nodeProperties: {
      numNodes: 3, mainNode: 0,
      nodeRangeProperties: [{ targetNodes: '0:2', container: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] } }],
    },
  }));
  const { jobId } = await client.send(new SubmitJobCommand({ jobName: 'mnp', jobQueue: 'q', jobDefinition: 'three-nodes' }));
  for (let i = 0; i < 1500; i++) {
    const detail = (await client.send(new DescribeJobsCommand({ jobs: [jobId!] }))).jobs![0];
    if (statuses.includes(detail.status!) && (detail.status !== 'RUNNABLE' || detail.statusReason)) return detail;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`job ${jobId} never reached ${statuses.join(' or ')}`);
}

function clientOf(endpoint: string): BatchClient {
  return new BatchClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

const onTwoCores = cpus().length < 3 ? test : test.skip;

test('a 3-node job of 1 vCPU per node runs with --vcpus 3', async () => {
  // GIVEN
  const server = await serve(['--vcpus', '3', '--memory', '1024', '--data-dir', join(tempDir, 'three')]);
  const client = clientOf(server.endpoint);
  try {
    // WHEN
    const detail = await runThreeNodeJob(client, ['SUCCEEDED', 'FAILED']);
    // THEN
    expect(detail).toMatchObject({ status: 'SUCCEEDED', nodeProperties: { numNodes: 3 } });
  } finally {
    client.destroy();
    expect(await server.stop()).toBe(0);
  }
});

onTwoCores('the same job can never start on this machine\'s own cores', async () => {
  // GIVEN
  const server = await serve(['--data-dir', join(tempDir, 'host')]);
  const client = clientOf(server.endpoint);
  try {
    // WHEN
    const detail = await runThreeNodeJob(client, ['RUNNABLE']);
    // THEN
    expect(detail.statusReason).toMatch(/^MISCONFIGURATION:/);
  } finally {
    client.destroy();
    expect(await server.stop()).toBe(0);
  }
});

test.each([
  [['--vcpus', '0'], /--vcpus must be a whole number above 0; got '0'/],
  [['--gpus', 'two'], /--gpus must be a whole number, 0 or more; got 'two'/],
])('fails with exit 2 for %j', async (args, message) => {
  // WHEN
  const child = spawn(process.execPath, [BIN, 'local', 'serve', '--port', '0', '--data-dir', join(tempDir, 'bad'), ...args], { cwd: tempDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // THEN
  expect(code).toBe(2);
  expect(stderr).toMatch(message);
});
