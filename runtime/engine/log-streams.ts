/**
 * The CloudWatch Logs view of the engine's attempt log files: one stream per attempt that has
 * started (or failed to start), named as Batch names it, in the log group its job definition's
 * `awslogs` driver names (Batch's default `/aws/batch/job` otherwise).
 */
import { effectiveContainer } from './job-container';
import { logStreamName } from './job-detail';
import type { JobGraph } from './job-graph';
import type { AttemptRecord, JobRecord } from './job-record';

/** Batch's default log group for job output. */
export const DEFAULT_JOB_LOG_GROUP = '/aws/batch/job';

/** One attempt's output as a CloudWatch Logs stream. */
export interface JobLogStream {
  /** The log group: the job definition's `awslogs-group` option, else `/aws/batch/job`. */
  readonly logGroupName: string;
  /** `<jobDefinitionName>/default/<taskId>`, the attempt's `container.logStreamName`. */
  readonly logStreamName: string;
  /** The attempt's combined stdout/stderr. */
  readonly file: string;
  /**
   * Epoch ms the stream's events are timed from: the attempt's start, else (it never started)
   * its end, else the job's submission.
   */
  readonly createdAt: number;
}

/** Every attempt's stream, current attempts included; `logFileOf` locates an attempt's file. */
export function collectLogStreams(graph: JobGraph, logFileOf: (job: JobRecord, attempt: AttemptRecord) => string): JobLogStream[] {
  const streams: JobLogStream[] = [];
  const addUnit = (unit: JobRecord) => {
    const attempts = unit.current ? [...(unit.attempts ?? []), unit.current] : unit.attempts ?? [];
    if (attempts.length === 0) return;
    const logGroupName = logGroupOf(unit);
    for (const attempt of attempts) {
      if (attempt.taskId === '') continue;
      streams.push({
        logGroupName,
        logStreamName: logStreamName(unit, attempt),
        file: logFileOf(unit, attempt),
        createdAt: attempt.startedAt ?? attempt.stoppedAt ?? unit.createdAt,
      });
    }
  };
  for (const job of graph.jobs.values()) {
    if (job.members) job.members.forEach(addUnit);
    // A multi-node job's own attempts are its main node's, whose stream is listed with the node.
    if (job.kind !== 'multinode') addUnit(job);
  }
  return streams;
}

function logGroupOf(unit: JobRecord): string {
  const configuration = effectiveContainer(unit).logConfiguration;
  return configuration?.logDriver === 'awslogs' ? configuration.options?.['awslogs-group'] ?? DEFAULT_JOB_LOG_GROUP : DEFAULT_JOB_LOG_GROUP;
}
