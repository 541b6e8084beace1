/**
 * The local engine: AWS Batch on one machine. Implements `BatchApi` in process with Batch's job
 * semantics (states, arrays, dependencies, retries, timeouts, multi-node jobs), runs each attempt
 * as a container or a host process, emits "Batch Job State Change" events, and keeps its state in SQLite.
 * See docs/local-engine.md.
 */
import type * as batch from '@aws-sdk/client-batch';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ensurePrivateDir } from '../files/private-files';
import { ArnScope, jobArn, parseScopedArn } from '../model/arns';
import { BatchApi, BatchClientException, BatchServerException } from '../model/batch-api';
import { MAX_DESCRIBE_JOBS } from '../model/job-rules';
import { MAX_TAGS } from '../model/tag-rules';
import type { BatchEventEnvelope } from '../model/events';
import { AttemptRunner } from './attempt-runner';
import { EngineClock, systemClock } from './clock';
import type { ContainerCli } from './container-cli';
import { ContainerLauncher } from './container-launcher';
import { checkTags, invalid, requireString, shown } from './errors';
import { EventBus } from './event-bus';
import { JobDetailJsonCache, renderJobDetail, renderJobSummary, WIRE_JSON } from './job-detail';
import { JobEnding } from './job-ending';
import { JobGraph } from './job-graph';
import { listJobRecords } from './job-listing';
import type { JobKind, JobRecord } from './job-record';
import { checkedOptions, ChosenLauncher, chooseLauncher, defaultHostCapacity, engineIdOf, eventLogSettings, HOST_TERMINATED_REASON, LocalEngineOptions, temporaryRoot } from './engine-options';
import type { ProcessLauncher } from './launcher';
import { LaunchGate } from './launch-gate';
import { QueueBlockWatch } from './queue-block-watch';
import { recoverJobs } from './recovery';
import { platformOf, ResourceKind, ResourceRegistry } from './resources';
import { Scheduler } from './scheduler';
import { queueSnapshot } from './queue-snapshot';
import { StateWriter } from './state-writer';
import { EngineStore } from './store';
import { buildJobSpec } from './submit-request';
import { updateTags } from './tagging';
import { collectLogStreams, type JobLogStream } from './log-streams';
import { ConsumableResourceDetail, ConsumableResourceRegistry } from './consumable-resources';
import { listJobsByConsumableResource, unfinishedJobNeeding } from './consumable-jobs';

const JOBS_OPEN = Buffer.from('{"jobs":[');
const COMMA = Buffer.from(',');
const JOBS_CLOSE = Buffer.from(']}');

/**
 * DescribeJobs' answer, carrying its wire JSON under `WIRE_JSON` as the consecutive parts a server
 * sends as they are: the jobs' cached JSON with the brackets and commas between them, never joined
 * into one buffer (a copy of some 150 KB per call for 100 jobs, whose memory V8 counts as external
 * and answers with full garbage collections). `jobs` is parsed from the parts on first read (the
 * same snapshot, as objects), and `toJSON` gives serializers that do not know the symbol the same
 * content. A class, not accessors defined per answer: V8 gives every object with its own accessor
 * closures a map of its own, which cost more than rendering the jobs did.
 */
class DescribeJobsAnswer implements batch.DescribeJobsResponse {
  public readonly [WIRE_JSON]: readonly Buffer[];
  #jobs?: batch.JobDetail[];

  constructor(details: readonly Buffer[]) {
    const parts: Buffer[] = [JOBS_OPEN];
    for (const detail of details) {
      if (parts.length > 1) parts.push(COMMA);
      parts.push(detail);
    }
    parts.push(JOBS_CLOSE);
    this[WIRE_JSON] = parts;
  }

