/**
 * `batchkit runs` through the real binary: the runs of a journal directory that real local runs
 * filled, newest first, filtered by status and limited, as a table and as its `--json` document,
 * and the exit code 2 for a bad `--limit` or `--status`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hasEscapeCodes, runCli, startCli, TEST_TEMPLATE, writeWorkflowFile } from './cli-process';

let dir: string;
let journalDir: string;
let dataDir: string;

function target(): string[] {
  return ['--local', '--template', TEST_TEMPLATE, '--data-dir', dataDir, '--journal-dir', journalDir];
}

const OK_WORKFLOW = `
name: runs-ok
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  hello:
    command: [sh, -c, 'echo hello']
  fan:
    dependsOn: [hello]
    arraySize: 3
    command: [sh, -c, 'echo child $AWS_BATCH_JOB_ARRAY_INDEX']
`;

const FAILING_WORKFLOW = `
name: runs-fail
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  broken:
    command: [sh, -c, 'exit 3']
  downstream:
    dependsOn: [broken]
`;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-runs-'));
  journalDir = path.join(dir, 'runs');
  dataDir = path.join(dir, 'engine');
  // Two finished runs, the failing one second and so newest.
  const ok = await runCli(['run', writeWorkflowFile(dir, 'ok', OK_WORKFLOW), ...target(), '--run-id', 'ok-run']);
  expect(ok.code).toBe(0);
  const failed = await runCli(['run', writeWorkflowFile(dir, 'fail', FAILING_WORKFLOW), ...target(), '--run-id', 'failed-run']);
  expect(failed.code).toBe(1);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The table's data rows, header and rule left out, each split into its cells. */
function tableRows(stdout: string): string[][] {
  return stdout.split('\n').slice(2).filter((line) => /^\S+\s{2}/.test(line)).map((line) => line.split(/\s{2,}/));
}

test('lists the runs newest first with workflow, target, status, start and job counts', async () => {
  // WHEN
  const result = await runCli(['runs', '--journal-dir', journalDir]);
  // THEN
  expect(result.code).toBe(0);
  expect(hasEscapeCodes(result.stdout)).toBe(false);
  expect(result.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['run', 'workflow', 'target', 'status', 'started', 'jobs']);
  expect(tableRows(result.stdout)).toEqual([
    ['failed-run', 'runs-fail', `local ${dataDir}`, 'FAILED', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), 'FAILED 2'],
    ['ok-run', 'runs-ok', `local ${dataDir}`, 'SUCCEEDED', expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/), 'SUCCEEDED 4'],
  ]);
  expect(result.stdout).not.toContain('not shown');
});

test('the --json document has the journal directory, the total and one entry per run', async () => {
  // WHEN
  const result = await runCli(['runs', '--journal-dir', journalDir, '--json']);
  // THEN
  expect(result.code).toBe(0);
  const doc = JSON.parse(result.stdout);
  expect(doc).toEqual({
    journalDir,
    totalRuns: 2,
    runs: [
      { runId: 'failed-run', workflowName: 'runs-fail', target: `local ${dataDir}`, status: 'FAILED', createdAt: expect.any(Number), finishedAt: expect.any(Number), jobCounts: { FAILED: 2 } },
      { runId: 'ok-run', workflowName: 'runs-ok', target: `local ${dataDir}`, status: 'SUCCEEDED', createdAt: expect.any(Number), finishedAt: expect.any(Number), jobCounts: { SUCCEEDED: 4 } },
    ],
  });
  expect(doc.runs[0].createdAt).toBeGreaterThanOrEqual(doc.runs[1].createdAt);
  expect(doc.runs[1].finishedAt).toBeGreaterThanOrEqual(doc.runs[1].createdAt);
});

test('--status keeps the runs in that state, given in any case', async () => {
  // WHEN
  const [failed, running] = await Promise.all([
    runCli(['runs', '--journal-dir', journalDir, '--status', 'failed']),
    runCli(['runs', '--journal-dir', journalDir, '--status', 'RUNNING']),
  ]);
  // THEN
  expect(failed.code).toBe(0);
  expect(tableRows(failed.stdout).map((row) => row[0])).toEqual(['failed-run']);
  expect(running.code).toBe(0);
  expect(running.stdout.trim()).toBe(`no RUNNING runs among the 2 in ${journalDir}`);
});

