import { Duration, Lazy, Names, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as batch from 'aws-cdk-lib/aws-batch';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { JobStateChangeStatus, WorkflowStatus } from './events';
import { failedJobMessage, failedWorkflowMessage, queueBlockedMessage } from './private/monitoring-messages';
import { addBatchMetricFilters, BatchMetricName, JOB_QUEUE_DIMENSION } from './private/monitoring-metrics';
import {
  jobQueueArnOf,
  renderBatchEventsOfQueuesPattern,
  renderJobStateChangePattern,
  renderQueueBlockedPattern,
  renderWorkflowStateChangePattern,
  unique,
} from './private/monitoring-patterns';
import { addQueueDashboardRow, addQueueAlarms } from './private/monitoring-queue';
import { allowAlarmsToPublish, allowServicesToUseKey, explainDeadLetterQueueToCdkNag } from './private/monitoring-security';
import { LogGroupTarget, TopicTarget, validateDeliveryPolicy, type DeliveryPolicy } from './private/monitoring-targets';

/** Properties of a `BatchMonitoring`. */
export interface BatchMonitoringProps {
  /**
   * The job queues to monitor. `BatchMonitoring.jobQueuesIn(scope)` lists every queue defined
   * in a scope.
   *
   * @default - none yet: add them with `addJobQueue()` (synthesis fails if none is added)
   */
  readonly jobQueues?: batch.IJobQueue[];

  /**
   * The topic that notifications and alarm actions go to. A topic you pass keeps its own
   * encryption: if it uses a KMS key, that key's policy must let `events.amazonaws.com` and
   * `cloudwatch.amazonaws.com` use it (`kms:Decrypt`, `kms:GenerateDataKey*`).
   *
   * @default - a new topic, encrypted with `encryptionKey`, that refuses publishing without TLS
   */
  readonly topic?: sns.ITopic;

  /**
   * The KMS key that encrypts the topic this construct creates and the dead-letter queue. Its
   * policy gains the statements EventBridge and CloudWatch need to publish through it.
   *
   * @default - a new key with automatic rotation
   */
  readonly encryptionKey?: kms.IKey;

  /**
   * How long the archive keeps events.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly archiveRetention?: logs.RetentionDays;

  /**
   * What happens to the archive log group and the created key when the stack is deleted.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;

  /**
   * How many failed jobs of one queue within `alarmPeriod` raise its failed-jobs alarm.
   *
   * @default 1
   */
  readonly failedJobsThreshold?: number;

  /**
   * The period the alarms count events over (a multiple of 1 minute).
   *
   * @default Duration.minutes(5)
   */
  readonly alarmPeriod?: Duration;

  /**
   * Whether each failed array child sends its own notification. By default only the array
   * parent's failure notifies (Batch fails the parent when a child fails), so a 10,000-child
   * array that fails sends one message, not 10,001. Metrics count children either way.
   *
   * @default false
   */
  readonly notifyArrayChildren?: boolean;

  /**
   * Whether failed runs of the batchkit workflow runtime notify the topic too (once per run: the
   * failed steps' jobs notify on their own), and its workflow events (runs and steps) are archived
   * with the Batch events.
   *
   * @default true
   */
  readonly monitorWorkflows?: boolean;

  /**
   * The workflows whose events to notify and archive.
   *
   * @default - every workflow
   */
  readonly workflowNames?: string[];

  /**
   * The event bus the workflow runtime publishes to.
   *
   * @default - the account's default event bus
   */
  readonly workflowEventBus?: events.IEventBus;

  /**
   * The CloudWatch namespace of the metrics derived from the events.
   *
   * @default 'batchkit'
   */
  readonly metricNamespace?: string;

  /**
   * The name of the dashboard.
   *
   * @default - a name CloudFormation generates
   */
  readonly dashboardName?: string;

  /**
   * How many times EventBridge retries delivering an event to a target (0..185) before the
   * event goes to the dead-letter queue.
   *
   * @default 8
   */
  readonly targetRetryAttempts?: number;

  /**
   * How old an event may get while EventBridge retries it (1 minute..24 hours): a notification
   * hours late helps less than one in the dead-letter queue, where it can be inspected.
   *
   * @default Duration.hours(2)
   */
  readonly targetMaxEventAge?: Duration;
}

/**
 * Monitoring of a set of AWS Batch job queues, secure by default, from the events Batch sends
 * (Batch publishes no CloudWatch metrics of its own):
 *
 * - notifications of failed jobs and blocked queues (and failed batchkit workflows) to an SNS
 *   topic encrypted with a KMS key, readable text with a link to the job in the console;
 * - an archive of every Batch event of the queues in a CloudWatch Logs log group;
 * - metrics per queue derived from the archive (jobs succeeded, jobs failed, queue blocked),
 *   alarms on them with actions to the topic, and a dashboard;
 * - a KMS-encrypted, TLS-only dead-letter queue and a retry policy on every target, and an
 *   alarm when an event lands in that queue.
 *
 * @example
 * new BatchMonitoring(this, 'Monitoring', { jobQueues: [cpuQueue, gpuQueue] });
 */
export class BatchMonitoring extends Construct {
  /** Every `batch.JobQueue` defined under `scope`, for monitoring everything a stack or construct holds. */
  public static jobQueuesIn(scope: IConstruct): batch.IJobQueue[] {
    return scope.node.findAll().filter((c): c is batch.JobQueue => c instanceof batch.JobQueue);
  }

  /** The topic notifications and alarm actions go to. */
  public readonly topic: sns.ITopic;
  /** The key that encrypts the dead-letter queue (and the topic, when this construct created it). */
  public readonly encryptionKey: kms.IKey;
  /** The log group that archives every Batch event of the monitored queues. */
  public readonly archive: logs.LogGroup;
  /** Where events go that a target could not take after its retries. */
  public readonly deadLetterQueue: sqs.Queue;
  /** The dashboard: one row per queue. */
  public readonly dashboard: cloudwatch.Dashboard;
  /** The rule that notifies failed jobs. */
  public readonly failedJobsRule: events.Rule;
  /** The rule that notifies blocked queues. */
  public readonly queueBlockedRule: events.Rule;
  /** The rule that archives the queues' events. */
  public readonly archiveRule: events.Rule;
  /** The rule that notifies failed workflow runs, unless `monitorWorkflows` is false. */
  public readonly failedWorkflowsRule?: events.Rule;
  /** The alarm raised when an event could not be delivered to a target. */
  public readonly undeliveredEventsAlarm: cloudwatch.Alarm;
  /** The CloudWatch namespace of the derived metrics. */
  public readonly metricNamespace: string;

  private readonly jobQueues: batch.IJobQueue[] = [];
  private readonly queueAlarms: cloudwatch.Alarm[] = [];
  private readonly alarmPeriod: Duration;
  private readonly failedJobsThreshold: number;
  private readonly alarmAction: cloudwatch.IAlarmAction;

  constructor(scope: Construct, id: string, props: BatchMonitoringProps = {}) {
    super(scope, id);
    this.metricNamespace = props.metricNamespace ?? 'batchkit';
    this.alarmPeriod = props.alarmPeriod ?? Duration.minutes(5);
    this.failedJobsThreshold = props.failedJobsThreshold ?? 1;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.encryptionKey = props.encryptionKey ?? new kms.Key(this, 'Key', {
      description: `batchkit monitoring ${this.node.path}: encrypts its notification topic and dead-letter queue`,
      enableKeyRotation: true,
      removalPolicy,
    });
    allowServicesToUseKey(this.encryptionKey);
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', {
      displayName: 'AWS Batch notifications',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    allowAlarmsToPublish(this.topic);
    this.alarmAction = new cloudwatchActions.SnsAction(this.topic);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    explainDeadLetterQueueToCdkNag(this.deadLetterQueue);
    const delivery: DeliveryPolicy = {
      deadLetterQueue: this.deadLetterQueue,
      retryAttempts: props.targetRetryAttempts ?? 8,
      maxEventAge: props.targetMaxEventAge ?? Duration.hours(2),
    };

    this.archive = new logs.LogGroup(this, 'Archive', {
      retention: props.archiveRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy,
    });
    addBatchMetricFilters(this, this.archive, this.metricNamespace);

    const queueArns = Lazy.list({ produce: () => unique(this.jobQueues.map(jobQueueArnOf)) });
    this.failedJobsRule = new events.Rule(this, 'FailedJobsRule', {
      description: 'batchkit: notify failed AWS Batch jobs of the monitored queues',
      eventPattern: renderJobStateChangePattern({
        statuses: [JobStateChangeStatus.FAILED],
        jobQueueArns: queueArns,
        includeArrayChildren: props.notifyArrayChildren ?? false,
      }),
      targets: [new TopicTarget(this.topic, failedJobMessage(), delivery)],
    });
    this.queueBlockedRule = new events.Rule(this, 'QueueBlockedRule', {
      description: 'batchkit: notify blocked AWS Batch queues',
      eventPattern: renderQueueBlockedPattern(queueArns),
      targets: [new TopicTarget(this.topic, queueBlockedMessage(), delivery)],
    });
    const archiveTarget = new LogGroupTarget(this.archive, delivery);
    this.archiveRule = new events.Rule(this, 'ArchiveRule', {
      description: 'batchkit: archive every AWS Batch event of the monitored queues',
      eventPattern: renderBatchEventsOfQueuesPattern(queueArns),
      targets: [archiveTarget],
    });
    if (props.monitorWorkflows ?? true) {
      this.failedWorkflowsRule = this.monitorWorkflows(props, archiveTarget, delivery);
    }

    this.undeliveredEventsAlarm = this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: this.alarmPeriod })
      .createAlarm(this, 'UndeliveredEventsAlarm', {
        alarmDescription: 'batchkit: events EventBridge could not deliver to a monitoring target are waiting in the dead-letter queue',
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    this.undeliveredEventsAlarm.addAlarmAction(this.alarmAction);
    this.undeliveredEventsAlarm.addOkAction(this.alarmAction);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(1),
    });
    this.dashboard.addWidgets(new cloudwatch.TextWidget({
      markdown: '# AWS Batch\nJobs succeeded and failed, and blocked-queue events, per queue, counted from the events Batch sends (array parents are not counted, their children are).',
      width: 24,
      height: 2,
    }));

    this.node.addValidation({
      validate: () => [
        ...(this.jobQueues.length === 0 ? ['monitors no job queue: pass jobQueues or call addJobQueue()'] : []),
        ...validateThreshold(this.failedJobsThreshold),
        ...validateDeliveryPolicy(delivery),
      ],
    });
    for (const queue of props.jobQueues ?? []) this.addJobQueue(queue);
  }

  /** Monitors one more queue: its events join the rules, and it gets its alarms and dashboard row. */
  public addJobQueue(jobQueue: batch.IJobQueue): void {
    jobQueueArnOf(jobQueue); // a malformed imported ARN fails here, naming the queue, not at render time
    if (this.jobQueues.includes(jobQueue)) return;
    this.jobQueues.push(jobQueue);
    const queueScope = new Construct(this, Names.uniqueId(jobQueue));
    const alarms = addQueueAlarms(queueScope, {
      jobQueue,
      jobsFailed: this.metricJobsFailed(jobQueue),
      queueBlocked: this.metricQueueBlocked(jobQueue),
      failedJobsThreshold: this.failedJobsThreshold,
      action: this.alarmAction,
    });
    this.queueAlarms.push(...alarms);
    addQueueDashboardRow(this.dashboard, {
      jobQueue,
      jobsSucceeded: this.metricJobsSucceeded(jobQueue),
      jobsFailed: this.metricJobsFailed(jobQueue),
      queueBlocked: this.metricQueueBlocked(jobQueue),
      alarms,
    });
  }

  /** The alarms of every monitored queue (failed jobs, blocked), in the order the queues were added. */
  public get alarms(): cloudwatch.IAlarm[] {
    return [...this.queueAlarms];
  }

  /** Jobs of `jobQueue` that succeeded (sum over the alarm period unless `props` says otherwise). */
  public metricJobsSucceeded(jobQueue: batch.IJobQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BatchMetricName.JOBS_SUCCEEDED, jobQueue, props);
  }

  /** Jobs of `jobQueue` that failed (sum over the alarm period unless `props` says otherwise). */
  public metricJobsFailed(jobQueue: batch.IJobQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BatchMetricName.JOBS_FAILED, jobQueue, props);
  }

  /** `Batch Job Queue Blocked` events of `jobQueue` (sum over the alarm period unless `props` says otherwise). */
  public metricQueueBlocked(jobQueue: batch.IJobQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(BatchMetricName.QUEUE_BLOCKED, jobQueue, props);
  }

  private metric(metricName: BatchMetricName, jobQueue: batch.IJobQueue, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricNamespace,
      metricName,
      dimensionsMap: { [JOB_QUEUE_DIMENSION]: jobQueue.jobQueueArn },
      statistic: cloudwatch.Stats.SUM,
      period: this.alarmPeriod,
      ...props,
    });
  }

  /** Adds the workflow rules; returns the one that notifies failed runs. */
  private monitorWorkflows(props: BatchMonitoringProps, archiveTarget: LogGroupTarget, delivery: DeliveryPolicy): events.Rule {
    const workflowNames = props.workflowNames && unique(props.workflowNames);
    if (workflowNames?.length === 0) throw new Error(`${this.node.path}: workflowNames is empty, expected at least one name (leave it out to monitor every workflow)`);
    const failedWorkflowsRule = new events.Rule(this, 'FailedWorkflowsRule', {
      description: 'batchkit: notify failed batchkit workflow runs',
      eventBus: props.workflowEventBus,
      eventPattern: renderWorkflowStateChangePattern({ statuses: [WorkflowStatus.FAILED], workflowNames, includeStepEvents: false }),
      targets: [new TopicTarget(this.topic, failedWorkflowMessage(), delivery)],
    });
    new events.Rule(this, 'ArchiveWorkflowsRule', {
      description: 'batchkit: archive batchkit workflow events',
      eventBus: props.workflowEventBus,
      eventPattern: renderWorkflowStateChangePattern({ workflowNames, includeStepEvents: true }),
      targets: [archiveTarget],
    });
    return failedWorkflowsRule;
  }
}

function validateThreshold(threshold: number): string[] {
  if (Token.isUnresolved(threshold) || (Number.isInteger(threshold) && threshold >= 1)) return [];
  return [`failedJobsThreshold is ${threshold}, expected a whole number of jobs, 1 or more`];
}
