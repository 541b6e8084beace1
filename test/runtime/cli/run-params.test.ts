/**
 * `batchkit run --param key=value` through the real binary on the local engine: the value reaches
 * every step's `Ref::key`, wins over the step's `parameters`, which win over the job definition's
 * defaults; a key given twice keeps its last value; and an argument that is not `key=value`, or
 * whose key no `Ref::` can name, exits 2 before anything is submitted.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, TEST_TEMPLATE, writeWorkflowFile } from './cli-process';

let dir: string;
let template: string;
let journalDir: string;
let target: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-params-'));
  // The test template's job definition, with parameter defaults of its own.
  const app = JSON.parse(fs.readFileSync(TEST_TEMPLATE, 'utf8'));
  const definition = Object.values<{ Type: string; Properties: Record<string, unknown> }>(app.Resources).find((r) => r.Type === 'AWS::Batch::JobDefinition')!;
  definition.Properties.Parameters = { who: 'definition-who', day: 'sunday', place: 'definition-place' };
  template = path.join(dir, 'params.template.json');
  fs.writeFileSync(template, JSON.stringify(app));
  journalDir = path.join(dir, 'runs');
  target = ['--local', '--template', template, '--data-dir', path.join(dir, 'engine'), '--journal-dir', journalDir];
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const GREETING = `
name: greet
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  hello:
    command: [sh, -c, 'echo hello Ref::who on Ref::day in Ref::place']
    parameters:
      who: step-who
      day: monday
  fan:
    dependsOn: [hello]
    arraySize: 2
    command: [sh, -c, 'echo child $AWS_BATCH_JOB_ARRAY_INDEX for Ref::who with Ref::filter']
`;

async function output(runId: string, step: string): Promise<string> {
  const result = await runCli(['logs', runId, step, '--journal-dir', journalDir]);
  expect(result.code).toBe(0);
  return result.stdout;
}

test('--param wins over the step, the step over the job definition, and the last of a repeated key wins', async () => {
  // WHEN
  const result = await runCli(['run', writeWorkflowFile(dir, 'greet', GREETING), ...target, '--run-id', 'greet-params',
    '--param', 'who=first', '--param', 'who=cli', '--param', 'filter=kind=csv']);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Run greet-params (greet): SUCCEEDED');
  const [hello, child] = await Promise.all([output('greet-params', 'hello'), output('greet-params', 'fan:1')]);
  expect(hello).toBe('hello cli on monday in definition-place\n');
  // The value is everything after the first '='.
  expect(child).toBe('child 1 for cli with kind=csv\n');
});

test('a --param no command uses is said before the run, which still goes ahead', async () => {
  // WHEN a key is mistyped ('whom' for 'who')
  const result = await runCli(['run', writeWorkflowFile(dir, 'typo', GREETING), ...target, '--run-id', 'typo-params',
    '--param', 'whom=cli', '--param', 'filter=csv']);
  // THEN the run succeeds with the step's own value, and stderr names the unused key
  expect(result.code).toBe(0);
  expect(result.stderr).toContain("batchkit: --param whom is not used: no step's command has Ref::whom");
  expect(result.stderr).not.toContain('--param filter is not used');
  expect(await output('typo-params', 'hello')).toBe('hello step-who on monday in definition-place\n');
});

test('a value that makes a step fail fails the run with exit 1', async () => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'exits', `
name: exits
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  check:
    command: [sh, -c, 'exit Ref::code']
`);
  // WHEN
  const result = await runCli(['run', file, ...target, '--run-id', 'exits-params', '--param', 'code=3', '--json']);
  // THEN
  expect(result.code).toBe(1);
  const doc = JSON.parse(result.stdout);
  expect(doc.status).toBe('FAILED');
  expect(doc.failures).toEqual([expect.objectContaining({ step: 'check', exitCode: 3 })]);
});

test.each([
  ['an argument without =', 'who', "--param 'who' is not key=value; expected e.g. --param date=2026-01-01"],
  ['an empty key', '=x', "--param '=x': parameter has an empty name; expected letters, digits, _ or -"],
  ['a key no Ref:: can name', 'my name=x', "--param 'my name=x': parameter 'my name' has a character a Ref:: token cannot carry; expected letters, digits, _ or -"],
])('%s exits 2, names the argument and submits nothing', async (_what, param, message) => {
  // GIVEN
  const journal = path.join(dir, `refused-${param.replace(/\W/g, '_')}`);
  const dataDir = path.join(journal, 'engine');
  // WHEN
  const [run, plan] = await Promise.all([
    runCli(['run', writeWorkflowFile(dir, 'greet', GREETING), '--local', '--template', template, '--data-dir', dataDir, '--journal-dir', journal, '--param', param]),
    runCli(['plan', writeWorkflowFile(dir, 'greet', GREETING), '--local', '--template', template, '--param', param]),
  ]);
  // THEN
  for (const result of [run, plan]) {
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(`batchkit: ${message}`);
    expect(result.stdout).toBe('');
  }
  expect(fs.existsSync(journal)).toBe(false);
});
