/**
 * Shared setup for the engine's semantics tests: an engine with one compute environment, one
 * queue, a helper to register job definitions, an event recorder and bounded waits.
 */
import type * as batch from '@aws-sdk/client-batch';
import * as fs from 'fs';
import { EngineClock } from '../../../runtime/engine/clock';
import { LocalBatchEngine, LocalEngineOptions } from '../../../runtime/engine/engine';
import { buildNativeHelper } from '../../../runtime/engine/native-helper';
import type { BatchEventEnvelope } from '../../../runtime/model/events';

/** A job's detail as events deliver it. */
export type EventDetail = batch.JobDetail;

/** An engine ready to take jobs on queue `q` (compute environment `ce`). */
export interface EngineFixture {
  readonly engine: LocalBatchEngine;
  readonly events: BatchEventEnvelope[];
  /** Registers a container job definition running `command`; returns its name. */
  define(name: string, command: string[], extra?: Partial<batch.RegisterJobDefinitionRequest>): Promise<string>;
  /** Submits to queue `q`; returns the job id. */
  submit(jobName: string, jobDefinition: string, extra?: Partial<batch.SubmitJobRequest>): Promise<string>;
  /** The statuses a job went through, from its events. */
  statusesOf(jobId: string): string[];
  /** Resolves once the job is in one of `statuses` (polls, bounded by `timeoutMs`). */
  waitFor(jobId: string, statuses?: string[], timeoutMs?: number): Promise<batch.JobDetail>;
  /** Describes one job. */
  describe(jobId: string): Promise<batch.JobDetail>;
}

/** Opens an engine with a small host (4 vCPUs, 8 GiB) and a 100 ms kill grace unless overridden. */
export async function openEngine(options: LocalEngineOptions & { maxvCpus?: number } = {}): Promise<EngineFixture> {
  const engine = await LocalBatchEngine.open({ hostCapacity: { vcpus: 4, memoryMiB: 8192 }, killGraceMs: 100, ...options });
  const events: BatchEventEnvelope[] = [];
  engine.subscribe((event) => events.push(event));
  const existing = await engine.describeJobQueues({ jobQueues: ['q'] });
  if (!existing.jobQueues?.length) {
    await engine.createComputeEnvironment({
      computeEnvironmentName: 'ce',
      type: 'MANAGED',
      computeResources: { type: 'EC2', maxvCpus: options.maxvCpus ?? 256, subnets: [], instanceRole: 'role', minvCpus: 0 },
    } as batch.CreateComputeEnvironmentRequest);
    await engine.createJobQueue({ jobQueueName: 'q', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'ce' }] });
  }
  const describe = async (jobId: string) => {
    const found = (await engine.describeJobs({ jobs: [jobId] })).jobs?.[0];
    if (!found) {
      throw new Error(`job ${jobId} is unknown to the engine`);
    }
    return found;
  };
  return {
    engine,
    events,
    async define(name, command, extra = {}) {
      await engine.registerJobDefinition({
        jobDefinitionName: name,
        type: 'container',
        containerProperties: { image: 'public.ecr.aws/docker/library/busybox:latest', command, resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '256' }] },
        ...extra,
      });
      return name;
    },
    async submit(jobName, jobDefinition, extra = {}) {
      return (await engine.submitJob({ jobName, jobQueue: 'q', jobDefinition, ...extra })).jobId!;
    },
    statusesOf(jobId) {
      return events
        .filter((event) => event['detail-type'] === 'Batch Job State Change' && jobDetailOf(event).jobId === jobId)
        .map((event) => jobDetailOf(event).status!);
    },
    describe,
    async waitFor(jobId, statuses = ['SUCCEEDED', 'FAILED'], timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const detail = await describe(jobId);
        if (statuses.includes(detail.status!)) {
          return detail;
        }
        if (Date.now() > deadline) {
          throw new Error(`job ${jobId} is ${detail.status} (${detail.statusReason ?? 'no reason'}) after ${timeoutMs} ms, expected one of ${statuses.join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

/** The JobDetail a "Batch Job State Change" event carries. */
export function jobDetailOf(event: BatchEventEnvelope): EventDetail {
  return event.detail as unknown as EventDetail;
}

/** Waits (bounded) until `condition` holds, polling every 5 ms. */
export async function eventually(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Re-exported so tests type their clocks without reaching into the engine. */
/** Alive and not a zombie (a killed orphan stays a zombie until whoever adopted it reaps it). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !fs.existsSync(stat) || fs.readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
}

export type { EngineClock };

/**
 * A shell snippet that waits (at most 20 s) until the file named by `$GATE` exists: jobs that must
 * stay RUNNING until the test says so. Open the gate by creating the file.
 */
export const WAIT_FOR_GATE = 'i=0; while [ ! -f "$GATE" ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done';

/** The native helper's binary, built (or found in the cache) the way the engine does it; these machines have a C compiler. */
export function nativeHelper(): string {
  const build = buildNativeHelper();
  if (!('binary' in build)) {
    throw new Error(`the native helper did not build: ${build.failure}`);
  }
  return build.binary;
}
