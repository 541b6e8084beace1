import { RemovalPolicy, type Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BatchMonitoring } from '../lib';

/**
 * Adds batchkit monitoring for the example's queues: notifications of failed jobs, blocked
 * queues and failed workflows, the event archive, metrics, alarms and the dashboard.
 *
 * The example keeps the archive three months and lets it (and the key) go with the stack, as a
 * throwaway example should; a production stack would keep the default (retain).
 */
export function addExampleMonitoring(stack: Stack, queues: batch.IJobQueue[]): BatchMonitoring {
  return new BatchMonitoring(stack, 'Monitoring', {
    jobQueues: queues,
    archiveRetention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
    failedJobsThreshold: 3,
  });
}