  public get jobs(): batch.JobDetail[] {
    return (this.#jobs ??= (JSON.parse(Buffer.concat(this[WIRE_JSON]).toString('utf8')) as batch.DescribeJobsResponse).jobs!);
  }

  public set jobs(jobs: batch.JobDetail[]) {
    this.#jobs = jobs;
  }

  public toJSON(): batch.DescribeJobsResponse {
    return { jobs: this.jobs };
  }
}

/** Re-exported so `engine.ts` is the one import for users of the engine. */
export { HOST_TERMINATED_REASON };
/** Re-exported with the engine: the options of `LocalBatchEngine.open`. */
export type { LocalEngineOptions };

/** AWS Batch in process: open with `LocalBatchEngine.open`, close with `close()`. */
export class LocalBatchEngine implements BatchApi {
  /** Opens an engine (creating or resuming its data directory) and starts scheduling. */
  public static async open(options: LocalEngineOptions = {}): Promise<LocalBatchEngine> {
    const chosen = await chooseLauncher(options);
    try {
      if (options.dataDir) {
        // Before recovery ends the interrupted attempts: their retries must not run beside what a crashed engine left.
        await chosen.launcher.cleanupOrphans?.(engineIdOf(path.resolve(options.dataDir)));
      }
      return new LocalBatchEngine(options, chosen);
    } catch (error) {
      await (chosen.owned ? chosen.launcher.close?.() : undefined);
      throw error;
    }
  }

  /** The region and account of every ARN the engine mints; an ARN of another one names nothing here. */
  public readonly scope: ArnScope;
  private readonly clock: EngineClock;
  private readonly store: EngineStore;
  private readonly writer: StateWriter;
  private readonly launchGate: LaunchGate;
  private readonly resources: ResourceRegistry;
  private readonly consumables: ConsumableResourceRegistry;
  private readonly graph: JobGraph;
  private readonly scheduler: Scheduler;
  private readonly runner: AttemptRunner;
  private readonly ending: JobEnding;
  private readonly bus: EventBus;
  private readonly blockWatch: QueueBlockWatch;
  private readonly detailJson: JobDetailJsonCache;
  private readonly temporaryDir?: string;
  private readonly ownLauncher?: ProcessLauncher;
  private readonly submitted: JobRecord[] = [];
  /** Submits added to the graph whose write is still to come: see `committedWithConcurrentSubmits`. */
  private readonly uncommittedSubmits: { job: JobRecord; resolve: () => void; reject: (error: unknown) => void }[] = [];
  private nextSeq = 1;
  private tickPending = false;
  private closed = false;
  private placementHeld = false;

  /** What runs attempts and why (one line, e.g. `host processes (launcher auto: no working container runtime: ...)`). */
  public readonly launcherDescription: string;
  /** The docker or podman CLI attempts run through, when they run as containers (it builds a template's CDK asset images); undefined otherwise. */
  public readonly containerCli?: ContainerCli;

