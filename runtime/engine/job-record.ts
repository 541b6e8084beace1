/**
 * The engine's in-memory model of a job. Array children and multi-node nodes share their parent's
 * `JobSpec`, so a 10,000-child array costs one spec plus 10,000 small state records.
 */
import type * as batch from '@aws-sdk/client-batch';
import type { JobStatus } from '../model/job-states';

/** What kind of unit a record is: only `container`, `child` and `multinode` are ever placed. */
export type JobKind = 'container' | 'array' | 'child' | 'multinode' | 'node';

/** Everything fixed at submit time, after validation and resolution of names to ARNs. */
export interface JobSpec {
  /** The request as accepted, with `jobQueue` and `jobDefinition` resolved. */
  readonly request: batch.SubmitJobRequest;
  /** Queue name (the queue is looked up by name at scheduling time). */
  readonly queueName: string;
  /** The job definition revision the job was submitted with (a snapshot: later revisions do not change it). */
  readonly jobDefinition: batch.JobDefinition;
  /** Parameters: the job definition's, overridden by the request's. */
  readonly parameters: Record<string, string>;
  /** Effective retry strategy (request over job definition). */
  readonly retryStrategy?: batch.RetryStrategy;
  /** Effective timeout (request over job definition). */
  readonly timeoutSeconds?: number;
  /** Effective tags (request over job definition when propagation is asked for). */
  readonly tags: Record<string, string>;
  /** Number of nodes for a multi-node job (after `nodeOverrides.numNodes`). */
  readonly numNodes?: number;
  /** Units of consumable resources each attempt holds, by resource name (a multi-node job's: all its nodes'). */
  readonly consumableResources?: batch.ConsumableResourceRequirement[];
}

/** One finished or running attempt. */
export interface AttemptRecord {
  /** The simulated ECS task id (hex), the last part of the log stream name. */
  readonly taskId: string;
  /** Compute environment the attempt ran on. */
  readonly computeEnvironment: string;
  /** Epoch ms when the process started. */
  startedAt?: number;
  /** Epoch ms when the process ended. */
  stoppedAt?: number;
  /** The container's exit code. */
  exitCode?: number;
  /** The container's reason (why it could not start, or was killed). */
  reason?: string;
  /** The attempt's status reason. */
  statusReason?: string;
  /** Host pid (and process group) of the running attempt: lets a reopened engine stop what a crashed one left running. */
  hostPid?: number;
}

/** A job, an array child, or a multi-node node. */
export interface JobRecord {
  /** Job id: a UUID, `<id>:<index>` for a child, `<id>#<n>` for a node. */
  readonly jobId: string;
  /** What the record is. */
  readonly kind: JobKind;
  /** Submission order: children and nodes share their parent's. */
  readonly seq: number;
  /** The submit, shared with children and nodes. */
  readonly spec: JobSpec;
  /** Epoch ms of the submit. */
  readonly createdAt: number;
  /** Array index for children, node index for nodes. */
  readonly index?: number;
  /** The array parent of a child, the multi-node job of a node. */
  readonly parent?: JobRecord;
  /** Current status. */
  status: JobStatus;
  /** Why the job is in its status (AWS's wording where AWS has one). */
  statusReason?: string;
  /** Epoch ms when the latest attempt started running. */
  startedAt?: number;
  /** Epoch ms when the job finished. */
  stoppedAt?: number;
  /** Finished attempts, oldest first (AWS lists finished attempts only). */
  attempts?: AttemptRecord[];
  /** The attempt in progress (STARTING or RUNNING). */
  current?: AttemptRecord;
  /** Set by CancelJob (and by cancelling through TerminateJob or a time-limit action). */
  isCancelled?: boolean;
  /** Set by TerminateJob on a started job. */
  isTerminated?: boolean;
  /** The job's tags once TagResource or UntagResource changed them (they replace the submit-time tags). */
  changedTags?: Record<string, string>;
  /** Runtime only: dependencies not yet SUCCEEDED. */
  unmetDependencies: number;
  /** Runtime only, array parents: children by status (`statusSummary`). */
  summary?: Record<JobStatus, number>;
  /** Runtime only, array parents and multi-node jobs: their children or nodes, by index. */
  members?: JobRecord[];
  /** Runtime only, array parents: dependencies released. */
  released?: boolean;
  /** Runtime only: the queue-blocked reason once reported, so the event fires once. */
  blockedReason?: string;
  /**
   * The reason a CancelJob or TerminateJob gave (stored with `isCancelled`/`isTerminated`, so a
   * restart finishes what was acknowledged); for array parents also a failed dependency's reason:
   * the reason to end with once the children are done.
   */
  endReason?: string;
}
