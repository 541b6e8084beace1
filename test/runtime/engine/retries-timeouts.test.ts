import * as fs from 'fs';
import { ManualClock } from '../../../runtime/engine/clock';
import { eventually, EngineFixture, openEngine } from './engine-fixture';

describe('retries', () => {
  let fixture: EngineFixture;
  beforeEach(async () => {
    fixture = await openEngine();
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('a failing attempt goes back to RUNNABLE while attempts remain', async () => {
    // GIVEN: fails on attempts 1 and 2, succeeds on attempt 3
    await fixture.define('flaky', ['sh', '-c', 'test "$AWS_BATCH_JOB_ATTEMPT" -ge 3 || exit 7']);
    // WHEN
    const jobId = await fixture.submit('flaky', 'flaky', { retryStrategy: { attempts: 3 } });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('SUCCEEDED');
    expect(fixture.statusesOf(jobId)).toEqual([
      'RUNNABLE', 'STARTING', 'RUNNING', 'RUNNABLE', 'STARTING', 'RUNNING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED',
    ]);
    expect(detail.attempts!.map((attempt) => attempt.container!.exitCode)).toEqual([7, 7, 0]);
    expect(new Set(detail.attempts!.map((attempt) => attempt.container!.logStreamName)).size).toBe(3);
  });

  test('the job fails once its attempts are used up', async () => {
    await fixture.define('always-bad', ['false']);
    const jobId = await fixture.submit('bad', 'always-bad', { retryStrategy: { attempts: 2 } });
    const detail = await fixture.waitFor(jobId);
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts).toHaveLength(2);
  });

  test('the first matching evaluateOnExit entry wins: EXIT stops retrying at once', async () => {
    // GIVEN
    await fixture.define('exit-2', ['sh', '-c', 'exit 2']);
    // WHEN: the action in lower case, which AWS accepts (the SDK's type does not)
    const jobId = await fixture.submit('exit-2', 'exit-2', {
      retryStrategy: { attempts: 5, evaluateOnExit: [{ onExitCode: '2', action: 'exit' as 'EXIT' }, { onExitCode: '*', action: 'RETRY' }] },
    });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts).toHaveLength(1);
  });

  test('an entry matching on status reason and a prefix pattern retries', async () => {
    await fixture.define('exit-13', ['sh', '-c', 'exit 13']);
    const jobId = await fixture.submit('exit-13', 'exit-13', {
      retryStrategy: { attempts: 2, evaluateOnExit: [{ onStatusReason: 'Essential container*', onExitCode: '1*', action: 'RETRY' }, { onReason: '*', action: 'EXIT' }] },
    });
    const detail = await fixture.waitFor(jobId);
    expect(detail.attempts!.map((attempt) => attempt.container!.exitCode)).toEqual([13, 13]);
  });

  test('a command that cannot start fails the attempt with the container reason', async () => {
    await fixture.define('missing', ['no-such-command-batchkit']);
    const jobId = await fixture.submit('missing', 'missing');
    const detail = await fixture.waitFor(jobId);
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('Task failed to start');
    expect(detail.attempts![0].container!.reason).toBe('CannotStartContainerError: exec: "no-such-command-batchkit": executable file not found in $PATH');
    expect(detail.attempts![0].container!.exitCode).toBeUndefined();
  });
});

describe('timeouts', () => {
  let fixture: EngineFixture;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    fixture = await openEngine({ clock, killGraceMs: 5000 });
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('an attempt past its timeout gets SIGTERM, fails with the timeout reason and is not retried', async () => {
    // GIVEN
    await fixture.define('sleeper', ['sh', '-c', 'sleep 30']);
    const jobId = await fixture.submit('sleeper', 'sleeper', { timeout: { attemptDurationSeconds: 60 }, retryStrategy: { attempts: 3 } });
    await fixture.waitFor(jobId, ['RUNNING']);
    // WHEN
    clock.advance(59_999);
    expect((await fixture.describe(jobId)).status).toBe('RUNNING');
    clock.advance(1);
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('Job attempt duration exceeded timeout');
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts![0].container!.exitCode).toBe(143);
  });

  test('a process that survives SIGTERM gets SIGKILL after the grace', async () => {
    // GIVEN: the shell notes SIGTERM and keeps going
    await fixture.define('stubborn', ['sh', '-c', 'trap "echo got-term" TERM; echo ready; i=0; while [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done']);
    const jobId = await fixture.submit('stubborn', 'stubborn', { timeout: { attemptDurationSeconds: 60 } });
    await fixture.waitFor(jobId, ['RUNNING']);
    const log = () => fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8');
    await eventually(() => log().includes('ready'), 'the trap to be set');
    // WHEN
    clock.advance(60_000);
    await eventually(() => log().includes('got-term'), 'the job to receive SIGTERM');
    const afterTerm = await fixture.describe(jobId);
    clock.advance(5000);
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(afterTerm.status).toBe('RUNNING');
    expect(detail.statusReason).toBe('Job attempt duration exceeded timeout');
    expect(detail.attempts![0].container!.exitCode).toBe(137);
  });

  test('each array child has its own timeout, counted from its own start', async () => {
    // GIVEN: child 0 sleeps, child 1 exits at once
    await fixture.define('mixed', ['sh', '-c', 'test "$AWS_BATCH_JOB_ARRAY_INDEX" -eq 1 || sleep 30']);
    const parentId = await fixture.submit('mixed', 'mixed', { arrayProperties: { size: 2 }, timeout: { attemptDurationSeconds: 60 } });
    await fixture.waitFor(`${parentId}:1`);
    await fixture.waitFor(`${parentId}:0`, ['RUNNING']);
    // WHEN
    clock.advance(60_000);
    const parent = await fixture.waitFor(parentId);
    // THEN
    expect((await fixture.describe(`${parentId}:0`)).statusReason).toBe('Job attempt duration exceeded timeout');
    expect((await fixture.describe(`${parentId}:1`)).status).toBe('SUCCEEDED');
    expect(parent.status).toBe('FAILED');
  });
});
