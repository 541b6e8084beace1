/**
 * `batchkit plan` through the real binary against the local engine it builds in memory from a
 * template: the steps, join jobs and Batch calls a run would make, every queue and job
 * definition looked up, `Ref::` parameter warnings, its `--json` document, and its exit codes
 * (0 valid, 1 the lookup failed, 2 an invalid workflow or a reference the target does not have).
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { hasEscapeCodes, runCli, TEST_TEMPLATE, writeWorkflowFile } from './cli-process';

let dir: string;
let dataDir: string;
let local: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-plan-'));
  dataDir = path.join(dir, 'engine');
  local = ['--local', '--template', TEST_TEMPLATE, '--data-dir', dataDir];
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
    command: [sh, -c, 'echo hello Ref::who on Ref::day']
    parameters:
      who: world
      day: monday
  fan:
    dependsOn: [hello]
    arraySize: 3
    command: [sh, -c, 'echo child $AWS_BATCH_JOB_ARRAY_INDEX for Ref::who']
`;

const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/cli-test-queue';
const DEFINITION_ARN = 'arn:aws:batch:us-east-1:123456789012:job-definition/cli-test-shell:1';

test('shows the steps, references, parameters and Batch calls of a run, submits nothing and opens no data directory', async () => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'greet', GREETING);
  // WHEN
  const result = await runCli(['plan', file, ...local, '--param', 'who=batch']);
  // THEN
  expect(result.code).toBe(0);
  expect(hasEscapeCodes(result.stdout)).toBe(false);
  const lines = result.stdout.split('\n');
  expect(lines[0]).toBe(`Plan of greet (${file}) on the local engine (1 template): 2 steps, 4 jobs`);
  expect(lines.map((line) => line.trim().split(/\s{2,}/))).toEqual(expect.arrayContaining([
    ['step', 'kind', 'waits for', 'queue', 'job definition'],
    ['hello', 'single', '-', 'cdk:Queue → cli-test-queue', 'cdk:Shell → cli-test-shell:1'],
    ['fan', 'array 3', 'hello', 'cdk:Queue → cli-test-queue', 'cdk:Shell → cli-test-shell:1'],
  ]));
  expect(result.stdout).toContain('Parameters\n  hello: who=batch day=monday\n  fan: who=batch\n');
  expect(result.stdout).toContain('SubmitJob              2\n');
  expect(result.stdout).not.toContain('RegisterJobDefinition');
  expect(result.stdout).toContain('looked up with 1 DescribeJobQueues and 1 DescribeJobDefinitions call(s); nothing was submitted');
  expect(result.stderr).toBe('');
  expect(fs.existsSync(dataDir)).toBe(false);
});

test('the --json document resolves every reference and counts jobs and calls', async () => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'greet', GREETING);
  // WHEN
  const result = await runCli(['plan', file, ...local, '--param', 'who=batch', '--json']);
  // THEN
  expect(result.code).toBe(0);
  const doc = JSON.parse(result.stdout);
  const queue = { reference: 'cdk:Queue', resolved: QUEUE_ARN, state: 'found', detail: 'ENABLED, VALID' };
  const definition = { reference: 'cdk:Shell', resolved: DEFINITION_ARN, state: 'found', detail: 'revision 1' };
  expect(doc).toEqual({
    workflowName: 'greet',
    file,
    target: 'the local engine (1 template)',
    steps: [
      { step: 'hello', kind: 'single', jobs: 1, dependsOn: [], joinJobs: [], jobQueue: queue, jobDefinition: definition, parameters: { who: 'batch', day: 'monday' } },
      { step: 'fan', kind: 'array', arraySize: 3, jobs: 3, dependsOn: [{ step: 'hello', type: 'STEP' }], joinJobs: [], jobQueue: queue, jobDefinition: definition, parameters: { who: 'batch' } },
    ],
    joinJobs: [],
    totals: { steps: 2, jobs: 4, joinJobs: 0 },
    runCalls: { SubmitJob: 2, RegisterJobDefinition: 0, DescribeJobsPerPoll: 1 },
    lookupCalls: { DescribeJobQueues: 1, DescribeJobDefinitions: 1 },
    problems: [],
    warnings: [],
  });
  expect(result.stderr).toBe('');
});

test('warns of a Ref:: no value fills and of a --param no command uses, and still exits 0', async () => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'greet', GREETING);
  // WHEN
  const result = await runCli(['plan', file, ...local, '--param', 'mode=full']);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stderr.split('\n').filter(Boolean)).toEqual([
    "warning: step 'fan' has no value for Ref::who; Batch passes the token as written (give --param who=<value>)",
    "warning: --param mode is not used: no step's command has Ref::mode",
  ]);
});

test('plans the join jobs of a step with more than 20 dependencies and the join job definition a run registers', async () => {
  // GIVEN 21 steps and one that waits for all of them
  const producers = Array.from({ length: 21 }, (_, i) => `s${String(i + 1).padStart(2, '0')}`);
  const file = writeWorkflowFile(dir, 'wide', [
    'name: wide',
    'defaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }',
    'join: { jobDefinition: batchkit-join }',
    'steps:',
    ...producers.map((name) => `  ${name}: { command: [sh, -c, 'true'] }`),
    `  gather: { dependsOn: [${producers.join(', ')}], command: [sh, -c, 'true'] }`,
  ].join('\n'));
  // WHEN
  const [text, result] = await Promise.all([runCli(['plan', file, ...local]), runCli(['plan', file, ...local, '--json'])]);
  // THEN the text names a few dependencies and counts the rest, the document lists them all
  expect(text.code).toBe(0);
  expect(text.stdout).toMatch(/^ {2}gather +single +s01, s02, s03 and 18 more +cdk:Queue → cli-test-queue/m);
  expect(text.stdout).toContain('  gather__join1: waits for 2 (s01, s02); on cdk:Queue → cli-test-queue with batchkit-join (registered by the run)\n');
  expect(text.stdout).toContain('  RegisterJobDefinition  1 (the join job definition is missing)\n');
  expect(result.code).toBe(0);
  const doc = JSON.parse(result.stdout);
  expect(doc.steps.find((s: { step: string }) => s.step === 'gather').dependsOn).toHaveLength(21);
  expect(doc.totals).toEqual({ steps: 22, jobs: 23, joinJobs: 1 });
  expect(doc.joinJobs).toEqual([{
    key: 'gather__join1', step: 'gather', waitsFor: ['s01', 's02'],
    jobQueue: { reference: 'cdk:Queue', resolved: QUEUE_ARN, state: 'found', detail: 'ENABLED, VALID' },
    jobDefinition: { reference: 'batchkit-join', resolved: 'batchkit-join', state: 'registered' },
  }]);
  expect(doc.steps.find((s: { step: string }) => s.step === 'gather').joinJobs).toEqual(['gather__join1']);
  expect(doc.runCalls).toEqual({ SubmitJob: 23, RegisterJobDefinition: 1, DescribeJobsPerPoll: 1 });
});

test('a queue or job definition the target does not have is marked missing and exits 2', async () => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'missing', `
name: missing
defaults:
  jobQueue: no-such-queue
  jobDefinition: cdk:Shell
steps:
  a:
    command: [sh, -c, 'true']
  b:
    jobDefinition: gone-def
    command: [sh, -c, 'true']
`);
  // WHEN
  const [text, json] = await Promise.all([runCli(['plan', file, ...local]), runCli(['plan', file, ...local, '--json'])]);
  // THEN
  const problems = [
    "step 'a' names job queue 'no-such-queue', which the target does not have; expected the name or ARN of an existing job queue",
    "step 'b' names job definition 'gone-def', which the target does not have; expected a job definition with an ACTIVE revision",
  ];
  expect(text.code).toBe(2);
  expect(text.stdout.split('\n').map((line) => line.trim().split(/\s{2,}/))).toEqual(expect.arrayContaining([
    ['a', 'single', '-', 'no-such-queue (missing)', 'cdk:Shell → cli-test-shell:1'],
    ['b', 'single', '-', 'no-such-queue (missing)', 'gone-def (missing)'],
  ]));
  expect(text.stderr.split('\n').filter(Boolean)).toEqual(problems.map((p) => `error: ${p}`));
  expect(json.code).toBe(2);
  expect(JSON.parse(json.stdout).problems).toEqual(problems);
  expect(json.stderr.split('\n').filter(Boolean)).toEqual(problems.map((p) => `batchkit: ${p}`));
});

test.each([
  ['an invalid workflow', 'name: bad\nsteps:\n  a:\n    dependsOn: [zzz]\n', /invalid workflow \(3 issues\):[\s\S]*bad\.yaml:4:17: step 'a' depends on unknown step 'zzz'/],
  ['a cdk: reference the template does not have', 'name: nope\ndefaults: { jobQueue: cdk:Nope, jobDefinition: cdk:Shell }\nsteps:\n  a: {}\n', /jobQueue 'cdk:Nope' matches no AWS::Batch::JobQueue of the CDK app/],
])('%s exits 2 with what is wrong', async (_what, yaml, message) => {
  // GIVEN
  const file = writeWorkflowFile(dir, 'bad', yaml);
  // WHEN
  const result = await runCli(['plan', file, ...local]);
  // THEN
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe('');
});

test('a target that cannot be reached exits 1 and names it', async () => {
  // GIVEN a port nothing listens on, and references that need no CDK app
  const port = await closedPort();
  const file = writeWorkflowFile(dir, 'plain', 'name: plain\ndefaults: { jobQueue: some-queue, jobDefinition: some-def }\nsteps:\n  a: {}\n');
  // WHEN
  const result = await runCli(['plan', file, '--endpoint', `http://127.0.0.1:${port}`, '--request-timeout', '2']);
  // THEN
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`cannot look the workflow's queues and job definitions up on endpoint http://127.0.0.1:${port}: connect ECONNREFUSED`);
});

/** A local port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
