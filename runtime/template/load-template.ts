/**
 * Loads a synthesized CloudFormation template (`cdk.out/<Stack>.template.json`) into any
 * `BatchApi`, usually the local engine: its compute environments, job queues and job
 * definitions are created through the API the way CloudFormation would create them on AWS.
 * What the engine does not model (IAM roles, subnets, ...) becomes recorded placeholders;
 * what the loader cannot do faithfully becomes findings, never a silent omission.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { BatchApi } from '../model/batch-api';
import { BATCH_OPERATIONS, BATCH_SHAPES } from '../server/batch-wire-model.generated';
import { validateShape } from '../server/shape-validation';
import type { WireModel } from '../server/wire-model';
import { cfnToApi } from './cfn-to-api';
import { NO_VALUE, resolveIntrinsics, type ReferenceResolver } from './intrinsics';
import { placeholderValue } from './placeholders';
import { createOrReuse, type CfnBatchResourceType } from './create-or-reuse';

export type { CfnBatchResourceType } from './create-or-reuse';

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
}

/** A Batch resource of the template, now present in the api. */
export interface LoadedBatchResource {
  readonly type: CfnBatchResourceType;
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
  readonly logicalId?: string;
  /** Property path inside the resource, e.g. `ContainerProperties.LinuxParameters`. */
  readonly property?: string;
  readonly message: string;
}

/** A stand-in value used for a reference to something outside AWS Batch. */
export interface PlaceholderValue {
  readonly logicalId: string;
  readonly resourceType: string;
  /** The `Fn::GetAtt` attribute, or undefined for `Ref`. */
  readonly attribute?: string;
  readonly value: string;
}

/** What {@link loadTemplate} did. */
export interface LoadReport {
  /** The template's path, or `<object>`. */
  readonly template: string;
  readonly resources: LoadedBatchResource[];
  readonly findings: TemplateFinding[];
  readonly placeholders: PlaceholderValue[];
}

/** The template file cannot be used: unreadable, not JSON, or not a CloudFormation template. */
export class TemplateReadError extends Error {
  public readonly name = 'TemplateReadError';
  constructor(message: string, public readonly templatePath: string) {
    super(message);
  }
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
}

interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
}

const MODEL: WireModel = { operations: BATCH_OPERATIONS, shapes: BATCH_SHAPES };

/** How each Batch resource type maps onto the API, in creation order (queues need their compute environments). */
const BATCH_TYPES: ReadonlyArray<{ type: CfnBatchResourceType; input: string; nameProperty: string; deploymentOnly: string[] }> = [
  { type: 'AWS::Batch::ComputeEnvironment', input: 'CreateComputeEnvironmentRequest', nameProperty: 'ComputeEnvironmentName', deploymentOnly: ['ReplaceComputeEnvironment', 'UpdatePolicy', 'ComputeResources.UpdateToLatestImageVersion'] },
  { type: 'AWS::Batch::JobQueue', input: 'CreateJobQueueRequest', nameProperty: 'JobQueueName', deploymentOnly: [] },
  { type: 'AWS::Batch::JobDefinition', input: 'RegisterJobDefinitionRequest', nameProperty: 'JobDefinitionName', deploymentOnly: ['ResourceRetentionPolicy'] },
];

