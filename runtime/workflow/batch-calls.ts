/**
 * The runtime's Batch calls, each with the one retry layer and the submit rate limit, made
 * through the SDK's `BatchClient` whether it points at AWS or at the local engine's server.
 */
import {
  BatchClient, BatchClientConfig, CancelJobCommand, DescribeJobDefinitionsCommand, DescribeJobDefinitionsRequest, DescribeJobQueuesCommand,
  DescribeJobsCommand, JobDefinition, JobDetail, JobQueueDetail,
  JobStatus, JobSummary, ListJobsCommand, RegisterJobDefinitionCommand, SubmitJobCommand, SubmitJobRequest, TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { WorkflowConfigurationError } from './errors';
import { BackoffOptions, callWithRetry, RateLimiter, RuntimeServices } from './retry';
import { MAX_DESCRIBE_JOBS } from '../model/job-rules';
import { JOIN_JOB_COMMAND, JOIN_JOB_IMAGE, JOIN_JOB_MEMORY_MIB } from '../model/join-jobs';

/** Batch's limit of ids per DescribeJobs call. */
export const DESCRIBE_BATCH_SIZE = MAX_DESCRIBE_JOBS;

/** How long one Batch request may take before it counts as lost, unless told otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long opening a connection to Batch may take, unless told otherwise. */
export const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;

/** Time limits of each request a workflow client sends. */
export interface RequestTimeouts {
  /**
   * Milliseconds from sending a request to its whole answer. A request past it is abandoned
   * and handled as a lost answer: retried, and for SubmitJob looked up by name first.
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /** Milliseconds to open the connection. @default 5000 */
  readonly connectionTimeoutMs?: number;
}

/**
 * A `BatchClient` suited to the runtime: the SDK's own retries are off (`maxAttempts: 1`)
 * because SubmitJob is not idempotent: an SDK retry after a dropped connection can create a
 * second job. The runtime retries itself, and finds out first whether the job exists. Every
 * request has a time limit: an endpoint that keeps the connection open and never answers
 * must not hold a run forever.
 * @throws WorkflowConfigurationError when a timeout is not a positive whole number of milliseconds
 */
export function createWorkflowBatchClient(config: BatchClientConfig = {}, timeouts: RequestTimeouts = {}): BatchClient {
  const requestTimeout = checkedTimeout('requestTimeoutMs', timeouts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
  const connectionTimeout = checkedTimeout('connectionTimeoutMs', timeouts.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS);
  return new BatchClient({
    ...config,
    maxAttempts: 1,
    requestHandler: config.requestHandler ?? { requestTimeout, connectionTimeout, throwOnRequestTimeout: true },
  });
}

function checkedTimeout(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new WorkflowConfigurationError(`${field} must be a whole number of milliseconds above 0, got ${value}`);
  }
  return value;
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
  /**
   * How long a job whose SubmitJob answer was lost may stay missing from ListJobs before it
   * is taken as never created (see `lostAnswerLookups`).
   * @default 0 (one lookup)
   */
  readonly consistencyWindowMs?: number;
}

/** Spacing of the ListJobs lookups after a lost SubmitJob answer. */
export const LOST_ANSWER_LOOKUP_INTERVAL_MS = 1000;

/**
 * The delays before each ListJobs lookup of a job whose SubmitJob answer was lost: one at
 * once, then one every `LOST_ANSWER_LOOKUP_INTERVAL_MS` (the last one shorter) until the
 * window has passed, so a listing that lags the submission by less than the window still
 * finds the job.
 */
export function lostAnswerLookupDelaysMs(consistencyWindowMs: number): number[] {
  const delays = [0];
  for (let waited = 0; waited < consistencyWindowMs; waited += LOST_ANSWER_LOOKUP_INTERVAL_MS) {
    delays.push(Math.min(LOST_ANSWER_LOOKUP_INTERVAL_MS, consistencyWindowMs - waited));
  }
  return delays;
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
    let sentAt = 0;
    const result = await callWithRetry(async () => {
      await this.limiter.acquire(this.options.signal);
      sentAt = this.options.services.now();
      const response = await this.send('SubmitJob', () => this.options.client.send(new SubmitJobCommand(request), { abortSignal: this.options.signal }));
      return { jobId: response.jobId!, jobArn: response.jobArn };
    }, {
      ...this.retryOptions('SubmitJob'),
      reconcile: async () => {
        const found = await this.findLostJob(request.jobQueue!, request.jobName!, sentAt);
        reconciled = found !== undefined;
        return found ? { jobId: found.jobId!, jobArn: found.jobArn } : undefined;
      },
    });
    return { ...result, reconciled };
  }

  /**
   * The job of a SubmitJob whose answer was lost, looked up by name until it is listed or the
   * consistency window, counted from when SubmitJob was sent, has passed: ListJobs may not
   * list a job created a moment ago.
   */
  async findLostJob(jobQueue: string, jobName: string, sentAt: number): Promise<JobSummary | undefined> {
    const window = Math.max(0, sentAt + (this.options.consistencyWindowMs ?? 0) - this.options.services.now());
    for (const delayMs of lostAnswerLookupDelaysMs(window)) {
      if (delayMs > 0) {
        await this.options.services.sleep(delayMs, this.options.signal);
      }
      const found = await this.findJobByName(jobQueue, jobName);
      if (found) {
        return found;
      }
    }
    return undefined;
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

  /** The queues among up to 100 names or ARNs; unknown ones are missing from the answer. */
  async describeJobQueues(jobQueues: readonly string[]): Promise<JobQueueDetail[]> {
    const found: JobQueueDetail[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const response = await this.retried('DescribeJobQueues', () => this.options.client.send(new DescribeJobQueuesCommand({
        jobQueues: [...jobQueues], nextToken,
      }), { abortSignal: this.options.signal }));
      found.push(...response.jobQueues ?? []);
      nextToken = response.nextToken;
      if (!nextToken) {
        break;
      }
    }
    return found;
  }

  /** Job definitions matching a DescribeJobDefinitions request, every page. */
  async describeJobDefinitions(request: Omit<DescribeJobDefinitionsRequest, 'nextToken'>): Promise<JobDefinition[]> {
    const found: JobDefinition[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < 100; page++) {
      const response = await this.retried('DescribeJobDefinitions', () => this.options.client.send(new DescribeJobDefinitionsCommand({
        ...request, nextToken,
      }), { abortSignal: this.options.signal }));
      found.push(...response.jobDefinitions ?? []);
      nextToken = response.nextToken;
      if (!nextToken) {
        break;
      }
    }
    return found;
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
