import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BATCH_EVENT_SOURCE, JOB_STATE_CHANGE, QUEUE_BLOCKED } from '../../runtime/model/events';

/** The metrics the archive's metric filters publish, one data point of 1 per matching event. */
export enum BatchMetricName {
  JOBS_SUCCEEDED = 'JobsSucceeded',
  JOBS_FAILED = 'JobsFailed',
  QUEUE_BLOCKED = 'QueueBlocked',
}

/** The dimension each metric is published under: the queue's ARN, as the events carry it. */
export const JOB_QUEUE_DIMENSION = 'JobQueueArn';

/**
 * Adds to `logGroup` (which receives whole Batch events) the metric filters that count jobs
 * succeeded and failed, and blocked-queue events, per queue.
 *
 * Array parents are left out of the job counts: a parent never runs, and it fails when a child
 * fails, so counting it would count that failure twice. Their children are counted.
 */
export function addBatchMetricFilters(scope: Construct, logGroup: logs.ILogGroup, namespace: string): void {
  const ofBatch = [
    logs.FilterPattern.stringValue('$.source', '=', BATCH_EVENT_SOURCE),
    logs.FilterPattern.exists('$.detail.jobQueue'),
  ];
  const jobReached = (status: string) => logs.FilterPattern.all(
    ...ofBatch,
    logs.FilterPattern.stringValue('$.detail-type', '=', JOB_STATE_CHANGE),
    logs.FilterPattern.stringValue('$.detail.status', '=', status),
    // Not an array parent: no array size, or an index (children carry one; AWS documents size
    // as a parent's field, the local engine gives children both).
    logs.FilterPattern.any(
      logs.FilterPattern.notExists('$.detail.arrayProperties.size'),
      logs.FilterPattern.numberValue('$.detail.arrayProperties.index', '>=', 0),
    ),
  );
  const filters: Array<[string, BatchMetricName, logs.IFilterPattern]> = [
    ['JobsSucceededFilter', BatchMetricName.JOBS_SUCCEEDED, jobReached('SUCCEEDED')],
    ['JobsFailedFilter', BatchMetricName.JOBS_FAILED, jobReached('FAILED')],
    ['QueueBlockedFilter', BatchMetricName.QUEUE_BLOCKED,
      logs.FilterPattern.all(...ofBatch, logs.FilterPattern.stringValue('$.detail-type', '=', QUEUE_BLOCKED))],
  ];
  for (const [id, metricName, filterPattern] of filters) {
    new logs.MetricFilter(scope, id, {
      logGroup,
      filterPattern,
      metricNamespace: namespace,
      metricName,
      metricValue: '1',
      unit: cloudwatch.Unit.COUNT,
      dimensions: { [JOB_QUEUE_DIMENSION]: '$.detail.jobQueue' },
    });
  }
}
