import { spawn } from 'child_process';
import * as path from 'path';
import { jobNameFor, Journal, planWorkflow, resumeRun, RunEvent } from '../../../runtime/workflow';
import { resumeWorkflow } from './fixtures/crashing-run';
import { jobsByName, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

/** Runs the crashing script in a real child process and resolves with how it ended. */
function runCrashingProcess(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'crashing-run.ts'), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

const plannedKeys = planWorkflow(resumeWorkflow('q', 'd')).jobs.map((j) => j.key);

describe('resume after the submitting process was killed', () => {
  test.each([
    ['before the first SubmitJob', 'before-submit:first'],
    ['before SubmitJob of the array step', 'before-submit:items'],
    ['between SubmitJob and the journal write', 'after-submit:shard-7'],
    ['between SubmitJob of the join job and the journal write', 'after-submit:merge__join1'],
    ['mid-tracking', 'mid-tracking'],
  ])('runs every job exactly once when killed %s', async (_when, crashAt) => {
    // GIVEN: a process killed with SIGKILL at the crash point
    const runId = `crash-${crashAt.replace(/[^A-Za-z0-9]/g, '-')}`;
    const journalDir = path.join(local.dir, 'journal');
    const crashed = await runCrashingProcess([local.url, journalDir, runId, crashAt, local.queue, local.shellJobDefinition]);
    expect({ signal: crashed.signal, stderr: crashed.stderr.replace(/.*NodeVersionSupportWarning[\s\S]*/, '') }).toEqual({ signal: 'SIGKILL', stderr: '' });
    const [when, key] = crashAt.split(':');
    const before = Journal.open(journalDir);
    const crashedJob = before.jobs(runId).find((j) => j.key === key);
    before.close();
    if (key) {
      // the crash left exactly the state it was meant to: an intent without a job id
      expect(crashedJob).toEqual(expect.objectContaining({ key, jobId: undefined }));
    }
    // WHEN
    const events: RunEvent[] = [];
    const resumed = await resumeRun(runId, { client: local.client, journalDir, onEvent: (e) => events.push(e) });
    const report = await resumed.wait();
    resumed.close();
    // THEN: every planned job exists exactly once on the server, and the run succeeded
    expect(report.status).toBe('SUCCEEDED');
    const counts = await jobsByName(local.client, local.queue);
    expect(plannedKeys.map((key) => [key, counts.get(jobNameFor(runId, key))])).toEqual(plannedKeys.map((key) => [key, 1]));
    expect([...counts.keys()].filter((name) => name.startsWith(`${runId}__`))).toHaveLength(plannedKeys.length);
    const submittedOnResume = events.filter((e) => e.type === 'job-submitted');
    if (when === 'after-submit') {
      expect(submittedOnResume.find((e) => e.type === 'job-submitted' && e.key === key)).toEqual(expect.objectContaining({ reconciled: true }));
    } else if (when === 'before-submit') {
      expect(submittedOnResume.find((e) => e.type === 'job-submitted' && e.key === key)).toEqual(expect.objectContaining({ reconciled: false }));
    } else {
      expect(submittedOnResume).toEqual([]);
    }
    const journal = Journal.open(journalDir);
    expect(journal.jobs(runId).every((j) => j.jobId)).toBe(true);
    journal.close();
  });
});
