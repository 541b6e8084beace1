/**
 * Ctrl-C on `batchkit run --local` in a real terminal (tmux): the first stops following and
 * keeps the in-process engine, placing nothing new, until its running job ends, saying so; a
 * second abandons it, saying so. `resume --retry-failed` then runs the failed step (and the
 * step after it) again as new jobs, keeps the step that succeeded, and ends SUCCEEDED.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runCli, TEST_TEMPLATE } from './cli-process';

let dir: string;
const session = `batchkit-ctrl-c-${process.pid}`;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-ctrl-c-'));
});
afterAll(() => {
  try {
    execFileSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
  } catch {
    // the session ended with its command
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (let waited = 0; !check(); waited += 100) {
    if (waited > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms; screen:\n${screen()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function screen(): string {
  try {
    return execFileSync('tmux', ['capture-pane', '-p', '-J', '-S', '-200', '-t', session], { encoding: 'utf8' });
  } catch {
    return '(no session)';
  }
}

const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;

test('Ctrl-C keeps the engine for its running job, a second abandons it, and resume --retry-failed finishes the run', async () => {
  // GIVEN: a run whose `blocked` step waits for a file, in a tmux terminal
  const gate = path.join(dir, 'gate');
  fs.mkdirSync(gate);
  const file = path.join(dir, 'gated.yaml');
  fs.writeFileSync(file, `
name: gated
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  first:
    command: [sh, -c, 'echo first']
  blocked:
    dependsOn: [first]
    environment: { GATE: '${gate}' }
    command: [sh, -c, 'touch "$GATE/started-$AWS_BATCH_JOB_ATTEMPT"; i=0; while [ ! -f "$GATE/go" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -f "$GATE/go"']
  after:
    dependsOn: [blocked]
    command: [sh, -c, 'echo after']
`);
  const journalDir = path.join(dir, 'runs');
  const exitFile = path.join(dir, 'exit-code');
  const args = ['run', file, '--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'engine'), '--journal-dir', journalDir, '--run-id', 'gated-1', '--launcher', 'process'];
  const command = `cd ${quote(ROOT)} && ${quote(process.execPath)} bin/batchkit.js ${args.map(quote).join(' ')}; echo $? > ${quote(exitFile)}; sleep 60`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '160', '-y', '50', command]);
  await until('the blocked step starting', () => fs.existsSync(path.join(gate, 'started-1')));

  // WHEN: Ctrl-C once
  execFileSync('tmux', ['send-keys', '-t', session, 'C-c']);
  // THEN: it stops following, says the engine waits for its one running job
  await until('the wind-down message', () => /waiting for 1 running job to end before the local engine stops/.test(screen()));
  expect(screen()).toMatch(/Stopped following run gated-1; the run was not cancelled\./);
  expect(fs.existsSync(exitFile)).toBe(false);

  // WHEN: Ctrl-C again
  execFileSync('tmux', ['send-keys', '-t', session, 'C-c']);
  // THEN: it abandons the job, saying so, and exits 130
  await until('the command ending', () => fs.existsSync(exitFile) && fs.readFileSync(exitFile, 'utf8').trim() !== '');
  expect(screen()).toMatch(/abandoning 1 running job: the local engine stops now and they end as interrupted/);
  expect(fs.readFileSync(exitFile, 'utf8').trim()).toBe('130');

  // WHEN: the gate opens and the run is resumed with --retry-failed (its remembered target)
  fs.writeFileSync(path.join(gate, 'go'), '');
  const resumed = await runCli(['resume', 'gated-1', '--retry-failed', '--journal-dir', journalDir, '--json'], { timeoutMs: 60_000 });

  // THEN: SUCCEEDED; `first` kept its job, `blocked` and `after` ran as new jobs
  expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({ code: 0, stderr: '' });
  const doc = JSON.parse(resumed.stdout);
  expect(doc).toEqual(expect.objectContaining({ runId: 'gated-1', status: 'SUCCEEDED', stepCounts: { SUCCEEDED: 3 } }));
  expect(doc.steps.map((s: { step: string; jobName: string }) => [s.step, s.jobName])).toEqual([
    ['first', 'gated-1__first'], ['blocked', 'gated-1__blocked__r1'], ['after', 'gated-1__after__r1'],
  ]);
  expect(doc.failures).toEqual([]);
}, 90_000);
