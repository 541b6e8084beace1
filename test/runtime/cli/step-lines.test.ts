import { renderStepLines, type StepProgress } from '../../../runtime/cli/step-lines';

const steps: StepProgress[] = [
  { name: 'prepare', total: 1, counts: { SUCCEEDED: 1 } },
  { name: 'transform-every-partition', total: 100, counts: { RUNNING: 40, SUCCEEDED: 57, FAILED: 3 } },
  { name: 'merge', total: 1, counts: { NOT_SUBMITTED: 1 } },
];

describe('the per-step view', () => {
  test.each([120, 80, 60, 40, 30])('at %d columns no line is wider and every FAILED count survives', (columns) => {
    // WHEN
    const lines = renderStepLines({ steps, elapsed: '1m02s' }, { columns });
    // THEN
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(columns);
    expect(lines[0]).toMatch(/^61\/102 jobs done · 3 FAILED/);
    expect(lines[2]).toMatch(/(FAILED|fail) 3/);
  });

  test('a wide terminal gets a bar and long labels, a narrow one short labels', () => {
    expect(renderStepLines({ steps, elapsed: '1s' }, { columns: 120 })[2]).toMatch(/^transform-every-partiti… █+░+ +60\/100 FAILED 3 · RUNNING 40 · SUCCEEDED 57$/);
    expect(renderStepLines({ steps, elapsed: '1s' }, { columns: 50 })[2]).toMatch(/fail 3 · run 40 · ok 57$/);
  });

  test('more steps than rows fold succeeded and waiting ones into one line, failed ones stay', () => {
    // GIVEN
    const many: StepProgress[] = Array.from({ length: 10 }, (_, i) => ({ name: `s${i}`, total: 1, counts: { SUCCEEDED: 1 } }));
    many[7] = { name: 's7', total: 1, counts: { FAILED: 1 } };
    // WHEN
    const lines = renderStepLines({ steps: many, elapsed: '1s' }, { columns: 80, rows: 4 });
    // THEN
    expect(lines).toHaveLength(4);
    expect(lines.slice(1, 3).map((l) => l.split(' ')[0])).toEqual(['s0', 's7']);
    expect(lines[3]).toMatch(/^… 8 more steps: SUCCEEDED 8$/);
  });
});
