import type { BatchEventEnvelope } from '../../runtime/model/events';

/** Account, region and ids the sample events use. */
export const SAMPLE_ACCOUNT = '111122223333';
export const SAMPLE_REGION = 'eu-west-1';
const PARENT_JOB_ID = '4c7599ae-0a82-49aa-ba5a-4727fcce14a8';

/** The ARN AWS Batch gives a queue of the sample account. */
export function sampleQueueArn(name: string, account = SAMPLE_ACCOUNT): string {
  return `arn:aws:batch:${SAMPLE_REGION}:${account}:job-queue/${name}`;
}

/** The ARN AWS Batch gives a revision of a job definition of the sample account. */
export function sampleJobDefinitionArn(name: string, revision: number, account = SAMPLE_ACCOUNT): string {
  return `arn:aws:batch:${SAMPLE_REGION}:${account}:job-definition/${name}:${revision}`;
}

/** What differs between the sample job state change events. */
export interface SampleJobEvent {
  readonly status: string;
  readonly jobQueue: string;
  readonly jobDefinition: string;
  readonly jobName?: string;
  /** For an array child: its index (its id becomes `<parent>:<index>`). */
  readonly arrayIndex?: number;
  /** For an array parent: its size. */
  readonly arraySize?: number;
  readonly statusReason?: string;
  readonly exitCode?: number;
}

/**
 * A `Batch Job State Change` event shaped like the example in the AWS Batch user guide
 * ("Job state change events"): the envelope, and a detail that resembles DescribeJobs' JobDetail.
 */
export function sampleJobStateChange(sample: SampleJobEvent): BatchEventEnvelope {
  const jobId = sample.arrayIndex === undefined ? PARENT_JOB_ID : `${PARENT_JOB_ID}:${sample.arrayIndex}`;
  const jobArn = `arn:aws:batch:${SAMPLE_REGION}:${SAMPLE_ACCOUNT}:job/${jobId}`;
  const arrayProperties = sample.arrayIndex !== undefined ? { arrayProperties: { index: sample.arrayIndex } }
    : sample.arraySize !== undefined ? { arrayProperties: { size: sample.arraySize, statusSummary: { FAILED: 1 } } }
      : {};
  return {
    'version': '0',
    'id': 'c8f9c4b5-76e5-d76a-f980-7011e206042b',
    'detail-type': 'Batch Job State Change',
    'source': 'aws.batch',
    'account': SAMPLE_ACCOUNT,
    'time': '2026-01-11T23:36:40Z',
    'region': SAMPLE_REGION,
    'resources': [jobArn],
    'detail': {
      jobArn,
      jobName: sample.jobName ?? 'event-test',
      jobId,
      jobQueue: sample.jobQueue,
      status: sample.status,
      ...(sample.statusReason ? { statusReason: sample.statusReason } : {}),
      attempts: [],
      createdAt: 1641944200058,
      retryStrategy: { attempts: 2, evaluateOnExit: [] },
      dependsOn: [],
      jobDefinition: sample.jobDefinition,
      parameters: {},
      ...arrayProperties,
      container: {
        image: 'public.ecr.aws/amazonlinux/amazonlinux:2023',
        command: ['sleep', '600'],
        ...(sample.exitCode !== undefined ? { exitCode: sample.exitCode } : {}),
        resourceRequirements: [{ value: '2', type: 'VCPU' }, { value: '256', type: 'MEMORY' }],
      },
      tags: {},
      propagateTags: false,
      platformCapabilities: [],
    },
  };
}

/**
 * A `Batch Job Queue Blocked` event shaped like the user guide's example ("Job queue blocked
 * events"): resources name the job and the queue, the detail is the blocking job's.
 */
export function sampleQueueBlocked(jobQueue: string, jobDefinition: string): BatchEventEnvelope {
  const change = sampleJobStateChange({ status: 'RUNNABLE', jobQueue, jobDefinition });
  return {
    ...change,
    'detail-type': 'Batch Job Queue Blocked',
    'resources': [...change.resources, jobQueue],
    'detail': {
      ...change.detail,
      statusReason: 'MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - The job resource requirement (vCPU/memory/GPU) is higher than that can be met by the CE(s) attached to the job queue.',
    },
  };
}

/**
 * A `Batch Workflow State Change` event as the batchkit runtime publishes it: about the whole run
 * without `step`, about one step with it.
 */
export function sampleWorkflowStateChange(workflowName: string, status: string, step?: string): BatchEventEnvelope {
  return {
    'version': '0',
    'id': '9d2c1f3e-0000-4000-8000-000000000001',
    'detail-type': 'Batch Workflow State Change',
    'source': 'batchkit',
    'account': SAMPLE_ACCOUNT,
    'time': '2026-01-11T23:40:00Z',
    'region': SAMPLE_REGION,
    'resources': [],
    'detail': { runId: 'run-0001', workflowName, status, ...(step ? { step } : {}) },
  };
}
