/**
 * Why the local server refuses each AWS Batch operation it does not implement: the `ClientException`
 * it answers names the operation and gives the reason, so a program written for AWS learns at
 * once what it cannot do locally and what to do instead.
 */

const QUOTA_SHARES = 'quota shares (virtual queues with their own capacity, sharing strategy and borrow limits) belong to quota-share scheduling policies,'
  + ' which the local engine does not model: give the job queue a fair-share scheduling policy (fairsharePolicy) instead';
const SERVICE_ENVIRONMENTS = 'service environments hold capacity of Amazon SageMaker AI, a managed AWS service that does not run on this machine:'
  + ' run SageMaker training jobs against AWS, or package the work as a container job definition';
const SERVICE_JOBS = 'service jobs run on Amazon SageMaker AI through a service environment, and SageMaker does not run on this machine:'
  + ' submit the work as a container job (SubmitJob) instead';

/** The reason each refused operation gives, by operation name. */
export const REFUSED_OPERATIONS: Readonly<Record<string, string>> = {
  CreateQuotaShare: QUOTA_SHARES,
  DescribeQuotaShare: QUOTA_SHARES,
  ListQuotaShares: QUOTA_SHARES,
  UpdateQuotaShare: QUOTA_SHARES,
  DeleteQuotaShare: QUOTA_SHARES,
  CreateServiceEnvironment: SERVICE_ENVIRONMENTS,
  DescribeServiceEnvironments: SERVICE_ENVIRONMENTS,
  UpdateServiceEnvironment: SERVICE_ENVIRONMENTS,
  DeleteServiceEnvironment: SERVICE_ENVIRONMENTS,
  SubmitServiceJob: SERVICE_JOBS,
  DescribeServiceJob: SERVICE_JOBS,
  ListServiceJobs: SERVICE_JOBS,
  TerminateServiceJob: SERVICE_JOBS,
  UpdateServiceJob: SERVICE_JOBS,
};

/** The message for an operation of the model the local server does not implement. */
export function refusalMessage(operation: string, method: string, uri: string): string {
  const reason = REFUSED_OPERATIONS[operation] ?? 'the local engine does not implement it';
  return `operation ${operation} (${method} ${uri}) cannot be used with the batchkit local engine: ${reason}`;
}
