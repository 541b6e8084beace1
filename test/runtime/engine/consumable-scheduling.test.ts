import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { openEngine, type EngineFixture } from './engine-fixture';

/** Each job appends its own start and stop marks (ns since the epoch) to a file named after its id. */
const MARKED_SLEEP = ['sh', '-c', 'echo "$(date +%s%N) $(sleep 0.4; date +%s%N)" > "$MARKS/$AWS_BATCH_JOB_ID"'];

function mostAtOnce(intervals: Array<[number, number]>): number {
  const edges = intervals.flatMap(([start, stop]) => [[start, 1], [stop, -1]] as Array<[number, number]>)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let most = 0;
  for (const [, step] of edges) {
    running += step;
    most = Math.max(most, running);
  }
  return most;
}

describe('consumable resources in the scheduler', () => {
  let fixture: EngineFixture;
  let marks: string;

  beforeEach(async () => {
    marks = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-marks-'));
    fixture = await openEngine({ hostCapacity: { vcpus: 6, memoryMiB: 8192 } });
  });

  afterEach(async () => {
    await fixture.engine.close();
    fs.rmSync(marks, { recursive: true, force: true });
  });

  test('a REPLENISHABLE resource of 2 never lets more than 2 of 6 jobs run at once, and all succeed', async () => {
    // GIVEN
    await fixture.engine.createConsumableResource({ consumableResourceName: 'licence', totalQuantity: 2 });
    await fixture.define('licensed', MARKED_SLEEP, {
      containerProperties: {
        image: 'busybox', command: MARKED_SLEEP, environment: [{ name: 'MARKS', value: marks }],
        resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }],
      },
      consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'licence', quantity: 1 }] },
    });
    // WHEN
    const jobIds = [];
    for (let i = 0; i < 6; i++) {
      jobIds.push(await fixture.submit(`licensed-${i}`, 'licensed'));
    }
    const waiting = await fixture.engine.listJobsByConsumableResource({ consumableResource: 'licence', filters: [{ name: 'JOB_STATUS', values: ['RUNNABLE'] }] });
    const ended = await Promise.all(jobIds.map((jobId) => fixture.waitFor(jobId, ['SUCCEEDED', 'FAILED'], 30_000)));
    // THEN
    expect(ended.map((job) => job.status)).toEqual(Array(6).fill('SUCCEEDED'));
    const intervals = jobIds.map((jobId) => fs.readFileSync(path.join(marks, jobId), 'utf8').trim().split(' ').map(Number) as [number, number]);
    expect(mostAtOnce(intervals)).toBe(2);
    expect(waiting.jobs!.every((job) => job.quantity === 1 && job.jobStatus === 'RUNNABLE')).toBe(true);
    const resource = await fixture.engine.describeConsumableResource({ consumableResource: 'licence' });
    expect(resource).toMatchObject({ totalQuantity: 2, inUseQuantity: 0, availableQuantity: 2 });
    expect(ended[0].consumableResourceProperties).toEqual({ consumableResourceList: [{ consumableResource: 'licence', quantity: 1 }] });
  });

  test('a NON_REPLENISHABLE resource runs out: the jobs after it wait RUNNABLE with a reason naming it', async () => {
    // GIVEN
    await fixture.engine.createConsumableResource({ consumableResourceName: 'quota', totalQuantity: 3, resourceType: 'NON_REPLENISHABLE' });
    await fixture.define('spends', ['true'], { consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'quota', quantity: 1 }] } });
    // WHEN
    const first = [await fixture.submit('a', 'spends'), await fixture.submit('b', 'spends')];
    const big = await fixture.submit('c', 'spends', { consumableResourcePropertiesOverride: { consumableResourceList: [{ consumableResource: 'quota', quantity: 2 }] } });
    await Promise.all(first.map((jobId) => fixture.waitFor(jobId)));
    const waiting = await waitForReason(fixture, big);
    // THEN
    expect(waiting).toMatchObject({ status: 'RUNNABLE', statusReason: 'Waiting for consumable resource quota: the job needs 2, 1 of 1 available' });
    expect(await fixture.engine.describeConsumableResource({ consumableResource: 'quota' })).toMatchObject({ totalQuantity: 1, inUseQuantity: 0, availableQuantity: 1 });

    // WHEN units are added, the waiting job runs
    await fixture.engine.updateConsumableResource({ consumableResource: 'quota', operation: 'ADD', quantity: 1 });
    // THEN
    await expect(fixture.waitFor(big)).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(await fixture.engine.describeConsumableResource({ consumableResource: 'quota' })).toMatchObject({ totalQuantity: 0, availableQuantity: 0 });
  });

  test('a multi-node job holds the units of all its nodes at once', async () => {
    // GIVEN
    await fixture.engine.createConsumableResource({ consumableResourceName: 'seats', totalQuantity: 3 });
    await fixture.engine.registerJobDefinition({
      jobDefinitionName: 'mnp', type: 'multinode',
      nodeProperties: {
        numNodes: 2, mainNode: 0,
        nodeRangeProperties: [{
          targetNodes: '0:', container: { image: 'busybox', command: ['true'], vcpus: 1, memory: 64 },
          consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'seats', quantity: 2 }] },
        }],
      },
    });
    // WHEN
    const jobId = await fixture.submit('mnp', 'mnp');
    const waiting = await waitForReason(fixture, jobId);
    // THEN
    expect(waiting.statusReason).toBe('Waiting for consumable resource seats: the job needs 4, 3 of 3 available');
    await fixture.engine.updateConsumableResource({ consumableResource: 'seats', quantity: 4 });
    await expect(fixture.waitFor(jobId)).resolves.toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('consumable resources across a restart', () => {
  test('quantities are kept; units a NON_REPLENISHABLE job held when the engine stopped stay consumed', async () => {
    // GIVEN
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-consumable-'));
    try {
      let fixture = await openEngine({ dataDir });
      await fixture.engine.createConsumableResource({ consumableResourceName: 'keys', totalQuantity: 5, resourceType: 'NON_REPLENISHABLE', tags: { team: 'a' } });
      await fixture.engine.createConsumableResource({ consumableResourceName: 'seats', totalQuantity: 2 });
      await fixture.define('holds', ['sleep', '30'], {
        consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'keys', quantity: 2 }, { consumableResource: 'seats', quantity: 1 }] },
      });
      const jobId = await fixture.submit('holds', 'holds');
      await fixture.waitFor(jobId, ['RUNNING']);
      const whileRunning = await fixture.engine.describeConsumableResource({ consumableResource: 'keys' });
      // WHEN
      await fixture.engine.close();
      fixture = await openEngine({ dataDir });
      const keys = await fixture.engine.describeConsumableResource({ consumableResource: 'keys' });
      const seats = await fixture.engine.describeConsumableResource({ consumableResource: 'seats' });
      await fixture.engine.close();
      // THEN
      expect(whileRunning).toMatchObject({ totalQuantity: 5, inUseQuantity: 2, availableQuantity: 3 });
      expect(keys).toMatchObject({ totalQuantity: 3, inUseQuantity: 0, availableQuantity: 3, tags: { team: 'a' } });
      expect(seats).toMatchObject({ totalQuantity: 2, inUseQuantity: 0, availableQuantity: 2 });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('fails when a job definition or a submit names a consumable resource that does not exist', async () => {
    // GIVEN
    const engine = await LocalBatchEngine.open({ launcher: 'process' });
    try {
      await engine.createComputeEnvironment({ computeEnvironmentName: 'ce', type: 'UNMANAGED', unmanagedvCpus: 1 });
      await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
      await engine.registerJobDefinition({ jobDefinitionName: 'jd', type: 'container', containerProperties: { image: 'busybox', command: ['true'] } });
      // THEN
      await expect(engine.registerJobDefinition({
        jobDefinitionName: 'bad', type: 'container', containerProperties: { image: 'busybox', command: ['true'] },
        consumableResourceProperties: { consumableResourceList: [{ consumableResource: 'missing', quantity: 1 }] },
      })).rejects.toThrow(/consumableResourceProperties.consumableResourceList\[0\].consumableResource "missing" names no consumable resource/);
      await expect(engine.submitJob({
        jobName: 'j', jobQueue: 'q', jobDefinition: 'jd', consumableResourcePropertiesOverride: { consumableResourceList: [{ consumableResource: 'missing', quantity: 1 }] },
      })).rejects.toThrow(/consumableResourcePropertiesOverride.consumableResourceList\[0\].consumableResource "missing" names no consumable resource/);
    } finally {
      await engine.close();
    }
  });
});

async function waitForReason(fixture: EngineFixture, jobId: string): Promise<{ status?: string; statusReason?: string }> {
  for (let i = 0; i < 300; i++) {
    const detail = await fixture.describe(jobId);
    if (detail.statusReason?.startsWith('Waiting for consumable resource')) {
      return detail;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return fixture.describe(jobId);
}
