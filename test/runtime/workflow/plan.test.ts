import { defineWorkflow, jobNameFor, planWorkflow, StepDefinition } from '../../../runtime/workflow';

function fanIn(parents: number, child: StepDefinition = {}) {
  const steps: Record<string, StepDefinition> = {};
  for (let i = 0; i < parents; i++) {
    steps[`p${i}`] = {};
  }
  steps.merge = { ...child, dependsOn: [...(child.dependsOn ?? []), ...Object.keys(steps)] };
  return defineWorkflow({ name: 'wf', defaults: { jobQueue: 'q', jobDefinition: 'd' }, steps });
}

describe('planWorkflow', () => {
  test('orders parents before children, stable in definition order', () => {
    // GIVEN: defined children first
    const workflow = defineWorkflow({
      name: 'wf', defaults: { jobQueue: 'q', jobDefinition: 'd' },
      steps: { load: { dependsOn: ['transform'] }, transform: { dependsOn: ['extract'] }, extract: {}, other: {} },
    });
    // WHEN
    const plan = planWorkflow(workflow);
    // THEN
    expect(plan.jobs.map((j) => j.key)).toEqual(['extract', 'other', 'transform', 'load']);
  });

  test('keeps 20 dependencies direct', () => {
    const plan = planWorkflow(fanIn(20));
    expect(plan.joinJobCount).toBe(0);
    expect(plan.jobs.find((j) => j.key === 'merge')!.dependsOn).toHaveLength(20);
  });

  test('joins 30 parents with one join job of 11, leaving 20 entries', () => {
    // WHEN
    const plan = planWorkflow(fanIn(30));
    // THEN
    const join = plan.jobs.find((j) => j.kind === 'join')!;
    expect(plan.joinJobCount).toBe(1);
    expect(join).toEqual(expect.objectContaining({ key: 'merge__join1', step: 'merge', jobDefinition: 'batchkit-join', jobQueue: 'q' }));
    expect(join.dependsOn.map((d) => d.key)).toEqual(Array.from({ length: 11 }, (_, i) => `p${i}`));
    const merge = plan.jobs.find((j) => j.key === 'merge')!;
    expect(merge.dependsOn.map((d) => d.key)).toEqual([...Array.from({ length: 19 }, (_, i) => `p${i + 11}`), 'merge__join1']);
    expect(plan.jobs.indexOf(join)).toBeLessThan(plan.jobs.indexOf(merge));
  });

  test('chains join jobs for 1,000 parents, every job within 20 entries', () => {
    // WHEN
    const plan = planWorkflow(fanIn(1000));
    // THEN: each join absorbs 19 net entries: ceil((1000 - 20) / 19) joins
    expect(plan.joinJobCount).toBe(Math.ceil(980 / 19));
    for (const job of plan.jobs) {
      expect(job.dependsOn.length).toBeLessThanOrEqual(20);
    }
    // every parent is reached from merge, through joins
    const byKey = new Map(plan.jobs.map((j) => [j.key, j]));
    const reached = new Set<string>();
    const visit = (key: string) => byKey.get(key)!.dependsOn.forEach((d) => { reached.add(d.key); visit(d.key); });
    visit('merge');
    expect(Array.from({ length: 1000 }, (_, i) => reached.has(`p${i}`)).every(Boolean)).toBe(true);
  });

  test('keeps N_TO_N and SEQUENTIAL entries direct and joins the rest', () => {
    // GIVEN: 25 whole-step parents, one N_TO_N, sequential: 18 slots left for whole-step entries
    const workflow = defineWorkflow({
      name: 'wf', defaults: { jobQueue: 'q', jobDefinition: 'd' }, join: { jobDefinition: 'tiny', jobQueue: 'fast' },
      steps: {
        ...Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, {}])),
        arr: { arraySize: 4 },
        merge: { arraySize: 4, sequential: true, dependsOn: [...Array.from({ length: 25 }, (_, i) => `p${i}`), { step: 'arr', type: 'N_TO_N' }] },
      },
    });
    // WHEN
    const plan = planWorkflow(workflow);
    // THEN
    const merge = plan.jobs.find((j) => j.key === 'merge')!;
    expect(merge.dependsOn).toHaveLength(19);
    expect(merge.dependsOn[18]).toEqual({ key: 'arr', type: 'N_TO_N' });
    expect(merge.sequential).toBe(true);
    expect(plan.jobs.find((j) => j.kind === 'join')).toEqual(expect.objectContaining({ jobDefinition: 'tiny', jobQueue: 'fast' }));
  });

  test('names jobs after run, step and join index', () => {
    expect(jobNameFor('etl-20261125T203000-ab12', 'merge__join3')).toBe('etl-20261125T203000-ab12__merge__join3');
  });
});
