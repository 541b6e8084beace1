/**
 * Dispatch overhead of the local engine with the container launcher: 200 jobs running `true` in
 * the busybox image the example app builds on, through the engine (capacity: this host's cores,
 * 1 vCPU per job, so as many containers at once as cores), against the same 200 containers run
 * by `xargs -P <cores> <cli> run --rm` with the same resource flags, in the same run. Both use
 * the runtime's default network, as the engine does unless told otherwise. Prints both times and
 * the ratio (target: at most 1.15x).
 *
 * Needs docker or podman (the engine's search: BATCHKIT_CONTAINER_CLI, else docker, then podman)
 * and the image present locally: the bench never pulls (`.ci/run` seeds it offline).
 *
 * Run: `npx ts-node --swc bench/container-dispatch.ts`
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { findContainerCli, type ContainerCli } from '../runtime/engine/container-cli';
import { LocalBatchEngine } from '../runtime/engine/engine';
import { JOIN_JOB_IMAGE } from '../runtime/model/join-jobs';
import { printBenchJson } from './bench-json';

const JOBS = 200;
const IMAGE = JOIN_JOB_IMAGE;
const MEMORY_MIB = 64;
const cores = os.cpus().length;

/** The resource flags the engine gives a 1-vCPU, 64 MiB job on an EC2-platform compute environment. */
const RESOURCE_FLAGS = ['--cpu-shares', '1024', '--memory', `${MEMORY_MIB}m`, '--memory-swap', `${MEMORY_MIB}m`];

function timeDirect(cli: ContainerCli): number {
  const started = performance.now();
  const input = Array.from({ length: JOBS }, (_, index) => `batchkit-bench-${process.pid}-${index}`).join('\n');
  const result = spawnSync('xargs', ['-P', String(cores), '-I{}', cli.command, 'run', '--rm', '--name', '{}', ...RESOURCE_FLAGS, IMAGE, 'true'], { input, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`xargs ${cli.command} run failed with status ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return performance.now() - started;
}

async function timeEngine(cli: ContainerCli, dataDir: string): Promise<number> {
  const engine = await LocalBatchEngine.open({ dataDir, launcher: 'container', containers: { cli: cli.command }, hostCapacity: { vcpus: cores, memoryMiB: 64 * 1024 } });
  try {
    await engine.createComputeEnvironment({ computeEnvironmentName: 'local', type: 'UNMANAGED' });
    await engine.createJobQueue({ jobQueueName: 'bench', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'local' }] });
    await engine.registerJobDefinition({
      jobDefinitionName: 'true', type: 'container',
      containerProperties: { image: IMAGE, command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: String(MEMORY_MIB) }] },
    });
    let finished = 0;
    const failures: string[] = [];
    let done: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    engine.subscribe((event) => {
      const detail = event.detail as { status?: string; statusReason?: string };
      if (detail.status === 'SUCCEEDED' || detail.status === 'FAILED') {
        finished++;
        if (detail.status === 'FAILED') failures.push(detail.statusReason ?? 'no reason');
        if (finished === JOBS) done();
      }
    });
    const started = performance.now();
    for (let index = 0; index < JOBS; index++) {
      await engine.submitJob({ jobName: `true-${index}`, jobQueue: 'bench', jobDefinition: 'true' });
    }
    await allDone;
    const elapsed = performance.now() - started;
    if (failures.length > 0) {
      throw new Error(`${failures.length} of ${JOBS} jobs failed (first: ${failures[0]}): the figures would be meaningless`);
    }
    return elapsed;
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const found = await findContainerCli();
  if ('failures' in found) {
    throw new Error(`no container runtime answers: ${found.failures.join('; ')}; the bench needs docker or podman`);
  }
  const { cli } = found;
  if (spawnSync(cli.command, ['image', 'inspect', '--format', '{{.Id}}', IMAGE]).status !== 0) {
    throw new Error(`image ${IMAGE} is not present in ${cli.kind}'s local storage; pull it (or seed it offline, as .ci/run does) and run again`);
  }
  const root = path.join(__dirname, '..', '.batchkit', 'bench');
  fs.mkdirSync(root, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(root, 'container-dispatch-'));
  console.log(`containers: ${JOBS} per run, ${cores} at a time, via ${cli.kind} ${cli.version}, image ${IMAGE}, default network`);
  try {
    // One container first, so neither side pays for a cold image or runtime cache.
    spawnSync(cli.command, ['run', '--rm', IMAGE, 'true']);
    const directMs = timeDirect(cli);
    console.log(`xargs -P ${cores} ${cli.kind} run --rm: ${directMs.toFixed(0)} ms (${(directMs / JOBS).toFixed(0)} ms per container)`);
    const engineMs = await timeEngine(cli, dataDir);
    console.log(`local engine, container launcher: ${engineMs.toFixed(0)} ms (${(engineMs / JOBS).toFixed(0)} ms per job)`);
    const ratio = engineMs / directMs;
    console.log(`ratio engine / ${cli.kind} run: ${ratio.toFixed(2)}x (target <= 1.15x) ${ratio <= 1.15 ? 'ok' : 'MISSED'}`);
    printBenchJson('container-dispatch', [{
      name: `time to run ${JOBS} short containers`, value: Math.round(engineMs), unit: 'ms',
      baseline: { name: `${cli.kind} run --rm, xargs -P <cores>`, value: Math.round(directMs) }, better: 'lower',
    }]);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`container-dispatch: ${error.message}`);
  process.exitCode = 1;
});
