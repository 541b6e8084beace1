/**
 * Synth time and resource count of 10 queues, 10 on-demand compute environments and 300 job
 * definitions, declared with batchkit, with the plain aws-cdk-lib/aws-batch L2 on its defaults,
 * and with the L2 written fairly (one execution role, instance role and security group shared
 * through its public props), in one run. Target: batchkit synthesizes within 1.2x of the fair
 * L2's time. Resources are reported, not targeted: batchkit spends a few per compute
 * environment on isolation and IMDSv2 that the fair L2 app does not.
 *
 * Run: npx ts-node --swc bench/synth.ts [rounds]
 */
import { performance } from 'perf_hooks';
import { printBenchJson } from './bench-json';
import { SetupSize, batchkitSetup, fairL2Setup, plainL2Setup, resourceCount } from './synth-setups';

const SIZE: SetupSize = { computeEnvironments: 10, queues: 10, jobDefinitions: 300 };

type Build = (size: SetupSize) => ReturnType<typeof batchkitSetup>;

function timeSynth(build: Build): { ms: number; resources: number } {
  const start = performance.now();
  const setup = build(SIZE);
  const resources = resourceCount(setup);
  return { ms: performance.now() - start, resources };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

interface Measured {
  readonly label: string;
  readonly ms: number;
  readonly resources: number;
}

function main(): void {
  const rounds = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds must be a whole number of at least 1, got '${process.argv[2]}'`);
  const setups: Array<{ label: string; build: Build }> = [
    { label: 'plain L2, defaults', build: plainL2Setup },
    { label: 'plain L2, shared roles and security group', build: fairL2Setup },
    { label: 'batchkit', build: batchkitSetup },
  ];
  // One warm-up each so module loading and JIT do not count against whichever runs first.
  for (const setup of setups) timeSynth(setup.build);
  const times = setups.map(() => [] as number[]);
  const resources = setups.map(() => 0);
  // Alternate the setups so drift on a shared machine hits all alike.
  for (let round = 0; round < rounds; round++) {
    setups.forEach((setup, i) => {
      const measured = timeSynth(setup.build);
      times[i].push(measured.ms);
      resources[i] = measured.resources;
    });
  }
  const [defaults, fair, kit]: Measured[] = setups.map((setup, i) => ({ label: setup.label, ms: median(times[i]), resources: resources[i] }));
  const withoutJobRoles = resourceCount(plainL2Setup(SIZE, false));
  const timeRatio = kit.ms / fair.ms;
  console.log(`setup: ${SIZE.queues} queues, ${SIZE.computeEnvironments} on-demand compute environments, ${SIZE.jobDefinitions} job definitions; median of ${rounds} rounds`);
  for (const m of [defaults, fair, kit]) console.log(`${m.label}: ${m.ms.toFixed(0)} ms, ${m.resources} resources`);
  console.log(`plain L2, defaults, without job roles: ${withoutJobRoles} resources`);
  console.log(`resources batchkit/fair L2: ${(kit.resources / fair.resources).toFixed(2)}x; batchkit/L2 defaults: ${(kit.resources / defaults.resources).toFixed(2)}x`);
  console.log(`synth time batchkit/fair L2: ${timeRatio.toFixed(2)}x (target <= 1.20x) ${timeRatio <= 1.2 ? 'ok' : 'MISSED'}`);
  const fairName = 'plain aws-batch L2, shared roles and security group';
  const defaultsName = 'plain aws-batch L2, defaults';
  printBenchJson('synth', [
    { name: 'synth time of the same setup', value: Math.round(kit.ms), unit: 'ms', baseline: { name: fairName, value: Math.round(fair.ms) }, better: 'lower' },
    { name: 'CloudFormation resources of the same setup', value: kit.resources, unit: 'resources', baseline: { name: fairName, value: fair.resources }, better: 'lower' },
    { name: 'CloudFormation resources of the same setup', value: kit.resources, unit: 'resources', baseline: { name: defaultsName, value: defaults.resources }, better: 'lower' },
  ]);
}

main();
