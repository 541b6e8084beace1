import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type * as batch from '@aws-sdk/client-batch';
import { EngineFixture, eventually, jobDetailOf, openEngine, WAIT_FOR_GATE } from './engine-fixture';

/** A fair-share queue `fair` on its own compute environment `fairce`, created DISABLED so every job is RUNNABLE before any starts. */
async function fairShareQueue(fixture: EngineFixture, fairsharePolicy: batch.FairsharePolicy, maxvCpus: number): Promise<void> {
  const { arn } = await fixture.engine.createSchedulingPolicy({ name: 'teams', fairsharePolicy });
  await fixture.engine.createComputeEnvironment({
    computeEnvironmentName: 'fairce', type: 'MANAGED', state: 'DISABLED',
    computeResources: { type: 'EC2', maxvCpus, minvCpus: 0, subnets: [], instanceRole: 'role', instanceTypes: ['optimal'] },
  } as batch.CreateComputeEnvironmentRequest);
  await fixture.engine.createJobQueue({ jobQueueName: 'fair', priority: 1, schedulingPolicyArn: arn, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'fairce' }] });
}

async function submitFair(fixture: EngineFixture, jobName: string, jobDefinition: string, extra: Partial<batch.SubmitJobRequest>): Promise<string> {
  return (await fixture.engine.submitJob({ jobName, jobQueue: 'fair', jobDefinition, ...extra })).jobId!;
}

async function allRunnable(fixture: EngineFixture, count: number): Promise<void> {
  await eventually(async () => (await fixture.engine.listJobs({ jobQueue: 'fair', jobStatus: 'RUNNABLE', maxResults: 1000 })).jobSummaryList!.length === count, `${count} RUNNABLE jobs`);
}

async function enable(fixture: EngineFixture): Promise<void> {
  await fixture.engine.updateComputeEnvironment({ computeEnvironment: 'fairce', state: 'ENABLED' });
}

function startOrder(fixture: EngineFixture): string[] {
  return fixture.events.filter((event) => jobDetailOf(event).status === 'STARTING').map((event) => jobDetailOf(event).jobName!);
}

describe('fair-share scheduling', () => {
  let fixture: EngineFixture;
  let dir: string;
  let gate: string;
  beforeEach(async () => {
    fixture = await openEngine({ hostCapacity: { vcpus: 2, memoryMiB: 4096 } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-fair-share-'));
    gate = path.join(dir, 'gate');
    await fixture.define('quick', ['sh', '-c', 'sleep 0.02'], {
      containerProperties: { command: ['sh', '-c', 'sleep 0.02'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
    });
    await fixture.define('gated', ['sh', '-c', WAIT_FOR_GATE], {
      containerProperties: { command: ['sh', '-c', WAIT_FOR_GATE], environment: [{ name: 'GATE', value: gate }], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
      schedulingPriority: 2,
    });
  });
  afterEach(async () => {
    fs.writeFileSync(gate, '');
    await fixture.engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('two shares of weight 1 and 3 get the vCPU in proportion 3 to 1 (a lower weight gets more)', async () => {
    // GIVEN: one vCPU, and every job of share "light" submitted before any of share "heavy"
    await fairShareQueue(fixture, { shareDecaySeconds: 3600, shareDistribution: [{ shareIdentifier: 'light', weightFactor: 1 }, { shareIdentifier: 'heavy', weightFactor: 3 }] }, 1);
    for (let i = 0; i < 40; i++) {
      await submitFair(fixture, 'light', 'quick', { shareIdentifier: 'light' });
    }
    for (let i = 0; i < 40; i++) {
      await submitFair(fixture, 'heavy', 'quick', { shareIdentifier: 'heavy' });
    }
    await allRunnable(fixture, 80);
    // WHEN
    await enable(fixture);
    await eventually(() => startOrder(fixture).length >= 40, '40 jobs started', 60_000);
    // THEN: over the first 40 starts, while both shares still wait, light gets about 3/4
    const window = startOrder(fixture).slice(0, 40);
    const light = window.filter((name) => name === 'light').length;
    expect(light).toBeGreaterThanOrEqual(26);
    expect(light).toBeLessThanOrEqual(34);
  });

  test('within a share, a higher scheduling priority starts first, then submission order', async () => {
    // GIVEN
    await fairShareQueue(fixture, {}, 1);
    await submitFair(fixture, 'low', 'quick', { shareIdentifier: 'team', schedulingPriorityOverride: 1 });
    await submitFair(fixture, 'definition', 'gated', { shareIdentifier: 'team' });
    await submitFair(fixture, 'high', 'quick', { shareIdentifier: 'team', schedulingPriorityOverride: 9 });
    await submitFair(fixture, 'low-later', 'quick', { shareIdentifier: 'team', schedulingPriorityOverride: 1 });
    await allRunnable(fixture, 4);
    const snapshot = await fixture.engine.getJobQueueSnapshot({ jobQueue: 'fair' });
    // WHEN
    await enable(fixture);
    fs.writeFileSync(gate, '');
    await eventually(() => startOrder(fixture).length === 4, '4 jobs started');
    // THEN
    expect(startOrder(fixture)).toEqual(['high', 'definition', 'low', 'low-later']);
    const names = new Map(fixture.events.map((event) => [jobDetailOf(event).jobArn, jobDetailOf(event).jobName]));
    expect(snapshot.frontOfQueue!.jobs!.map((job) => names.get(job.jobArn))).toEqual(['high', 'definition', 'low', 'low-later']);
  });

  test('computeReservation keeps vCPUs for a share with nothing running', async () => {
    // GIVEN: 2 vCPUs; with one active share, 50% of them are held back
    await fairShareQueue(fixture, { computeReservation: 50 }, 2);
    for (let i = 0; i < 3; i++) {
      await submitFair(fixture, `first-${i}`, 'gated', { shareIdentifier: 'first' });
    }
    await allRunnable(fixture, 3);
    await enable(fixture);
    await eventually(() => startOrder(fixture).length === 1, 'a first job started');
    // WHEN
    await submitFair(fixture, 'second', 'gated', { shareIdentifier: 'second' });
    await eventually(() => startOrder(fixture).length === 2, 'the second share started');
    // THEN: the reserve went to the new share; the first share still runs one job
    expect(startOrder(fixture)).toEqual(['first-0', 'second']);
    const running = await fixture.engine.listJobs({ jobQueue: 'fair', jobStatus: 'RUNNABLE' });
    expect(running.jobSummaryList!.map((job) => job.jobName)).toEqual(['first-1', 'first-2']);
  });
});
