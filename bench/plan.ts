/**
 * Validation and planning time of a 10,000-step workflow: 100 layers of 100 steps, each step
 * waiting for 1 to 40 steps of the layer above (so many need join jobs), every tenth an
 * array with an N_TO_N dependency on the array above it. Also times parsing the same
 * workflow from YAML, which is what `batchkit run workflow.yaml` pays.
 *
 * Run: `npm run build && node dist/bench/plan.js`
 */
import { performance } from 'perf_hooks';
import { stringify } from 'yaml';
import { parseWorkflow, planWorkflow, StepDefinition, validateWorkflow, WorkflowDefinition } from '../runtime/workflow';
import { printBenchJson } from './bench-json';

const LAYERS = 100;
const WIDTH = 100;

/** A seeded generator so every run times the same graph. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function buildDefinition(): WorkflowDefinition {
  const random = seededRandom(42);
  const steps: Record<string, StepDefinition> = {};
  for (let layer = 0; layer < LAYERS; layer++) {
    for (let i = 0; i < WIDTH; i++) {
      const isArray = i % 10 === 0;
      const dependsOn: Array<string | { step: string; type: 'N_TO_N' }> = [];
      if (layer > 0) {
        const fanIn = 1 + Math.floor(random() * 40);
        const parents = new Set<number>();
        while (parents.size < fanIn) {
          parents.add(Math.floor(random() * WIDTH));
        }
        for (const p of parents) {
          if (!(isArray && p === i)) {
            dependsOn.push(`l${layer - 1}-s${p}`);
          }
        }
        if (isArray) {
          dependsOn.push({ step: `l${layer - 1}-s${i}`, type: 'N_TO_N' });
        }
      }
      steps[`l${layer}-s${i}`] = { arraySize: isArray ? 50 : undefined, dependsOn: dependsOn.length > 0 ? dependsOn : undefined };
    }
  }
  return { name: 'bench', defaults: { jobQueue: 'q', jobDefinition: 'd' }, steps: JSON.parse(JSON.stringify(steps)) };
}

function time<T>(fn: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = fn();
  return { result, ms: performance.now() - start };
}

function main(): void {
  const definition = buildDefinition();
  const yamlText = stringify(definition);
  validateWorkflow(definition);
  const validation = time(() => validateWorkflow(definition));
  const planning = time(() => planWorkflow(validation.result));
  const parsing = time(() => parseWorkflow(yamlText, 'bench.yaml'));
  const edges = validation.result.steps.reduce((n, s) => n + s.dependsOn.length, 0);
  console.log(`steps: ${validation.result.steps.length}, dependencies: ${edges}, planned jobs: ${planning.result.jobs.length} (${planning.result.joinJobCount} join jobs)`);
  console.log(`validate: ${validation.ms.toFixed(1)} ms`);
  console.log(`plan: ${planning.ms.toFixed(1)} ms`);
  console.log(`parse YAML (${(yamlText.length / 1024).toFixed(0)} KiB) + validate: ${parsing.ms.toFixed(1)} ms`);
  const workflow = `the benchmark workflow (${validation.result.steps.length} steps)`;
  const tenthsOfMs = (ms: number) => Number(ms.toFixed(1));
  printBenchJson('plan', [
    { name: `validate of ${workflow}`, value: tenthsOfMs(validation.ms), unit: 'ms', better: 'lower' },
    { name: `plan of ${workflow}`, value: tenthsOfMs(planning.ms), unit: 'ms', better: 'lower' },
    { name: `parse YAML + validate of ${workflow}`, value: tenthsOfMs(parsing.ms), unit: 'ms', better: 'lower' },
  ]);
}

main();
