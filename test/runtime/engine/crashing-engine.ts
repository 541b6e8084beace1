/**
 * Run as a separate process by the persistence test: opens an engine on the data dir given as
 * argv[2], submits one job that records its pid and then waits, prints the job id once the job
 * runs and its state is written, and waits to be killed with SIGKILL (a crash: no close).
 */
import * as path from 'path';
import { LocalBatchEngine } from '../../../runtime/engine/engine';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  const engine = await LocalBatchEngine.open({ dataDir, hostCapacity: { vcpus: 2, memoryMiB: 4096 } });
  await engine.createComputeEnvironment({ computeEnvironmentName: 'ce', type: 'UNMANAGED' });
  await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
  await engine.registerJobDefinition({
    jobDefinitionName: 'pid',
    type: 'container',
    containerProperties: {
      command: ['sh', '-c', `echo $$ > "${path.join(dataDir, 'job.pid')}"; test "$AWS_BATCH_JOB_ATTEMPT" -ge 2 || exec sleep 30`],
      vcpus: 1,
      memory: 128,
    },
  });
  const { jobId } = await engine.submitJob({ jobName: 'survivor', jobQueue: 'q', jobDefinition: 'pid', retryStrategy: { attempts: 2 } });
  engine.subscribe((event) => {
    if ((event.detail as { status?: string }).status === 'RUNNING') {
      // Two turns of the event loop: the engine writes the RUNNING state (with the attempt's pid) in the next one.
      setImmediate(() => setImmediate(() => process.stdout.write(`${jobId}\n`)));
    }
  });
}

void main();
