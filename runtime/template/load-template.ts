/**
 * Loads a synthesized CloudFormation template (`cdk.out/<Stack>.template.json`) into any
 * `BatchApi`, usually the local engine: its compute environments, job queues and job
 * definitions are created through the API the way CloudFormation would create them on AWS.
 * What the engine does not model (IAM roles, subnets, ...) becomes recorded placeholders;
 * what the loader cannot do faithfully becomes findings, never a silent omission. Images of CDK
 * assets are built locally when the jobs run as containers (see docker-assets.ts).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BatchApi } from '../model/batch-api';
import { BATCH_OPERATIONS, BATCH_SHAPES } from '../model/batch-wire-model.generated';
import { validateShape } from '../model/shape-validation';
import type { WireModel } from '../model/wire-model';
import { assetManifestBeside } from './asset-manifest';
import { cfnToApi } from './cfn-to-api';
import { AssetImageBuilds, type AssetImage, type AssetImageOptions } from './docker-assets';
import { resolveIntrinsics } from './intrinsics';
import { createOrReuse, type CfnBatchResourceType } from './create-or-reuse';
import { templateReferenceResolver, type TemplateResource, type CfnTemplate, type PlaceholderValue, type TemplateScope } from './template-references';
import { BatchkitError } from '../model/errors';

/** Codes of the template layer's errors. */
export type TemplateErrorCode = 'TEMPLATE_UNREADABLE' | 'TEMPLATE_CHANGE_REFUSED';

export type { CfnBatchResourceType } from './create-or-reuse';
export type { PlaceholderValue } from './template-references';
export type { AssetImage, AssetImageOptions, ImageBuildCli } from './docker-assets';

/** Options of {@link loadTemplate}. */
export interface LoadTemplateOptions {
  /**
   * Value of `AWS::Region`.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * Value of `AWS::AccountId`.
   * @default '123456789012'
   */
  readonly accountId?: string;
  /**
   * Value of `AWS::StackName`.
   * @default - the template file name without `.template.json`, or `LocalStack` for a template object
   */
  readonly stackName?: string;
  /**
   * Values of the template's parameters, by name; parameters not given take their `Default`.
   * @default - every parameter takes its default
   */
  readonly parameters?: Record<string, string>;
  /**
   * Builds the images of CDK Docker image assets (`ContainerImage.fromAsset`) with this container
   * CLI, from the build contexts the asset manifest names, and registers the job definitions
   * using them with the local tags. Give it when the jobs run as containers.
   * @default - asset images are not built: job definitions keep the ECR image URIs they will have once published
   */
  readonly assetImages?: AssetImageOptions;
}

/** A Batch resource of the template, now present in the api. */
export interface LoadedBatchResource {
  /** CloudFormation resource type. */
  readonly type: CfnBatchResourceType;
  /** Logical id in the template. */
  readonly logicalId: string;
  /** The construct path from the resource's `aws:cdk:path` metadata, when the template has it. */
  readonly constructPath?: string;
  /** Name in the api: the resource's name property, or its logical id. */
  readonly name: string;
  /** ARN in the api (a job definition's: of the revision in use). */
  readonly arn: string;
  /** `created` now, or `existing`: an identical resource was already there (a restarted engine). */
  readonly status: 'created' | 'existing';
}

/** Something the loader could not do as CloudFormation would. */
export interface TemplateFinding {
  /** `error`: the resource was not created; `warning`: created, but not exactly as written. */
  readonly level: 'error' | 'warning';
  /** The resource concerned. @default - the template as a whole */
  readonly logicalId?: string;
  /** Property path inside the resource, e.g. `ContainerProperties.LinuxParameters`. @default - the resource as a whole */
  readonly property?: string;
  /** What happened and why. */
  readonly message: string;
}

/** What {@link loadTemplate} did. */
export interface LoadReport {
  /** The template's path, or `<object>`. */
  readonly template: string;
  /** The Batch resources now in the api, in creation order. */
  readonly resources: LoadedBatchResource[];
  /** What could not be done as CloudFormation would. */
  readonly findings: TemplateFinding[];
  /** Stand-ins used for references outside AWS Batch. */
  readonly placeholders: PlaceholderValue[];
  /** Images of CDK assets the job definitions use, built or found locally (with `assetImages` only). */
  readonly assetImages: AssetImage[];
}

/** The template file cannot be used: unreadable, not JSON, or not a CloudFormation template. */
export class TemplateReadError extends BatchkitError {
  public readonly name = 'TemplateReadError';
  public readonly code: TemplateErrorCode = 'TEMPLATE_UNREADABLE';
  /** The file must change first. */
  public readonly retryable = false;
  constructor(message: string, public readonly templatePath: string) {
    super(message);
  }
}

const MODEL: WireModel = { operations: BATCH_OPERATIONS, shapes: BATCH_SHAPES };

/** How each Batch resource type maps onto the API, in creation order (queues need their compute environments). */
interface BatchTypeMapping {
  readonly type: CfnBatchResourceType;
  /** The API request shape that creates it. */
  readonly input: string;
  /** The property holding its name. */
  readonly nameProperty: string;
  /** Properties that only steer CloudFormation deployments: ignored without a finding. */
  readonly deploymentOnly: string[];
}

