/**
 * AWS Batch job states and the transitions between them, shared by the local engine and the
 * workflow runtime (plain TypeScript: no SDK, no CDK).
 */

/** A job's status, spelled as the Batch API spells it. */
export type JobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** Every job status, in lifecycle order (the order `statusSummary` and listings use). */
export const JOB_STATUSES: readonly JobStatus[] = ['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED'];

/** The states a job never leaves. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = ['SUCCEEDED', 'FAILED'];

/** Whether a job in this state is finished for good (a retry moves RUNNING back to RUNNABLE, never a terminal job). */
export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'SUCCEEDED' || status === 'FAILED';
}

/** Whether `value` is one of the API's job statuses (for validating wire input). */
export function isJobStatus(value: unknown): value is JobStatus {
  return typeof value === 'string' && (JOB_STATUSES as readonly string[]).includes(value);
}

/**
 * The moves AWS Batch makes between job states. Status is not monotonic:
 * RUNNING goes back to RUNNABLE when an attempt fails and the retry strategy allows another.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  SUBMITTED: ['PENDING', 'RUNNABLE', 'FAILED'],
  PENDING: ['RUNNABLE', 'RUNNING', 'SUCCEEDED', 'FAILED'],
  RUNNABLE: ['STARTING', 'FAILED'],
  STARTING: ['RUNNING', 'RUNNABLE', 'FAILED'],
  RUNNING: ['SUCCEEDED', 'FAILED', 'RUNNABLE'],
  SUCCEEDED: [],
  FAILED: [],
};
