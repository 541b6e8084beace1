/**
 * A real local Batch for the workflow tests: the local engine (real processes) behind its
 * rest-json server, reached through the SDK's BatchClient, with a queue and job definitions
 * created through the API like a user would.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  BatchClient, CreateComputeEnvironmentCommand, CreateJobQueueCommand, ListJobsCommand, RegisterJobDefinitionCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer } from '../../../runtime/server/server';
import { createWorkflowBatchClient } from '../../../runtime/workflow';

/** A running engine + server and what the tests need to use them. */
export interface LocalBatch {
  readonly url: string;
  readonly client: BatchClient;
  readonly engine: LocalBatchEngine;
  /** Requests the server has served, per BatchApi operation (e.g. `describeJobs`). */
  readonly requestCounts: Record<string, number>;
  /** Scratch directory removed on close. */
  readonly dir: string;
  readonly queue: string;
  /** Container job definition running `sh -c true` unless overridden. */
  readonly shellJobDefinition: string;
  /** Two-node multi-node job definition. */
  readonly multiNodeJobDefinition: string;
  close(): Promise<void>;
}

/** Credentials the local server accepts without checking (no SigV4 verification configured). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Starts an engine and server with one queue and the job definitions the tests use. */
export async function startLocalBatch(): Promise<LocalBatch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-wf-'));
  const engine = await LocalBatchEngine.open({ dataDir: path.join(dir, 'engine'), killGraceMs: 500, hostCapacity: { vcpus: 256, memoryMiB: 256 * 1024 } });
  const requestCounts: Record<string, number> = {};
  // Counts what reaches the engine through the server: the real engine answers every call.
  const countingApi = new Proxy(engine, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') {
        return value;
      }
      return (...args: unknown[]) => {
        requestCounts[property] = (requestCounts[property] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  const server = await startBatchServer({ api: countingApi, port: 0 });
  const client = createWorkflowBatchClient({ endpoint: server.url, region: 'us-east-1', credentials: LOCAL_CREDENTIALS });
  await client.send(new CreateComputeEnvironmentCommand({
    computeEnvironmentName: 'wf-ce', type: 'MANAGED', state: 'ENABLED',
    computeResources: { type: 'EC2', maxvCpus: 256, minvCpus: 0, instanceTypes: ['optimal'], subnets: ['subnet-1'], instanceRole: 'ecsInstanceRole' },
  }));
  await client.send(new CreateJobQueueCommand({ jobQueueName: 'wf-queue', priority: 1, state: 'ENABLED', computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'wf-ce' }] }));
  await client.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'wf-shell', type: 'container',
    containerProperties: { image: 'busybox', command: ['sh', '-c', 'true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '128' }] },
  }));
  await client.send(new RegisterJobDefinitionCommand({
    jobDefinitionName: 'wf-mnp', type: 'multinode',
    nodeProperties: {
      numNodes: 2, mainNode: 0,
      nodeRangeProperties: [{ targetNodes: '0:', container: { image: 'busybox', command: ['sh', '-c', 'echo node $AWS_BATCH_JOB_NODE_INDEX'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '128' }] } }],
    },
  }));
  return {
    url: server.url, client, engine, requestCounts, dir, queue: 'wf-queue', shellJobDefinition: 'wf-shell', multiNodeJobDefinition: 'wf-mnp',
    close: async () => {
      client.destroy();
      await server.close();
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every job on the queue (all statuses), by name: how tests count what was submitted. */
export async function jobsByName(client: BatchClient, queue: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const jobStatus of ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const) {
    let nextToken: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await client.send(new ListJobsCommand({ jobQueue: queue, jobStatus, nextToken, maxResults: 1000 }));
      for (const job of response.jobSummaryList ?? []) {
        counts.set(job.jobName!, (counts.get(job.jobName!) ?? 0) + 1);
      }
      nextToken = response.nextToken;
      if (!nextToken) {
        break;
      }
    }
  }
  return counts;
}
