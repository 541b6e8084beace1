import type * as batch from 'aws-cdk-lib/aws-batch';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import {
  jobDefinitionArnPrefix,
  jobQueueArnOf,
  renderJobStateChangePattern,
  renderQueueBlockedPattern,
  renderWorkflowStateChangePattern,
  unique,
} from './private/monitoring-patterns';

/**
 * A status that AWS Batch reports in a `Batch Job State Change` event.
 *
 * `SUBMITTED` is not listed: Batch sends no event when a job is submitted, only for the moves
 * after it, so a rule on it would never fire.
 */
export enum JobStateChangeStatus {
  /** Waiting for the jobs it depends on. */
  PENDING = 'PENDING',
  /** Ready to run, waiting for capacity; a job that stays here can block its queue. */
  RUNNABLE = 'RUNNABLE',
  /** Placed on a host, its container is starting. */
  STARTING = 'STARTING',
  /** Its container is running. */
  RUNNING = 'RUNNING',
  /** Finished with exit code 0. Terminal. */
  SUCCEEDED = 'SUCCEEDED',
  /** Failed, was cancelled or terminated, timed out, or a dependency failed. Terminal. */
  FAILED = 'FAILED',
}

/** A status that the batchkit workflow runtime reports in its `Batch Workflow State Change` events. */
export enum WorkflowStatus {
  /** The run started or resumed. */
  RUNNING = 'RUNNING',
  /** The run (every step of it), or one step, succeeded. */
  SUCCEEDED = 'SUCCEEDED',
  /** The run (a step of it failed), or one step, failed. */
  FAILED = 'FAILED',
  /** The run, or one step, was cancelled. */
  CANCELLED = 'CANCELLED',
}

/** Which job state change events to match. Every filter left out matches everything. */
export interface JobStateChangeFilter {
  /**
   * Statuses to match (any of them).
   *
   * @default - every status
   */
  readonly statuses?: JobStateChangeStatus[];

  /**
   * Queues whose jobs to match (any of them), by queue ARN.
   *
   * @default - jobs of every queue in the account and region
   */
  readonly jobQueues?: batch.IJobQueue[];

  /**
   * Job definitions whose jobs to match (any of them), every revision of each: the pattern
   * matches the ARN up to the revision, so a job that ran revision 7 matches a definition
   * whose construct names revision 1.
   *
   * @default - jobs of every job definition
   */
  readonly jobDefinitions?: batch.IJobDefinition[];

  /**
   * Whether to match the events of array children (job ids `<parent>:<index>`). They carry the
   * queue and job definition of their parent, so the other filters match them too; leave them
   * out when one event per array job (its parent's) is what a target should see.
   *
   * @default true
   */
  readonly includeArrayChildren?: boolean;
}

/** Options of `BatchEvents.onJobStateChange`. */
export interface OnJobStateChangeOptions extends JobStateChangeFilter, events.OnEventOptions {
}

/** Which `Batch Job Queue Blocked` events to match. */
export interface QueueBlockedFilter {
  /**
   * Queues whose blocked events to match (any of them), by queue ARN.
   *
   * @default - every queue in the account and region
   */
  readonly jobQueues?: batch.IJobQueue[];
}

/** Options of `BatchEvents.onQueueBlocked`. */
export interface OnQueueBlockedOptions extends QueueBlockedFilter, events.OnEventOptions {
}

/** Which workflow state change events (from the batchkit runtime) to match. */
export interface WorkflowStateChangeFilter {
  /**
   * Statuses to match (any of them).
   *
   * @default - every status
   */
  readonly statuses?: WorkflowStatus[];

  /**
   * Workflow names to match (any of them), as the runtime reports them in `detail.workflowName`.
   *
   * @default - every workflow
   */
  readonly workflowNames?: string[];

  /**
   * Whether to match the events of single steps as well as those of whole runs. The runtime
   * reports both: a run's status (no `detail.step`), and each step's terminal status (with
   * `detail.step`); a failing step makes its run fail too, so a rule that should fire once per
   * failed run leaves step events out.
   *
   * @default true
   */
  readonly includeStepEvents?: boolean;
}

/** Options of `BatchEvents.onWorkflowStateChange`. */
export interface OnWorkflowStateChangeOptions extends WorkflowStateChangeFilter, events.OnEventOptions {
  /**
   * The event bus the workflow runtime publishes to.
   *
   * @default - the account's default event bus
   */
  readonly eventBus?: events.IEventBus;
}

