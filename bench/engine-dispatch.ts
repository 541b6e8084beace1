/**
 * Dispatch overhead of the local engine with the process launcher: a 2,000-job graph of `true`
 * (three arrays of 500, the second N_TO_N on the first, the third waiting for the second, then
 * 500 single jobs waiting for the third) run through the engine, against the same 2,000
 * processes run by `xargs -P <cores>`, in the same run, five rounds alternating them. The
 * headline engine is configured as the CLI runs it: a data directory on the repository's disk
 * (SQLite file, attempt logs and work dirs there, under .batchkit/bench/); the second figure is
 * an engine without a data directory (SQLite in memory, attempt files on /dev/shm). Prints each
 * round and the median ratios (target: at most 1.3x).
 *
 * Run: `npx ts-node --swc bench/engine-dispatch.ts` (set `BATCHKIT_PROCESS_HELPER=node` to time
 * Node's spawn instead of the native process helper).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { hostLauncherPlan } from '../runtime/engine/host-launcher';
import { printBenchJson } from './bench-json';

const ARRAY_SIZE = 500;
const SINGLE_JOBS = 500;
const TOTAL_PROCESSES = 3 * ARRAY_SIZE + SINGLE_JOBS;
const cores = os.cpus().length;

function timeXargs(): number {
  const started = performance.now();
  const input = Array.from({ length: TOTAL_PROCESSES }, (_, index) => String(index)).join('\n');
  const result = spawnSync('xargs', ['-P', String(cores), '-n', '1', 'true'], { input });
  if (result.status !== 0) {
    throw new Error(`xargs failed with status ${result.status}: ${result.stderr.toString()}`);
  }
  return performance.now() - started;
}

async function timeEngine(dataDir: string | undefined): Promise<number> {
  const engine = await LocalBatchEngine.open({ dataDir, launcher: 'process', hostCapacity: { vcpus: cores, memoryMiB: 64 * 1024 } });
  try {
    await engine.createComputeEnvironment({ computeEnvironmentName: 'local', type: 'UNMANAGED' });
    await engine.createJobQueue({ jobQueueName: 'bench', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }] });
    await engine.registerJobDefinition({ jobDefinitionName: 'true', type: 'container', containerProperties: { command: ['true'], vcpus: 1, memory: 64 } });
    let finished = 0;
    let failed = 0;
    let done: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    engine.subscribe((event) => {
      const detail = event.detail as { status?: string; arrayProperties?: { index?: number } };
      const isProcess = detail.arrayProperties === undefined || detail.arrayProperties.index !== undefined;
      if (isProcess && (detail.status === 'SUCCEEDED' || detail.status === 'FAILED')) {
        finished++;
        failed += detail.status === 'FAILED' ? 1 : 0;
        if (finished === TOTAL_PROCESSES) {
          done();
        }
      }
    });
    const started = performance.now();
    const submit = (jobName: string, extra: object) => engine.submitJob({ jobName, jobQueue: 'bench', jobDefinition: 'true', ...extra });
    const first = await submit('first', { arrayProperties: { size: ARRAY_SIZE } });
    const second = await submit('second', { arrayProperties: { size: ARRAY_SIZE }, dependsOn: [{ jobId: first.jobId, type: 'N_TO_N' }] });
    const third = await submit('third', { arrayProperties: { size: ARRAY_SIZE }, dependsOn: [{ jobId: second.jobId }] });
    for (let index = 0; index < SINGLE_JOBS; index++) {
      await submit(`single-${index}`, { dependsOn: [{ jobId: third.jobId }] });
    }
    await allDone;
    const elapsed = performance.now() - started;
    if (failed > 0) {
      throw new Error(`${failed} of ${TOTAL_PROCESSES} jobs failed: the figures would be meaningless`);
    }
    return elapsed;
  } finally {
    await engine.close();
  }
}

/** Rounds alternate xargs and the engine, so load from other processes on the machine hits both alike. */
const ROUNDS = 5;

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Where on-disk rounds keep their data directories: the repository's disk, where the CLI's `.batchkit/local` lives. */
const ON_DISK_ROOT = path.join(__dirname, '..', '.batchkit', 'bench');

async function main(): Promise<void> {
  const helper = hostLauncherPlan().helperBinary === undefined ? 'none (Node spawn)' : 'native';
  fs.mkdirSync(ON_DISK_ROOT, { recursive: true });
  console.log(`processes: ${TOTAL_PROCESSES} per run (cores: ${cores}, process helper: ${helper}, on-disk data directories under ${path.relative(process.cwd(), ON_DISK_ROOT) || '.'})`);
  timeXargs();
  const xargsTimesMs: number[] = [];
  const onDiskTimesMs: number[] = [];
  const inMemoryTimesMs: number[] = [];
  // Data dirs are removed after the last round: on ext4 without a journal (these machines), an
  // inode allocation scans past recently deleted inodes, so removing a round's 6,000 files would
  // slow the next round's file creation and bill the bench's own clean-up to the engine.
  const dataDirs: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const dataDir = fs.mkdtempSync(path.join(ON_DISK_ROOT, 'engine-dispatch-'));
      dataDirs.push(dataDir);
      const xargsMs = timeXargs();
      const onDiskMs = await timeEngine(dataDir);
      const inMemoryMs = await timeEngine(undefined);
      xargsTimesMs.push(xargsMs);
      onDiskTimesMs.push(onDiskMs);
      inMemoryTimesMs.push(inMemoryMs);
      console.log(`round ${round}: xargs -P ${cores} ${xargsMs.toFixed(0)} ms, engine on disk ${onDiskMs.toFixed(0)} ms (${(onDiskMs / xargsMs).toFixed(2)}x), `
        + `engine in memory ${inMemoryMs.toFixed(0)} ms (${(inMemoryMs / xargsMs).toFixed(2)}x)`);
    }
  } finally {
    for (const dataDir of dataDirs) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const medianRatio = (times: readonly number[]) => median(times.map((ms, i) => ms / xargsTimesMs[i])).toFixed(2);
  console.log(`median ratio engine on disk / xargs: ${medianRatio(onDiskTimesMs)}x (target <= 1.3x)`);
  console.log(`median ratio engine in memory / xargs: ${medianRatio(inMemoryTimesMs)}x (target <= 1.3x)`);
  // The medians of each side's times, not the median ratios above: the report computes the ratio
  // itself, and the medians may come from different rounds.
  const baseline = { name: 'raw process spawning (xargs -P <cores>)', value: Math.round(median(xargsTimesMs)) };
  printBenchJson('engine-dispatch', [
    { name: `time to run ${TOTAL_PROCESSES} short processes, data directory on disk (median round)`, value: Math.round(median(onDiskTimesMs)), unit: 'ms', baseline, better: 'lower' },
    { name: `time to run ${TOTAL_PROCESSES} short processes, no data directory (median round)`, value: Math.round(median(inMemoryTimesMs)), unit: 'ms', baseline, better: 'lower' },
  ]);
}

void main();
