import { Stack } from 'aws-cdk-lib';
import type * as batch from 'aws-cdk-lib/aws-batch';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/*
 * The IAM statements behind the job definition grants, shared by batchkit job definitions and
 * imported ones. Batch has no per-definition job ARN, so cancel/terminate can only be narrowed by
 * tags; describe and list support no resource scoping at all.
 */

const DESCRIBE_ACTIONS = ['batch:DescribeJobs', 'batch:ListJobs', 'batch:DescribeJobQueues', 'batch:DescribeJobDefinitions'];

function tagConditions(key: 'aws:RequestTag' | 'aws:ResourceTag', tags: Record<string, string> | undefined): Record<string, Record<string, string>> | undefined {
  if (!tags || Object.keys(tags).length === 0) return undefined;
  return { StringEquals: Object.fromEntries(Object.entries(tags).map(([name, value]) => [`${key}/${name}`, value])) };
}

function jobArnPattern(scope: IConstruct): string {
  return Stack.of(scope).formatArn({ service: 'batch', resource: 'job', resourceName: '*' });
}

/** SubmitJob on every revision of `jobDefinitionName` (`name:*`) and on `queue`, optionally only for jobs tagged `requiredTags`. */
export function grantSubmit(
  scope: IConstruct, jobDefinitionName: string, grantee: iam.IGrantable, queue: batch.IJobQueue, requiredTags: Record<string, string> | undefined,
): iam.Grant {
  const conditions = tagConditions('aws:RequestTag', requiredTags);
  const allRevisions = Stack.of(scope).formatArn({ service: 'batch', resource: 'job-definition', resourceName: `${jobDefinitionName}:*` });
  const submit = iam.Grant.addToPrincipal({ grantee, actions: ['batch:SubmitJob'], resourceArns: [allRevisions, queue.jobQueueArn], conditions });
  if (!conditions) return submit;
  // Setting tags at submit time is itself a TagResource call on the new job.
  return submit.combine(iam.Grant.addToPrincipal({ grantee, actions: ['batch:TagResource'], resourceArns: [jobArnPattern(scope)], conditions }));
}

/** CancelJob and TerminateJob on the account's jobs, optionally only those tagged `requiredTags`. */
export function grantCancel(scope: IConstruct, grantee: iam.IGrantable, requiredTags: Record<string, string> | undefined): iam.Grant {
  return iam.Grant.addToPrincipal({
    grantee,
    actions: ['batch:CancelJob', 'batch:TerminateJob'],
    resourceArns: [jobArnPattern(scope)],
    conditions: tagConditions('aws:ResourceTag', requiredTags),
  });
}

/** Describe and list jobs, queues and job definitions. */
export function grantDescribe(grantee: iam.IGrantable): iam.Grant {
  return iam.Grant.addToPrincipal({ grantee, actions: DESCRIBE_ACTIONS, resourceArns: ['*'] });
}