  private constructor(options: LocalEngineOptions, chosen: ChosenLauncher) {
    const { scope, killGraceMs } = checkedOptions(options);
    this.scope = scope;
    this.clock = options.clock ?? systemClock;
    let root: string;
    if (options.dataDir) {
      root = path.resolve(options.dataDir);
      ensurePrivateDir(root);
    } else {
      root = this.temporaryDir = fs.mkdtempSync(path.join(temporaryRoot(), 'batchkit-engine-'));
    }
    const databaseFile = options.dataDir ? path.join(root, 'engine.sqlite') : ':memory:';
    this.store = EngineStore.open(databaseFile);
    this.writer = new StateWriter(this.store, databaseFile, this.clock, {
      restoreResource: (kind, key, stored) => this.restoreResource(kind, key, stored),
      flushEvents: () => this.bus.flushLog(),
      written: () => {
        if (!this.closed) {
          this.launchGate.release();
        }
      },
      resumed: () => this.requestTick(),
      warn: (message) => process.emitWarning(message),
    });
    this.detailJson = new JobDetailJsonCache(this.scope);
    this.bus = new EventBus(this.scope, () => this.clock.now(), eventLogSettings(options, root));
    this.bus.onLogWriteError((error) => this.writer.eventLogFailed(error));
    this.blockWatch = new QueueBlockWatch(this.scope, this.clock, this.bus, {
      describe: (job) => renderJobDetail(this.scope, job),
      persist: (job) => this.markDirty(job),
      cancel: (job, reason) => {
        this.graph.fail(job, reason, { cancelled: true });
        this.requestTick();
      },
    });
    this.resources = new ResourceRegistry(this.scope, (kind, key, detail) => {
      this.store.resourceChanged(kind, key, detail);
      this.requestTick();
    });
    this.consumables = new ConsumableResourceRegistry(this.scope, (key, detail) => {
      this.store.resourceChanged('consumable-resource', key, detail);
      this.requestTick();
    }, () => this.clock.now(), (name) => unfinishedJobNeeding(name, this.graph.jobs.values()));
    this.graph = new JobGraph({
      now: () => this.clock.now(),
      statusChanged: (job) => this.statusChanged(job),
      runnable: (job) => this.scheduler.enqueue(job),
    });
    this.scheduler = new Scheduler(this.resources, options.hostCapacity ?? defaultHostCapacity(), {
      start: (job, computeEnvironment, needs) => {
        job.blockedReason = undefined;
        this.runner.start(job, computeEnvironment, needs);
      },
      blocked: (queue, job, reason) => this.blockWatch.blocked(queue, job, reason),
      waiting: (job, reason) => {
        if (job.statusReason !== reason) {
          job.statusReason = reason;
          this.markDirty(job);
        }
      },
    }, () => this.clock.now(), this.consumables);
    this.launcherDescription = chosen.description;
    this.containerCli = chosen.launcher instanceof ContainerLauncher ? chosen.launcher.cli : undefined;
    this.ownLauncher = chosen.owned ? chosen.launcher : undefined;
    this.launchGate = new LaunchGate(chosen.launcher);
    this.runner = new AttemptRunner(
      {
        launcher: this.launchGate, clock: this.clock, killGraceMs, logDir: options.logDir ?? path.join(root, 'logs'), workRoot: path.join(root, 'work'),
        containers: {
          engineId: engineIdOf(root),
          efsRoot: path.join(root, 'efs'),
          platformOf: (name) => {
            const ce = this.resources.computeEnvironments.get(name);
            return ce ? platformOf(ce) : 'EC2';
          },
        },
      },
      this.graph,
      {
        release: (computeEnvironment, needs) => this.scheduler.release(computeEnvironment, needs),
        requeue: (job) => this.scheduler.enqueue(job),
        touched: (job) => this.markDirty(job),
      },
    );
    this.ending = new JobEnding(this.graph, this.runner, this.writer);
    for (const resource of this.store.loadResources()) {
      if (resource.kind === 'consumable-resource') {
        this.consumables.restore(resource.body as ConsumableResourceDetail);
      } else {
        this.resources.restore(resource.kind, resource.body);
      }
    }
    const recovered = recoverJobs(this.store, this.graph, this.scheduler, this.runner, HOST_TERMINATED_REASON);
    this.nextSeq = recovered.nextSeq;
    this.submitted.push(...recovered.submitted);
    // On a full disk the engine still opens: degraded, it serves what it recovered and retries the write.
    this.writer.flush();
    this.requestTick();
  }

  /** Adds an event listener ("Batch Job State Change", "Batch Job Queue Blocked"); returns the unsubscribe function. */
  public subscribe(listener: (event: BatchEventEnvelope) => void): () => void {
    return this.bus.subscribe(listener);
  }

  /**
   * Path of a job attempt's combined stdout/stderr (attempt from 1, default the latest one), the
   * local counterpart of its CloudWatch log stream; `undefined` for unknown jobs, array parents
   * and jobs that never started.
   */
  public logFileFor(jobId: string, attempt?: number): string | undefined {
    let job = this.graph.find(jobId);
    if (job?.kind === 'multinode') {
      job = job.members![job.spec.jobDefinition.nodeProperties!.mainNode!];
    }
    if (!job || job.kind === 'array') {
      return undefined;
    }
    const attempts = [...(job.attempts ?? []), ...(job.current ? [job.current] : [])];
    const chosen = attempt === undefined ? attempts[attempts.length - 1] : attempts[attempt - 1];
    return chosen && this.runner.logFileOf(job, chosen);
  }

  /**
   * Every attempt's output as a CloudWatch Logs stream (group, stream name, file, start), for the
   * local server's CloudWatch Logs operations.
   */
  public logStreams(): JobLogStream[] {
    return collectLogStreams(this.graph, (job, attempt) => this.runner.logFileOf(job, attempt));
  }

  /**
   * Places no more jobs: running attempts go on, queued jobs wait (and are placed by the next
   * open of the data directory). For a command winding down without abandoning running work.
   */
  public holdPlacement(): void {
    this.placementHeld = true;
  }

  /** Attempts starting or running now (array children one by one; array parents not counted). */
  public activeAttemptCount(): number {
    let count = 0;
    for (const job of this.graph.jobs.values()) {
      if (job.kind !== 'array' && (job.status === 'STARTING' || job.status === 'RUNNING')) {
        count++;
      }
    }
    return count;
  }

