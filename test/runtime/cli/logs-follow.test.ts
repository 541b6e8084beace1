/**
 * `batchkit logs --follow` through the real binary on real local runs: output printed while the
 * job writes it, every attempt of a retried job in turn (also attempts that begin and end between
 * two looks), the end of the job with its status and exit code, the `--json` document, and the
 * exit codes: 0 when the job ends (succeeded or failed), 2 for bad usage and for a run whose
 * local engine is stopped, since nothing can move its job.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer } from '../../../runtime/server/server';
import { loadTemplate } from '../../../runtime/template/load-template';
import { runCli, startCli, TEST_TEMPLATE } from './cli-process';

let dir: string;
let journalDir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-follow-'));
  journalDir = path.join(dir, 'runs');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function target(dataDir: string): string[] {
  return ['--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, dataDir), '--journal-dir', journalDir];
}

/**
 * `gate` holds the run until the test writes `release-gate`. `ticker` then makes three attempts:
 * the first fails once the test writes `release-attempt-1`, the second fails at once, and the
 * third waits for `release-attempt-3` and succeeds. `broken` fails with exit code 3. Every wait
 * also ends when the test directory is removed, so no job outlives a failed test.
 */
function retryingWorkflow(): string {
  const file = path.join(dir, 'follow.yaml');
  fs.writeFileSync(file, `
name: follow
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  gate:
    command: [sh, -c, 'touch ${dir}/gate-started; while [ ! -f ${dir}/release-gate ] && [ -d ${dir} ]; do sleep 0.05; done; echo gate open']
  ticker:
    dependsOn: [gate]
    retry:
      attempts: 3
    command:
      - sh
      - -c
      - |
        echo "attempt $AWS_BATCH_JOB_ATTEMPT starts"
        while [ ! -f ${dir}/release-attempt-$AWS_BATCH_JOB_ATTEMPT ] && [ -d ${dir} ] && [ "$AWS_BATCH_JOB_ATTEMPT" != 2 ]; do sleep 0.05; done
        test "$AWS_BATCH_JOB_ATTEMPT" -ge 3 || exit 4
        echo "attempt 3 done"
  broken:
    dependsOn: [gate]
    command: [sh, -c, 'echo cannot open input.csv; exit 3']
`);
  return file;
}

// The tests after the first read the run it leaves behind.
test('follows a retried job from before it starts: each attempt in turn, output as it is written, then how it ended', async () => {
  // GIVEN a run held at its first step
  const run = startCli(['run', retryingWorkflow(), ...target('engine'), '--run-id', 'follow-run']);
  await waitForFile(path.join(dir, 'gate-started'), run.done);
  // WHEN following ticker, which has not started yet, and letting the run go on
  const follow = startCli(['logs', 'follow-run', 'ticker', '--follow', '--journal-dir', journalDir]);
  fs.writeFileSync(path.join(dir, 'release-gate'), '');
  // THEN each attempt's first line is printed while that attempt still runs
  await follow.waitForStdout((stdout) => stdout.includes('attempt 1 starts\n'), 20_000);
  // Attempt 2 begins and ends within milliseconds, between two looks of the follow.
  fs.writeFileSync(path.join(dir, 'release-attempt-1'), '');
  await follow.waitForStdout((stdout) => stdout.includes('attempt 3 starts\n'), 20_000);
  expect(follow.child.exitCode).toBeNull();
  fs.writeFileSync(path.join(dir, 'release-attempt-3'), '');
  const result = await follow.done;
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('attempt 1 starts\nattempt 2 starts\nattempt 3 starts\nattempt 3 done\n');
  const notes = result.stderr.split('\n').filter(Boolean);
  expect(notes).toEqual([
    expect.stringMatching(/^ticker \(job [0-9a-f-]{36}\), attempt 1: .*\.log$/),
    expect.stringMatching(/^ticker \(job [0-9a-f-]{36}\), attempt 2: .*\.log$/),
    expect.stringMatching(/^ticker \(job [0-9a-f-]{36}\), attempt 3: .*\.log$/),
    expect.stringMatching(/^ticker \(job [0-9a-f-]{36}\) ended SUCCEEDED with exit code 0$/),
  ]);
  // broken failed, so the run did
  expect((await run.done).code).toBe(1);
});

test('a job that failed ends the follow with exit 0 and says how it ended', async () => {
  // WHEN
  const result = await runCli(['logs', 'follow-run', 'broken', '-f', '--journal-dir', journalDir]);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stdout).toBe('cannot open input.csv\n');
  expect(result.stderr).toMatch(/^broken \(job [0-9a-f-]{36}\) ended FAILED with exit code 3$/m);
});

