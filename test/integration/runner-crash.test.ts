/**
 * kill -9 of the runner: a 200-step run is killed at 20 seeded random points (during
 * submission, between SubmitJob and the journal write, during tracking) and resumed each time
 * by a new process; in the end every step ran exactly once and the final statuses are right.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DescribeJobsCommand, JobDetail } from '@aws-sdk/client-batch';
import { jobNameFor, Journal, planWorkflow, resumeRun } from '../../runtime/workflow';
import { jobsByName, LocalBatch, startLocalBatch } from '../runtime/workflow/local-batch';
import { crashWorkflow, DOOMED_DEPENDENT, DOOMED_STEP } from './fixtures/crash-workflow';
import { seededRandom } from './seeded-random';

const CRASHES = 20;
const SEED = 20;

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

/** Runs the killable runner in its own process; resolves with how it ended. */
function runKillable(args: string[]): Promise<{ signal: NodeJS.Signals | null; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', path.join(__dirname, 'fixtures', 'killable-runner.ts'), ...args], {
      env: { ...process.env, TS_NODE_SWC: 'true' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr: stderr.replace(/.*NodeVersionSupportWarning[\s\S]*?\(Use `node --trace-warnings[^\n]*\n/, '') });
    });
  });
}

/** DescribeJobs for any number of ids, 100 at a time. */
async function describeAll(jobIds: string[]): Promise<JobDetail[]> {
  const details: JobDetail[] = [];
  for (let i = 0; i < jobIds.length; i += 100) {
    details.push(...(await local.client.send(new DescribeJobsCommand({ jobs: jobIds.slice(i, i + 100) }))).jobs ?? []);
  }
  return details;
}

describe('the runner killed with SIGKILL at 20 random points of a 200-step run', () => {
  test('resumes each time; every step ran exactly once and the final statuses are right', async () => {
    // GIVEN
    const runId = 'crash-200';
    const journalDir = path.join(local.dir, 'crash-journal');
    const ledger = path.join(local.dir, 'ledger.txt');
    const workflow = crashWorkflow(local.queue, local.shellJobDefinition, ledger);
    expect(workflow.steps).toHaveLength(200);
    const random = seededRandom(SEED);
    const crashPoints = Array.from({ length: CRASHES }, () => random.int(1, 80));
    // WHEN: each process is killed at its point, and the next one resumes
    const endings: string[] = [];
    for (const [i, dieAt] of crashPoints.entries()) {
      const ended = await runKillable([local.url, journalDir, runId, i === 0 ? 'start' : 'resume', String(dieAt), local.queue, local.shellJobDefinition, ledger]);
      expect(ended.stderr).toBe('');
      endings.push(ended.signal === 'SIGKILL' ? ended.stdout.trim().replace(/^dying at /, '') : `exit ${ended.code}: ${ended.stdout.trim()}`);
    }
    const resumed = await resumeRun(runId, { client: local.client, journalDir });
    const report = await resumed.wait();
    resumed.close();
    // THEN: the processes died before SubmitJob, between SubmitJob and the journal write, and while tracking
    // (which event a point lands on depends on timing; that the phases are all hit does not, with this seed)
    expect(endings).toEqual(expect.arrayContaining(['before-submit', 'after-submit']));
    expect(endings.filter((ending) => ending === 'poll' || ending === 'step-status').length).toBeGreaterThan(0);
    // every planned job exists once on the server
    const planned = planWorkflow(workflow).jobs;
    const counts = await jobsByName(local.client, local.queue);
    expect(planned.filter((job) => counts.get(jobNameFor(runId, job.key)) !== 1).map((job) => job.key)).toEqual([]);
    // every job process ran once: the ledger holds each job id (array children included) exactly once
    const journal = Journal.open(journalDir);
    const journalled = journal.jobs(runId).filter((job) => job.kind === 'step');
    journal.close();
    const details = await describeAll(journalled.map((job) => job.jobId!));
    const expectedRuns = details.flatMap((detail) => detail.arrayProperties?.size
      ? Array.from({ length: detail.arrayProperties.size }, (_, index) => `${detail.jobId}:${index}`) : [detail.jobId!]).sort();
    const ran = fs.readFileSync(ledger, 'utf8').trim().split('\n');
    const expectedAfterDoomed = expectedRuns.filter((id) => id !== details.find((d) => d.jobName === jobNameFor(runId, DOOMED_DEPENDENT))!.jobId);
    expect(ran.sort()).toEqual(expectedAfterDoomed);
    expect(details.every((detail) => (detail.attempts?.length ?? 0) <= 1)).toBe(true);
    // final statuses: the doomed step and its dependent failed, everything else succeeded
    expect(report.status).toBe('FAILED');
    const byStatus = Object.fromEntries(report.steps.map((step) => [step.step, step.status]));
    expect(Object.entries(byStatus).filter(([, status]) => status !== 'SUCCEEDED')).toEqual([[DOOMED_STEP, 'FAILED'], [DOOMED_DEPENDENT, 'FAILED']]);
    process.stdout.write(`runner crash: ${CRASHES} kills (${JSON.stringify(endings)}); ${planned.length} jobs, ${ran.length} job processes, none lost or repeated\n`);
  }, 170_000);
});
