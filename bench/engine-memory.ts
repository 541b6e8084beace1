/**
 * Memory of the local engine holding 100,000 jobs: ten arrays of 10,000 children, admitted and
 * RUNNABLE on a queue whose compute environment is disabled (so none runs). Prints the process
 * RSS before opening the engine and with the jobs held (target: under 300 MB), and the heap.
 *
 * Run: `npx ts-node --swc bench/engine-memory.ts` (add `--data-dir` for SQLite on disk; run node
 * with `--expose-gc` for figures after a full collection).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { printBenchJson } from './bench-json';

const ARRAYS = 10;
const ARRAY_SIZE = 10_000;
const MIB = 1024 * 1024;

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Prints the process memory now, and returns the RSS as printed, in whole MB. */
function printMemory(label: string): number {
  collectGarbage();
  const usage = process.memoryUsage();
  const rssMb = Math.round(usage.rss / MIB);
  console.log(`${label.padEnd(24)} rss ${String(rssMb).padStart(4)} MB, heap used ${(usage.heapUsed / MIB).toFixed(0).padStart(4)} MB`);
  return rssMb;
}

async function main(): Promise<void> {
  const onDisk = process.argv.includes('--data-dir');
  const dataDir = onDisk ? fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-memory-')) : undefined;
  const rssBeforeMb = printMemory('before the engine:');
  const engine = await LocalBatchEngine.open({ dataDir });
  try {
    await engine.createComputeEnvironment({ computeEnvironmentName: 'held', type: 'UNMANAGED', state: 'DISABLED' });
    await engine.createJobQueue({ jobQueueName: 'held', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'held' }] });
    await engine.registerJobDefinition({ jobDefinitionName: 'noop', type: 'container', containerProperties: { image: 'busybox', command: ['true'], vcpus: 1, memory: 128 } });
    const parents: string[] = [];
    const started = Date.now();
    for (let index = 0; index < ARRAYS; index++) {
      const { jobId } = await engine.submitJob({ jobName: `held-${index}`, jobQueue: 'held', jobDefinition: 'noop', arrayProperties: { size: ARRAY_SIZE } });
      parents.push(jobId!);
    }
    let runnable = 0;
    for (let attempt = 0; attempt < 1000 && runnable < ARRAYS * ARRAY_SIZE; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const { jobs } = await engine.describeJobs({ jobs: parents });
      runnable = jobs!.reduce((sum, job) => sum + (job.arrayProperties?.statusSummary?.RUNNABLE ?? 0), 0);
    }
    if (runnable !== ARRAYS * ARRAY_SIZE) {
      throw new Error(`only ${runnable} of ${ARRAYS * ARRAY_SIZE} children became RUNNABLE`);
    }
    console.log(`submitted and admitted ${runnable} jobs in ${Date.now() - started} ms (state: ${onDisk ? 'SQLite on disk' : 'SQLite in memory'})`);
    const heldJobs = (ARRAYS * ARRAY_SIZE).toLocaleString('en-US');
    const rssHoldingMb = printMemory(`holding ${heldJobs} jobs:`);
    console.log('target: rss under 300 MB');
    printBenchJson('engine-memory', [{
      name: `resident memory holding ${heldJobs} jobs`, value: rssHoldingMb, unit: 'MB',
      // A floor, not a competitor: no better or worse.
      baseline: { name: 'the same process before opening the engine', value: rssBeforeMb },
    }]);
  } finally {
    await engine.close();
    if (dataDir) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

void main();
