import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineFixture, openEngine, WAIT_FOR_GATE } from './engine-fixture';

describe('cancel and terminate', () => {
  let fixture: EngineFixture;
  let dir: string;
  let gate: string;
  beforeEach(async () => {
    fixture = await openEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cancel-'));
    gate = path.join(dir, 'gate');
    await fixture.define('gated', ['sh', '-c', WAIT_FOR_GATE]);
  });
  afterEach(async () => {
    fs.writeFileSync(gate, '');
    await fixture.engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const gated = (jobName: string, extra: object = {}) =>
    fixture.submit(jobName, 'gated', { containerOverrides: { environment: [{ name: 'GATE', value: gate }] }, ...extra });

  test('cancelling a PENDING job fails it with the reason and marks it cancelled', async () => {
    // GIVEN
    const blocker = await gated('blocker');
    const waiting = await gated('waiting', { dependsOn: [{ jobId: blocker }] });
    await fixture.waitFor(waiting, ['PENDING']);
    // WHEN
    await fixture.engine.cancelJob({ jobId: waiting, reason: 'not needed any more' });
    // THEN
    const detail = await fixture.describe(waiting);
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('not needed any more');
    expect(detail.isCancelled).toBe(true);
    expect(fixture.statusesOf(waiting)).toEqual(['PENDING', 'FAILED']);
  });

  test('cancelling a RUNNING job does nothing, as on AWS', async () => {
    // GIVEN
    const running = await gated('running');
    await fixture.waitFor(running, ['RUNNING']);
    // WHEN
    await fixture.engine.cancelJob({ jobId: running, reason: 'too late' });
    fs.writeFileSync(gate, '');
    // THEN
    expect((await fixture.waitFor(running)).status).toBe('SUCCEEDED');
  });

  test('terminating a RUNNING job stops its process and fails it without a retry', async () => {
    // GIVEN
    const running = await gated('running', { retryStrategy: { attempts: 3 } });
    await fixture.waitFor(running, ['RUNNING']);
    // WHEN
    await fixture.engine.terminateJob({ jobId: running, reason: 'operator stop' });
    const detail = await fixture.waitFor(running);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('operator stop');
    expect(detail.isTerminated).toBe(true);
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts![0].container!.exitCode).toBe(143);
  });

  test('cancelling an array parent fails its waiting children; the running child finishes', async () => {
    // GIVEN: a SEQUENTIAL array whose child 0 runs and children 1..2 wait
    const parentId = await gated('array', { arrayProperties: { size: 3 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    await fixture.waitFor(`${parentId}:0`, ['RUNNING']);
    // WHEN
    await fixture.engine.cancelJob({ jobId: parentId, reason: 'stop the array' });
    fs.writeFileSync(gate, '');
    const parent = await fixture.waitFor(parentId);
    // THEN
    const children = (await fixture.engine.describeJobs({ jobs: [0, 1, 2].map((index) => `${parentId}:${index}`) })).jobs!;
    expect(children.map((child) => [child.status, child.statusReason])).toEqual([
      ['SUCCEEDED', 'Essential container in task exited'], ['FAILED', 'stop the array'], ['FAILED', 'stop the array'],
    ]);
    expect(parent.status).toBe('FAILED');
    expect(parent.statusReason).toBe('stop the array');
  });

  test('terminating an array parent stops running children and cancels the rest', async () => {
    // GIVEN
    const parentId = await gated('array', { arrayProperties: { size: 3 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    await fixture.waitFor(`${parentId}:0`, ['RUNNING']);
    // WHEN
    await fixture.engine.terminateJob({ jobId: parentId, reason: 'abort' });
    const parent = await fixture.waitFor(parentId);
    // THEN
    const children = (await fixture.engine.describeJobs({ jobs: [0, 1, 2].map((index) => `${parentId}:${index}`) })).jobs!;
    expect(children.map((child) => child.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(children[0].attempts![0].container!.exitCode).toBe(143);
    expect(parent.statusReason).toBe('abort');
  });

  test('fails when the reason is missing', async () => {
    const running = await gated('running');
    await expect(fixture.engine.terminateJob({ jobId: running, reason: undefined })).rejects.toThrow('reason is required: given nothing, expected a non-empty string');
  });

  test('fails when the job is unknown', async () => {
    await expect(fixture.engine.cancelJob({ jobId: 'nope', reason: 'x' })).rejects.toThrow('jobId "nope" is not a job this engine knows');
  });
});
