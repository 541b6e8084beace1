/**
 * API calls to track a 5,000-job workflow (a gate, 2,999 single jobs and a 2,000-child array)
 * on the local engine, against one-DescribeJobs-per-job polling, in the same run.
 *
 * batchkit's calls are counted at the server. The baseline is what a per-job poller (the
 * Metaflow/Snakemake way) makes at the same poll instants: one call per job still open, each
 * array child being a job of its own; it is computed from the same observations (the open
 * singles, and the open children from the array's statusSummary) rather than sent, because
 * sending tens of thousands of calls would slow the very engine being measured. A third figure
 * is Nextflow's: 100 ids per call, every child id listed.
 *
 * Run: `npm run build && node dist/bench/tracking.js`
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CreateComputeEnvironmentCommand, CreateJobQueueCommand, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { BatchApi } from '../runtime/model/batch-api';
import { startBatchServer } from '../runtime/server/server';
import { createWorkflowBatchClient, defineWorkflow, Journal, RunEvent, startRun, StepDefinition } from '../runtime/workflow';
import { BenchFigure, printBenchJson } from './bench-json';

const SINGLE_JOBS = 2999;
const ARRAY_SIZE = 2000;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-bench-'));
  const engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'engine'), hostCapacity: { vcpus: 64, memoryMiB: 64 * 1024 } });
  let describeCalls = 0;
  const counted: BatchApi = Object.assign(Object.create(engine), {
    describeJobs: (input: Parameters<BatchApi['describeJobs']>[0]) => {
      describeCalls++;
      return engine.describeJobs(input);
    },
  });
  const server = await startBatchServer({ api: counted, port: 0 });
  const client = createWorkflowBatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  try {
    await createQueue(client);
    // The gate holds every job until submission is over, so tracking sees the whole run move.
    const gateFile = path.join(dir, 'submitted');
    const singles: Record<string, StepDefinition> = Object.fromEntries(Array.from({ length: SINGLE_JOBS }, (_, i) => [`job-${i}`, { dependsOn: ['gate'] }]));
    const workflow = defineWorkflow({
      name: 'bench',
      defaults: { jobQueue: 'bench', jobDefinition: 'bench-true' },
      steps: { gate: { command: ['sh', '-c', 'while [ ! -f "$1" ]; do sleep 0.1; done', 'gate', gateFile] }, ...singles, children: { arraySize: ARRAY_SIZE, dependsOn: ['gate'] } },
    });
    const journalDir = path.join(dir, 'journal');
    let perJobBaseline = 0;
    let hundredPerCallBaseline = 0;
    let polls = 0;
    let journal: Journal | undefined;
    const run = await startRun(workflow, {
      client, journalDir, submitsPerSecond: 100_000, submitConcurrency: 16, poll: { minIntervalMs: 1000, maxIntervalMs: 5000 },
      onEvent: (event: RunEvent) => {
        if (event.type !== 'poll') {
          return;
        }
        // What was open when this poll started: the previous poll's view, from the journal.
        polls++;
        journal ??= Journal.open(journalDir);
        const open = openJobsBefore(journal, event.runId);
        perJobBaseline += open;
        hundredPerCallBaseline += Math.ceil(open / 100);
      },
    });
    const submittedAt = Date.now();
    await run.submitted;
    const submitSeconds = (Date.now() - submittedAt) / 1000;
    fs.writeFileSync(gateFile, '');
    const beforeTracking = describeCalls;
    lastView.clear();
    const report = await run.wait();
    run.close();
    journal?.close();
    const batchkitCalls = describeCalls - beforeTracking;
    console.log(`run ${report.status}: ${SINGLE_JOBS + 1} single jobs + a ${ARRAY_SIZE}-child array; submitted in ${submitSeconds.toFixed(1)} s, done after ${((Date.now() - submittedAt) / 1000).toFixed(1)} s; ${polls} polls`);
    console.log(`batchkit tracker: ${batchkitCalls} DescribeJobs calls (counted at the server)`);
    console.log(`one call per open job: ${perJobBaseline} calls -> ${(perJobBaseline / batchkitCalls).toFixed(1)}x more`);
    console.log(`100 ids per call, every child listed: ${hundredPerCallBaseline} calls -> ${(hundredPerCallBaseline / batchkitCalls).toFixed(1)}x more`);
    const against = (baselineName: string, baselineCalls: number): BenchFigure => ({
      name: 'DescribeJobs calls to track the run', value: batchkitCalls, unit: 'calls', baseline: { name: baselineName, value: baselineCalls }, better: 'lower',
    });
    printBenchJson('tracking', [
      against('one describe per job per poll', perJobBaseline),
      against('100 ids per call, every array child listed', hundredPerCallBaseline),
    ]);
  } finally {
    client.destroy();
    await server.close();
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Open jobs per step as of the previous poll (array children counted one by one). */
const lastView = new Map<string, number>();

function openJobsBefore(journal: Journal, runId: string): number {
  let before = 0;
  for (const job of journal.jobs(runId).filter((j) => j.kind === 'step')) {
    before += lastView.get(job.key) ?? (job.arraySize ?? (job.step === 'children' ? ARRAY_SIZE : 1));
    const done = job.status === 'SUCCEEDED' || job.status === 'FAILED';
    const openChildren = job.statusSummary
      ? Object.entries(job.statusSummary).filter(([s]) => s !== 'SUCCEEDED' && s !== 'FAILED').reduce((n, [, c]) => n + c, 0)
      : undefined;
    lastView.set(job.key, done ? 0 : openChildren ?? 1);
  }
  return before;
}

async function createQueue(client: ReturnType<typeof createWorkflowBatchClient>): Promise<void> {
  await client.send(new CreateComputeEnvironmentCommand({
    computeEnvironmentName: 'bench', type: 'MANAGED', state: 'ENABLED',
    computeResources: { type: 'EC2', maxvCpus: 64, minvCpus: 0, instanceTypes: ['optimal'], subnets: ['subnet-1'], instanceRole: 'ecsInstanceRole' },
  }));
  await client.send(new CreateJobQueueCommand({ jobQueueName: 'bench', priority: 1, state: 'ENABLED', computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'bench' }] }));
  await client.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'bench-true', type: 'container',
    containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
