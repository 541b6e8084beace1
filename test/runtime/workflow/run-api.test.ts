import * as fs from 'fs';
import * as path from 'path';
import { BatchClient } from '@aws-sdk/client-batch';
import {
  cancelRun, defineWorkflow, Journal, listRuns, resumeRun, RunEvent, RunNotFoundError, runStatus, startRun, WaitAbortedError, WorkflowConfigurationError,
} from '../../../runtime/workflow';
import { LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
let journalDir: string;
beforeAll(async () => {
  local = await startLocalBatch();
  journalDir = path.join(local.dir, 'journal');
});
afterAll(async () => {
  await local?.close();
});

const FAST_POLL = { minIntervalMs: 50, maxIntervalMs: 200 };

function slowWorkflow(name: string) {
  return defineWorkflow({
    name,
    defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
    steps: { quick: {}, slow: { command: ['sh', '-c', 'sleep 60'] }, after: { dependsOn: ['slow'] } },
  });
}

describe('the run API the CLI builds on', () => {
  test('fails when the client retries on its own (SubmitJob would duplicate jobs)', async () => {
    const retrying = new BatchClient({ endpoint: local.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
    await expect(startRun(slowWorkflow('x'), { client: retrying, journalDir })).rejects.toThrow(
      /the batch client retries requests itself \(maxAttempts 3\), expected maxAttempts 1/);
    retrying.destroy();
    expect(listRuns(journalDir).filter((r) => r.workflowName === 'x')).toEqual([]);
  });

  test('fails when the run id is not usable in job names', async () => {
    await expect(startRun(slowWorkflow('x'), { client: local.client, journalDir, runId: 'bad id' })).rejects.toThrow(WorkflowConfigurationError);
  });

  test('status from the journal, refreshed through the client, then cancel ends the run CANCELLED', async () => {
    // GIVEN: a run left to itself (its process "went away" after submitting)
    const run = await startRun(slowWorkflow('cancel-me'), { client: local.client, journalDir, runId: 'cancel-me-1', poll: FAST_POLL });
    await run.submitted;
    run.close();
    // WHEN: another process asks for the status until the quick step is done
    let status = await runStatus('cancel-me-1', { journalDir, client: local.client });
    for (let i = 0; i < 400 && status.steps[0].status !== 'SUCCEEDED'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = await runStatus('cancel-me-1', { journalDir, client: local.client });
    }
    // THEN
    expect(status.status).toBe('RUNNING');
    expect(status.steps.map((s) => s.status)).toEqual(['SUCCEEDED', expect.stringMatching(/^(SUBMITTED|RUNNABLE|STARTING|RUNNING)$/), expect.stringMatching(/^(SUBMITTED|PENDING)$/)]);
    // WHEN
    const cancelled = await cancelRun('cancel-me-1', { journalDir, client: local.client, reason: 'no longer needed', poll: FAST_POLL });
    // THEN
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'FAILED']);
    expect(cancelled.steps[1].statusReason).toBe('no longer needed');
    const listed = listRuns(journalDir).find((r) => r.runId === 'cancel-me-1');
    expect(listed).toEqual(expect.objectContaining({ status: 'CANCELLED', workflowName: 'cancel-me', target: { endpoint: local.url, region: 'us-east-1' } }));
  });

  test('drain cancels what has not started and lets running jobs finish', async () => {
    // GIVEN: 'broken' fails once 'running' has started; 'running' holds until the test releases
    // it, which it does once 'waiting' was cancelled, so no step depends on timing
    const started = path.join(local.dir, 'drain.started');
    const release = path.join(local.dir, 'drain.release');
    const waitFor = (file: string) => `while [ ! -f ${file} ]; do sleep 0.05; done`;
    const workflow = defineWorkflow({
      name: 'drain',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: {
        running: { command: ['sh', '-c', `touch ${started}; ${waitFor(release)}`] },
        broken: { command: ['sh', '-c', `${waitFor(started)}; exit 1`] },
        waiting: { dependsOn: ['running'] },
      },
    });
    const onEvent = (e: RunEvent) => {
      if (e.type === 'step-status' && e.step === 'waiting' && e.status === 'FAILED') {
        fs.writeFileSync(release, '');
      }
    };
    // WHEN
    const run = await startRun(workflow, { client: local.client, journalDir, poll: FAST_POLL, failurePolicy: 'drain', onEvent });
    const report = await run.wait();
    run.close();
    // THEN
    expect(Object.fromEntries(report.steps.map((s) => [s.step, s.status]))).toEqual({ running: 'SUCCEEDED', broken: 'FAILED', waiting: 'FAILED' });
    expect(report.steps[2].statusReason).toMatch(/failure policy is drain/);
  });

  test('fails to resume a run that a live process owns, or that does not exist', async () => {
    const run = await startRun(slowWorkflow('owned'), { client: local.client, journalDir, runId: 'owned-1', poll: FAST_POLL });
    await run.submitted;
    // the owner is this very process: resuming from here is allowed, so fake a live foreign owner
    const journal = Journal.open(journalDir);
    journal.setOwner('owned-1', process.ppid, 0);
    journal.close();
    await expect(resumeRun('owned-1', { client: local.client, journalDir })).rejects.toThrow(`run 'owned-1' is still owned by live process ${process.ppid}`);
    await expect(resumeRun('nope', { client: local.client, journalDir })).rejects.toThrow(RunNotFoundError);
    run.close();
    await cancelRun('owned-1', { journalDir, client: local.client, poll: FAST_POLL });
  });

  test('stops waiting on abort, and a later resume finishes the run', async () => {
    // GIVEN: a step held by a file, and a wait aborted at its first poll
    const gate = path.join(local.dir, 'abort.release');
    const workflow = defineWorkflow({
      name: 'aborted',
      defaults: { jobQueue: local.queue, jobDefinition: local.shellJobDefinition },
      steps: { held: { command: ['sh', '-c', `while [ ! -f ${gate} ]; do sleep 0.05; done`] }, next: { dependsOn: ['held'] } },
    });
    const abort = new AbortController();
    const run = await startRun(workflow, {
      client: local.client, journalDir, poll: FAST_POLL, onEvent: (e) => { if (e.type === 'poll') abort.abort(); },
    });
    // WHEN
    await expect(run.wait(abort.signal)).rejects.toThrow(WaitAbortedError);
    run.close();
    // THEN: the run is still open; released and resumed, it ends
    expect((await runStatus(run.runId, { journalDir })).status).toBe('RUNNING');
    fs.writeFileSync(gate, '');
    const resumed = await resumeRun(run.runId, { client: local.client, journalDir });
    const report = await resumed.wait();
    resumed.close();
    expect(report.status).toBe('SUCCEEDED');
  });
});