const BATCH_TYPES: readonly BatchTypeMapping[] = [
  { type: 'AWS::Batch::SchedulingPolicy', input: 'CreateSchedulingPolicyRequest', nameProperty: 'Name', deploymentOnly: [] },
  // Before job definitions, whose consumableResourceProperties name them.
  { type: 'AWS::Batch::ConsumableResource', input: 'CreateConsumableResourceRequest', nameProperty: 'ConsumableResourceName', deploymentOnly: [] },
  { type: 'AWS::Batch::ComputeEnvironment', input: 'CreateComputeEnvironmentRequest', nameProperty: 'ComputeEnvironmentName', deploymentOnly: ['ReplaceComputeEnvironment', 'UpdatePolicy', 'ComputeResources.UpdateToLatestImageVersion'] },
  { type: 'AWS::Batch::JobQueue', input: 'CreateJobQueueRequest', nameProperty: 'JobQueueName', deploymentOnly: [] },
  { type: 'AWS::Batch::JobDefinition', input: 'RegisterJobDefinitionRequest', nameProperty: 'JobDefinitionName', deploymentOnly: ['ResourceRetentionPolicy'] },
];

/** Creates the template's Batch resources through `api` and reports what it did. */
export async function loadTemplate(api: BatchApi, source: string | object, options: LoadTemplateOptions = {}): Promise<LoadReport> {
  const template = (typeof source === 'string' ? readTemplateFile(source) : source) as CfnTemplate;
  const templateName = typeof source === 'string' ? source : '<object>';
  const resources = template.Resources ?? {};
  const report: LoadReport = { template: templateName, resources: [], findings: [], placeholders: [], assetImages: [] };
  const scope: TemplateScope = {
    partition: 'aws',
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    stackName: options.stackName ?? (typeof source === 'string' ? basename(source).replace(/\.template\.json$|\.json$/, '') : 'LocalStack'),
  };
  const assetImages = options.assetImages
    ? new AssetImageBuilds(options.assetImages, options.assetImages.manifestFile ?? (typeof source === 'string' ? assetManifestBeside(source) : undefined), scope)
    : undefined;
  const createdArns = new Map<string, string>();
  let currentLogicalId: string | undefined;
  const finding = (level: TemplateFinding['level'], property: string | undefined, message: string): void => {
    report.findings.push({ level, logicalId: currentLogicalId, ...(property ? { property } : {}), message });
  };
  const resolver = templateReferenceResolver({
    template, scope, parameters: options.parameters ?? {}, createdArns, placeholders: report.placeholders,
    createdTypes: new Set(BATCH_TYPES.map((t) => t.type)),
    warn: (path, message) => finding('warning', path, message),
  });

  for (const [logicalId, resource] of Object.entries(resources)) {
    currentLogicalId = logicalId;
    if (resource.Type.startsWith('AWS::Batch::') && !BATCH_TYPES.some((t) => t.type === resource.Type)) {
      finding('warning', undefined, `${resource.Type} is not supported by the local engine; ${logicalId} is not created`);
    }
  }
  for (const kind of BATCH_TYPES) {
    for (const [logicalId, resource] of Object.entries(resources).filter(([, r]) => r.Type === kind.type)) {
      currentLogicalId = logicalId;
      if (resource.Condition !== undefined && !resolver.condition(resource.Condition, 'Condition')) {
        finding('warning', 'Condition', `condition ${resource.Condition} is false, so CloudFormation would not create ${logicalId} either; skipped`);
        continue;
      }
      const { name, input } = apiRequest(kind, logicalId, resource, (properties) => resolveIntrinsics(properties, resolver, ''), (path, message) => finding('warning', path, message));
      if (assetImages && kind.type === 'AWS::Batch::JobDefinition' && !await assetImages.localizeImages(input, (level, path, message) => finding(level, path, `${level === 'error' ? `${logicalId} (${kind.type}) was not created: ` : ''}${message}`))) {
        continue;
      }
      try {
        const validated = validateShape(MODEL, kind.input, input, '') as Record<string, unknown>;
        const { arn, status } = await createOrReuse(api, kind.type, name, validated);
        createdArns.set(logicalId, arn);
        const constructPath = resource.Metadata?.['aws:cdk:path'];
        report.resources.push({ type: kind.type, logicalId, ...(typeof constructPath === 'string' ? { constructPath } : {}), name, arn, status });
      } catch (err) {
        finding('error', undefined, `${logicalId} (${kind.type}) was not created: ${(err as Error).message}`);
      }
    }
  }
  report.assetImages.push(...(assetImages?.images ?? []));
  return report;
}

/** The API request for one resource, and the name it gets. */
function apiRequest(
  kind: BatchTypeMapping,
  logicalId: string,
  resource: TemplateResource,
  resolve: (properties: object) => unknown,
  warn: (path: string, message: string) => void,
): { name: string; input: Record<string, unknown> } {
  const resolved = resolve(resource.Properties ?? {}) as Record<string, unknown>;
  const input = cfnToApi(MODEL, kind.input, resolved, '', warn, new Set(kind.deploymentOnly)) as Record<string, unknown>;
  const name = typeof resolved[kind.nameProperty] === 'string' ? resolved[kind.nameProperty] as string : logicalId;
  input[kind.nameProperty.charAt(0).toLowerCase() + kind.nameProperty.slice(1)] = name;
  if (kind.type === 'AWS::Batch::ComputeEnvironment' && typeof input.type === 'string') {
    // CloudFormation spells the type `managed`/`unmanaged`; the API wants upper case.
    input.type = input.type.toUpperCase();
  }
  return { name, input };
}

function readTemplateFile(path: string): object {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TemplateReadError(`cannot read template ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, path);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TemplateReadError(`template ${path} is not JSON (${(err as Error).message}); expected a synthesized CloudFormation template like cdk.out/<Stack>.template.json`, path);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('Resources' in parsed)) {
    throw new TemplateReadError(`template ${path} has no Resources section; expected a synthesized CloudFormation template like cdk.out/<Stack>.template.json`, path);
  }
  return parsed;
}
