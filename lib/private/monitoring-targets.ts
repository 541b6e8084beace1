import { Annotations, Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** How a target handles events it could not deliver. */
export interface DeliveryPolicy {
  /** Where events go once retries are exhausted. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Retries before giving up (0..185). */
  readonly retryAttempts: number;
  /** Age after which an event is no longer retried (1 minute..24 hours). */
  readonly maxEventAge: Duration;
}

const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/**
 * Publishes matched events to an SNS topic, allowed by the topic policy for this rule only.
 *
 * The CDK's `SnsTopic` target grants `events.amazonaws.com` publish rights with no condition,
 * which lets any account's rule publish to the topic; this one adds `aws:SourceArn`.
 */
export class TopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly message: events.RuleTargetInput,
    private readonly delivery: DeliveryPolicy,
  ) {}

  /** Called by the rule when the target is added. */
  public bind(rule: events.IRule): events.RuleTargetConfig {
    const added = this.topic.addToResourcePolicy(new iam.PolicyStatement({
      sid: `Publish${Names.uniqueId(rule)}`,
      principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
      actions: ['sns:Publish'],
      resources: [this.topic.topicArn],
      conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
    }));
    if (!added.statementAdded) {
      Annotations.of(rule).addWarningV2('batchkit:topicPolicyNotUpdated',
        `topic ${this.topic.node.path} is imported: allow ${EVENTS_PRINCIPAL} to sns:Publish to it (condition aws:SourceArn = this rule), or notifications are dropped`);
    }
    return {
      arn: this.topic.topicArn,
      input: this.message,
      targetResource: this.topic,
      ...deliveryConfig(rule, this.delivery),
    };
  }
}

/**
 * Writes matched events, whole, to a CloudWatch Logs log group.
 *
 * The CDK's `CloudWatchLogGroup` target installs the log group's resource policy through a
 * custom resource (a Lambda function with its own role); CloudFormation has a native
 * `AWS::Logs::ResourcePolicy`, so this target uses it, with one statement per rule: EventBridge
 * may create streams and write events on behalf of that rule of this account only
 * (`aws:SourceArn` and `aws:SourceAccount`, as AWS documents for service principals writing to
 * CloudWatch Logs).
 */
export class LogGroupTarget implements events.IRuleTarget {
  constructor(private readonly logGroup: logs.LogGroup, private readonly delivery: DeliveryPolicy) {}

  /** Called by the rule when the target is added. */
  public bind(rule: events.IRule): events.RuleTargetConfig {
    this.logGroup.addToResourcePolicy(new iam.PolicyStatement({
      sid: `WriteEvents${Names.uniqueId(rule)}`,
      principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [this.logGroup.logGroupArn],
      conditions: {
        ArnEquals: { 'aws:SourceArn': rule.ruleArn },
        StringEquals: { 'aws:SourceAccount': Stack.of(rule).account },
      },
    }));
    return { arn: this.logGroup.logGroupArn, targetResource: this.logGroup, ...deliveryConfig(rule, this.delivery) };
  }
}

function deliveryConfig(rule: events.IRule, delivery: DeliveryPolicy): Pick<events.RuleTargetConfig, 'deadLetterConfig' | 'retryPolicy'> {
  delivery.deadLetterQueue.addToResourcePolicy(new iam.PolicyStatement({
    sid: `DeadLetters${Names.uniqueId(rule)}`,
    principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
    actions: ['sqs:SendMessage'],
    resources: [delivery.deadLetterQueue.queueArn],
    conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
  }));
  return {
    deadLetterConfig: { arn: delivery.deadLetterQueue.queueArn },
    retryPolicy: {
      maximumRetryAttempts: delivery.retryAttempts,
      maximumEventAgeInSeconds: delivery.maxEventAge.toSeconds(),
    },
  };
}

/** Checks a delivery policy against EventBridge's limits; returns what is wrong, if anything. */
export function validateDeliveryPolicy(delivery: Pick<DeliveryPolicy, 'retryAttempts' | 'maxEventAge'>): string[] {
  const errors: string[] = [];
  const attempts = delivery.retryAttempts;
  if (!Token.isUnresolved(attempts) && (!Number.isInteger(attempts) || attempts < 0 || attempts > 185)) {
    errors.push(`targetRetryAttempts is ${attempts}, expected an integer from 0 to 185`);
  }
  if (!delivery.maxEventAge.isUnresolved()) {
    const seconds = delivery.maxEventAge.toSeconds();
    if (seconds < 60 || seconds > 86400) {
      errors.push(`targetMaxEventAge is ${delivery.maxEventAge.toHumanString()}, expected from 1 minute to 24 hours`);
    }
  }
  return errors;
}
