/**
 * Per-run commands use the target the journal recorded for the run: an unknown run is named as
 * such, a conflicting target is refused, a missing remembered target falls back to the journal's
 * record and a damaged one is an error (never AWS by default). A run whose submission fails
 * ends FAILED with the reason, and `status` says so without suggesting a resume.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, TEST_TEMPLATE } from './cli-process';

let dir: string;
let journalDir: string;
let runId: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-targets-'));
  journalDir = path.join(dir, 'runs');
  const result = await runCli(['run', workflow('quick', 'first: {}'), '--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'engine'), '--journal-dir', journalDir, '--json']);
  expect(result.code).toBe(0);
  runId = JSON.parse(result.stdout).runId;
}, 60_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function workflow(name: string, steps: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\ndefaults:\n  jobQueue: cdk:Queue\n  jobDefinition: cdk:Shell\nsteps:\n  ${steps.split('\n').join('\n  ')}\n`);
  return file;
}

const sideFile = (id: string) => path.join(journalDir, 'targets', `${id}.json`);

test('resume of an unknown run says so and where it looked, before anything about targets', async () => {
  // WHEN: a region-less environment, which used to fail first on the missing region
  const result = await runCli(['resume', 'nope-run', '--journal-dir', journalDir]);
  // THEN
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`no run 'nope-run' in journal ${path.join(journalDir, 'journal.sqlite3')}`);
});

test('fails when target flags name another target than the run\'s', async () => {
  // WHEN
  const endpoint = await runCli(['resume', runId, '--endpoint', 'http://127.0.0.1:9', '--journal-dir', journalDir]);
  const otherDir = await runCli(['status', runId, '--local', '--data-dir', path.join(dir, 'elsewhere'), '--journal-dir', journalDir]);
  // THEN
  expect(endpoint.code).toBe(2);
  expect(endpoint.stderr).toContain(`run '${runId}' was started against the local engine on ${path.join(dir, 'engine')}, not endpoint http://127.0.0.1:9; drop the target flags`);
  expect(otherDir.code).toBe(2);
  expect(otherDir.stderr).toContain(`not the local engine on ${path.join(dir, 'elsewhere')}`);
});

test('fails when a local-engine flag comes without --local', async () => {
  const result = await runCli(['resume', runId, '--local-vcpus', '4', '--journal-dir', journalDir]);
  expect(result.code).toBe(2);
  expect(result.stderr).toMatch(/apply to the local engine only; add --local/);
});

test('the remembered target was written before the first SubmitJob, atomically, and a damaged one is an error', async () => {
  // GIVEN: the file the run wrote, and no temporary left beside it
  expect(JSON.parse(fs.readFileSync(sideFile(runId), 'utf8'))).toEqual(expect.objectContaining({ kind: 'local', dataDir: path.join(dir, 'engine') }));
  expect(fs.readdirSync(path.dirname(sideFile(runId))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  const kept = fs.readFileSync(sideFile(runId), 'utf8');
  try {
    // WHEN: damaged, then missing
    fs.writeFileSync(sideFile(runId), '{"kind": "loc');
    const damaged = await runCli(['status', runId, '--journal-dir', journalDir]);
    fs.rmSync(sideFile(runId));
    const missing = await runCli(['status', runId, '--journal-dir', journalDir, '--json']);
    // THEN: damaged is refused; missing falls back to the journal's record of a local run
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toContain(`the remembered target of run '${runId}' at ${sideFile(runId)} is damaged`);
    expect(missing.code).toBe(0);
    expect(JSON.parse(missing.stdout)).toEqual(expect.objectContaining({ runId, status: 'SUCCEEDED' }));
  } finally {
    fs.writeFileSync(sideFile(runId), kept);
  }
});

test('a run whose submission fails ends FAILED with the reason, and status says so without a resume hint', async () => {
  // GIVEN: a second step the engine refuses at SubmitJob (a node count for a single-node job definition)
  const file = workflow('refused', 'first:\n  command: [sh, -c, "sleep 30"]\nsecond:\n  dependsOn: [first]\n  numNodes: 2');
  // WHEN
  const run = await runCli(['run', file, '--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'engine'), '--journal-dir', journalDir, '--run-id', 'refused-1']);
  const status = await runCli(['status', 'refused-1', '--journal-dir', journalDir]);
  const doc = JSON.parse((await runCli(['status', 'refused-1', '--journal-dir', journalDir, '--json'])).stdout);
  // THEN
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/submission of run 'refused-1' failed, nothing more is submitted and the run is FAILED: SubmitJob failed after 1 attempt: ClientException/);
  expect(status.code).toBe(1);
  expect(status.stdout).toMatch(/The run ended FAILED: submission failed: BatchCallError: SubmitJob failed after 1 attempt: ClientException: .*; 1 submitted job stopped/);
  expect(status.stdout).not.toMatch(/resume/);
  expect(doc).toEqual(expect.objectContaining({ status: 'FAILED', statusReason: expect.stringMatching(/^submission failed: /) }));
  // the target was remembered before the first SubmitJob, though submission then failed
  expect(JSON.parse(fs.readFileSync(sideFile('refused-1'), 'utf8'))).toEqual(expect.objectContaining({ kind: 'local' }));
}, 60_000);
