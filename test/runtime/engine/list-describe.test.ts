import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EngineFixture, openEngine, WAIT_FOR_GATE } from './engine-fixture';

describe('ListJobs and DescribeJobs', () => {
  let fixture: EngineFixture;
  let dir: string;
  let gate: string;
  beforeEach(async () => {
    fixture = await openEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-list-'));
    gate = path.join(dir, 'gate');
    await fixture.define('ok', ['true']);
    await fixture.define('gated', ['sh', '-c', WAIT_FOR_GATE]);
  });
  afterEach(async () => {
    fs.writeFileSync(gate, '');
    await fixture.engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const gated = (jobName: string) => fixture.submit(jobName, 'gated', { containerOverrides: { environment: [{ name: 'GATE', value: gate }] } });

  test('without jobStatus ListJobs returns RUNNING jobs only, as AWS', async () => {
    // GIVEN
    const done = await fixture.submit('done', 'ok');
    await fixture.waitFor(done);
    const running = await gated('running');
    await fixture.waitFor(running, ['RUNNING']);
    // WHEN
    const listed = await fixture.engine.listJobs({ jobQueue: 'q' });
    // THEN
    expect(listed.jobSummaryList!.map((job) => job.jobId)).toEqual([running]);
    expect((await fixture.engine.listJobs({ jobQueue: 'q', jobStatus: 'SUCCEEDED' })).jobSummaryList!.map((job) => job.jobId)).toEqual([done]);
  });

  test('pages with maxResults and an opaque nextToken, in submission order', async () => {
    // GIVEN
    const ids = [];
    for (let index = 0; index < 5; index++) {
      ids.push(await fixture.submit(`job-${index}`, 'ok'));
    }
    await fixture.waitFor(ids[4]);
    await Promise.all(ids.map((jobId) => fixture.waitFor(jobId)));
    // WHEN
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await fixture.engine.listJobs({ jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q', jobStatus: 'SUCCEEDED', maxResults: 2, nextToken });
      seen.push(...page.jobSummaryList!.map((job) => job.jobId!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 10);
    // THEN
    expect(seen).toEqual(ids);
    expect(pages).toBe(3);
  });

  test('a JOB_NAME filter is case-insensitive with a * suffix and ignores jobStatus', async () => {
    const keep = await fixture.submit('Train-Model', 'ok');
    await fixture.submit('evaluate', 'ok');
    await fixture.waitFor(keep);
    const listed = await fixture.engine.listJobs({ jobQueue: 'q', jobStatus: 'RUNNING', filters: [{ name: 'JOB_NAME', values: ['train-*'] }] });
    expect(listed.jobSummaryList!.map((job) => job.jobName)).toEqual(['Train-Model']);
  });

  test('arrayJobId lists the children with their index', async () => {
    const parent = await fixture.submit('array', 'ok', { arrayProperties: { size: 3 } });
    await fixture.waitFor(parent);
    const listed = await fixture.engine.listJobs({ arrayJobId: parent, jobStatus: 'SUCCEEDED' });
    expect(listed.jobSummaryList!.map((job) => [job.jobId, job.arrayProperties])).toEqual([0, 1, 2].map((index) => [`${parent}:${index}`, { index }]));
  });

  test('fails when no scope or two scopes are given', async () => {
    await expect(fixture.engine.listJobs({})).rejects.toThrow('exactly one of jobQueue, arrayJobId and multiNodeJobId is required: given 0');
    await expect(fixture.engine.listJobs({ jobQueue: 'q', arrayJobId: 'x' })).rejects.toThrow('exactly one of jobQueue, arrayJobId and multiNodeJobId is required: given 2');
  });

  test('fails when the token is not one the engine returned', async () => {
    await expect(fixture.engine.listJobs({ jobQueue: 'q', nextToken: 'garbage' })).rejects.toThrow('nextToken "garbage" is not a token this engine returned');
  });

  test('DescribeJobs leaves unknown ids out and refuses more than 100 ids', async () => {
    const jobId = await fixture.submit('one', 'ok');
    const described = await fixture.engine.describeJobs({ jobs: [jobId, 'unknown-id', `${jobId}:4`] });
    expect(described.jobs!.map((job) => job.jobId)).toEqual([jobId]);
    await expect(fixture.engine.describeJobs({ jobs: Array(101).fill(jobId) })).rejects.toThrow('Maximum number of jobs supported is 100: given 101 job ids');
  });

  test('DescribeJobs shows a described job as it is now: after it moves on, and after its tags change', async () => {
    // GIVEN
    const running = await gated('moving');
    await fixture.waitFor(running, ['RUNNING']);
    const whileRunning = (await fixture.engine.describeJobs({ jobs: [running] })).jobs![0];
    const done = await fixture.submit('done', 'ok');
    const finished = await fixture.waitFor(done);
    // WHEN
    fs.writeFileSync(gate, '');
    const ended = await fixture.waitFor(running);
    await fixture.engine.tagResource({ resourceArn: finished.jobArn!, tags: { stage: 'dev' } });
    const again = await fixture.engine.describeJobs({ jobs: [done, running] });
    // THEN
    expect(whileRunning.status).toBe('RUNNING');
    expect(ended.status).toBe('SUCCEEDED');
    expect(ended.attempts).toHaveLength(1);
    expect(again.jobs!.map((job) => [job.jobId, job.status, job.tags])).toEqual([[done, 'SUCCEEDED', { stage: 'dev' }], [running, 'SUCCEEDED', {}]]);
    expect(JSON.parse(JSON.stringify(again))).toEqual({ jobs: again.jobs });
  });

  test('tags: submit-time, TagResource and UntagResource on a job and a queue', async () => {
    const jobId = await fixture.submit('tagged', 'ok', { tags: { team: 'ml' } });
    const jobArn = `arn:aws:batch:us-east-1:123456789012:job/${jobId}`;
    await fixture.engine.tagResource({ resourceArn: jobArn, tags: { stage: 'dev' } });
    await fixture.engine.untagResource({ resourceArn: jobArn, tagKeys: ['team'] });
    expect((await fixture.engine.listTagsForResource({ resourceArn: jobArn })).tags).toEqual({ stage: 'dev' });
    expect((await fixture.describe(jobId)).tags).toEqual({ stage: 'dev' });
    const queueArn = 'arn:aws:batch:us-east-1:123456789012:job-queue/q';
    await fixture.engine.tagResource({ resourceArn: queueArn, tags: { owner: 'me' } });
    expect((await fixture.engine.describeJobQueues({ jobQueues: ['q'] })).jobQueues![0].tags).toEqual({ owner: 'me' });
    await expect(fixture.engine.listTagsForResource({ resourceArn: 'arn:aws:batch:us-east-1:123456789012:job-queue/none' }))
      .rejects.toThrow('resourceArn "arn:aws:batch:us-east-1:123456789012:job-queue/none" names no compute environment, job queue, job definition or job this engine knows');
  });
});
