import { EngineFixture, openEngine } from './engine-fixture';

describe('dependencies', () => {
  let fixture: EngineFixture;
  beforeEach(async () => {
    fixture = await openEngine();
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('a job stays PENDING until its dependency SUCCEEDED, then runs', async () => {
    // GIVEN a dependency still running when the dependent is submitted (one that has already
    // succeeded is a met dependency: its dependent goes straight to RUNNABLE)
    await fixture.define('ok', ['true']);
    await fixture.define('slow', ['sleep', '1']);
    const first = await fixture.submit('first', 'slow');
    // WHEN
    const second = await fixture.submit('second', 'ok', { dependsOn: [{ jobId: first }] });
    await fixture.waitFor(second);
    // THEN
    expect(fixture.statusesOf(second)).toEqual(['PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    const order = fixture.events.map((event) => `${(event.detail as { jobId: string }).jobId} ${(event.detail as { status: string }).status}`);
    expect(order.indexOf(`${second} RUNNABLE`)).toBeGreaterThan(order.indexOf(`${first} SUCCEEDED`));
  });

  test('a failed dependency fails its dependents down the graph, naming the failed job', async () => {
    // GIVEN
    await fixture.define('ok', ['true']);
    await fixture.define('bad', ['false']);
    const root = await fixture.submit('root', 'bad');
    const middle = await fixture.submit('middle', 'ok', { dependsOn: [{ jobId: root }] });
    // WHEN
    const leaf = await fixture.submit('leaf', 'ok', { dependsOn: [{ jobId: middle }] });
    const leafDetail = await fixture.waitFor(leaf);
    // THEN
    const middleDetail = await fixture.describe(middle);
    expect(middleDetail.status).toBe('FAILED');
    expect(middleDetail.statusReason).toBe(`Dependent Job failed: ${root} is FAILED (Essential container in task exited)`);
    expect(leafDetail.statusReason).toMatch(new RegExp(`^Dependent Job failed: ${middle} is FAILED`));
    expect(fixture.statusesOf(leaf)).toEqual(['PENDING', 'FAILED']);
    expect(leafDetail.attempts).toEqual([]);
  });

  test('a job submitted after its dependency failed still passes through PENDING before it fails', async () => {
    // GIVEN a dependency that has already failed
    await fixture.define('ok', ['true']);
    await fixture.define('bad', ['false']);
    const root = await fixture.submit('root', 'bad');
    expect((await fixture.waitFor(root)).status).toBe('FAILED');
    // WHEN
    const late = await fixture.submit('late', 'ok', { dependsOn: [{ jobId: root }] });
    const lateDetail = await fixture.waitFor(late);
    // THEN
    expect(lateDetail.statusReason).toBe(`Dependent Job failed: ${root} is FAILED (Essential container in task exited)`);
    expect(fixture.statusesOf(late)).toEqual(['PENDING', 'FAILED']);
  });

  test('a plain dependency on an array job waits for all of its children', async () => {
    // GIVEN
    await fixture.define('ok', ['true']);
    const array = await fixture.submit('array', 'ok', { arrayProperties: { size: 5 } });
    // WHEN
    const after = await fixture.submit('after', 'ok', { dependsOn: [{ jobId: array }] });
    await fixture.waitFor(after);
    // THEN
    const order = fixture.events.map((event) => `${(event.detail as { jobId: string }).jobId} ${(event.detail as { status: string }).status}`);
    const lastChildDone = Math.max(...[0, 1, 2, 3, 4].map((index) => order.indexOf(`${array}:${index} SUCCEEDED`)));
    expect(order.indexOf(`${after} RUNNABLE`)).toBeGreaterThan(lastChildDone);
  });

  test('fails when a job has 21 dependencies', async () => {
    // GIVEN
    await fixture.define('ok', ['true']);
    const ids = [];
    for (let index = 0; index < 21; index++) {
      ids.push(await fixture.submit(`dep-${index}`, 'ok'));
    }
    // WHEN / THEN
    await expect(fixture.submit('too-many', 'ok', { dependsOn: ids.map((jobId) => ({ jobId })) }))
      .rejects.toThrow('dependsOn has 21 entries, expected at most 20');
  });

  test('fails when a dependency names an unknown job', async () => {
    await fixture.define('ok', ['true']);
    await expect(fixture.submit('orphan', 'ok', { dependsOn: [{ jobId: 'no-such-job' }] }))
      .rejects.toThrow('dependsOn[0].jobId "no-such-job" is not a job this engine knows: expected the id of a submitted job');
  });
});
