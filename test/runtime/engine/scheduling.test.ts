import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ManualClock } from '../../../runtime/engine/clock';
import { EngineFixture, jobDetailOf, openEngine, WAIT_FOR_GATE } from './engine-fixture';

describe('scheduling', () => {
  let fixture: EngineFixture;
  let clock: ManualClock;
  let dir: string;
  let gate: string;
  beforeEach(async () => {
    clock = new ManualClock();
    // One vCPU: jobs run one at a time, so the order they start in is the scheduler's choice.
    fixture = await openEngine({ clock, hostCapacity: { vcpus: 1, memoryMiB: 4096 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-scheduling-'));
    gate = path.join(dir, 'gate');
    await fixture.define('gated', ['sh', '-c', WAIT_FOR_GATE], {
      containerProperties: { command: ['sh', '-c', WAIT_FOR_GATE], environment: [{ name: 'GATE', value: gate }], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '512' }] },
    });
  });
  afterEach(async () => {
    fs.writeFileSync(gate, '');
    await fixture.engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startOrder = () => fixture.events
    .filter((event) => jobDetailOf(event).status === 'STARTING')
    .map((event) => jobDetailOf(event).jobName);

  test('jobs of one queue start in submission order when they compete for the same vCPU', async () => {
    // GIVEN
    const first = await fixture.submit('first', 'gated');
    await fixture.waitFor(first, ['RUNNING']);
    await fixture.submit('second', 'gated');
    const third = await fixture.submit('third', 'gated');
    // WHEN
    fs.writeFileSync(gate, '');
    await fixture.waitFor(third);
    // THEN
    expect(startOrder()).toEqual(['first', 'second', 'third']);
  });

  test('a higher-priority queue sharing the compute environment goes first', async () => {
    // GIVEN
    await fixture.engine.createJobQueue({ jobQueueName: 'urgent', priority: 10, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
    const blocker = await fixture.submit('blocker', 'gated');
    await fixture.waitFor(blocker, ['RUNNING']);
    await fixture.submit('routine', 'gated');
    const urgent = (await fixture.engine.submitJob({ jobName: 'urgent', jobQueue: 'urgent', jobDefinition: 'gated' })).jobId!;
    await fixture.waitFor(urgent, ['RUNNABLE']);
    // WHEN
    fs.writeFileSync(gate, '');
    await fixture.waitFor(urgent);
    // THEN
    expect(startOrder()).toEqual(['blocker', 'urgent', 'routine']);
  });

  test('a job that can never fit blocks its queue with a Batch-style reason and a Queue Blocked event', async () => {
    // GIVEN
    const big = await fixture.submit('big', 'gated', { containerOverrides: { resourceRequirements: [{ type: 'VCPU', value: '8' }] } });
    // WHEN
    const small = await fixture.submit('small', 'gated');
    await new Promise((resolve) => setImmediate(resolve));
    await fixture.waitFor(small, ['RUNNABLE']);
    // THEN
    const detail = await fixture.describe(big);
    expect(detail.status).toBe('RUNNABLE');
    expect(detail.statusReason).toBe('MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by'
      + ' the CE(s) attached to the job queue. The job asks for 8 vCPUs, 512 MiB and 0 GPUs; the largest compute environment offers 1 vCPUs, 4096 MiB and 0 GPUs');
    const blocked = fixture.events.filter((event) => event['detail-type'] === 'Batch Job Queue Blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0].resources).toEqual([`arn:aws:batch:us-east-1:123456789012:job/${big}`, 'arn:aws:batch:us-east-1:123456789012:job-queue/q']);
    expect(blocked[0].detail).toMatchObject({ jobId: big, jobName: 'big', status: 'RUNNABLE', statusReason: detail.statusReason, jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/q' });
    expect((await fixture.describe(small)).status).toBe('RUNNABLE');
  });

  test("the queue's time-limit action cancels a blocked head after maxTimeSeconds and the queue moves on", async () => {
    // GIVEN
    await fixture.engine.updateJobQueue({
      jobQueue: 'q',
      jobStateTimeLimitActions: [{ reason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT', state: 'RUNNABLE', maxTimeSeconds: 600, action: 'CANCEL' }],
    });
    const big = await fixture.submit('big', 'gated', { containerOverrides: { memory: 65536, resourceRequirements: [{ type: 'MEMORY', value: '65536' }] } });
    const small = await fixture.submit('small', 'gated');
    await fixture.waitFor(small, ['RUNNABLE']);
    await new Promise((resolve) => setImmediate(resolve));
    // WHEN
    clock.advance(599_999);
    const beforeLimit = (await fixture.describe(big)).status;
    clock.advance(1);
    fs.writeFileSync(gate, '');
    const smallDetail = await fixture.waitFor(small);
    // THEN
    expect(beforeLimit).toBe('RUNNABLE');
    const bigDetail = await fixture.describe(big);
    expect(bigDetail.status).toBe('FAILED');
    expect(bigDetail.statusReason).toBe('Canceled by JobStateTimeLimit action due to reason: MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT');
    expect(bigDetail.isCancelled).toBe(true);
    expect(smallDetail.status).toBe('SUCCEEDED');
  });

  test("a compute environment's maxvCpus caps how many jobs run at once", async () => {
    // GIVEN: a host with 4 vCPUs, a compute environment capped at 2
    await fixture.engine.close();
    fixture = await openEngine({ hostCapacity: { vcpus: 4, memoryMiB: 4096 }, maxvCpus: 2 });
    await fixture.define('gated', ['sh', '-c', WAIT_FOR_GATE]);
    const env = { containerOverrides: { environment: [{ name: 'GATE', value: gate }] } };
    const ids = [];
    for (const name of ['a', 'b', 'c']) {
      ids.push(await fixture.submit(name, 'gated', env));
    }
    // WHEN
    await fixture.waitFor(ids[1], ['RUNNING']);
    // THEN
    expect((await fixture.describe(ids[2])).status).toBe('RUNNABLE');
    fs.writeFileSync(gate, '');
    expect((await fixture.waitFor(ids[2])).status).toBe('SUCCEEDED');
  });
});
