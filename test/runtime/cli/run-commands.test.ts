/**
 * `batchkit run`, `status` and `logs` through the real binary against the local engine in
 * the CLI's process: exit codes, messages that name the bad argument, the `--json` documents
 * and plain (escape-free) output off a TTY.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { cliEnv, hasEscapeCodes, runCli, TEST_TEMPLATE, writeWorkflowFile } from './cli-process';

let dir: string;
let target: string[];
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-run-'));
  target = ['--local', '--template', TEST_TEMPLATE, '--data-dir', path.join(dir, 'engine'), '--journal-dir', path.join(dir, 'runs')];
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const OK_WORKFLOW = `
name: cli-ok
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  hello:
    command: [sh, -c, 'echo hello from step $AWS_BATCH_JOB_ID']
  fan:
    dependsOn: [hello]
    arraySize: 3
    command: [sh, -c, 'echo child $AWS_BATCH_JOB_ARRAY_INDEX of $AWS_BATCH_JOB_ARRAY_SIZE']
`;

const FAILING_WORKFLOW = `
name: cli-fail
defaults:
  jobQueue: cdk:Queue
  jobDefinition: cdk:Shell
steps:
  broken:
    command: [sh, -c, 'echo cannot open input.csv >&2; exit 3']
  downstream:
    dependsOn: [broken]
  independent:
    command: [sh, -c, 'true']
`;

describe('usage errors exit 2 and name what was wrong', () => {
  test.each([
    ['an unknown option', ['run', 'x.yaml', '--bogus'], /unknown option '--bogus'/],
    ['a missing workflow argument', ['run'], /missing required argument 'workflow'/],
    ['an invalid failure policy', ['run', 'x.yaml', '--failure-policy', 'sometimes'], /'sometimes' is invalid.*batch-default, cancel-run, drain/],
    ['--local with --endpoint', ['run', 'x.yaml', '--local', '--endpoint', 'http://127.0.0.1:1'], /--local and --endpoint http:\/\/127\.0\.0\.1:1 exclude each other/],
    ['--detach with --local', ['run', 'x.yaml', '--local', '--detach'], /--detach cannot be used with --local/],
    ['an endpoint that is not a URL', ['run', 'x.yaml', '--endpoint', 'localhost'], /--endpoint must be an http\(s\) URL .*got 'localhost'/],
    ['a template that does not exist', ['run', 'x.yaml', '--local', '--template', 'nope.template.json'], /--template nope\.template\.json: cannot read the file/],
    ['a bad --local-vcpus', ['run', 'x.yaml', '--local', '--local-vcpus', 'many'], /--local-vcpus must be a whole number above 0; got 'many'/],
    ['an unknown command', ['launch'], /unknown command 'launch'/],
  ])('%s', async (_what, args, message) => {
    // WHEN
    const result = await runCli(args);
    // THEN
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  test('a workflow file that does not exist', async () => {
    const result = await runCli(['run', path.join(dir, 'missing.yaml'), ...target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('missing.yaml');
    expect(result.stderr).toMatch(/cannot read workflow file/);
  });

  test('an invalid workflow names the file, line and column, and submits nothing', async () => {
    // GIVEN: a dependency on a step that does not exist, on line 6
    const file = writeWorkflowFile(dir, 'invalid', 'name: cli-invalid\ndefaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }\nsteps:\n  first: {}\n  second:\n    dependsOn: [frist]\n');
    // WHEN
    const result = await runCli(['run', file, ...target]);
    // THEN
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`invalid\\.yaml:6:\\d+: .*frist`));
    expect(fs.existsSync(path.join(dir, 'engine'))).toBe(false);
  });

  test('a construct reference the template does not have', async () => {
    const file = writeWorkflowFile(dir, 'unresolved', 'name: cli-unresolved\nsteps:\n  only: { jobQueue: cdk:Nowhere, jobDefinition: cdk:Shell }\n');
    const result = await runCli(['run', file, ...target]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/jobQueue 'cdk:Nowhere' matches no AWS::Batch::JobQueue of the CDK app, expected one of: CliTest\/Queue/);
  });
});

describe('on AWS without configuration (no network needed)', () => {
  /** An environment where the SDK finds no region and no credentials on this machine. */
  function bareAwsEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env = cliEnv({
      AWS_CONFIG_FILE: path.join(dir, 'no-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-credentials'), AWS_EC2_METADATA_DISABLED: 'true', ...extra,
    });
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      if (!(name in extra)) delete env[name];
    }
    return env;
  }
  const file = () => writeWorkflowFile(dir, 'aws', 'name: cli-aws\nsteps:\n  only: { jobQueue: some-queue, jobDefinition: some-definition }\n');

  test('no region is a usage error that says how to give one', async () => {
    const result = await runCli(['run', file(), '--journal-dir', path.join(dir, 'aws-runs')], { env: bareAwsEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no AWS region to send Batch calls to: pass --region, set AWS_REGION/);
  });

  test('no credentials fails the work with the SDK\'s reason and where to look', async () => {
    const result = await runCli(['run', file(), '--region', 'eu-west-1', '--journal-dir', path.join(dir, 'aws-runs')], { env: bareAwsEnv() });
    expect(result.code).toBe(1);
    // the reference check is the first call, before anything is journalled or submitted
    expect(result.stderr).toMatch(/DescribeJobQueues failed after 1 attempt: CredentialsProviderError: .*; no AWS credentials were found: for the local engine add --local/);
  });
});

