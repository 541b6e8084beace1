import * as events from 'aws-cdk-lib/aws-events';

/*
 * The notification texts, built by EventBridge input transformers from the event itself. A path
 * the event lacks (no exit code for a job cancelled before it ran) renders empty rather than
 * dropping the message.
 */

const field = (path: string) => events.EventField.fromPath(path);

/** The link the console opens a job at. Commercial-partition console: other partitions use other hosts. */
function consoleJobLink(): string {
  return `https://${field('$.region')}.console.aws.amazon.com/batch/home?region=${field('$.region')}#jobs/detail/${field('$.detail.jobId')}`;
}

/** The text sent for a failed job: what failed, where, why, with what exit code, and where to look. */
export function failedJobMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromMultilineText([
    `AWS Batch job ${field('$.detail.jobName')} (${field('$.detail.jobId')}) FAILED`,
    `Queue: ${field('$.detail.jobQueue')}`,
    `Reason: ${field('$.detail.statusReason')}`,
    `Exit code: ${field('$.detail.container.exitCode')}`,
    `Job definition: ${field('$.detail.jobDefinition')}`,
    `Console: ${consoleJobLink()}`,
  ].join('\n'));
}

/** The text sent when a queue is blocked: which queue, by which job, and why. */
export function queueBlockedMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromMultilineText([
    `AWS Batch queue ${field('$.detail.jobQueue')} is blocked`,
    `Blocking job: ${field('$.detail.jobName')} (${field('$.detail.jobId')}), status ${field('$.detail.status')}`,
    `Reason: ${field('$.detail.statusReason')}`,
    `Console: ${consoleJobLink()}`,
  ].join('\n'));
}

/** The text sent for a failed workflow run of the batchkit runtime (its failed jobs notify on their own). */
export function failedWorkflowMessage(): events.RuleTargetInput {
  return events.RuleTargetInput.fromText(
    `batchkit workflow ${field('$.detail.workflowName')} run ${field('$.detail.runId')} ${field('$.detail.status')}`,
  );
}