  /** Stops scheduling, kills running processes (their attempts end as interrupted on the next open), closes the database. */
  public async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    // Submits waiting for their write get it now, before the store closes under them.
    this.commitSubmits();
    this.closed = true;
    this.blockWatch.close();
    await this.runner.close();
    await this.ownLauncher?.close?.();
    this.writer.close();
    this.store.close();
    this.bus.close();
    if (this.temporaryDir) {
      fs.rmSync(this.temporaryDir, { recursive: true, force: true });
    }
  }

  /** SubmitJob: validates, records the job durably, and returns; admission and placement follow asynchronously. */
  public async submitJob(input: batch.SubmitJobRequest): Promise<batch.SubmitJobResponse> {
    this.assertOpen();
    this.writer.assertWritable();
    const spec = buildJobSpec(input, this.resources, (jobId) => this.graph.find(jobId), this.consumables);
    const kind: JobKind = spec.request.arrayProperties ? 'array' : spec.jobDefinition.type === 'multinode' ? 'multinode' : 'container';
    const job = this.graph.add(randomUUID(), this.nextSeq++, kind, this.clock.now(), spec);
    this.writer.jobAdded(job);
    await this.committedWithConcurrentSubmits(job);
    this.submitted.push(job);
    this.requestTick();
    return { jobArn: jobArn(this.scope, job.jobId), jobName: spec.request.jobName, jobId: job.jobId };
  }

