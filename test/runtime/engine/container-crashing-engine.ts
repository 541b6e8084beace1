/**
 * Run as a separate process by the container launcher test: opens an engine with the container
 * launcher (podman) on the data dir given as argv[2], submits one job whose first attempt sleeps
 * and whose retry exits 0, prints the job id once the first attempt runs and its state is
 * written, and waits to be killed with SIGKILL (a crash: no close, the container keeps running).
 */
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { TEST_IMAGE } from './container-fixture';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const engine = await LocalBatchEngine.open({ dataDir, launcher: 'container', containers: { cli: 'podman', network: 'none' }, hostCapacity: { vcpus: 2, memoryMiB: 4096 } });
  await engine.createComputeEnvironment({ computeEnvironmentName: 'ce', type: 'UNMANAGED' });
  await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
  await engine.registerJobDefinition({
    jobDefinitionName: 'survivor',
    type: 'container',
    containerProperties: { image: TEST_IMAGE, command: ['sh', '-c', 'test "$AWS_BATCH_JOB_ATTEMPT" -ge 2 || exec sleep 60'], vcpus: 1, memory: 64 },
  });
  const { jobId } = await engine.submitJob({ jobName: 'survivor', jobQueue: 'q', jobDefinition: 'survivor', retryStrategy: { attempts: 2 } });
  engine.subscribe((event) => {
    if ((event.detail as { status?: string }).status === 'RUNNING') {
      // Two turns of the event loop: the engine writes the RUNNING state in the next one.
      setImmediate(() => setImmediate(() => process.stdout.write(`${jobId}\n`)));
    }
  });
}

void main();
