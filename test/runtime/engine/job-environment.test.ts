import * as fs from 'fs';
import { EngineFixture, openEngine } from './engine-fixture';

/** Parses `env` output into a map. */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(text.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

describe('the environment and command a job sees', () => {
  let fixture: EngineFixture;
  beforeEach(async () => {
    fixture = await openEngine();
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('job definition environment, overrides and every AWS_BATCH_* variable, and only a few host variables', async () => {
    // GIVEN
    process.env.BATCHKIT_SECRET_FROM_HOST = 'must-not-leak';
    await fixture.define('env', ['env'], {
      containerProperties: { image: 'busybox', command: ['env'], environment: [{ name: 'STAGE', value: 'dev' }, { name: 'KEEP', value: 'yes' }] },
    });
    // WHEN
    const jobId = await fixture.submit('env-job', 'env', { containerOverrides: { environment: [{ name: 'STAGE', value: 'prod' }] } });
    await fixture.waitFor(jobId);
    // THEN
    const seen = parseEnv(fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8'));
    delete process.env.BATCHKIT_SECRET_FROM_HOST;
    expect(seen).toMatchObject({
      STAGE: 'prod', KEEP: 'yes', AWS_BATCH_CE_NAME: 'ce', AWS_BATCH_JQ_NAME: 'q', AWS_BATCH_JOB_ID: jobId, AWS_BATCH_JOB_ATTEMPT: '1',
    });
    expect(seen.BATCHKIT_SECRET_FROM_HOST).toBeUndefined();
    expect(seen.AWS_BATCH_JOB_ARRAY_INDEX).toBeUndefined();
    expect(Object.keys(seen).filter((name) => !['STAGE', 'KEEP', 'PATH', 'HOME', 'LANG', 'TMPDIR', 'PWD', 'SHLVL', '_'].includes(name) && !name.startsWith('AWS_BATCH_')))
      .toEqual([]);
  });

  test('Ref:: parameters are substituted from the job definition defaults and the submit, without a shell', async () => {
    // GIVEN
    await fixture.define('params', ['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', 'Ref::input', 'Ref::mode', 'Ref::unknown', '$HOME'], {
      parameters: { input: 'default-input', mode: 'fast' },
    });
    // WHEN
    const jobId = await fixture.submit('params', 'params', { parameters: { input: 's3://bucket/key with spaces' } });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(JSON.parse(fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8'))).toEqual(['s3://bucket/key with spaces', 'fast', 'Ref::unknown', '$HOME']);
    expect(detail.parameters).toEqual({ input: 's3://bucket/key with spaces', mode: 'fast' });
    expect(detail.container!.command).toEqual(['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', 's3://bucket/key with spaces', 'fast', 'Ref::unknown', '$HOME']);
  });

  test('each attempt has its own working directory and log stream named like CloudWatch', async () => {
    // GIVEN
    await fixture.define('cwd', ['sh', '-c', 'pwd; test "$AWS_BATCH_JOB_ATTEMPT" -ge 2']);
    // WHEN
    const jobId = await fixture.submit('cwd', 'cwd', { retryStrategy: { attempts: 2 } });
    const detail = await fixture.waitFor(jobId);
    // THEN
    const streams = detail.attempts!.map((attempt) => attempt.container!.logStreamName!);
    expect(streams).toEqual([expect.stringMatching(/^cwd\/default\/[0-9a-f]{32}$/), expect.stringMatching(/^cwd\/default\/[0-9a-f]{32}$/)]);
    expect(detail.container!.logStreamName).toBe(streams[1]);
    const workDirs = [1, 2].map((attempt) => fs.readFileSync(fixture.engine.logFileFor(jobId, attempt)!, 'utf8').trim());
    expect(workDirs[0]).toMatch(new RegExp(`/work/${jobId}/attempt-1$`));
    expect(workDirs[1]).toMatch(new RegExp(`/work/${jobId}/attempt-2$`));
    expect(fixture.engine.logFileFor(jobId, 2)!.endsWith(`${streams[1]}.log`)).toBe(true);
  });

  test('state change events carry the real envelope and a JobDetail', async () => {
    await fixture.define('ok', ['true']);
    const jobId = await fixture.submit('ok', 'ok');
    await fixture.waitFor(jobId);
    const event = fixture.events.find((candidate) => (candidate.detail as { status?: string }).status === 'SUCCEEDED')!;
    expect(event).toMatchObject({
      version: '0',
      source: 'aws.batch',
      'detail-type': 'Batch Job State Change',
      account: '123456789012',
      region: 'us-east-1',
      resources: [`arn:aws:batch:us-east-1:123456789012:job/${jobId}`],
      detail: { jobId, jobName: 'ok', status: 'SUCCEEDED', jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q', jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/ok:1' },
    });
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});
