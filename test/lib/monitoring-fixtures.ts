import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as batch from 'aws-cdk-lib/aws-batch';
import { evaluateIntrinsics } from './events-cfn-intrinsics';
import { SAMPLE_ACCOUNT, SAMPLE_REGION, sampleQueueArn } from './events-fixtures';

/**
 * A piece of a synthesized template: untyped JSON that tests walk by property path and then
 * check, which a declared type would only restate.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TemplateJson = any;

/** A stack in the sample account and region, in an app of its own. */
export function newSampleStack(): Stack {
  return new Stack(new App(), 'Stack', { env: { account: SAMPLE_ACCOUNT, region: SAMPLE_REGION } });
}

/** A real job queue (on an unmanaged compute environment: no VPC needed) named `id`. */
export function newJobQueue(stack: Stack, id: string): batch.JobQueue {
  return new batch.JobQueue(stack, id, {
    computeEnvironments: [{ computeEnvironment: new batch.UnmanagedComputeEnvironment(stack, `${id}Compute`), order: 1 }],
  });
}

/** A resource of a deployed template. */
export interface DeployedResource {
  readonly Type: string;
  readonly Properties: TemplateJson;
}

/**
 * The stack's template as CloudFormation would deploy it, each job queue's ARN attribute being
 * `sampleQueueArn(<its construct id, lower case>)`.
 */
export function deployedResources(stack: Stack): Record<string, DeployedResource> {
  const attributes: Record<string, string> = {};
  const queues = stack.node.findAll().filter((c): c is batch.JobQueue => c instanceof batch.JobQueue);
  for (const queue of queues) {
    attributes[`${stack.getLogicalId(queue.node.defaultChild as batch.CfnJobQueue)}.JobQueueArn`] = sampleQueueArn(queue.node.id.toLowerCase());
  }
  const refs = { 'AWS::Partition': 'aws', 'AWS::Region': SAMPLE_REGION, 'AWS::AccountId': SAMPLE_ACCOUNT, 'AWS::URLSuffix': 'amazonaws.com' };
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, DeployedResource>;
  const out: Record<string, DeployedResource> = {};
  // Values the tests do not model (topic ARNs, ...) deploy as a readable stand-in.
  const placeholder = (intrinsic: string) => `<${intrinsic}>`;
  for (const [id, resource] of Object.entries(resources)) {
    out[id] = { Type: resource.Type, Properties: evaluateIntrinsics(resource.Properties ?? {}, { refs, attributes, placeholder }) };
  }
  return out;
}

/** The resources of one type, by logical id. */
export function resourcesOfType<T extends { Type: string }>(resources: Record<string, T>, type: string): T[] {
  return Object.values(resources).filter((r) => r.Type === type);
}