  /**
   * Resolves once the submitted job is written, or rejects with the write's refusal after taking the
   * job back. The submits that arrive in one turn of the event loop (concurrent clients) are written
   * in one transaction at its end, rather than one transaction each; none is answered before it.
   */
  private committedWithConcurrentSubmits(job: JobRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.uncommittedSubmits.push({ job, resolve, reject });
      if (this.uncommittedSubmits.length === 1) {
        setImmediate(() => this.commitSubmits());
      }
    });
  }

  /** Writes the submits waiting for their commit, settling each; on a refusal every one of them is taken back. */
  private commitSubmits(): void {
    const waiting = this.uncommittedSubmits.splice(0);
    if (waiting.length === 0) {
      return;
    }
    try {
      this.assertOpen();
      this.writer.commit(() => {
        // Latest first, so the sequence goes back to the first refused job's.
        for (const { job } of [...waiting].reverse()) {
          this.writer.forget(job);
          this.graph.remove(job);
          this.nextSeq = job.seq;
        }
      });
    } catch (error) {
      waiting.forEach(({ reject }) => reject(error));
      return;
    }
    waiting.forEach(({ resolve }) => resolve());
  }

  /** Whether a job of this definition, as registered, could ever start on this queue here (see `Scheduler.canEverStart`). */
  public canEverRun(jobQueue: string, jobDefinition: string): boolean {
    const queue = this.resources.findJobQueue(jobQueue);
    try {
      return queue !== undefined && this.scheduler.canEverStart(queue, this.resources.resolveJobDefinition(jobDefinition));
    } catch (error) {
      // Only the refusal of the reference means "cannot run": no such job definition, or none ACTIVE.
      if (error instanceof BatchClientException) return false;
      throw error;
    }
  }

  /** DescribeJobs: at most 100 ids; unknown ids are left out, as AWS does. */
  public async describeJobs(input: batch.DescribeJobsRequest): Promise<batch.DescribeJobsResponse> {
    this.assertOpen();
    if (!Array.isArray(input.jobs)) {
      invalid(`jobs is required: given ${shown(input.jobs)}, expected a list of up to ${MAX_DESCRIBE_JOBS} job ids`);
    }
    if (input.jobs.length > MAX_DESCRIBE_JOBS) {
      invalid(`Maximum number of jobs supported is ${MAX_DESCRIBE_JOBS}: given ${input.jobs.length} job ids`);
    }
    const found = input.jobs.map((jobId) => this.graph.find(jobId)).filter((job): job is JobRecord => job !== undefined);
    return new DescribeJobsAnswer(found.map((job) => this.detailJson.json(job)));
  }

  /** ListJobs: see `listJobRecords`. */
  public async listJobs(input: batch.ListJobsRequest): Promise<batch.ListJobsResponse> {
    this.assertOpen();
    const page = listJobRecords(input, this.graph, this.resources);
    return { jobSummaryList: page.jobs.map((job) => renderJobSummary(this.scope, job)), nextToken: page.nextToken };
  }

  /** CancelJob: jobs not yet STARTING end FAILED with the reason; STARTING and RUNNING jobs are left alone (success, as AWS). */
  public async cancelJob(input: batch.CancelJobRequest): Promise<batch.CancelJobResponse> {
    this.assertOpen();
    this.writer.assertWritable();
    const { job, reason } = this.jobAndReason(input.jobId, input.reason);
    this.ending.cancel(job, reason);
    return {};
  }

  /** TerminateJob: STARTING and RUNNING jobs are stopped (SIGTERM, then SIGKILL) and end FAILED; earlier ones are cancelled. */
  public async terminateJob(input: batch.TerminateJobRequest): Promise<batch.TerminateJobResponse> {
    this.assertOpen();
    this.writer.assertWritable();
    const { job, reason } = this.jobAndReason(input.jobId, input.reason);
    this.ending.terminate([job], reason);
    return {};
  }

  /** CreateComputeEnvironment. */
  public async createComputeEnvironment(input: batch.CreateComputeEnvironmentRequest): Promise<batch.CreateComputeEnvironmentResponse> {
    this.assertOpen();
    return this.persisted(() => this.resources.createComputeEnvironment(input));
  }

  /** DescribeComputeEnvironments. */
  public async describeComputeEnvironments(input: batch.DescribeComputeEnvironmentsRequest): Promise<batch.DescribeComputeEnvironmentsResponse> {
    this.assertOpen();
    return this.resources.describeComputeEnvironments(input ?? {});
  }

  /** UpdateComputeEnvironment (placement is re-evaluated: a blocked queue may unblock). */
  public async updateComputeEnvironment(input: batch.UpdateComputeEnvironmentRequest): Promise<batch.UpdateComputeEnvironmentResponse> {
    this.assertOpen();
    return this.persisted(() => this.resources.updateComputeEnvironment(input));
  }

  /** DeleteComputeEnvironment. */
  public async deleteComputeEnvironment(input: batch.DeleteComputeEnvironmentRequest): Promise<batch.DeleteComputeEnvironmentResponse> {
    this.assertOpen();
    return this.persisted(() => {
      this.resources.deleteComputeEnvironment(input);
      return {};
    });
  }

  /** CreateJobQueue. */
  public async createJobQueue(input: batch.CreateJobQueueRequest): Promise<batch.CreateJobQueueResponse> {
    this.assertOpen();
    return this.persisted(() => this.resources.createJobQueue(input));
  }

  /** DescribeJobQueues. */
  public async describeJobQueues(input: batch.DescribeJobQueuesRequest): Promise<batch.DescribeJobQueuesResponse> {
    this.assertOpen();
    return this.resources.describeJobQueues(input ?? {});
  }

  /** UpdateJobQueue. */
  public async updateJobQueue(input: batch.UpdateJobQueueRequest): Promise<batch.UpdateJobQueueResponse> {
    this.assertOpen();
    return this.persisted(() => this.resources.updateJobQueue(input));
  }

  /** DeleteJobQueue: the queue must be DISABLED; its unfinished jobs are terminated, as AWS does. */
  public async deleteJobQueue(input: batch.DeleteJobQueueRequest): Promise<batch.DeleteJobQueueResponse> {
    this.assertOpen();
    this.writer.assertWritable();
    const queue = this.resources.deleteJobQueue(input);
    // The deletion is written with the terminations' records: when the write is refused, both are taken back.
    this.ending.terminate(this.graph.byQueue.get(queue.jobQueueName!) ?? [], `Job queue ${queue.jobQueueName} was deleted`);
    return {};
  }

  /** RegisterJobDefinition: every consumable resource it names must exist. */
  public async registerJobDefinition(input: batch.RegisterJobDefinitionRequest): Promise<batch.RegisterJobDefinitionResponse> {
    this.assertOpen();
    this.consumables.checkProperties(input?.consumableResourceProperties, 'consumableResourceProperties');
    (input?.nodeProperties?.nodeRangeProperties ?? []).forEach((range, index) =>
      this.consumables.checkProperties(range?.consumableResourceProperties, `nodeProperties.nodeRangeProperties[${index}].consumableResourceProperties`));
    return this.persisted(() => this.resources.registerJobDefinition(input));
  }

  /** DescribeJobDefinitions. */
  public async describeJobDefinitions(input: batch.DescribeJobDefinitionsRequest): Promise<batch.DescribeJobDefinitionsResponse> {
    this.assertOpen();
    return this.resources.describeJobDefinitions(input ?? {});
  }

  /** DeregisterJobDefinition. */
  public async deregisterJobDefinition(input: batch.DeregisterJobDefinitionRequest): Promise<batch.DeregisterJobDefinitionResponse> {
    this.assertOpen();
    return this.persisted(() => {
      this.resources.deregisterJobDefinition(input);
      return {};
    });
  }

  /** CreateSchedulingPolicy (fair share). */
  public async createSchedulingPolicy(input: batch.CreateSchedulingPolicyRequest): Promise<batch.CreateSchedulingPolicyResponse> {
    return this.persistedChange(() => this.resources.schedulingPolicies.create(input));
  }

  /** DescribeSchedulingPolicies. */
  public async describeSchedulingPolicies(input: batch.DescribeSchedulingPoliciesRequest): Promise<batch.DescribeSchedulingPoliciesResponse> {
    return this.read(() => this.resources.schedulingPolicies.describe(input ?? {}));
  }

  /** ListSchedulingPolicies. */
  public async listSchedulingPolicies(input: batch.ListSchedulingPoliciesRequest): Promise<batch.ListSchedulingPoliciesResponse> {
    return this.read(() => this.resources.schedulingPolicies.list(input ?? {}));
  }

  /** UpdateSchedulingPolicy: queues using the policy are scheduled by the new one from the next placement. */
  public async updateSchedulingPolicy(input: batch.UpdateSchedulingPolicyRequest): Promise<batch.UpdateSchedulingPolicyResponse> {
    return this.persistedChange(() => this.resources.schedulingPolicies.update(input));
  }

  /** DeleteSchedulingPolicy: refused while a job queue uses it. */
  public async deleteSchedulingPolicy(input: batch.DeleteSchedulingPolicyRequest): Promise<batch.DeleteSchedulingPolicyResponse> {
    return this.persistedChange(() => this.resources.schedulingPolicies.delete(input));
  }

  /** GetJobQueueSnapshot: the first 100 RUNNABLE jobs of a queue, in the order the scheduler would start them. */
  public async getJobQueueSnapshot(input: batch.GetJobQueueSnapshotRequest): Promise<batch.GetJobQueueSnapshotResponse> {
    return this.read(() => queueSnapshot(this.scope, this.resources.jobQueue(requireString(input.jobQueue, 'jobQueue')), this.scheduler, this.clock.now()));
  }

  /** CreateConsumableResource. */
  public async createConsumableResource(input: batch.CreateConsumableResourceRequest): Promise<batch.CreateConsumableResourceResponse> {
    return this.persistedChange(() => this.consumables.create(input));
  }

  /** DescribeConsumableResource: total, in-use and available units. */
  public async describeConsumableResource(input: batch.DescribeConsumableResourceRequest): Promise<batch.DescribeConsumableResourceResponse> {
    return this.read(() => this.consumables.describe(input));
  }

  /** ListConsumableResources. */
  public async listConsumableResources(input: batch.ListConsumableResourcesRequest): Promise<batch.ListConsumableResourcesResponse> {
    return this.read(() => this.consumables.list(input ?? {}));
  }

  /** UpdateConsumableResource: waiting jobs are placed again, so added units are used at once. */
  public async updateConsumableResource(input: batch.UpdateConsumableResourceRequest): Promise<batch.UpdateConsumableResourceResponse> {
    return this.persistedChange(() => this.consumables.update(input));
  }

  /** DeleteConsumableResource: refused while an unfinished job needs it. */
  public async deleteConsumableResource(input: batch.DeleteConsumableResourceRequest): Promise<batch.DeleteConsumableResourceResponse> {
    return this.persistedChange(() => this.consumables.delete(input));
  }

  /** ListJobsByConsumableResource. */
  public async listJobsByConsumableResource(input: batch.ListJobsByConsumableResourceRequest): Promise<batch.ListJobsByConsumableResourceResponse> {
    return this.read(() => listJobsByConsumableResource(input, this.graph.jobs.values(), this.consumables, this.scope));
  }

  /** TagResource on a compute environment, queue, job definition or (top-level) job. */
  public async tagResource(input: batch.TagResourceRequest): Promise<batch.TagResourceResponse> {
    this.assertOpen();
    const tags = checkTags(input.tags, 'tags') ?? invalid(`tags is required: given nothing, expected a map of 1 to ${MAX_TAGS} tags`);
    return this.persistedRetag(requireString(input.resourceArn, 'resourceArn'), (current) => ({ ...current, ...tags }));
  }

  /** UntagResource. */
  public async untagResource(input: batch.UntagResourceRequest): Promise<batch.UntagResourceResponse> {
    this.assertOpen();
    if (!Array.isArray(input.tagKeys) || input.tagKeys.length === 0) {
      invalid(`tagKeys is required: given ${shown(input.tagKeys)}, expected a list of 1 to ${MAX_TAGS} tag keys`);
    }
    return this.persistedRetag(requireString(input.resourceArn, 'resourceArn'), (current) =>
      Object.fromEntries(Object.entries(current).filter(([key]) => !input.tagKeys!.includes(key))));
  }

  /** ListTagsForResource. */
  public async listTagsForResource(input: batch.ListTagsForResourceRequest): Promise<batch.ListTagsForResourceResponse> {
    this.assertOpen();
    let tags: Record<string, string> = {};
    this.retag(requireString(input.resourceArn, 'resourceArn'), (current) => (tags = current));
    return { tags };
  }

  private retag(arn: string, update: (current: Record<string, string>) => Record<string, string>): void {
    updateTags(arn, update, this.graph, this.resources, (job) => this.markDirty(job), this.scope, this.consumables);
  }

  /** TagResource and UntagResource: a refused write puts a job's tags back (a resource's come back from the store). */
  private persistedRetag(arn: string, update: (current: Record<string, string>) => Record<string, string>): Record<string, never> {
    this.writer.assertWritable();
    const parsed = parseScopedArn(arn, this.scope);
    const job = parsed?.resourceType === 'job' ? this.graph.jobs.get(parsed.resourceName) : undefined;
    const tagsBefore = job?.changedTags;
    this.retag(arn, update);
    this.writer.commit(() => {
      if (job) {
        job.changedTags = tagsBefore;
      }
    });
    return {};
  }

  private jobAndReason(jobIdInput: unknown, reasonInput: unknown): { job: JobRecord; reason: string } {
    const jobId = requireString(jobIdInput, 'jobId');
    const reason = requireString(reasonInput, 'reason');
    this.admitSubmitted();
    let job = this.graph.find(jobId) ?? invalid(`jobId ${shown(jobId)} is not a job this engine knows`);
    if (job.kind === 'node') {
      job = job.parent!;
    }
    return { job, reason };
  }

  private statusChanged(job: JobRecord): void {
    this.markDirty(job);
    this.bus.jobStateChanged(job);
    this.requestTick();
  }

  private markDirty(job: JobRecord): void {
    this.writer.jobChanged(job);
  }

  /** Puts a resource back as the store holds it, after a request whose write was refused changed it. */
  private restoreResource(kind: ResourceKind, key: string, stored: object | undefined): void {
    if (kind === 'consumable-resource') {
      this.consumables.putBack(key, stored as ConsumableResourceDetail | undefined);
      return;
    }
    if (stored) {
      this.resources.restore(kind, stored);
      return;
    }
    const byKind = {
      'compute-environment': this.resources.computeEnvironments, 'job-queue': this.resources.jobQueues, 'job-definition': this.resources.jobDefinitions,
      'scheduling-policy': this.resources.schedulingPolicies.policies,
    };
    byKind[kind].delete(key);
  }

  private admitSubmitted(): void {
    for (const job of this.submitted.splice(0)) {
      if (job.status === 'SUBMITTED') {
        this.graph.admit(job);
      }
    }
  }

  private requestTick(): void {
    if (this.tickPending || this.closed) {
      return;
    }
    this.tickPending = true;
    setImmediate(() => {
      this.tickPending = false;
      // While writes fail nothing is admitted or placed: the writer's retry resumes the ticks.
      if (this.closed || this.writer.degraded) {
        return;
      }
      this.admitSubmitted();
      if (!this.placementHeld) {
        this.scheduler.place();
      }
      this.writer.flush();
    });
  }

  private read<T>(answer: () => T): T {
    this.assertOpen();
    return answer();
  }

  private persistedChange<T>(change: () => T): T {
    this.assertOpen();
    return this.persisted(change);
  }

  /** Runs a request's change and writes it before the answer; a refused write takes the change back. */
  private persisted<T>(change: () => T): T {
    this.writer.assertWritable();
    const response = change();
    this.writer.commit();
    return response;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new BatchServerException('the local engine is closed: open a new one to keep working');
    }
  }
}
