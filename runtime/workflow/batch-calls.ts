/**
 * The runtime's Batch calls, each with the one retry layer and the submit rate limit, made
 * through the SDK's `BatchClient` whether it points at AWS or at the local engine's server.
 */
import {
  BatchClient, BatchClientConfig, CancelJobCommand, DescribeJobDefinitionsCommand, DescribeJobsCommand, JobDetail,
  JobStatus, JobSummary, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, SubmitJobRequest, TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { WorkflowConfigurationError } from './errors';
import { BackoffOptions, callWithRetry, RateLimiter, RuntimeServices } from './retry';
import { JOIN_JOB_COMMAND, JOIN_JOB_IMAGE, JOIN_JOB_MEMORY_MIB } from '../model/join-jobs';

/** Batch's limit of ids per DescribeJobs call. */
export const DESCRIBE_BATCH_SIZE = 100;

/**
 * A `BatchClient` suited to the runtime: the SDK's own retries are off (`maxAttempts: 1`)
 * because SubmitJob is not idempotent: an SDK retry after a dropped connection can create a
 * second job. The runtime retries itself, and finds out first whether the job exists.
 */
export function createWorkflowBatchClient(config: BatchClientConfig = {}): BatchClient {
  return new BatchClient({ ...config, maxAttempts: 1 });
}

/**
 * Refuses clients that retry on their own.
 * @throws WorkflowConfigurationError when the client's `maxAttempts` is above 1
 */
export async function assertNoSdkRetries(client: BatchClient): Promise<void> {
  const attempts = await client.config.maxAttempts();
  if (attempts > 1) {
    throw new WorkflowConfigurationError(`the batch client retries requests itself (maxAttempts ${attempts}), expected maxAttempts 1: SubmitJob is not idempotent, so an SDK retry after a dropped connection can submit a job twice; build it with createWorkflowBatchClient() and let the runtime retry`);
  }
}

/** Settings of the call layer. */
export interface BatchCallOptions {
  /** The client; its `maxAttempts` must be 1. */
  readonly client: BatchClient;
  /** Clock, sleep, randomness. */
  readonly services: RuntimeServices;
  /** Retry settings. */
  readonly backoff: BackoffOptions;
  /** SubmitJob calls per second. */
  readonly submitsPerSecond: number;
  /** Reports each retry. */
  readonly onRetry: (operation: string, attempt: number, delayMs: number, err: unknown) => void;
  /** Stops retries and waits. @default - never */
  readonly signal?: AbortSignal;
}

/** Batch calls with retries, rate limit and call counts. */
export class BatchCalls {
  /** Calls made per operation (attempts included), for progress and benchmarks. */
  public readonly callCounts: Record<string, number> = {};
  private readonly limiter: RateLimiter;

  constructor(private readonly options: BatchCallOptions) {
    this.limiter = new RateLimiter(options.submitsPerSecond, options.services);
  }

  /**
   * Submits a job at most once: after a failure that may have taken effect (5xx, dropped
   * connection), it looks the job up by its unique name before trying again.
   */
  async submitJob(request: SubmitJobRequest): Promise<{ jobId: string; jobArn?: string; reconciled: boolean }> {
    let reconciled = false;
    const result = await callWithRetry(async () => {
      await this.limiter.acquire(this.options.signal);
      const response = await this.send('SubmitJob', () => this.options.client.send(new SubmitJobCommand(request), { abortSignal: this.options.signal }));
      return { jobId: response.jobId!, jobArn: response.jobArn };
    }, {
      ...this.retryOptions('SubmitJob'),
      reconcile: async () => {
        const found = await this.findJobByName(request.jobQueue!, request.jobName!);
        reconciled = found !== undefined;
        return found ? { jobId: found.jobId!, jobArn: found.jobArn } : undefined;
      },
    });
    return { ...result, reconciled };
  }

  /**
   * The job of this exact name on the queue, or undefined. ListJobs' JOB_NAME filter is
   * case-insensitive and covers every status; the oldest match wins if there are several.
   */
  async findJobByName(jobQueue: string, jobName: string): Promise<JobSummary | undefined> {
    const matches: JobSummary[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const response = await this.retried('ListJobs', () => this.options.client.send(new ListJobsCommand({
        jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }], nextToken,
      }), { abortSignal: this.options.signal }));
      matches.push(...(response.jobSummaryList ?? []).filter((j) => j.jobName === jobName));
      nextToken = response.nextToken;
      if (!nextToken) {
        break;
      }
    }
    return matches.sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0))[0];
  }

  /** Describes up to 100 jobs in one call; unknown ids are silently missing, as in Batch. */
  async describeJobs(jobIds: readonly string[]): Promise<JobDetail[]> {
    if (jobIds.length > DESCRIBE_BATCH_SIZE) {
      throw new RangeError(`describeJobs takes at most ${DESCRIBE_BATCH_SIZE} ids per call, got ${jobIds.length}`);
    }
    const response = await this.retried('DescribeJobs', () => this.options.client.send(new DescribeJobsCommand({ jobs: [...jobIds] }), { abortSignal: this.options.signal }));
    return response.jobs ?? [];
  }

  /** Ids of the FAILED children of an array job. */
  async failedChildren(arrayJobId: string): Promise<string[]> {
    const ids: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const response = await this.retried('ListJobs', () => this.options.client.send(new ListJobsCommand({
        arrayJobId, jobStatus: 'FAILED', maxResults: 1000, nextToken,
      }), { abortSignal: this.options.signal }));
      ids.push(...(response.jobSummaryList ?? []).map((j) => j.jobId!));
      nextToken = response.nextToken;
      if (!nextToken) {
        break;
      }
    }
    return ids;
  }

  /** Up to `maxResults` children of an array job in `status` (summaries, with `statusReason`): one ListJobs call. */
  async someChildren(arrayJobId: string, status: JobStatus, maxResults: number): Promise<JobSummary[]> {
    const response = await this.retried('ListJobs', () => this.options.client.send(new ListJobsCommand({
      arrayJobId, jobStatus: status, maxResults,
    }), { abortSignal: this.options.signal }));
    return response.jobSummaryList ?? [];
  }

  /** Stops a job whatever its state (TerminateJob cancels jobs that have not started). */
  async terminateJob(jobId: string, reason: string): Promise<void> {
    await this.retried('TerminateJob', () => this.options.client.send(new TerminateJobCommand({ jobId, reason }), { abortSignal: this.options.signal }));
  }

  /** Cancels a job that has not started; a no-op for running ones, as in Batch. */
  async cancelJob(jobId: string, reason: string): Promise<void> {
    await this.retried('CancelJob', () => this.options.client.send(new CancelJobCommand({ jobId, reason }), { abortSignal: this.options.signal }));
  }

  /** Registers the join job definition under `name` unless an ACTIVE revision exists. */
  async ensureJoinJobDefinition(name: string): Promise<void> {
    const existing = await this.retried('DescribeJobDefinitions', () => this.options.client.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' })));
    if ((existing.jobDefinitions ?? []).length > 0) {
      return;
    }
    await this.retried('RegisterJobDefinition', () => this.options.client.send(new RegisterJobDefinitionCommand({
      jobDefinitionName: name,
      type: 'container',
      containerProperties: {
        image: JOIN_JOB_IMAGE,
        command: [...JOIN_JOB_COMMAND],
        resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: String(JOIN_JOB_MEMORY_MIB) }],
      },
    })));
  }

  private retried<T>(operation: string, call: () => Promise<T>): Promise<T> {
    return callWithRetry(() => this.send(operation, call), this.retryOptions(operation));
  }

  private send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    this.callCounts[operation] = (this.callCounts[operation] ?? 0) + 1;
    return call();
  }

  private retryOptions(operation: string) {
    return {
      operation,
      backoff: this.options.backoff,
      services: this.options.services,
      signal: this.options.signal,
      onRetry: (attempt: number, delayMs: number, err: unknown) => this.options.onRetry(operation, attempt, delayMs, err),
    };
  }
}