test('the --json document of an ended job holds its last attempt, where it is and what it wrote', async () => {
  // WHEN
  const result = await runCli(['logs', 'follow-run', 'ticker', '--follow', '--json', '--journal-dir', journalDir]);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stderr).toBe('');
  const doc = JSON.parse(result.stdout);
  expect(doc).toEqual({
    runId: 'follow-run', step: 'ticker', jobId: expect.stringMatching(/^[0-9a-f-]{36}$/), attempt: 3,
    log: { logStreamName: expect.stringMatching(/^cli-test-shell\/default\//), file: expect.stringMatching(/\.log$/) },
    content: 'attempt 3 starts\nattempt 3 done\n',
  });
  expect(fs.readFileSync(doc.log.file, 'utf8')).toBe(doc.content);
});

test('--follow with --attempt, or an unknown step, exits 2 and says why', async () => {
  // WHEN
  const [withAttempt, unknownStep] = await Promise.all([
    runCli(['logs', 'follow-run', 'ticker', '--follow', '--attempt', '1', '--journal-dir', journalDir]),
    runCli(['logs', 'follow-run', 'tickr', '--follow', '--journal-dir', journalDir]),
  ]);
  // THEN
  expect(withAttempt.code).toBe(2);
  expect(withAttempt.stderr).toContain("--follow and --attempt 1 exclude each other: --follow prints each attempt's output as the job makes it");
  expect(unknownStep.code).toBe(2);
  expect(unknownStep.stderr).toContain("step 'tickr' is not a step of this run; expected <step> or <step>:<index> with step one of: gate, ticker, broken");
});

test('a local run whose process is gone exits 2 after the output so far, with the command that continues it', async () => {
  // GIVEN a run killed while its job waits
  const release = path.join(dir, 'release-orphan');
  const started = path.join(dir, 'orphan-started');
  const file = path.join(dir, 'orphan.yaml');
  fs.writeFileSync(file, `
name: orphan
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  waiter:
    command: [sh, -c, 'echo waiting for the release; touch ${started}; while [ ! -f ${release} ] && [ -d ${dir} ]; do sleep 0.05; done']
`);
  const orphaned = startCli(['run', file, ...target('orphan-engine'), '--run-id', 'orphan-run']);
  try {
    await waitForFile(started, orphaned.done);
    // Its progress line: the engine has recorded the job as running, with its log stream.
    await orphaned.waitForStdout((stdout) => /RUNNING 1/.test(stdout), 20_000);
    orphaned.child.kill('SIGKILL');
    await orphaned.done;
    // WHEN
    const result = await runCli(['logs', 'orphan-run', 'waiter', '--follow', '--journal-dir', journalDir], { timeoutMs: 20_000 });
    // THEN
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('waiting for the release\n');
    expect(result.stderr).toContain("run 'orphan-run' is not followed by any process and its local engine is stopped, so waiter cannot move; "
      + `continue the run with: batchkit resume orphan-run --local --data-dir ${path.join(dir, 'orphan-engine')} --template `);
    expect(result.stderr).toMatch(/cli-test\.template\.json --journal-dir \S+\n$/);
  } finally {
    // The job runs in a process group of its own and outlives the killed run: let it end (its
    // loop also ends once the test directory is removed).
    fs.writeFileSync(release, '');
  }
});

test('on an endpoint, follows the job through the endpoint\'s CloudWatch Logs API as it writes', async () => {
  // GIVEN a detached run on `batchkit local serve`'s server, its job waiting half way
  const engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'served-engine'), killGraceMs: 500 });
  const server = await startBatchServer({ api: engine, port: 0 }).catch(async (err: unknown) => {
    await engine.close();
    throw err;
  });
  const release = path.join(dir, 'release-served');
  try {
    await loadTemplate(engine, TEST_TEMPLATE);
    const file = path.join(dir, 'served.yaml');
    fs.writeFileSync(file, `
name: served
defaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }
steps:
  talk:
    command: [sh, -c, 'echo first line; while [ ! -f ${release} ] && [ -d ${dir} ]; do sleep 0.05; done; echo second line']
`);
    const detached = await runCli(['run', file, '--endpoint', server.url, '--template', TEST_TEMPLATE, '--journal-dir', journalDir, '--run-id', 'served-run', '--detach']);
    expect(detached.code).toBe(0);
    // WHEN
    const follow = startCli(['logs', 'served-run', 'talk', '--follow', '--journal-dir', journalDir]);
    await follow.waitForStdout((stdout) => stdout === 'first line\n', 20_000);
    fs.writeFileSync(release, '');
    const result = await follow.done;
    // THEN
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('first line\nsecond line\n');
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(new RegExp(`^talk \\(job [0-9a-f-]{36}\\), attempt 1: CloudWatch Logs group /aws/batch/job, stream cli-test-shell/default/\\w+ on ${server.url}$`)),
      expect.stringMatching(/^talk \(job [0-9a-f-]{36}\) ended SUCCEEDED with exit code 0$/),
    ]);
  } finally {
    fs.writeFileSync(release, '');
    await server.close();
    await engine.close();
  }
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
