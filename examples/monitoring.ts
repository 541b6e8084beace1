import type { Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';

/** Adds batchkit monitoring for the example's queues (filled by the monitoring work). */
export function addExampleMonitoring(_stack: Stack, _queues: batch.IJobQueue[]): void {
}
