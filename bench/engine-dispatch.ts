/**
 * Dispatch overhead of the local engine: a 2,000-job graph of `true` (three arrays of 500, the
 * second N_TO_N on the first, the third waiting for the second, then 500 single jobs waiting for
 * the third) run through the engine, against the same 2,000 processes run by `xargs -P <cores>`,
 * in the same run, five rounds alternating the two. Prints each round and the median ratio
 * (target: at most 1.3x).
 *
 * Run: `npx ts-node --swc bench/engine-dispatch.ts` (add `--data-dir` to time the engine with its
 * SQLite file on disk instead of in memory; set `BATCHKIT_PROCESS_HELPER=perl` (or `sh`, `node`)
 * to time another process helper than the default).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { availableHelper } from '../runtime/engine/helper-programs';
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
  const engine = await LocalBatchEngine.open({ dataDir, hostCapacity: { vcpus: cores, memoryMiB: 64 * 1024 } });
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

async function main(): Promise<void> {
  const onDisk = process.argv.includes('--data-dir');
  const helper = availableHelper()?.name ?? 'none (Node spawn)';
  console.log(`processes: ${TOTAL_PROCESSES} per run (cores: ${cores}, engine state: ${onDisk ? 'SQLite on disk' : 'SQLite in memory'}, process helper: ${helper})`);
  timeXargs();
  const ratios: number[] = [];
  const xargsTimesMs: number[] = [];
  const engineTimesMs: number[] = [];
  // Data dirs are removed after the last round: on ext4 without a journal (these machines), an
  // inode allocation scans past recently deleted inodes, so removing a round's 6,000 files would
  // slow the next round's file creation and bill the bench's own clean-up to the engine.
  const dataDirs: string[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      const dataDir = onDisk ? fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-bench-')) : undefined;
      if (dataDir) {
        dataDirs.push(dataDir);
      }
      const xargsMs = timeXargs();
      const engineMs = await timeEngine(dataDir);
      ratios.push(engineMs / xargsMs);
      xargsTimesMs.push(xargsMs);
      engineTimesMs.push(engineMs);
      console.log(`round ${round}: xargs -P ${cores} ${xargsMs.toFixed(0)} ms, local engine ${engineMs.toFixed(0)} ms, ratio ${(engineMs / xargsMs).toFixed(2)}x`);
    }
  } finally {
    for (const dataDir of dataDirs) {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  console.log(`median ratio engine / xargs: ${median(ratios).toFixed(2)}x (target <= 1.3x)`);
  // The medians of each side's times, not the median ratio above: the report computes the ratio
  // itself, and the two medians may come from different rounds.
  printBenchJson('engine-dispatch', [{
    name: `time to run ${TOTAL_PROCESSES} short processes (median round)`, value: Math.round(median(engineTimesMs)), unit: 'ms',
    baseline: { name: 'raw process spawning (xargs -P <cores>)', value: Math.round(median(xargsTimesMs)) }, better: 'lower',
  }]);
}

void main();
