import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defineWorkflow, loadWorkflowFile, parseWorkflow, WorkflowValidationError } from '../../../runtime/workflow';

function issuesOf(fn: () => unknown): WorkflowValidationError['issues'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof WorkflowValidationError) {
      return err.issues;
    }
    throw err;
  }
  throw new Error('expected a WorkflowValidationError');
}

const BASE = 'name: wf\ndefaults:\n  jobQueue: q\n  jobDefinition: jd\n';

describe('defineWorkflow', () => {
  test('normalises dependencies and applies defaults', () => {
    // WHEN
    const workflow = defineWorkflow({
      name: 'etl',
      defaults: { jobQueue: 'q', jobDefinition: 'jd' },
      steps: {
        extract: {},
        transform: { arraySize: 10, dependsOn: ['extract'] },
        load: { arraySize: 10, jobQueue: 'other', dependsOn: [{ step: 'transform', type: 'N_TO_N' }] },
      },
    });
    // THEN
    expect(workflow.steps.map((s) => [s.name, s.jobQueue, s.dependsOn])).toEqual([
      ['extract', 'q', []],
      ['transform', 'q', [{ step: 'extract', type: 'STEP' }]],
      ['load', 'other', [{ step: 'transform', type: 'N_TO_N' }]],
    ]);
    expect(workflow.joinJobDefinition).toBe('batchkit-join');
  });

  test('fails when a step names no queue and there is no default', () => {
    expect(() => defineWorkflow({ name: 'x', steps: { a: { jobDefinition: 'jd' } } })).toThrow(/step 'a' has no jobQueue/);
  });

  test('fails when names clash case-insensitively', () => {
    const issues = issuesOf(() => defineWorkflow({ name: 'x', defaults: { jobQueue: 'q', jobDefinition: 'd' }, steps: { Merge: {}, merge: {} } }));
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/'merge' clashes with 'Merge'/)]);
  });
});

describe('parseWorkflow', () => {
  test('fails when a dependency names an unknown step, at its line and column', () => {
    // GIVEN
    const text = `${BASE}steps:\n  a: {}\n  b:\n    dependsOn: [a, nope]\n`;
    // WHEN
    const issues = issuesOf(() => parseWorkflow(text, 'wf.yaml'));
    // THEN
    expect(issues).toEqual([expect.objectContaining({
      message: "step 'b' depends on unknown step 'nope' (steps: a, b)",
      location: { file: 'wf.yaml', line: 8, column: 20 },
    })]);
  });

  test('fails when the graph has a cycle, naming its path', () => {
    const text = `${BASE}steps:\n  a:\n    dependsOn: [c]\n  b:\n    dependsOn: [a]\n  c:\n    dependsOn: [b]\n`;
    const issues = issuesOf(() => parseWorkflow(text, 'wf.yaml'));
    expect(issues.map((i) => i.message)).toEqual(['dependency cycle: a -> c -> b -> a']);
    expect(issues[0].location).toEqual({ file: 'wf.yaml', line: 7, column: 16 });
  });

  test('fails when N_TO_N joins arrays of different sizes', () => {
    const text = `${BASE}steps:\n  a:\n    arraySize: 10\n  b:\n    arraySize: 12\n    dependsOn:\n      - step: a\n        type: N_TO_N\n`;
    const issues = issuesOf(() => parseWorkflow(text, 'wf.yaml'));
    expect(issues[0].message).toBe("step 'b' has an N_TO_N dependency on 'a', which needs two array steps of equal size, got sizes 12 and 10");
    expect(issues[0].location?.line).toBe(11);
  });

  test.each([[1], [10001], [2.5]])('fails when the array size is %p', (size) => {
    const issues = issuesOf(() => parseWorkflow(`${BASE}steps:\n  a:\n    arraySize: ${size}\n`, 'wf.yaml'));
    expect(issues[0].message).toBe(`step 'a' arraySize must be an integer from 2 to 10000, got ${size}`);
    expect(issues[0].location).toEqual({ file: 'wf.yaml', line: 7, column: 16 });
  });

  test('fails on unknown keys and bad step names, pointing at the key', () => {
    const text = `${BASE}steps:\n  bad__name: {}\n  ok:\n    comand: [echo]\n`;
    const issues = issuesOf(() => parseWorkflow(text, 'wf.yaml'));
    expect(issues.map((i) => [i.location?.line, i.location?.column, i.message.slice(0, 39)])).toEqual([
      [6, 3, "step name must be 1-64 letters, digits,"],
      [8, 5, "unknown key 'comand' in step 'ok', expe"],
    ]);
  });

  test('fails on YAML syntax errors with their position', () => {
    const issues = issuesOf(() => parseWorkflow('name: wf\nsteps:\n  a: [unclosed\n', 'wf.yaml'));
    expect(issues[0].location?.file).toBe('wf.yaml');
    expect(issues[0].message).toMatch(/^invalid YAML: /);
  });

  test('reads JSON files with locations too', () => {
    const text = '{\n  "name": "wf",\n  "steps": {\n    "a": { "jobQueue": "q", "jobDefinition": "d", "timeoutSeconds": 5 }\n  }\n}\n';
    const issues = issuesOf(() => parseWorkflow(text, 'wf.json'));
    expect(issues[0]).toEqual(expect.objectContaining({
      message: "step 'a' timeoutSeconds must be an integer of at least 60 (Batch's minimum), got 5",
      location: { file: 'wf.json', line: 4, column: 69 },
    }));
  });

  test('fails when more than 20 N_TO_N entries are needed', () => {
    const parents = Array.from({ length: 21 }, (_, i) => `  p${i}:\n    arraySize: 3\n`).join('');
    const deps = Array.from({ length: 21 }, (_, i) => `      - { step: p${i}, type: N_TO_N }\n`).join('');
    const issues = issuesOf(() => parseWorkflow(`${BASE}steps:\n${parents}  c:\n    arraySize: 3\n    dependsOn:\n${deps}`, 'wf.yaml'));
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/needs 21 N_TO_N\/SEQUENTIAL dependency entries/)]);
  });
});

describe('loadWorkflowFile', () => {
  test('loads the example workflow', () => {
    const workflow = loadWorkflowFile(path.join(__dirname, '../../../examples/workflow.yaml'));
    expect(workflow.steps.length).toBeGreaterThan(25);
  });

  test('fails when the file is missing, naming it', () => {
    const missing = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wf-')), 'none.yaml');
    expect(() => loadWorkflowFile(missing)).toThrow(/cannot read workflow file: ENOENT/);
  });
});