/** Creates the template's Batch resources through `api` and reports what it did. */
export async function loadTemplate(api: BatchApi, source: string | object, options: LoadTemplateOptions = {}): Promise<LoadReport> {
  const template = (typeof source === 'string' ? readTemplateFile(source) : source) as CfnTemplate;
  const templateName = typeof source === 'string' ? source : '<object>';
  const resources = template.Resources ?? {};
  const report: LoadReport = { template: templateName, resources: [], findings: [], placeholders: [] };
  const scope = {
    partition: 'aws',
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    stackName: options.stackName ?? (typeof source === 'string' ? basename(source).replace(/\.template\.json$|\.json$/, '') : 'LocalStack'),
  };
  const createdArns = new Map<string, string>();
  let currentLogicalId: string | undefined;
  const finding = (level: TemplateFinding['level'], property: string | undefined, message: string): void => {
    report.findings.push({ level, logicalId: currentLogicalId, ...(property ? { property } : {}), message });
  };
  const conditions = conditionEvaluator(template, () => resolver, finding);
  const resolver: ReferenceResolver = {
    region: scope.region,
    report: (path, message) => finding('warning', path, message),
    condition: conditions,
    ref: (logicalId, path) => {
      const pseudo = pseudoParameter(logicalId, scope);
      if (pseudo !== undefined) return pseudo;
      if (template.Parameters?.[logicalId]) return parameterValue(logicalId, template.Parameters[logicalId], options.parameters, (m) => finding('warning', path, m));
      return resourceValue(logicalId, undefined, path);
    },
    getAtt: (logicalId, attribute, path) => resourceValue(logicalId, attribute, path),
  };
  const resourceValue = (logicalId: string, attribute: string | undefined, path: string): unknown => {
    const target = resources[logicalId];
    if (!target) {
      finding('warning', path, `${attribute ? `Fn::GetAtt ${logicalId}.${attribute}` : `Ref ${logicalId}`} names nothing in the template; the property is left out`);
      return NO_VALUE;
    }
    if (target.Type.startsWith('AWS::Batch::') && BATCH_TYPES.some((t) => t.type === target.Type)) {
      const arn = createdArns.get(logicalId);
      if (arn !== undefined) return arn;
      finding('warning', path, `${logicalId} (${target.Type}) is referenced before it exists (it failed, or comes later in creation order); a placeholder is used`);
    }
    const value = placeholderValue(target.Type, logicalId, attribute, scope);
    if (!report.placeholders.some((p) => p.logicalId === logicalId && p.attribute === attribute)) {
      report.placeholders.push({ logicalId, resourceType: target.Type, ...(attribute ? { attribute } : {}), value });
    }
    return value;
  };

  for (const [logicalId, resource] of Object.entries(resources)) {
    currentLogicalId = logicalId;
    if (resource.Type.startsWith('AWS::Batch::') && !BATCH_TYPES.some((t) => t.type === resource.Type)) {
      finding('warning', undefined, `${resource.Type} is not supported by the local engine; ${logicalId} is not created`);
    }
  }
  for (const kind of BATCH_TYPES) {
    for (const [logicalId, resource] of Object.entries(resources).filter(([, r]) => r.Type === kind.type)) {
      currentLogicalId = logicalId;
      if (resource.Condition !== undefined && !conditions(resource.Condition, 'Condition')) {
        finding('warning', 'Condition', `condition ${resource.Condition} is false, so CloudFormation would not create ${logicalId} either; skipped`);
        continue;
      }
      const resolved = resolveIntrinsics(resource.Properties ?? {}, resolver, '') as Record<string, unknown>;
      const input = cfnToApi(MODEL, kind.input, resolved, '', (path, message) => finding('warning', path, message), new Set(kind.deploymentOnly)) as Record<string, unknown>;
      const name = typeof resolved[kind.nameProperty] === 'string' ? resolved[kind.nameProperty] as string : logicalId;
      const nameMember = kind.nameProperty.charAt(0).toLowerCase() + kind.nameProperty.slice(1);
      input[nameMember] = name;
      if (kind.type === 'AWS::Batch::ComputeEnvironment' && typeof input.type === 'string') {
        // CloudFormation spells the type `managed`/`unmanaged`; the API wants upper case.
        input.type = input.type.toUpperCase();
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
  return report;
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

function pseudoParameter(name: string, scope: { partition: string; region: string; accountId: string; stackName: string }): unknown {
  switch (name) {
    case 'AWS::Region': return scope.region;
    case 'AWS::AccountId': return scope.accountId;
    case 'AWS::Partition': return scope.partition;
    case 'AWS::URLSuffix': return 'amazonaws.com';
    case 'AWS::StackName': return scope.stackName;
    case 'AWS::StackId': return `arn:${scope.partition}:cloudformation:${scope.region}:${scope.accountId}:stack/${scope.stackName}/00000000-0000-0000-0000-000000000000`;
    case 'AWS::NotificationARNs': return [];
    default: return undefined;
  }
}

function parameterValue(name: string, parameter: { Type?: string; Default?: unknown }, given: Record<string, string> | undefined, warn: (m: string) => void): unknown {
  const value = given?.[name] ?? parameter.Default;
  if (value === undefined) {
    warn(`parameter ${name} has no value and no Default; the property is left out`);
    return NO_VALUE;
  }
  return parameter.Type?.startsWith('List<') || parameter.Type === 'CommaDelimitedList' ? String(value).split(',') : value;
}

/** Evaluates the template's `Conditions` (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition), once each. */
function conditionEvaluator(template: CfnTemplate, resolver: () => ReferenceResolver, finding: (level: 'warning', property: string, m: string) => void): (name: string, path: string) => boolean {
  const cache = new Map<string, boolean>();
  const evaluating = new Set<string>();
  const evaluate = (expression: unknown, path: string): boolean => {
    const [fn, args] = Object.entries((expression ?? {}) as Record<string, unknown>)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals': {
        const [a, b] = list.map((v) => resolveIntrinsics(v, resolver(), path));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not': return !evaluate(list[0], path);
      case 'Fn::And': return list.every((c) => evaluate(c, path));
      case 'Fn::Or': return list.some((c) => evaluate(c, path));
      case 'Condition': return named(String(args), path);
      default:
        finding('warning', path, `condition expression ${JSON.stringify(expression)} is not supported; taken as false`);
        return false;
    }
  };
  const named = (name: string, path: string): boolean => {
    const cached = cache.get(name);
    if (cached !== undefined) return cached;
    const expression = template.Conditions?.[name];
    if (expression === undefined || evaluating.has(name)) {
      finding('warning', path, `condition ${name} is ${expression === undefined ? 'not defined in the template' : 'defined in terms of itself'}; taken as false`);
      return false;
    }
    evaluating.add(name);
    const value = evaluate(expression, path);
    evaluating.delete(name);
    cache.set(name, value);
    return value;
  };
  return named;
}
