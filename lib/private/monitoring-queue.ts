import type * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

/** What the alarms of one queue are built from. */
export interface QueueAlarmsInput {
  readonly jobQueue: batch.IJobQueue;
  readonly jobsFailed: cloudwatch.Metric;
  readonly queueBlocked: cloudwatch.Metric;
  readonly failedJobsThreshold: number;
  readonly action: cloudwatch.IAlarmAction;
}

/**
 * The failed-jobs and blocked-queue alarms of one queue, acting on `action` when they go into
 * ALARM and back to OK.
 *
 * The metrics only have data points when events arrive, so a period without events is "not
 * breaching": a quiet queue is a healthy one. A blocked-queue event comes when Batch detects the
 * block, so that alarm says "a block was reported in the period", not "the queue is blocked now".
 */
export function addQueueAlarms(scope: Construct, input: QueueAlarmsInput): cloudwatch.Alarm[] {
  const queueName = input.jobQueue.jobQueueName;
  const period = input.jobsFailed.period.toHumanString();
  const failedJobs = input.jobsFailed.createAlarm(scope, 'FailedJobsAlarm', {
    alarmDescription: `batchkit: ${input.failedJobsThreshold} or more jobs failed on AWS Batch queue ${queueName} within ${period}`,
    threshold: input.failedJobsThreshold,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const blocked = input.queueBlocked.createAlarm(scope, 'QueueBlockedAlarm', {
    alarmDescription: `batchkit: AWS Batch reported queue ${queueName} blocked within ${period}`,
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  for (const alarm of [failedJobs, blocked]) {
    alarm.addAlarmAction(input.action);
    alarm.addOkAction(input.action);
  }
  return [failedJobs, blocked];
}

/** What one queue's dashboard row shows. */
export interface QueueDashboardRowInput {
  readonly jobQueue: batch.IJobQueue;
  readonly jobsSucceeded: cloudwatch.Metric;
  readonly jobsFailed: cloudwatch.Metric;
  readonly queueBlocked: cloudwatch.Metric;
  readonly alarms: cloudwatch.IAlarm[];
}

/** A row for one queue: jobs succeeded and failed, blocked events, and the queue's alarm states. */
export function addQueueDashboardRow(dashboard: cloudwatch.Dashboard, input: QueueDashboardRowInput): void {
  const queueName = input.jobQueue.jobQueueName;
  dashboard.addWidgets(
    new cloudwatch.GraphWidget({
      title: `Jobs of queue ${queueName}`,
      left: [
        input.jobsSucceeded.with({ label: 'Succeeded', color: cloudwatch.Color.GREEN }),
        input.jobsFailed.with({ label: 'Failed', color: cloudwatch.Color.RED }),
      ],
      leftYAxis: { min: 0, label: 'Jobs', showUnits: false },
      width: 10,
      height: 6,
    }),
    new cloudwatch.GraphWidget({
      title: `Blocked events of queue ${queueName}`,
      left: [input.queueBlocked.with({ label: 'Blocked', color: cloudwatch.Color.ORANGE })],
      leftYAxis: { min: 0, label: 'Events', showUnits: false },
      width: 8,
      height: 6,
    }),
    new cloudwatch.AlarmStatusWidget({
      title: `Alarms of queue ${queueName}`,
      alarms: input.alarms,
      width: 6,
      height: 6,
    }),
  );
}
