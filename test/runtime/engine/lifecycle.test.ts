import * as fs from 'fs';
import { EngineFixture, openEngine } from './engine-fixture';

describe('job lifecycle', () => {
  let fixture: EngineFixture;
  beforeEach(async () => {
    fixture = await openEngine();
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('a job that exits 0 goes SUBMITTED to RUNNABLE, STARTING, RUNNING, SUCCEEDED with one attempt', async () => {
    // GIVEN
    await fixture.define('ok', ['sh', '-c', 'echo hello; exit 0']);
    // WHEN
    const jobId = await fixture.submit('ok-job', 'ok');
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(fixture.statusesOf(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    expect(detail.status).toBe('SUCCEEDED');
    expect(detail.statusReason).toBe('Essential container in task exited');
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts![0].container!.exitCode).toBe(0);
    expect(detail.startedAt).toBeGreaterThanOrEqual(detail.createdAt!);
    expect(detail.stoppedAt).toBeGreaterThanOrEqual(detail.startedAt!);
    expect(fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8')).toBe('hello\n');
  });

  test('a job that exits 3 ends FAILED with the exit code on its attempt', async () => {
    // GIVEN
    await fixture.define('bad', ['sh', '-c', 'exit 3']);
    // WHEN
    const jobId = await fixture.submit('bad-job', 'bad');
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(fixture.statusesOf(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'FAILED']);
    expect(detail.attempts!.map((attempt) => attempt.container!.exitCode)).toEqual([3]);
    expect(detail.container!.exitCode).toBe(3);
  });
});
