import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/**
 * EventBridge publishes to the topic and sends to the dead-letter queue, CloudWatch alarms
 * publish to the topic: with a customer managed key behind both, each service must be allowed
 * to encrypt through it (the form AWS documents for encrypted SNS and SQS targets).
 *
 * CloudWatch's requests carry the alarm as `aws:SourceArn`, so its statement is limited to this
 * account's alarms. EventBridge's requests to KMS, made through SNS and SQS, carry no
 * `aws:SourceArn` or `aws:SourceAccount` (AWS documents those keys as unsupported there, and a
 * condition on a missing key drops every notification): its statement is unconditioned, and
 * what stops another account's rule from using it is the topic and queue policies, which admit
 * only this construct's rules by `aws:SourceArn`.
 */
export function allowServicesToUseKey(key: kms.IKey): void {
  const stack = Stack.of(key);
  const actions = ['kms:Decrypt', 'kms:GenerateDataKey*'];
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchAlarmsPublishEncrypted',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions,
    resources: ['*'],
    conditions: thisAccountsAlarms(stack),
  }));
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'EventBridgePublishEncrypted',
    principals: [new iam.ServicePrincipal('events.amazonaws.com')],
    actions,
    resources: ['*'],
  }));
}

function thisAccountsAlarms(stack: Stack): Record<string, Record<string, string>> {
  return {
    ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
    StringEquals: { 'aws:SourceAccount': stack.account },
  };
}

/** Alarm actions publish as the CloudWatch service: only this account's alarms may. */
export function allowAlarmsToPublish(topic: sns.ITopic): void {
  const stack = Stack.of(topic);
  topic.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'CloudWatchAlarmsPublish',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['sns:Publish'],
    resources: [topic.topicArn],
    conditions: thisAccountsAlarms(stack),
  }));
}

/**
 * cdk-nag's AwsSolutions-SQS3 asks every queue to be some SQS queue's dead-letter queue or to
 * have one; it cannot see that EventBridge targets use this queue as theirs. The suppression is
 * written as the metadata `NagSuppressions` writes (lib/ does not depend on cdk-nag), so every
 * user of the construct gets the reason instead of a false finding.
 */
export function explainDeadLetterQueueToCdkNag(queue: sqs.Queue): void {
  (queue.node.defaultChild as sqs.CfnQueue).addMetadata('cdk_nag', {
    rules_to_suppress: [{
      id: 'AwsSolutions-SQS3',
      reason: 'this queue is the dead-letter queue of the EventBridge targets of batchkit monitoring; a dead-letter queue of its own would add nothing',
    }],
  });
}
