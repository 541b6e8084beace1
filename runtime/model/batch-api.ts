/**
 * The AWS Batch operations that batchkit's local engine implements, typed with the
 * request and response shapes of `@aws-sdk/client-batch` (type-only import: nothing of
 * the SDK is loaded at run time by this module).
 *
 * The local engine implements this interface in process; the HTTP server is a thin wire
 * layer that maps `POST /v1/<operation>` onto it; the workflow runtime talks to either
 * AWS Batch or the server through the real SDK client. One contract, three users.
 */
import type * as batch from '@aws-sdk/client-batch';
import { BatchkitError, type ModelErrorCode } from './errors';

export interface BatchApi {
  submitJob(input: batch.SubmitJobRequest): Promise<batch.SubmitJobResponse>;
  describeJobs(input: batch.DescribeJobsRequest): Promise<batch.DescribeJobsResponse>;
  listJobs(input: batch.ListJobsRequest): Promise<batch.ListJobsResponse>;
  cancelJob(input: batch.CancelJobRequest): Promise<batch.CancelJobResponse>;
  terminateJob(input: batch.TerminateJobRequest): Promise<batch.TerminateJobResponse>;

  createComputeEnvironment(input: batch.CreateComputeEnvironmentRequest): Promise<batch.CreateComputeEnvironmentResponse>;
  describeComputeEnvironments(input: batch.DescribeComputeEnvironmentsRequest): Promise<batch.DescribeComputeEnvironmentsResponse>;
  updateComputeEnvironment(input: batch.UpdateComputeEnvironmentRequest): Promise<batch.UpdateComputeEnvironmentResponse>;
  deleteComputeEnvironment(input: batch.DeleteComputeEnvironmentRequest): Promise<batch.DeleteComputeEnvironmentResponse>;

  createJobQueue(input: batch.CreateJobQueueRequest): Promise<batch.CreateJobQueueResponse>;
  describeJobQueues(input: batch.DescribeJobQueuesRequest): Promise<batch.DescribeJobQueuesResponse>;
  updateJobQueue(input: batch.UpdateJobQueueRequest): Promise<batch.UpdateJobQueueResponse>;
  deleteJobQueue(input: batch.DeleteJobQueueRequest): Promise<batch.DeleteJobQueueResponse>;

  registerJobDefinition(input: batch.RegisterJobDefinitionRequest): Promise<batch.RegisterJobDefinitionResponse>;
  describeJobDefinitions(input: batch.DescribeJobDefinitionsRequest): Promise<batch.DescribeJobDefinitionsResponse>;
  deregisterJobDefinition(input: batch.DeregisterJobDefinitionRequest): Promise<batch.DeregisterJobDefinitionResponse>;

  createSchedulingPolicy(input: batch.CreateSchedulingPolicyRequest): Promise<batch.CreateSchedulingPolicyResponse>;
  describeSchedulingPolicies(input: batch.DescribeSchedulingPoliciesRequest): Promise<batch.DescribeSchedulingPoliciesResponse>;
  listSchedulingPolicies(input: batch.ListSchedulingPoliciesRequest): Promise<batch.ListSchedulingPoliciesResponse>;
  updateSchedulingPolicy(input: batch.UpdateSchedulingPolicyRequest): Promise<batch.UpdateSchedulingPolicyResponse>;
  deleteSchedulingPolicy(input: batch.DeleteSchedulingPolicyRequest): Promise<batch.DeleteSchedulingPolicyResponse>;

  getJobQueueSnapshot(input: batch.GetJobQueueSnapshotRequest): Promise<batch.GetJobQueueSnapshotResponse>;

  createConsumableResource(input: batch.CreateConsumableResourceRequest): Promise<batch.CreateConsumableResourceResponse>;
  describeConsumableResource(input: batch.DescribeConsumableResourceRequest): Promise<batch.DescribeConsumableResourceResponse>;
  listConsumableResources(input: batch.ListConsumableResourcesRequest): Promise<batch.ListConsumableResourcesResponse>;
  updateConsumableResource(input: batch.UpdateConsumableResourceRequest): Promise<batch.UpdateConsumableResourceResponse>;
  deleteConsumableResource(input: batch.DeleteConsumableResourceRequest): Promise<batch.DeleteConsumableResourceResponse>;
  listJobsByConsumableResource(input: batch.ListJobsByConsumableResourceRequest): Promise<batch.ListJobsByConsumableResourceResponse>;

  tagResource(input: batch.TagResourceRequest): Promise<batch.TagResourceResponse>;
  untagResource(input: batch.UntagResourceRequest): Promise<batch.UntagResourceResponse>;
  listTagsForResource(input: batch.ListTagsForResourceRequest): Promise<batch.ListTagsForResourceResponse>;
}

/** Names of the operations above, as the wire protocol spells them in `/v1/<lowercase name>`. */
export type BatchOperationName = keyof BatchApi;

/**
 * A request AWS Batch would refuse with `ClientException` (HTTP 400): unknown resource,
 * invalid parameter, a limit exceeded. Retrying the same request cannot help.
 */
export class BatchClientException extends BatchkitError {
  public readonly name = 'ClientException';
  public readonly code: ModelErrorCode = 'BATCH_CLIENT_EXCEPTION';
  public readonly httpStatus = 400;
  public readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

/** A failure on the service side (HTTP 500). A retry may help. */
export class BatchServerException extends BatchkitError {
  public readonly name = 'ServerException';
  public readonly code: ModelErrorCode = 'BATCH_SERVER_EXCEPTION';
  public readonly httpStatus = 500;
  public readonly retryable = true;
  constructor(message: string) {
    super(message);
  }
}
