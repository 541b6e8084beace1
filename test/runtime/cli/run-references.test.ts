/**
 * `batchkit run` checks every queue and job definition before its first SubmitJob, on a Batch
 * endpoint and on AWS (moto_server standing in for it through the SDK's AWS_ENDPOINT_URL):
 * a typo ends the command with the workflow file's line and column and nothing submitted.
 * Forgetting `--local` with a region but no credentials ends as clearly, nothing journalled.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, ListJobsCommand, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { Journal } from '../../../runtime/workflow';
import { createMotoServiceRole, startMoto, type RunningMoto } from '../server/moto';
import { cliEnv, runCli } from './cli-process';

let dir: string;
let moto: RunningMoto;
let batch: BatchClient;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-refs-'));
  moto = await startMoto();
  const serviceRole = await createMotoServiceRole(moto.url);
  batch = new BatchClient({ endpoint: moto.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  await batch.send(new CreateComputeEnvironmentCommand({ computeEnvironmentName: 'refs-ce', type: 'UNMANAGED', state: 'ENABLED', unmanagedvCpus: 2, serviceRole }));
  await batch.send(new CreateJobQueueCommand({ jobQueueName: 'work', state: 'ENABLED', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'refs-ce' }] }));
  await batch.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'shell', type: 'container',
    containerProperties: { image: 'busybox', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '128' }] },
  }));
}, 60_000);
afterAll(async () => {
  batch?.destroy();
  await moto?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function workflowFile(name: string, secondQueue: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\ndefaults:\n  jobQueue: work\n  jobDefinition: shell\nsteps:\n  first: {}\n  second:\n    dependsOn: [first]\n    jobQueue: ${secondQueue}\n`);
  return file;
}

/** The SDK's environment for "AWS" at moto: a region, keys, and the endpoint override it honours. */
function awsAtMoto(): NodeJS.ProcessEnv {
  return cliEnv({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_BATCH: moto.url, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' });
}

async function jobsAtMoto(): Promise<number> {
  const listed = await batch.send(new ListJobsCommand({ jobQueue: 'work', filters: [{ name: 'JOB_NAME', values: ['*'] }] }));
  return listed.jobSummaryList?.length ?? 0;
}

test('an unknown queue on AWS is reported at file:line:col, with nothing submitted or journalled', async () => {
  // GIVEN
  const file = workflowFile('aws-typo', 'wrok');
  const journalDir = path.join(dir, 'aws-runs');
  // WHEN
  const result = await runCli(['run', file, '--journal-dir', journalDir], { env: awsAtMoto() });
  // THEN
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${file}:9:15: job queue 'wrok' does not exist at AWS Batch in us-east-1; expected the name or ARN of an existing queue`);
  expect(await jobsAtMoto()).toBe(0);
  const journal = Journal.open(journalDir);
  expect(journal.listRuns()).toEqual([]);
  journal.close();
});

test('the same workflow without the typo runs on AWS', async () => {
  // GIVEN
  const file = workflowFile('aws-fine', 'work');
  // WHEN
  const result = await runCli(['run', file, '--journal-dir', path.join(dir, 'aws-runs'), '--detach', '--json'], { env: awsAtMoto() });
  // THEN: both steps went in (moto ends jobs at submit)
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(await jobsAtMoto()).toBe(2);
});

test('forgetting --local with a region set and no credentials fails clearly, nothing journalled', async () => {
  // GIVEN: a region but no credentials anywhere (no keys, no profile files, no instance metadata)
  const file = workflowFile('no-creds', 'work');
  const journalDir = path.join(dir, 'no-creds-runs');
  const env = cliEnv({ AWS_REGION: 'eu-west-1', AWS_CONFIG_FILE: path.join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true' });
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_BATCH', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) delete env[name];
  // WHEN
  const result = await runCli(['run', file, '--journal-dir', journalDir], { env });
  // THEN
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(/DescribeJobQueues failed after 1 attempt: CredentialsProviderError: .*; no AWS credentials were found: for the local engine add --local/);
  const journal = Journal.open(journalDir);
  expect(journal.listRuns()).toEqual([]);
  journal.close();
});
