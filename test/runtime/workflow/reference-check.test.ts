/**
 * Every queue and job definition a run names is looked up at its target before the first
 * SubmitJob: an unknown one fails the start with the workflow file's line and column, nothing
 * journalled and nothing submitted. Against the real local server.
 */
import * as fs from 'fs';
import * as path from 'path';
import { createWorkflowBatchClient, Journal, loadWorkflowFile, startRun } from '../../../runtime/workflow';
import { LOCAL_CREDENTIALS, LocalBatch, startLocalBatch } from './local-batch';

let local: LocalBatch;
beforeAll(async () => {
  local = await startLocalBatch();
});
afterAll(async () => {
  await local?.close();
});

test('fails before any SubmitJob when a queue or job definition does not exist, at file:line:col', async () => {
  // GIVEN: a file whose second step names a queue that does not exist, and whose defaults name
  // a job definition revision that does not exist
  const file = path.join(local.dir, 'typo.yaml');
  fs.writeFileSync(file, [
    'name: typo',
    'defaults:',
    `  jobQueue: ${local.queue}`,
    `  jobDefinition: ${local.shellJobDefinition}:99`,
    'steps:',
    '  first:',
    `    jobDefinition: ${local.shellJobDefinition}`,
    '  second:',
    '    dependsOn: [first]',
    '    jobQueue: wf-queu',
    '',
  ].join('\n'));
  const client = createWorkflowBatchClient({ endpoint: local.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  const journalDir = path.join(local.dir, 'journal');
  // WHEN
  const error = await startRun(loadWorkflowFile(file), { client, journalDir, runId: 'typo-run' }).catch((err: Error) => err);
  client.destroy();
  // THEN: both named where they are written; no job went in and no run was journalled
  expect(error).toEqual(expect.objectContaining({ name: 'WorkflowValidationError' }));
  expect((error as Error).message.split('\n').slice(1).map((line) => line.trim())).toEqual([
    `${file}:10:15: job queue 'wf-queu' does not exist at endpoint ${local.url}; expected the name or ARN of an existing queue`,
    `${file}:4:18: job definition '${local.shellJobDefinition}:99' does not exist at endpoint ${local.url}; expected the name, name:revision or ARN of an ACTIVE job definition`,
  ]);
  expect(local.requestCounts.submitJob ?? 0).toBe(0);
  expect(local.requestCounts.describeJobQueues).toBe(1);
  const journal = Journal.open(journalDir);
  expect(journal.getRun('typo-run')).toBeUndefined();
  journal.close();
});
