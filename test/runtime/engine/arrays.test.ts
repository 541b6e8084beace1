import * as fs from 'fs';
import { EngineFixture, openEngine } from './engine-fixture';

describe('array jobs', () => {
  let fixture: EngineFixture;
  beforeEach(async () => {
    fixture = await openEngine();
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('children run with their index and size, the parent stays PENDING and then SUCCEEDED', async () => {
    // GIVEN
    await fixture.define('env', ['sh', '-c', 'echo "$AWS_BATCH_JOB_ID $AWS_BATCH_JOB_ARRAY_INDEX $AWS_BATCH_JOB_ARRAY_SIZE"']);
    // WHEN
    const parentId = await fixture.submit('array', 'env', { arrayProperties: { size: 3 } });
    const parent = await fixture.waitFor(parentId);
    // THEN
    expect(parent.status).toBe('SUCCEEDED');
    expect(fixture.statusesOf(parentId)).toEqual(['PENDING', 'SUCCEEDED']);
    expect(parent.arrayProperties).toEqual({ size: 3, statusSummary: { SUBMITTED: 0, PENDING: 0, RUNNABLE: 0, STARTING: 0, RUNNING: 0, SUCCEEDED: 3, FAILED: 0 } });
    for (const index of [0, 1, 2]) {
      const childId = `${parentId}:${index}`;
      expect(fs.readFileSync(fixture.engine.logFileFor(childId)!, 'utf8')).toBe(`${childId} ${index} 3\n`);
      expect(fixture.statusesOf(childId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    }
    const child = await fixture.describe(`${parentId}:1`);
    // AWS returns size for the parent only, index for children only
    expect(child.arrayProperties).toEqual({ index: 1 });
  });

  test('the parent fails with a reason when any child fails, after every child finished', async () => {
    // GIVEN
    await fixture.define('odd-fails', ['sh', '-c', 'exit $((AWS_BATCH_JOB_ARRAY_INDEX % 2))']);
    // WHEN
    const parentId = await fixture.submit('array', 'odd-fails', { arrayProperties: { size: 4 } });
    const parent = await fixture.waitFor(parentId);
    // THEN
    expect(parent.status).toBe('FAILED');
    expect(parent.statusReason).toBe('Array Child Job failed');
    expect(parent.arrayProperties!.statusSummary).toMatchObject({ SUCCEEDED: 2, FAILED: 2 });
  });

  test('a SEQUENTIAL array runs its children one after another from index 0', async () => {
    // GIVEN
    await fixture.define('seq', ['sh', '-c', 'echo $AWS_BATCH_JOB_ARRAY_INDEX']);
    // WHEN
    const parentId = await fixture.submit('sequential', 'seq', { arrayProperties: { size: 4 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    await fixture.waitFor(parentId);
    // THEN
    const running = fixture.events
      .map((event) => event.detail as { jobId: string; status: string })
      .filter((detail) => detail.jobId.startsWith(`${parentId}:`) && (detail.status === 'STARTING' || detail.status === 'SUCCEEDED'))
      .map((detail) => `${detail.status} ${detail.jobId.split(':')[1]}`);
    expect(running).toEqual(['STARTING 0', 'SUCCEEDED 0', 'STARTING 1', 'SUCCEEDED 1', 'STARTING 2', 'SUCCEEDED 2', 'STARTING 3', 'SUCCEEDED 3']);
  });

  test('a failed child of a SEQUENTIAL array fails the children after it with the failed child named', async () => {
    // GIVEN
    await fixture.define('fail-at-1', ['sh', '-c', 'test $AWS_BATCH_JOB_ARRAY_INDEX -ne 1']);
    // WHEN
    const parentId = await fixture.submit('sequential', 'fail-at-1', { arrayProperties: { size: 4 }, dependsOn: [{ type: 'SEQUENTIAL' }] });
    await fixture.waitFor(parentId);
    // THEN
    const children = (await fixture.engine.describeJobs({ jobs: [0, 1, 2, 3].map((index) => `${parentId}:${index}`) })).jobs!;
    expect(children.map((child) => child.status)).toEqual(['SUCCEEDED', 'FAILED', 'FAILED', 'FAILED']);
    expect(children[2].statusReason).toMatch(new RegExp(`^Dependent Job failed: ${parentId}:1 is FAILED`));
    expect(children[3].statusReason).toMatch(new RegExp(`^Dependent Job failed: ${parentId}:2 is FAILED`));
    expect(fixture.statusesOf(`${parentId}:3`)).toEqual(['PENDING', 'FAILED']);
  });

  test('an N_TO_N child waits for the child with the same index of the other array', async () => {
    // GIVEN
    await fixture.define('slow-first', ['sh', '-c', 'echo $AWS_BATCH_JOB_ARRAY_INDEX']);
    const firstId = await fixture.submit('first', 'slow-first', { arrayProperties: { size: 3 } });
    // WHEN
    const secondId = await fixture.submit('second', 'slow-first', { arrayProperties: { size: 3 }, dependsOn: [{ jobId: firstId, type: 'N_TO_N' }] });
    await fixture.waitFor(secondId);
    // THEN
    const order = fixture.events.map((event) => event.detail as { jobId: string; status: string });
    for (const index of [0, 1, 2]) {
      const firstDone = order.findIndex((detail) => detail.jobId === `${firstId}:${index}` && detail.status === 'SUCCEEDED');
      const secondStart = order.findIndex((detail) => detail.jobId === `${secondId}:${index}` && detail.status === 'RUNNABLE');
      expect(firstDone).toBeGreaterThanOrEqual(0);
      expect(secondStart).toBeGreaterThan(firstDone);
    }
    const child = await fixture.describe(`${secondId}:2`);
    expect(child.dependsOn).toEqual([{ jobId: `${firstId}:2`, type: 'N_TO_N' }]);
  });
});
