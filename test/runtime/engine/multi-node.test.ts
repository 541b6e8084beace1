import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ManualClock } from '../../../runtime/engine/clock';
import { eventually, EngineFixture, jobDetailOf, openEngine } from './engine-fixture';

/** Each node writes its AWS_BATCH_* (and MAIN_EXIT) variables to $SHARED/node-<index>; the main node exits once every other node has written. */
const NODE_SCRIPT = [
  'env | grep -e ^AWS_BATCH_ -e ^MAIN_EXIT | sort > "$SHARED/node-$AWS_BATCH_JOB_NODE_INDEX.tmp" && mv "$SHARED/node-$AWS_BATCH_JOB_NODE_INDEX.tmp" "$SHARED/node-$AWS_BATCH_JOB_NODE_INDEX"',
  'if [ "$AWS_BATCH_JOB_NODE_INDEX" = "$AWS_BATCH_JOB_MAIN_NODE_INDEX" ]; then',
  '  i=0; while [ "$(ls "$SHARED" | grep -c "^node-[0-9]*$")" -lt "$AWS_BATCH_JOB_NUM_NODES" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done',
  '  exit "${MAIN_EXIT:-0}"',
  'fi',
  'i=0; while [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done',
].join('\n');

describe('multi-node parallel jobs', () => {
  let fixture: EngineFixture;
  let shared: string;
  beforeEach(async () => {
    fixture = await openEngine({ hostCapacity: { vcpus: 8, memoryMiB: 8192 } });
    shared = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-mnp-'));
    await fixture.engine.registerJobDefinition({
      jobDefinitionName: 'mnp',
      type: 'multinode',
      nodeProperties: {
        numNodes: 2,
        mainNode: 0,
        nodeRangeProperties: [{ targetNodes: '0:', container: { image: 'busybox', command: ['sh', '-c', NODE_SCRIPT], environment: [{ name: 'SHARED', value: shared }], vcpus: 1, memory: 256 } }],
      },
    });
  });
  afterEach(async () => {
    await fixture.engine.close();
    fs.rmSync(shared, { recursive: true, force: true });
  });

  const nodeEnv = (index: number) => fs.readFileSync(path.join(shared, `node-${index}`), 'utf8').trim().split('\n');

  test('the other nodes start before the main node (host processes), every node sees its variables, and the job ends with the main node', async () => {
    // WHEN: numNodes overridden to 3
    const jobId = await fixture.submit('mnp', 'mnp', { nodeOverrides: { numNodes: 3 } });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('SUCCEEDED');
    expect(detail.nodeProperties!.numNodes).toBe(3);
    const starts = fixture.events.filter((event) => jobDetailOf(event).status === 'STARTING').map((event) => jobDetailOf(event).jobId);
    expect(starts).toEqual([jobId, `${jobId}#1`, `${jobId}#2`, `${jobId}#0`]);
    expect(nodeEnv(0)).toEqual([
      'AWS_BATCH_CE_NAME=ce', `AWS_BATCH_JOB_ATTEMPT=1`, `AWS_BATCH_JOB_ID=${jobId}#0`, 'AWS_BATCH_JOB_MAIN_NODE_INDEX=0',
      'AWS_BATCH_JOB_NODE_INDEX=0', 'AWS_BATCH_JOB_NUM_NODES=3', 'AWS_BATCH_JQ_NAME=q',
    ]);
    expect(nodeEnv(2)).toEqual([
      'AWS_BATCH_CE_NAME=ce', `AWS_BATCH_JOB_ATTEMPT=1`, `AWS_BATCH_JOB_ID=${jobId}#2`, 'AWS_BATCH_JOB_MAIN_NODE_INDEX=0',
      'AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS=127.0.0.1', 'AWS_BATCH_JOB_NODE_INDEX=2', 'AWS_BATCH_JOB_NUM_NODES=3', 'AWS_BATCH_JQ_NAME=q',
    ]);
    const nodes = (await fixture.engine.listJobs({ multiNodeJobId: jobId, jobStatus: 'SUCCEEDED' })).jobSummaryList!;
    expect(nodes.map((node) => [node.jobId, node.nodeProperties?.isMainNode])).toEqual([[`${jobId}#0`, true], [`${jobId}#1`, false], [`${jobId}#2`, false]]);
    expect((await fixture.describe(`${jobId}#1`)).statusReason).toBe('Main node 0 exited');
  });

  test('the job takes the main node exit code and status; nodeOverrides reach the targeted nodes only', async () => {
    // WHEN: the main node (0) is told to exit 5
    const jobId = await fixture.submit('mnp', 'mnp', {
      nodeOverrides: { nodePropertyOverrides: [{ targetNodes: '0:0', containerOverrides: { environment: [{ name: 'MAIN_EXIT', value: '5' }] } }] },
    });
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.attempts!.map((attempt) => attempt.container!.exitCode)).toEqual([5]);
    expect((await fixture.describe(`${jobId}#0`)).status).toBe('FAILED');
    expect((await fixture.describe(`${jobId}#1`)).status).toBe('FAILED');
    expect(nodeEnv(0)).toContain('MAIN_EXIT=5');
    expect(nodeEnv(1).filter((line) => line.startsWith('MAIN_EXIT'))).toEqual([]);
  });

  test('the timeout covers the whole job: every node is stopped and the job fails without a retry', async () => {
    // GIVEN: nodes that never exit on their own
    await fixture.engine.close();
    const clock = new ManualClock();
    fixture = await openEngine({ clock, hostCapacity: { vcpus: 8, memoryMiB: 8192 } });
    await fixture.engine.registerJobDefinition({
      jobDefinitionName: 'forever',
      type: 'multinode',
      nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:1', container: { command: ['sh', '-c', 'i=0; while [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done'], vcpus: 1, memory: 128 } }] },
      timeout: { attemptDurationSeconds: 60 },
      retryStrategy: { attempts: 3 },
    });
    const jobId = await fixture.submit('forever', 'forever');
    // The job turns RUNNING when its main node runs, which is when its timeout is armed; with host
    // processes node 1 may run before that, so waiting for node 1 alone could advance too early.
    await fixture.waitFor(jobId, ['RUNNING']);
    await fixture.waitFor(`${jobId}#1`, ['RUNNING']);
    // WHEN
    clock.advance(60_000);
    const detail = await fixture.waitFor(jobId);
    // THEN
    expect(detail.status).toBe('FAILED');
    expect(detail.statusReason).toBe('Job attempt duration exceeded timeout');
    expect(detail.attempts).toHaveLength(1);
    await eventually(async () => (await fixture.describe(`${jobId}#1`)).status === 'FAILED', 'the other node to be stopped');
  });
});
