/**
 * Ctrl-C while `batchkit run --local` follows a run: the command stops following, not the
 * run, prints the `batchkit resume` command, and that command (run as printed) restarts the
 * engine on the same data directory and finishes the run. Also `watch` and `cancel` on runs
 * nobody follows any more.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, startCli, TEST_TEMPLATE, type CliResult } from './cli-process';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-int-'));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A workflow whose `blocked` step marks each attempt's start, then waits for a `go` file the test creates. */
function gatedWorkflow(name: string, gateDir: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `
name: ${name}
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  first:
    command: [sh, -c, 'echo first']
  blocked:
    dependsOn: [first]
    retry: { attempts: 2 }
    environment: { GATE: '${gateDir}' }
    command: [sh, -c, 'touch "$GATE/started-$AWS_BATCH_JOB_ATTEMPT"; i=0; while [ ! -f "$GATE/go" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; test -f "$GATE/go"']
  after:
    dependsOn: [blocked]
    command: [sh, -c, 'echo after']
`);
  return file;
}

/** Waits (bounded) until `file` exists. */
async function waitForFile(file: string, timeoutMs = 15_000): Promise<void> {
  for (let waited = 0; !fs.existsSync(file); waited += 50) {
    if (waited > timeoutMs) throw new Error(`${file} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts `run --local` of a gated workflow and interrupts it twice once `blocked` runs. */
async function interruptedRun(name: string): Promise<{ result: CliResult; gate: string; dataDir: string; journalDir: string }> {
  const gate = fs.mkdtempSync(path.join(dir, `${name}-gate-`));
  const dataDir = path.join(dir, `${name}-engine`);
  const journalDir = path.join(dir, 'runs');
  const running = startCli(['run', gatedWorkflow(name, gate), '--local', '--template', TEST_TEMPLATE, '--data-dir', dataDir, '--journal-dir', journalDir]);
  await waitForFile(path.join(gate, 'started-1'));
  running.child.kill('SIGINT');
  // The first Ctrl-C keeps the engine for the running job; the second abandons it.
  for (let waited = 0; !running.output().stderr.includes('Ctrl-C again abandons them'); waited += 50) {
    if (waited > 15_000) throw new Error(`no wind-down message; stderr:\n${running.output().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  running.child.kill('SIGINT');
  return { result: await running.done, gate, dataDir, journalDir };
}

test('Ctrl-C stops following and prints a resume command that finishes the run', async () => {
  // GIVEN: a run interrupted while its `blocked` step runs
  const { result, gate, journalDir } = await interruptedRun('gated');
  // THEN: exit 130, the run is not cancelled, the hint says what happens to the running job
  expect(result.code).toBe(130);
  expect(result.stdout).toMatch(/Stopped following run gated-\S+; the run was not cancelled\./);
  expect(result.stdout).toMatch(/retried if their retry strategy allows/);
  const resume = /Continue with: (batchkit resume .+)$/m.exec(result.stdout)![1];
  expect(resume).toMatch(new RegExp(`^batchkit resume gated-\\S+ --local --data-dir \\S+ --template \\S+ --journal-dir ${journalDir}$`));
  const runId = resume.split(' ')[2];

  // WHEN: `watch` on the stopped local run, then the printed resume command with the gate open
  const watch = await runCli(['watch', runId, '--journal-dir', journalDir]);
  fs.writeFileSync(path.join(gate, 'go'), '');
  const resumed = await runCli([...resume.split(' ').slice(1), '--json']);

  // THEN: watch refuses (nothing moves a stopped local run) and points at resume; resume finishes it
  expect(watch.code).toBe(2);
  expect(watch.stderr).toMatch(new RegExp(`run '${runId}' is not followed by any process and its local engine is stopped; continue it with: batchkit resume ${runId} --local`));
  expect(resumed.code).toBe(0);
  const doc = JSON.parse(resumed.stdout);
  expect(doc).toEqual(expect.objectContaining({ runId, status: 'SUCCEEDED', following: 'finished', stepCounts: { SUCCEEDED: 3 } }));
  // the interrupted attempt ended with the engine; the retry strategy ran a second one
  expect(doc.steps.find((s: { step: string }) => s.step === 'blocked')).toEqual(expect.objectContaining({ attempts: 2, exitCode: 0 }));
  expect(fs.existsSync(path.join(gate, 'started-2'))).toBe(true);

  // AND: watch of the finished run prints its summary at once
  const watchFinished = await runCli(['watch', runId, '--journal-dir', journalDir, '--json']);
  expect(watchFinished.code).toBe(0);
  expect(JSON.parse(watchFinished.stdout)).toEqual(expect.objectContaining({ runId, status: 'SUCCEEDED', following: 'finished' }));
});

test('cancel ends a run nobody follows: CANCELLED, its open jobs stopped, later steps never run', async () => {
  // GIVEN
  const { result, journalDir } = await interruptedRun('doomed');
  expect(result.code).toBe(130);
  const runId = /Stopped following run (\S+);/.exec(result.stdout)![1];
  // WHEN: cancel without target flags (the run's target is remembered)
  const cancelled = await runCli(['cancel', runId, '--journal-dir', journalDir, '--json']);
  const status = await runCli(['status', runId, '--journal-dir', journalDir, '--json']);
  // THEN
  expect(cancelled.code).toBe(0);
  const doc = JSON.parse(status.stdout);
  expect(status.code).toBe(1);
  expect(doc.status).toBe('CANCELLED');
  expect(doc.steps.slice(0, 2).map((s: { step: string; status: string }) => [s.step, s.status])).toEqual([['first', 'SUCCEEDED'], ['blocked', 'FAILED']]);
  // `after` was submitted before Ctrl-C (then Batch fails it with its dependency) or not yet
  // (then cancel submits nothing more): which depends on timing; either way it never ran.
  expect(doc.steps[2]).toEqual(expect.objectContaining({ step: 'after', status: expect.stringMatching(/^(FAILED|NOT_SUBMITTED)$/) }));
  expect(doc.steps[2].attempts ?? 0).toBe(0);
});

test('while a run is followed: watch reads its journal and cancel goes through the follower\'s engine', async () => {
  // GIVEN: a followed run whose `blocked` step is running
  const gate = fs.mkdtempSync(path.join(dir, 'followed-gate-'));
  const journalDir = path.join(dir, 'runs');
  const running = startCli(['run', gatedWorkflow('followed', gate), '--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'followed-engine'), '--journal-dir', journalDir]);
  await waitForFile(path.join(gate, 'started-1'));
  const runId = /run (followed-\S+):/.exec(running.output().stdout)![1];
  // WHEN
  const watching = startCli(['watch', runId, '--journal-dir', journalDir, '--interval', '0.2']);
  await watching.waitForStdout((out) => out.includes('done ·'));
  const cancelled = await runCli(['cancel', runId, '--journal-dir', journalDir, '--reason', 'superseded']);
  const [run, watch] = await Promise.all([running.done, watching.done]);
  // THEN: both followers see the run end CANCELLED (exit 1), the cancel itself succeeded
  expect({ code: cancelled.code, said: cancelled.code === 0 ? '' : cancelled.stdout + cancelled.stderr }).toEqual({ code: 0, said: '' });
  expect(cancelled.stdout).toMatch(/cancel requested; process \d+, which follows it, stops once its jobs have ended/);
  expect(run.code).toBe(1);
  expect(run.stdout).toMatch(new RegExp(`Run ${runId} \\(followed\\): CANCELLED`));
  expect(watch.code).toBe(1);
  expect(watch.stdout).toMatch(new RegExp(`Run ${runId} \\(followed\\): CANCELLED`));
  expect(run.stdout).toMatch(/reason: superseded/);
});

test('a step the local engine can never place is reported once on stderr while the run waits for it', async () => {
  // GIVEN: a step asking for 64 vCPUs of a local engine whose compute environments offer 2
  const file = path.join(dir, 'too-big.yaml');
  fs.writeFileSync(file, 'name: too-big\ndefaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }\nsteps:\n  huge: { vcpus: 64, command: [sh, -c, "echo never"] }\n');
  const running = startCli(['run', file, '--local', '--local-vcpus', '2', '--template', TEST_TEMPLATE,
    '--data-dir', path.join(dir, 'too-big-engine'), '--journal-dir', path.join(dir, 'runs')]);
  const stderrSays = async (cli: typeof running, text: string) => {
    for (let waited = 0; !cli.output().stderr.includes(text) && waited < 15_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  // WHEN: the report is out, a `watch` of the run has said it too, and a few more polls have passed
  await stderrSays(running, 'stays RUNNABLE');
  const runId = /run (too-big-\S+):/.exec(running.output().stdout)![1];
  const watching = startCli(['watch', runId, '--journal-dir', path.join(dir, 'runs'), '--interval', '0.2']);
  await stderrSays(watching, 'stays RUNNABLE');
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  watching.child.kill('SIGINT');
  running.child.kill('SIGINT');
  const [result, watched] = await Promise.all([running.done, watching.done]);
  // THEN
  expect(result.code).toBe(130);
  expect(watched.code).toBe(130);
  expect(watched.stderr.match(/step huge: job \S+ stays RUNNABLE, Batch cannot place it: MISCONFIGURATION:/g)).toHaveLength(1);
  expect(result.stderr).toMatch(/step huge: job \S+ stays RUNNABLE, Batch cannot place it: MISCONFIGURATION:\S+ - .*The job asks for 64 vCPUs/);
  expect(result.stderr.match(/stays RUNNABLE/g)).toHaveLength(1);
  expect(result.stderr).toContain(`\`batchkit cancel ${runId}\` stops it`);
  // AND: `status` shows why the step waits, from the journal
  const status = await runCli(['status', runId, '--journal-dir', path.join(dir, 'runs')]);
  expect(status.stdout).toMatch(/Cannot be placed\n {2}huge: job \S+ stays RUNNABLE: MISCONFIGURATION:\S+ - .*The job asks for 64 vCPUs/);
});
