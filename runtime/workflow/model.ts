/**
 * The workflow model: what a user writes (in TypeScript or in a YAML/JSON file) to describe a
 * graph of AWS Batch jobs. Plain data, so one definition serves the typed API, the file
 * loader and the journal (which stores it verbatim to resume a run).
 */
import { DEFAULT_JOIN_JOB_DEFINITION_NAME } from '../model/join-jobs';

/**
 * How a step waits for another step.
 * - `STEP`: the whole step (for an array step: every child) must succeed first.
 * - `N_TO_N`: child i of this array step waits for child i of the other array step (same size).
 */
export type DependencyType = 'STEP' | 'N_TO_N';

/** A dependency on another step of the same workflow. */
export interface StepDependency {
  /** Name of the step to wait for. */
  readonly step: string;
  /**
   * How to wait for it.
   * @default 'STEP'
   */
  readonly type?: DependencyType;
}

/** One condition of a retry strategy, as Batch's `EvaluateOnExit`. */
export interface RetryCondition {
  /** Exit code pattern (digits, optionally ending in `*`). @default - any */
  readonly onExitCode?: string;
  /** Pattern on the container's reason. @default - any */
  readonly onReason?: string;
  /** Pattern on the job's status reason. @default - any */
  readonly onStatusReason?: string;
  /** What to do when every given condition matches. */
  readonly action: 'RETRY' | 'EXIT';
}

/** Retry overrides for a step, as Batch's `RetryStrategy`. */
export interface StepRetry {
  /** Attempts in total, 1..10 (each move to RUNNABLE counts). */
  readonly attempts: number;
  /** Up to 5 conditions, first match wins. @default - retry on any failure while attempts remain */
  readonly evaluateOnExit?: readonly RetryCondition[];
}

/** One step of a workflow: one Batch job (single, array or multi-node). */
export interface StepDefinition {
  /**
   * Job definition: `name`, `name:revision`, an ARN, or `cdk:<construct id or path>` of a
   * batchkit CDK app (resolved by the run's resolver).
   * @default - the workflow's `defaults.jobDefinition`
   */
  readonly jobDefinition?: string;
  /**
   * Job queue: a name, an ARN, or `cdk:<construct id or path>`.
   * @default - the workflow's `defaults.jobQueue`
   */
  readonly jobQueue?: string;
  /**
   * Number of children of an array job, 2..10,000.
   * @default - a single job
   */
  readonly arraySize?: number;
  /**
   * Run the children of this array step one after another, from index 0 (Batch's SEQUENTIAL).
   * @default false
   */
  readonly sequential?: boolean;
  /**
   * Number of nodes of a multi-node parallel job (its job definition must be multi-node).
   * @default - the job definition's own node count
   */
  readonly numNodes?: number;
  /** Command override. @default - the job definition's command */
  readonly command?: readonly string[];
  /** Environment overrides; names may not start with `AWS_BATCH`. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /** vCPUs override. @default - the job definition's */
  readonly vcpus?: number;
  /** Memory override in MiB. @default - the job definition's */
  readonly memoryMiB?: number;
  /** GPUs override. @default - the job definition's */
  readonly gpus?: number;
  /** Values for the job definition's `Ref::` parameters. @default - none */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Retry strategy override. @default - the job definition's */
  readonly retry?: StepRetry;
  /** Attempt timeout override in seconds, at least 60. @default - the job definition's */
  readonly timeoutSeconds?: number;
  /** Tags of the job. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
  /** Steps to wait for: a step name (whole step) or `{ step, type }`. @default - none */
  readonly dependsOn?: ReadonlyArray<string | StepDependency>;
}

/** Defaults every step inherits. */
export interface StepDefaults {
  /** Job definition for steps that name none. @default - every step must name one */
  readonly jobDefinition?: string;
  /** Job queue for steps that name none. @default - every step must name one */
  readonly jobQueue?: string;
}

/**
 * How a step with more dependencies than Batch allows (20) is joined: through small "join"
 * jobs, each waiting for up to 20 parents, chained until 20 or fewer remain.
 */
export interface JoinOptions {
  /**
   * Job definition of the join jobs: anything that exits 0 quickly (e.g. busybox `true`).
   * @default 'batchkit-join'
   */
  readonly jobDefinition?: string;
  /**
   * Queue of the join jobs.
   * @default - the queue of the step being joined
   */
  readonly jobQueue?: string;
}

/** A workflow as written by its author. */
export interface WorkflowDefinition {
  /** Name of the workflow: letters, digits, `-`, `_`; 1..64 characters, starts alphanumeric. */
  readonly name: string;
  /** Values every step inherits. @default - none */
  readonly defaults?: StepDefaults;
  /** How steps with more than 20 dependencies are joined. @default - see `JoinOptions` */
  readonly join?: JoinOptions;
  /** The steps, keyed by name (letters, digits, `-`, `_`; no `__`; 1..64 characters). */
  readonly steps: Readonly<Record<string, StepDefinition>>;
}

/** A step after validation: defaults applied, dependencies normalised. */
export interface WorkflowStep {
  /** Step name. */
  readonly name: string;
  /** Job definition reference (name, ARN or `cdk:` reference), before resolution. */
  readonly jobDefinition: string;
  /** Job queue reference, before resolution. */
  readonly jobQueue: string;
  /** The step as written. */
  readonly definition: StepDefinition;
  /** Normalised dependencies. */
  readonly dependsOn: ReadonlyArray<Required<StepDependency>>;
}

/** A validated workflow, ready to plan and run. */
export interface Workflow {
  /** Workflow name. */
  readonly name: string;
  /** The definition it was built from (stored in the journal). */
  readonly definition: WorkflowDefinition;
  /** Steps in definition order. */
  readonly steps: readonly WorkflowStep[];
  /** Join job definition reference. */
  readonly joinJobDefinition: string;
  /** Join job queue reference. @default - per step */
  readonly joinJobQueue?: string;
}

/** Default join job definition name (see docs/workflows.md for what it must contain). */
export const DEFAULT_JOIN_JOB_DEFINITION = DEFAULT_JOIN_JOB_DEFINITION_NAME;
