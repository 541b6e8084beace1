/**
 * Output piped into a reader that stops reading (`batchkit status | head -1`): the real binary
 * with its stdout pipe closed by the reader, for a command that prints once and for a run on
 * the in-process local engine, which must finish its jobs instead of dying with the pipe.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, startCli, TEST_TEMPLATE, type CliResult } from './cli-process';

let dir: string;
let journalDir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-pipes-'));
  journalDir = path.join(dir, 'runs');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with the read end of its stdout closed once `closeAfter` holds for what arrived. */
async function runWithReaderClosing(args: string[], closeAfter: (stdout: string) => boolean): Promise<CliResult> {
  const running = startCli(args);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), 60_000);
  try {
    await running.waitForStdout(closeAfter, 30_000);
    running.child.stdout!.destroy();
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

const SLOW_WORKFLOW = `
name: pipes
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  first:
    command: [sh, -c, 'echo first']
  second:
    dependsOn: [first]
    command: [sh, -c, 'sleep 1; echo second > "$MARKER"']
`;

test('help piped into a reader that has already gone exits 0 without a stack', async () => {
  // WHEN: the reader closes before the first byte is written
  const result = await runWithReaderClosing(['run', '--help'], () => true);
  // THEN
  expect(result.code).toBe(0);
  expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
});

test('a local run whose reader closes early still runs every job to the end', async () => {
  // GIVEN
  const marker = path.join(dir, 'second-ran');
  const workflow = path.join(dir, 'pipes.yaml');
  fs.writeFileSync(workflow, SLOW_WORKFLOW.replace('$MARKER', marker));
  const args = ['run', workflow, '--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'engine'), '--journal-dir', journalDir];

  // WHEN: the reader takes the first line, then goes away, as `| head -1` does
  const result = await runWithReaderClosing(args, (stdout) => stdout.includes('\n'));

  // THEN: the run went on and ended normally, and the step after the closed pipe ran
  expect(result.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  expect(result.code).toBe(0);
  expect(fs.readFileSync(marker, 'utf8')).toBe('second\n');
  const runId = fs.readdirSync(path.join(journalDir, 'targets'))[0].replace(/\.json$/, '');
  const status = await runCli(['status', runId, '--journal-dir', journalDir, '--json']);
  expect(JSON.parse(status.stdout)).toEqual(expect.objectContaining({ runId, status: 'SUCCEEDED' }));

  // AND: status piped into a reader that has gone exits 0 too
  const piped = await runWithReaderClosing(['status', runId, '--journal-dir', journalDir], () => true);
  expect(piped.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
  expect(piped.code).toBe(0);
});
