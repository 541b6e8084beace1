/**
 * Where a job's output is and how to read it, shared by `batchkit logs` (whole, or followed)
 * and the failure block a run prints the moment a job fails (its last lines). A local run's
 * jobs are read from the engine's event log and log files: the engine lives only in the process
 * that follows the run, and opening it here would restart its jobs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DescribeJobsCommand, type AttemptDetail, type JobDetail } from '@aws-sdk/client-batch';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { readEventLog } from '../engine';
import { CliError, EXIT_WORK_FAILED } from './exit-codes';
import type { LogLocation } from './run-summary';
import { openTarget, sdkClientConfig, type TargetSpec } from './targets';

/** Describes jobs of one target; close it when done. */
export interface JobDescriber {
  /** The job's latest detail (a multi-node job's main node's), or undefined when the target knows none. */
  describe(jobId: string): Promise<JobDetail | undefined>;
  close(): Promise<void>;
}

/** A describer for `spec`: the engine's event log for a local run, DescribeJobs elsewhere. */
export async function openJobDescriber(spec: TargetSpec, what: string): Promise<JobDescriber> {
  if (spec.kind === 'local') {
    const eventLog = path.join(spec.dataDir!, 'events.ndjson');
    return { describe: async (jobId) => latestLocalDetail(eventLog, jobId), close: async () => undefined };
  }
  const target = await openTarget(spec);
  const describeOne = async (id: string) => (await target.client.send(new DescribeJobsCommand({ jobs: [id] }))).jobs?.[0];
  return {
    describe: async (jobId) => {
      const detail = await describeOne(jobId).catch((err: unknown) => {
        throw new CliError(`cannot describe job ${jobId} of ${what}: ${(err as Error).message}`, EXIT_WORK_FAILED);
      });
      // A multi-node job's output is its main node's.
      const mainNode = detail?.nodeProperties?.mainNode;
      return detail && !detail.container && mainNode !== undefined ? await describeOne(`${jobId}#${mainNode}`) ?? detail : detail;
    },
    close: () => target.close(),
  };
}

/** An attempt's stream: its container's, or (an ECS task job) its task's essential container's. */
export function attemptStream(attempt: AttemptDetail | undefined): string | undefined {
  return attempt?.container?.logStreamName ?? attempt?.taskProperties?.[0]?.containers?.find((c) => c.logStreamName)?.logStreamName;
}

/** The latest attempt's stream, running or not: the container's, or an ECS task job's essential container's. */
export function currentStream(detail: JobDetail | undefined): string | undefined {
  return detail?.container?.logStreamName ?? detail?.ecsProperties?.taskProperties?.[0]?.containers?.find((c) => c.logStreamName)?.logStreamName;
}

/** Attempts a job has made so far: the finished ones, plus the running one whose stream is not among them yet. */
export function attemptsMade(detail: JobDetail | undefined): number {
  return attemptStreams(detail).length;
}

/** Each attempt's stream so far, attempt 1 first: the finished ones' (undefined for one without), then the running one's. */
export function attemptStreams(detail: JobDetail | undefined): Array<string | undefined> {
  const streams = (detail?.attempts ?? []).map(attemptStream);
  const current = currentStream(detail);
  if (current !== undefined && current !== streams[streams.length - 1]) streams.push(current);
  return streams;
}

/** The last `lines` lines of a job attempt's output, for a failure block; empty when it cannot be read. */
export async function tailOfOutput(log: LogLocation | undefined, spec: TargetSpec, lines: number): Promise<string[]> {
  if (!log) return [];
  if (log.file !== undefined) {
    try {
      // Only the end of a large log is read: the tail is what a failure block shows.
      const text = readEnd(log.file, 64 * 1024).replace(/\n$/, '');
      return text === '' ? [] : text.split('\n').slice(-lines);
    } catch {
      return [];
    }
  }
  const logs = new CloudWatchLogsClient(sdkClientConfig(spec));
  try {
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: log.logGroupName, logStreamName: log.logStreamName, startFromHead: false, limit: lines }));
    return (page.events ?? []).map((event) => event.message ?? '');
  } catch {
    return [];
  } finally {
    logs.destroy();
  }
}

/** Up to `bytes` from the end of a file. */
export function readEnd(file: string, bytes: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The job's detail in the last event the engine logged for it (for a multi-node job: its main node's), rotated part included. */
function latestLocalDetail(eventLog: string, jobId: string): JobDetail | undefined {
  let exact: JobDetail | undefined;
  let mainNode: JobDetail | undefined;
  for (const event of readEventLog(eventLog, { mentioning: jobId })) {
    const detail = event.detail as unknown as JobDetail;
    if (detail.jobId === jobId) exact = detail;
    else if (detail.jobId?.startsWith(`${jobId}#`) && detail.nodeDetails?.isMainNode) mainNode = detail;
  }
  return exact?.container || !mainNode ? exact : mainNode;
}