/**
 * EventBridge rules and patterns for AWS Batch events and the batchkit runtime's workflow events.
 *
 * The patterns match what Batch sends: a queue by its ARN in `detail.jobQueue`, a job definition
 * by the ARN prefix every revision shares in `detail.jobDefinition`. Batch delivers each event at
 * least once and in no set order, so targets should tolerate repeats.
 *
 * @example
 * const rule = BatchEvents.onJobStateChange(this, 'TrainFailed', {
 *   jobDefinitions: [train],
 *   statuses: [JobStateChangeStatus.FAILED],
 * });
 * rule.addTarget(new targets.SnsTopic(topic));
 */
export class BatchEvents {
  /**
   * The pattern of `Batch Job State Change` events that pass `filter`.
   *
   * @param scope any construct of the stack the pattern is used in (for ARN tokens)
   */
  public static jobStateChangePattern(scope: Construct, filter: JobStateChangeFilter = {}): events.EventPattern {
    return renderJobStateChangePattern({
      statuses: filter.statuses && unique(nonEmpty(scope, 'statuses', filter.statuses)),
      jobQueueArns: filter.jobQueues && unique(nonEmpty(scope, 'jobQueues', filter.jobQueues).map(jobQueueArnOf)),
      jobDefinitionArnPrefixes: filter.jobDefinitions
        && unique(nonEmpty(scope, 'jobDefinitions', filter.jobDefinitions).map(jobDefinitionArnPrefix)),
      includeArrayChildren: filter.includeArrayChildren ?? true,
    });
  }

  /** The pattern of `Batch Job Queue Blocked` events that pass `filter`. */
  public static queueBlockedPattern(scope: Construct, filter: QueueBlockedFilter = {}): events.EventPattern {
    return renderQueueBlockedPattern(filter.jobQueues && unique(nonEmpty(scope, 'jobQueues', filter.jobQueues).map(jobQueueArnOf)));
  }

  /** The pattern of the runtime's `Batch Workflow State Change` events that pass `filter`. */
  public static workflowStateChangePattern(scope: Construct, filter: WorkflowStateChangeFilter = {}): events.EventPattern {
    for (const name of filter.workflowNames ?? []) {
      if (name.length === 0) throw new Error(`${scope.node.path}: workflowNames holds an empty name, expected the names workflows run under`);
    }
    return renderWorkflowStateChangePattern({
      statuses: filter.statuses && unique(nonEmpty(scope, 'statuses', filter.statuses)),
      workflowNames: filter.workflowNames && unique(nonEmpty(scope, 'workflowNames', filter.workflowNames)),
      includeStepEvents: filter.includeStepEvents ?? true,
    });
  }

  /** A rule on `Batch Job State Change` events, created in `scope` with `id`; add targets to it. */
  public static onJobStateChange(scope: Construct, id: string, options: OnJobStateChangeOptions = {}): events.Rule {
    return newRule(scope, id, BatchEvents.jobStateChangePattern(scope, options), options);
  }

  /** A rule on `Batch Job Queue Blocked` events, created in `scope` with `id`; add targets to it. */
  public static onQueueBlocked(scope: Construct, id: string, options: OnQueueBlockedOptions = {}): events.Rule {
    return newRule(scope, id, BatchEvents.queueBlockedPattern(scope, options), options);
  }

  /** A rule on the runtime's `Batch Workflow State Change` events, created in `scope` with `id`. */
  public static onWorkflowStateChange(scope: Construct, id: string, options: OnWorkflowStateChangeOptions = {}): events.Rule {
    return newRule(scope, id, BatchEvents.workflowStateChangePattern(scope, options), options, options.eventBus);
  }
}

function newRule(scope: Construct, id: string, pattern: events.EventPattern, options: events.OnEventOptions, eventBus?: events.IEventBus): events.Rule {
  const rule = new events.Rule(scope, id, {
    ruleName: options.ruleName,
    description: options.description,
    crossStackScope: options.crossStackScope,
    eventBus,
    eventPattern: pattern,
    targets: options.target ? [options.target] : undefined,
  });
  // Added on top, as the CDK's own on* methods do: the user's pattern narrows ours.
  if (options.eventPattern) rule.addEventPattern(options.eventPattern);
  return rule;
}

/** An empty list in an EventBridge pattern matches nothing and is refused at deploy time: fail at synth instead. */
function nonEmpty<T>(scope: Construct, prop: string, values: T[]): T[] {
  if (values.length === 0) {
    throw new Error(`${scope.node.path}: ${prop} is empty, expected at least one entry (leave ${prop} out to match all)`);
  }
  return values;
}