test('--limit shows the newest runs and says how many older ones it left out', async () => {
  // WHEN
  const [limited, document] = await Promise.all([
    runCli(['runs', '--journal-dir', journalDir, '--limit', '1']),
    runCli(['runs', '--journal-dir', journalDir, '--limit', '1', '--json']),
  ]);
  // THEN
  expect(limited.code).toBe(0);
  expect(tableRows(limited.stdout).map((row) => row[0])).toEqual(['failed-run']);
  expect(limited.stdout).toContain('1 older run not shown; --limit 0 shows all');
  const doc = JSON.parse(document.stdout);
  expect(doc.totalRuns).toBe(2);
  expect(doc.runs.map((run: { runId: string }) => run.runId)).toEqual(['failed-run']);
});

test('a journal directory without runs lists none, exits 0 and is not created', async () => {
  // GIVEN
  const empty = path.join(dir, 'no-runs-here');
  // WHEN
  const [result, document] = await Promise.all([runCli(['runs', '--journal-dir', empty]), runCli(['runs', '--journal-dir', empty, '--json'])]);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stdout.trim()).toBe(`no runs in ${empty} yet; start one with 'batchkit run <workflow>'`);
  expect(JSON.parse(document.stdout)).toEqual({ journalDir: empty, totalRuns: 0, runs: [] });
  expect(fs.existsSync(empty)).toBe(false);
});

test('a bad --limit or --status exits 2 and names the value', async () => {
  const cases: Array<[string[], string]> = [
    [['--limit', '-1'], "--limit must be a whole number, 0 for all; got '-1'"],
    [['--limit', 'all'], "--limit must be a whole number, 0 for all; got 'all'"],
    [['--status', 'done'], "--status must be one of SUBMITTING, RUNNING, SUCCEEDED, FAILED, CANCELLED; got 'done'"],
  ];
  // WHEN
  const results = await Promise.all(cases.map(([args]) => runCli(['runs', '--journal-dir', journalDir, ...args])));
  // THEN
  results.forEach((result, i) => {
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(cases[i][1]);
    expect(result.stdout).toBe('');
  });
});

test('a run in progress is RUNNING with the pid of the process that follows it', async () => {
  // GIVEN a run whose only job waits for a file this test writes
  const release = path.join(dir, 'release');
  const started = path.join(dir, 'started');
  const file = writeWorkflowFile(dir, 'held', `
name: runs-held
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  held:
    command: [sh, -c, 'touch ${started}; while [ ! -f ${release} ] && [ -d ${dir} ]; do sleep 0.05; done']
`);
  const running = startCli(['run', file, ...target(), '--run-id', 'held-run']);
  try {
    await waitForFile(started, running.done);
    // Its progress line: the journal has the job as running.
    await running.waitForStdout((stdout) => /RUNNING 1/.test(stdout), 20_000);
    // WHEN
    const [table, document] = await Promise.all([
      runCli(['runs', '--journal-dir', journalDir, '--status', 'running']),
      runCli(['runs', '--journal-dir', journalDir, '--status', 'running', '--json']),
    ]);
    // THEN
    expect(table.code).toBe(0);
    expect(tableRows(table.stdout)).toEqual([
      ['held-run', 'runs-held', `local ${dataDir}`, `RUNNING (pid ${running.child.pid})`, expect.any(String), 'RUNNING 1'],
    ]);
    const entry = JSON.parse(document.stdout).runs[0];
    expect(entry).toMatchObject({ runId: 'held-run', status: 'RUNNING', followedByPid: running.child.pid, jobCounts: { RUNNING: 1 } });
    expect(entry.finishedAt).toBeUndefined();
  } finally {
    fs.writeFileSync(release, '');
    expect((await running.done).code).toBe(0);
  }
  // AND once it has ended nobody follows it
  const after = JSON.parse((await runCli(['runs', '--journal-dir', journalDir, '--json', '--limit', '1'])).stdout).runs[0];
  expect(after).toMatchObject({ runId: 'held-run', status: 'SUCCEEDED' });
  expect(after.followedByPid).toBeUndefined();
});

/** Resolves once `file` exists; rejects if the process ends first or after 15 s. */
async function waitForFile(file: string, ended: Promise<unknown>): Promise<void> {
  let over = false;
  void ended.then(() => { over = true; });
  const deadline = Date.now() + 15_000;
  while (!fs.existsSync(file)) {
    if (over) throw new Error(`the run ended before ${file} was written`);
    if (Date.now() > deadline) throw new Error(`${file} was not written within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
