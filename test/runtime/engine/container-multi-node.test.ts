/**
 * Multi-node jobs with the container launcher and the real podman: one container per node on a
 * network of the job's own, the main node's real address in the other nodes' environment, each
 * node group with its own image and command, and the network gone once the job ends.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { containersLabelled, podman, requireContainerRuntime, TEST_IMAGE, WORKER_IMAGE } from './container-fixture';
import { EngineFixture, eventually, openEngine } from './engine-fixture';

/**
 * The main node listens on one port per other node (5000 + its index) until each said hello, then
 * prints what it heard. One port per sender: with a single port re-opened after each hello, a
 * second sender's connection queued on the closing listener is dropped though its `nc` succeeded.
 */
const MAIN_SCRIPT = [
  'n=1; while [ $n -lt "$AWS_BATCH_JOB_NUM_NODES" ]; do nc -l -p $((5000 + n)) > /tmp/heard.$n & n=$((n+1)); done',
  'wait',
  'cat /tmp/heard.* | sort',
].join('\n');

/** A worker says hello to the main node's address, retrying until the main node listens (it may start later than us). */
const WORKER_SCRIPT = [
  'echo "address=$AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS"',
  'i=0; until echo "hello from node $AWS_BATCH_JOB_NODE_INDEX of $AWS_BATCH_JOB_NUM_NODES ($ROLE)" | nc "$AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS" $((5000 + AWS_BATCH_JOB_NODE_INDEX)); do',
  '  i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.1',
  'done',
].join('\n');

/** The lines of a node's log: the job's own output, nothing of the container runtime's. */
function jobOutput(logFile: string): string[] {
  return fs.readFileSync(logFile, 'utf8').split('\n').filter((line) => line);
}

describe('multi-node jobs in podman containers', () => {
  let fixture: EngineFixture;
  beforeAll(() => requireContainerRuntime());
  beforeEach(async () => {
    fixture = await openEngine({ launcher: 'container', containers: { cli: 'podman', network: 'none' } });
    await fixture.engine.registerJobDefinition({
      jobDefinitionName: 'hello',
      type: 'multinode',
      nodeProperties: {
        numNodes: 3,
        mainNode: 0,
        nodeRangeProperties: [
          { targetNodes: '0', container: { image: TEST_IMAGE, command: ['sh', '-c', MAIN_SCRIPT], vcpus: 1, memory: 64 } },
          { targetNodes: '1:', container: { image: WORKER_IMAGE, command: ['sh', '-c', WORKER_SCRIPT], vcpus: 1, memory: 64 } },
        ],
      },
    });
  });
  afterEach(async () => {
    await fixture.engine.close();
  });

  test('the other nodes reach the main node at AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS; the job\'s network is removed afterwards', async () => {
    // WHEN
    const jobId = await fixture.submit('hello', 'hello');
    const detail = await fixture.waitFor(jobId, ['SUCCEEDED', 'FAILED'], 60_000);
    // THEN: the main node heard both workers, each from its own image
    expect(detail.status).toBe('SUCCEEDED');
    expect(jobOutput(fixture.engine.logFileFor(jobId)!)).toEqual(['hello from node 1 of 3 (worker)', 'hello from node 2 of 3 (worker)']);
    const address = /^address=(.*)$/m.exec(fs.readFileSync(fixture.engine.logFileFor(`${jobId}#1`)!, 'utf8'))![1];
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(address).not.toBe('127.0.0.1');
    // AND: nothing is left shortly after (ended containers are removed in batches, then their network)
    const network = `batchkit-${jobId.slice(0, 8)}`;
    await eventually(() => [0, 1, 2].every((node) => containersLabelled(`batchkit.job-id=${jobId}#${node}`).length === 0), `the containers of ${jobId} to be removed`);
    await eventually(() => spawnSync('podman', ['network', 'exists', network]).status !== 0, `the network ${network} to be removed`);
    expect(podman(['network', 'ls', '--format', '{{.Name}}']).split('\n')).not.toContain(network);
  });
});
