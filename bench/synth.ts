/**
 * Synth time and resource count of 10 queues, 10 compute environments and 300 job
 * definitions, declared with batchkit and with the plain aws-cdk-lib/aws-batch L2, in one run.
 * Targets: batchkit synthesizes within 1.2x of the L2's time with at least 2x fewer resources.
 *
 * Run: npx ts-node --swc bench/synth.ts [rounds]
 */
import { performance } from 'perf_hooks';
import { printBenchJson } from './bench-json';
import { SetupSize, batchkitSetup, plainL2Setup, resourceCount } from './synth-setups';

const SIZE: SetupSize = { computeEnvironments: 10, queues: 10, jobDefinitions: 300 };

function timeSynth(build: (size: SetupSize) => ReturnType<typeof batchkitSetup>): { ms: number; resources: number } {
  const start = performance.now();
  const setup = build(SIZE);
  const resources = resourceCount(setup);
  return { ms: performance.now() - start, resources };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a whole number of at least 1, got '${process.argv[2]}'`);
  // One warm-up each so module loading and JIT do not count against whichever runs first.
  timeSynth(plainL2Setup);
  timeSynth(batchkitSetup);
  const plain: number[] = [];
  const kit: number[] = [];
  let plainResources = 0;
  let kitResources = 0;
  // Alternate the two so drift on a shared machine hits both alike.
  for (let i = 0; i < rounds; i++) {
    const p = timeSynth(plainL2Setup);
    const k = timeSynth(batchkitSetup);
    plain.push(p.ms);
    kit.push(k.ms);
    plainResources = p.resources;
    kitResources = k.resources;
  }
  const withoutJobRoles = resourceCount(plainL2Setup(SIZE, false));
  const timeRatio = median(kit) / median(plain);
  const resourceRatio = plainResources / kitResources;
  console.log(`setup: ${SIZE.queues} queues, ${SIZE.computeEnvironments} compute environments, ${SIZE.jobDefinitions} job definitions; median of ${rounds} rounds`);
  console.log(`plain L2: ${median(plain).toFixed(0)} ms, ${plainResources} resources`);
  console.log(`batchkit: ${median(kit).toFixed(0)} ms, ${kitResources} resources`);
  console.log(`plain L2 without job roles: ${withoutJobRoles} resources (${(withoutJobRoles / kitResources).toFixed(2)}x batchkit's, which gives every job definition a job role)`);
  console.log(`synth time batchkit/L2: ${timeRatio.toFixed(2)}x (target <= 1.20x) ${timeRatio <= 1.2 ? 'ok' : 'MISSED'}`);
  console.log(`resources L2/batchkit: ${resourceRatio.toFixed(2)}x fewer (target >= 2.00x) ${resourceRatio >= 2 ? 'ok' : 'MISSED'}`);
  const baselineName = 'plain aws-batch L2';
  printBenchJson('synth', [
    { name: 'synth time of the same setup', value: Math.round(median(kit)), unit: 'ms', baseline: { name: baselineName, value: Math.round(median(plain)) }, better: 'lower' },
    { name: 'CloudFormation resources of the same setup', value: kitResources, unit: 'resources', baseline: { name: baselineName, value: plainResources }, better: 'lower' },
  ]);
}

main();
