/**
 * What a template asks the API for, without doing it: the template is loaded into a recording
 * stand-in for the API that creates nothing, so references, parameters, conditions, shape
 * checks and asset images are handled exactly as `loadTemplate` handles them, and the requests
 * it would send can be compared with those of the previous version of the template.
 */
import type * as batch from '@aws-sdk/client-batch';
import { computeEnvironmentArn, consumableResourceArn, jobDefinitionArn, jobQueueArn, schedulingPolicyArn, type ArnScope } from '../model/arns';
import type { BatchApi } from '../model/batch-api';
import type { CfnBatchResourceType } from './create-or-reuse';
import { loadTemplate, TemplateReadError, type LoadTemplateOptions, type TemplateFinding } from './load-template';

/** One Batch resource of a template and the request that creates it. */
export interface PlannedResource {
  readonly type: CfnBatchResourceType;
  readonly logicalId: string;
  /** Name in the api: the resource's name property, or its logical id. */
  readonly name: string;
  /** From the `aws:cdk:path` metadata. @default - none */
  readonly constructPath?: string;
  /** The create request (CreateComputeEnvironment, CreateJobQueue, RegisterJobDefinition, CreateSchedulingPolicy). */
  readonly input: Record<string, unknown>;
  /** A job definition's `ResourceRetentionPolicy.SkipDeregisterOnUpdate`: keep the previous revision ACTIVE on update. */
  readonly skipDeregisterOnUpdate: boolean;
}

/** Every Batch resource of a template, in creation order, and what could not be planned. */
export interface TemplatePlan {
  readonly resources: PlannedResource[];
  readonly findings: TemplateFinding[];
}

/** A parsed template, as much of it as planning reads. */
export interface CfnTemplateObject {
  readonly Resources: Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>;
}

/**
 * Parses the text of a template file; a file caught half-written by `cdk synth` fails here,
 * with a {@link TemplateReadError} that says so.
 */
export function parseTemplateText(text: string, path: string): CfnTemplateObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TemplateReadError(`template ${path} is not JSON (${(err as Error).message}); expected a synthesized CloudFormation template (a file still being written reads like this)`, path);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>).Resources !== 'object') {
    throw new TemplateReadError(`template ${path} has no Resources section; expected a synthesized CloudFormation template like cdk.out/<Stack>.template.json`, path);
  }
  return parsed as CfnTemplateObject;
}

type PlanningOperations = Pick<BatchApi,
  'listSchedulingPolicies' | 'describeSchedulingPolicies' | 'createSchedulingPolicy'
  | 'listConsumableResources' | 'createConsumableResource'
  | 'describeComputeEnvironments' | 'createComputeEnvironment'
  | 'describeJobQueues' | 'createJobQueue'
  | 'describeJobDefinitions' | 'registerJobDefinition'>;

/** Plans a parsed template for an api whose ARNs have `scope`. */
export async function planTemplate(template: CfnTemplateObject, scope: ArnScope, options: Omit<LoadTemplateOptions, 'region' | 'accountId'> = {}): Promise<TemplatePlan> {
  const requests = new Map<string, Record<string, unknown>>();
  const record = <T>(type: CfnBatchResourceType, name: string, input: object, response: T): Promise<T> => {
    requests.set(`${type} ${name}`, input as Record<string, unknown>);
    return Promise.resolve(response);
  };
  // Nothing exists yet as far as the plan knows, so every resource is "created" and its request recorded.
  const operations: PlanningOperations = {
    listSchedulingPolicies: async () => ({ schedulingPolicies: [] }),
    describeSchedulingPolicies: async () => ({ schedulingPolicies: [] }),
    listConsumableResources: async () => ({ consumableResources: [] }),
    describeComputeEnvironments: async () => ({ computeEnvironments: [] }),
    describeJobQueues: async () => ({ jobQueues: [] }),
    describeJobDefinitions: async () => ({ jobDefinitions: [] }),
    createSchedulingPolicy: (input: batch.CreateSchedulingPolicyRequest) =>
      record('AWS::Batch::SchedulingPolicy', input.name!, input, { name: input.name!, arn: schedulingPolicyArn(scope, input.name!) }),
    createConsumableResource: (input: batch.CreateConsumableResourceRequest) =>
      record('AWS::Batch::ConsumableResource', input.consumableResourceName!, input, {
        consumableResourceName: input.consumableResourceName!, consumableResourceArn: consumableResourceArn(scope, input.consumableResourceName!),
      }),
    createComputeEnvironment: (input: batch.CreateComputeEnvironmentRequest) =>
      record('AWS::Batch::ComputeEnvironment', input.computeEnvironmentName!, input, { computeEnvironmentName: input.computeEnvironmentName, computeEnvironmentArn: computeEnvironmentArn(scope, input.computeEnvironmentName!) }),
    createJobQueue: (input: batch.CreateJobQueueRequest) =>
      record('AWS::Batch::JobQueue', input.jobQueueName!, input, { jobQueueName: input.jobQueueName!, jobQueueArn: jobQueueArn(scope, input.jobQueueName!) }),
    registerJobDefinition: (input: batch.RegisterJobDefinitionRequest) =>
      record('AWS::Batch::JobDefinition', input.jobDefinitionName!, input, { jobDefinitionName: input.jobDefinitionName!, jobDefinitionArn: jobDefinitionArn(scope, input.jobDefinitionName!, 0), revision: 0 }),
  };
  const report = await loadTemplate(planningApi(operations), template, { ...options, region: scope.region, accountId: scope.accountId });
  return {
    findings: report.findings,
    resources: report.resources.map((r) => ({
      type: r.type,
      logicalId: r.logicalId,
      name: r.name,
      ...(r.constructPath ? { constructPath: r.constructPath } : {}),
      input: requests.get(`${r.type} ${r.name}`)!,
      skipDeregisterOnUpdate: skipsDeregister(template.Resources[r.logicalId]?.Properties),
    })),
  };
}

function skipsDeregister(properties: Record<string, unknown> | undefined): boolean {
  const policy = properties?.ResourceRetentionPolicy as Record<string, unknown> | undefined;
  return policy?.SkipDeregisterOnUpdate === true || policy?.SkipDeregisterOnUpdate === 'true';
}

/** The recording operations as a `BatchApi`; `loadTemplate` calls no other operation. */
function planningApi(operations: PlanningOperations): BatchApi {
  return new Proxy(operations, {
    get: (target, operation) => (operation in target
      ? target[operation as keyof PlanningOperations]
      : () => Promise.reject(new Error(`planning a template does not call ${String(operation)}`))),
  }) as BatchApi;
}
