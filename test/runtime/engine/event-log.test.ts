/**
 * The engine's event log on disk: array children and nodes stored compactly, rotation at
 * `eventLogMaxBytes`, and `readEventLog` giving back exactly what subscribers received.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { readEventLog } from '../../../runtime/engine/event-log';
import type { BatchEventEnvelope } from '../../../runtime/model/events';
import { eventually, jobDetailOf, openEngine } from './engine-fixture';

/** 28 parameters of 1,000 characters: about 28 KB, the size that made every child's event carry 28 KB. */
function largeParameters(): Record<string, string> {
  return Object.fromEntries(Array.from({ length: 28 }, (_, index) => [`p${index}`, String(index % 10).repeat(1000)]));
}

describe('event log', () => {
  let dataDir: string;
  let eventLog: string;
  let engine: LocalBatchEngine | undefined;
  let seen: BatchEventEnvelope[];
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-event-log-'));
    eventLog = path.join(dataDir, 'events.ndjson');
    seen = [];
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** An engine on `dataDir` whose only queue feeds a DISABLED compute environment: jobs stay RUNNABLE. */
  const openHeld = async (options: { eventLogMaxBytes?: number } = {}) => {
    engine = await LocalBatchEngine.open({ dataDir, ...options });
    engine.subscribe((event) => seen.push(event));
    await engine.createComputeEnvironment({ computeEnvironmentName: 'held', type: 'UNMANAGED', state: 'DISABLED' });
    await engine.createJobQueue({ jobQueueName: 'held', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'held' }] });
    await engine.registerJobDefinition({
      jobDefinitionName: 'echo',
      type: 'container',
      containerProperties: { image: 'busybox', command: ['echo', 'Ref::p0', 'Ref::p1'], environment: [{ name: 'MODE', value: 'x'.repeat(2000) }], vcpus: 1, memory: 128 },
    });
    return engine;
  };
  const submitArray = async (size: number, parameters: Record<string, string>) =>
    (await engine!.submitJob({ jobName: 'fan', jobQueue: 'held', jobDefinition: 'echo', arrayProperties: { size }, parameters })).jobId!;
  const runnableChildren = async (parentId: string) =>
    (await engine!.describeJobs({ jobs: [parentId] })).jobs![0].arrayProperties!.statusSummary!.RUNNABLE ?? 0;
  const sizeOf = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);

  test('a 10,000-child array with 28 KB of parameters grows the log by a few MB, and the reader gives back every event as subscribers saw it', async () => {
    // GIVEN
    await openHeld();
    const sizeBefore = sizeOf(eventLog);
    // WHEN
    const parentId = await submitArray(10_000, largeParameters());
    await eventually(async () => (await runnableChildren(parentId)) === 10_000, 'the 10,000 children to be RUNNABLE', 60_000);
    await engine!.close();
    // THEN: a child's line holds its own state (about 400 bytes); the 28 KB shows up only in the
    // shared record and the parent's own events, so 512 bytes a child plus 256 KB is ample, where
    // repeating the parameters in every child's line would take over 280 MB.
    const growth = sizeOf(eventLog) - sizeBefore;
    expect(growth).toBeLessThan(10_000 * 512 + 256 * 1024);
    const read = [...readEventLog(eventLog)];
    expect(read).toHaveLength(seen.length);
    expect(read.map((event) => event.id)).toEqual(seen.map((event) => event.id));
    for (const index of [0, 4321, 9999]) {
      const fromSubscriber = seen.find((event) => jobDetailOf(event).jobId === `${parentId}:${index}`)!;
      expect(read.find((event) => event.id === fromSubscriber.id)).toEqual(fromSubscriber);
    }
    expect(jobDetailOf(read[read.length - 1]).parameters).toEqual(largeParameters());
    expect(fs.statSync(eventLog).mode & 0o777).toBe(0o600);
  }, 120_000);

  test('rotates at eventLogMaxBytes: both files stay under the cap and the reader yields every event once, in order', async () => {
    // GIVEN: about 40 KB of events for a 32 KiB cap, so exactly one rotation
    const maxBytes = 32 * 1024;
    await openHeld({ eventLogMaxBytes: maxBytes });
    // WHEN
    const parentId = await submitArray(100, { p0: 'a'.repeat(3000), p1: 'b' });
    await eventually(async () => (await runnableChildren(parentId)) === 100, 'the 100 children to be RUNNABLE');
    await engine!.cancelJob({ jobId: `${parentId}:7`, reason: 'one child less' });
    await engine!.close();
    // THEN
    const rotated = `${eventLog}.1`;
    expect(sizeOf(rotated)).toBeGreaterThan(0);
    expect(sizeOf(rotated)).toBeLessThanOrEqual(maxBytes);
    expect(sizeOf(eventLog)).toBeGreaterThan(0);
    expect(sizeOf(eventLog)).toBeLessThanOrEqual(maxBytes);
    expect(fs.statSync(rotated).mode & 0o777).toBe(0o600);
    const read = [...readEventLog(eventLog)];
    expect(read.map((event) => event.id)).toEqual(seen.map((event) => event.id));
    expect(read).toEqual(seen);
  });

  test('under many rotations each file stays under the cap and the reader yields the newest events without a gap', async () => {
    // GIVEN
    const maxBytes = 16 * 1024;
    await openHeld({ eventLogMaxBytes: maxBytes });
    // WHEN: about 400 KB of events, some 30 rotations
    const parentId = await submitArray(1000, { p0: 'a'.repeat(3000), p1: 'b' });
    await eventually(async () => (await runnableChildren(parentId)) === 1000, 'the 1,000 children to be RUNNABLE');
    await engine!.close();
    // THEN
    expect(sizeOf(`${eventLog}.1`)).toBeLessThanOrEqual(maxBytes);
    expect(sizeOf(eventLog)).toBeLessThanOrEqual(maxBytes);
    const read = [...readEventLog(eventLog)];
    const eventsInNewest = fs.readFileSync(eventLog, 'utf8').split('\n').filter((line) => !line.startsWith('{"sharedDetail"') && line !== '').length;
    expect(read.length).toBeGreaterThan(eventsInNewest);
    expect(read).toEqual(seen.slice(seen.length - read.length));
  });

  test('a new shared record follows a tag change, so children logged afterwards carry the new tags', async () => {
    // GIVEN
    await openHeld();
    const parentId = await submitArray(3, { p0: 'a', p1: 'b' });
    await eventually(async () => (await runnableChildren(parentId)) === 3, 'the children to be RUNNABLE');
    // WHEN
    await engine!.tagResource({ resourceArn: `arn:aws:batch:us-east-1:123456789012:job/${parentId}`, tags: { team: 'data' } });
    await engine!.cancelJob({ jobId: parentId, reason: 'tags checked' });
    await eventually(() => seen.filter((event) => jobDetailOf(event).status === 'FAILED').length === 4, 'the array to be cancelled');
    await engine!.close();
    // THEN
    const read = [...readEventLog(eventLog)];
    expect(read).toEqual(seen);
    const failedChild = read.find((event) => jobDetailOf(event).jobId === `${parentId}:0` && jobDetailOf(event).status === 'FAILED')!;
    expect(jobDetailOf(failedChild).tags).toEqual({ team: 'data' });
  });

  test('multi-node nodes decode with their own node range container', async () => {
    // GIVEN: the main node waits for both workers to have run, so every node has events
    const fixture = await openEngine({ dataDir });
    engine = fixture.engine;
    const gate = path.join(dataDir, 'ran');
    const waitForWorkers = 'i=0; while { [ ! -f "$GATE.1" ] || [ ! -f "$GATE.2" ]; } && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done';
    await engine.registerJobDefinition({
      jobDefinitionName: 'mnp',
      type: 'multinode',
      nodeProperties: {
        numNodes: 3,
        mainNode: 0,
        nodeRangeProperties: [
          { targetNodes: '0', container: { image: 'busybox', command: ['sh', '-c', waitForWorkers], environment: [{ name: 'GATE', value: gate }], vcpus: 1, memory: 128 } },
          {
            targetNodes: '1:',
            container: { image: 'busybox', command: ['sh', '-c', 'touch "$GATE.$AWS_BATCH_JOB_NODE_INDEX"'], environment: [{ name: 'GATE', value: gate }, { name: 'ROLE', value: 'worker' }], vcpus: 1, memory: 128 },
          },
        ],
      },
    });
    // WHEN
    const jobId = await fixture.submit('mnp', 'mnp');
    await fixture.waitFor(jobId);
    await engine.close();
    // THEN
    const read = [...readEventLog(eventLog)];
    expect(read).toEqual(fixture.events);
    const lastOfNode = (index: number) => jobDetailOf(read.filter((event) => jobDetailOf(event).jobId === `${jobId}#${index}`).pop()!);
    expect(lastOfNode(0).container!.command).toEqual(['sh', '-c', waitForWorkers]);
    expect(lastOfNode(2).container!.environment).toEqual([{ name: 'GATE', value: gate }, { name: 'ROLE', value: 'worker' }]);
    expect(lastOfNode(0).container!.logStreamName).toMatch(/^mnp\/default\/\w+$/);
  });

  test('a half-written last line is skipped, and an engine reopened on the log starts its records on a line of their own', async () => {
    // GIVEN
    await openHeld();
    const parentId = await submitArray(5, { p0: 'a', p1: 'b' });
    await eventually(async () => (await runnableChildren(parentId)) === 5, 'the children to be RUNNABLE');
    await engine!.close();
    const lines = fs.readFileSync(eventLog, 'utf8').split('\n');
    const lastMember = lines.filter((line) => line.startsWith('{"memberOf"')).pop()!;
    const torn = lastMember.slice(0, lastMember.length / 2);
    fs.appendFileSync(eventLog, torn);
    // WHEN
    const read = [...readEventLog(eventLog)];
    // THEN
    expect(read).toEqual(seen);
    // WHEN: a second engine appends to the torn file
    const before = seen.length;
    engine = await LocalBatchEngine.open({ dataDir });
    engine.subscribe((event) => seen.push(event));
    await engine.cancelJob({ jobId: parentId, reason: 'after the tear' });
    await eventually(() => seen.slice(before).some((event) => jobDetailOf(event).jobId === parentId && jobDetailOf(event).status === 'FAILED'), 'the array to be cancelled');
    await engine.close();
    // THEN: the torn line stays a line of its own; the reopened engine's events (including the
    // children it re-admitted before anyone could subscribe) follow the first engine's
    expect(fs.readFileSync(eventLog, 'utf8').split('\n')).toContain(torn);
    const reread = [...readEventLog(eventLog)];
    expect(reread.slice(0, before)).toEqual(seen.slice(0, before));
    expect(reread.slice(reread.length - (seen.length - before))).toEqual(seen.slice(before));
    expect(reread.every((event) => jobDetailOf(event).jobId!.startsWith(parentId))).toBe(true);
  });

  test('narrowed to a job id, the reader yields only that job\'s events, children from their shared record', async () => {
    // GIVEN
    await openHeld();
    const parentId = await submitArray(20, { p0: 'a', p1: 'b' });
    await eventually(async () => (await runnableChildren(parentId)) === 20, 'the children to be RUNNABLE');
    await engine!.close();
    // WHEN
    const read = [...readEventLog(eventLog, { mentioning: `${parentId}:13` })];
    // THEN
    expect(read).toEqual(seen.filter((event) => jobDetailOf(event).jobId === `${parentId}:13`));
    expect(jobDetailOf(read[0]).container!.command).toEqual(['echo', 'a', 'b']);
  });

  test('a missing log reads as empty', () => {
    expect([...readEventLog(eventLog)]).toEqual([]);
  });

  test('fails when eventLogMaxBytes is not a whole number of bytes of at least 4096', async () => {
    await expect(LocalBatchEngine.open({ eventLogMaxBytes: 1000 })).rejects.toThrow(/eventLogMaxBytes must be a whole number of bytes, at least 4096: given 1000/);
    await expect(LocalBatchEngine.open({ eventLogMaxBytes: 1.5e6 + 0.5 })).rejects.toThrow(/eventLogMaxBytes must be a whole number of bytes/);
  });
});