describe('a workflow that succeeds', () => {
  let runId: string;
  let stdout: string;

  beforeAll(async () => {
    const result = await runCli(['run', writeWorkflowFile(dir, 'ok', OK_WORKFLOW), ...target]);
    expect(result).toEqual(expect.objectContaining({ code: 0 }));
    stdout = result.stdout;
    runId = /Run (cli-ok-\S+) \(cli-ok\): SUCCEEDED/.exec(stdout)![1];
  });

  test('ends with a summary table of steps, statuses and durations, and where the records are', () => {
    expect(stdout).toMatch(/^ {2}hello +single +SUCCEEDED +1 attempt +\S+$/m);
    expect(stdout).toMatch(/^ {2}fan +array 3 +SUCCEEDED +SUCCEEDED 3 +\S+$/m);
    expect(stdout).toContain(`journal:       ${path.join(dir, 'runs', 'journal.sqlite3')}`);
    expect(stdout).toContain(`logs:          ${path.join(dir, 'engine', 'logs')}`);
    expect(stdout).toContain(`engine events: ${path.join(dir, 'engine', 'events.ndjson')}`);
  });

  test('writes timestamped lines and no escape codes when stdout is not a terminal', () => {
    expect(hasEscapeCodes(stdout)).toBe(false);
    expect(stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z step hello SUCCEEDED$/m);
  });

  test('status --json has the documented shape', async () => {
    // WHEN
    const result = await runCli(['status', runId, '--journal-dir', path.join(dir, 'runs'), '--json']);
    // THEN
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual(expect.objectContaining({
      runId, workflowName: 'cli-ok', status: 'SUCCEEDED', following: 'snapshot',
      stepCounts: { SUCCEEDED: 2 }, jobCounts: { SUCCEEDED: 4 }, failures: [],
      locations: { journal: path.join(dir, 'runs', 'journal.sqlite3'), logs: path.join(dir, 'engine', 'logs'), engineEvents: path.join(dir, 'engine', 'events.ndjson') },
    }));
    expect(doc.steps.map((s: { step: string; status: string }) => [s.step, s.status])).toEqual([['hello', 'SUCCEEDED'], ['fan', 'SUCCEEDED']]);
    expect(doc.steps[0]).toEqual(expect.objectContaining({ jobId: expect.any(String), attempts: 1, exitCode: 0, durationMs: expect.any(Number) }));
    expect(doc.steps[0].log.file).toMatch(new RegExp(`^${path.join(dir, 'engine', 'logs')}/cli-test-shell/default/\\w+\\.log$`));
  });

  test('logs prints a step\'s output and an array child\'s', async () => {
    // WHEN
    const single = await runCli(['logs', runId, 'hello', '--journal-dir', path.join(dir, 'runs')]);
    const child = await runCli(['logs', runId, 'fan:2', '--journal-dir', path.join(dir, 'runs'), '--json']);
    // THEN
    expect(single.code).toBe(0);
    const helloJobId = /^hello \(job (\S+)\), attempt 1: \S+\.log$/m.exec(single.stderr)![1];
    expect(single.stdout).toBe(`hello from step ${helloJobId}\n`);
    expect(child.code).toBe(0);
    const doc = JSON.parse(child.stdout);
    expect(doc).toEqual(expect.objectContaining({ runId, step: 'fan', arrayIndex: 2, attempt: 1, content: 'child 2 of 3\n' }));
    expect(doc.jobId).toMatch(/:2$/);
    expect(fs.readFileSync(doc.log.file, 'utf8')).toBe('child 2 of 3\n');
  });

  test('logs names a step or index that does not exist', async () => {
    const unknown = await runCli(['logs', runId, 'helo', '--journal-dir', path.join(dir, 'runs')]);
    const outside = await runCli(['logs', runId, 'fan:3', '--journal-dir', path.join(dir, 'runs')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/step 'helo' is not a step of this run; expected .* one of: hello, fan/);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/index 3 is outside array step 'fan', expected 0 to 2/);
  });

  test('status of an unknown run exits 2 and names it', async () => {
    const result = await runCli(['status', 'no-such-run', '--journal-dir', path.join(dir, 'runs')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no run 'no-such-run' in journal/);
  });
});

describe('a workflow that fails', () => {
  test('exits 1, names the failed job with its exit code, reason, logs and the dependents it took down', async () => {
    // WHEN
    const result = await runCli(['run', writeWorkflowFile(dir, 'failing', FAILING_WORKFLOW), ...target, '--json']);
    // THEN
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout);
    expect(doc).toEqual(expect.objectContaining({ status: 'FAILED', following: 'finished', stepCounts: { FAILED: 2, SUCCEEDED: 1 } }));
    expect(doc.failures).toEqual([expect.objectContaining({
      step: 'broken', jobId: doc.steps[0].jobId, attempt: 1, exitCode: 3, failedDependents: ['downstream'],
      log: expect.objectContaining({ file: expect.stringContaining(path.join(dir, 'engine', 'logs')) }),
    })]);
    expect(fs.readFileSync(doc.failures[0].log.file, 'utf8')).toContain('cannot open input.csv');
    // and the text status says the same for people
    const status = await runCli(['status', doc.runId, '--journal-dir', path.join(dir, 'runs')]);
    expect(status.code).toBe(1);
    expect(status.stdout).toMatch(new RegExp(`broken: job ${doc.steps[0].jobId}, attempt 1, exit code 3`));
    expect(status.stdout).toMatch(/failed because of it: downstream/);
    expect(hasEscapeCodes(status.stdout)).toBe(false);
  });
});
