/**
 * Turns the queue and job definition references of a workflow into names or ARNs that
 * SubmitJob accepts. Plain names and ARNs pass through; `cdk:<construct id or path>` names a
 * resource of a batchkit CDK app and is looked up in the app's synthesized template (local
 * engine) or in the deployed stack (AWS), so one workflow file runs unchanged in both.
 */
import * as fs from 'fs';
import { CloudFormationClient, DescribeStackResourcesCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { parse as parseYaml } from 'yaml';
import { ReferenceResolutionError } from './errors';

/** What a reference points at. */
export type ReferenceKind = 'jobQueue' | 'jobDefinition';

/** Resolves workflow references; implementations may look things up remotely. */
export interface ReferenceResolver {
  /**
   * The name or ARN to pass to Batch for `reference`.
   * @throws ReferenceResolutionError when the reference matches nothing, or more than one thing
   */
  resolve(kind: ReferenceKind, reference: string): Promise<string>;
}

/** A Batch resource of a CDK app: what the local engine's template loader returns per resource. */
export interface ConstructResource {
  /** CloudFormation type, e.g. `AWS::Batch::JobQueue`. */
  readonly type: string;
  /** Logical id in the template. */
  readonly logicalId: string;
  /** The `aws:cdk:path` metadata, e.g. `BatchkitExample/CpuQueue/Resource`. */
  readonly constructPath?: string;
  /** Physical name. @default - unknown, `arn` must be given */
  readonly name?: string;
  /** ARN. @default - unknown, `name` is used */
  readonly arn?: string;
}

/** Prefix of construct references in workflows. */
export const CONSTRUCT_REFERENCE_PREFIX = 'cdk:';

// `Resource` and `Default` are the ids of a construct's default child (an L1 under its L2, an L2
// composed by a batchkit construct): a reference names the construct the user declared.
const STRUCTURAL_PATH_SUFFIX = /(\/(Resource|Default))+$/;

const RESOURCE_TYPES: Record<ReferenceKind, string> = {
  jobQueue: 'AWS::Batch::JobQueue',
  jobDefinition: 'AWS::Batch::JobDefinition',
};

/** Passes names and ARNs through; refuses construct references (no CDK app to look in). */
export class DirectReferenceResolver implements ReferenceResolver {
  /** Resolves a name or ARN to itself. */
  async resolve(kind: ReferenceKind, reference: string): Promise<string> {
    if (reference.startsWith(CONSTRUCT_REFERENCE_PREFIX)) {
      throw new ReferenceResolutionError(`${kind} '${reference}' names a construct, but no CDK app was given to resolve it (use a template or a deployed stack)`);
    }
    return reference;
  }
}

/** Resolves construct references against a list of resources of a CDK app. */
export class ConstructReferenceResolver implements ReferenceResolver {
  /**
   * Builds a resolver from a synthesized template file, for the local engine: a resource's
   * name is its name property, or its logical id when it has none (as the local engine's
   * template loader names it).
   */
  static fromTemplateFile(templatePath: string): ConstructReferenceResolver {
    const resources = resourcesOfTemplate(parseYaml(fs.readFileSync(templatePath, 'utf8')), () => undefined);
    return new ConstructReferenceResolver(resources.map((r) => ({ ...r, name: r.name ?? r.logicalId })));
  }

  /**
   * Builds a resolver from a deployed stack: the template's `aws:cdk:path` metadata maps
   * construct paths to logical ids, DescribeStackResources maps those to physical ids (the
   * ARNs of job queues and job definitions).
   */
  static async fromCloudFormationStack(client: CloudFormationClient, stackName: string): Promise<ConstructReferenceResolver> {
    const template = await client.send(new GetTemplateCommand({ StackName: stackName }));
    const described = await client.send(new DescribeStackResourcesCommand({ StackName: stackName }));
    const physical = new Map((described.StackResources ?? []).map((r) => [r.LogicalResourceId ?? '', r.PhysicalResourceId ?? '']));
    return new ConstructReferenceResolver(resourcesOfTemplate(parseYaml(template.TemplateBody ?? '{}'), (logicalId) => physical.get(logicalId)));
  }

  constructor(private readonly resources: readonly ConstructResource[]) {}

  /** Resolves `cdk:` references by construct path, path suffix or logical id; names and ARNs pass through. */
  async resolve(kind: ReferenceKind, reference: string): Promise<string> {
    if (!reference.startsWith(CONSTRUCT_REFERENCE_PREFIX)) {
      return reference;
    }
    const wanted = reference.slice(CONSTRUCT_REFERENCE_PREFIX.length).replace(STRUCTURAL_PATH_SUFFIX, '');
    const candidates = this.resources.filter((r) => r.type === RESOURCE_TYPES[kind]);
    const matches = candidates.filter((r) => matchesConstruct(r, wanted));
    if (matches.length === 0) {
      const known = candidates.map((r) => constructId(r)).join(', ') || 'none';
      throw new ReferenceResolutionError(`${kind} '${reference}' matches no ${RESOURCE_TYPES[kind]} of the CDK app, expected one of: ${known}`);
    }
    if (matches.length > 1) {
      throw new ReferenceResolutionError(`${kind} '${reference}' is ambiguous: it matches ${matches.map((r) => constructId(r)).join(', ')}; give more of the construct path`);
    }
    const found = matches[0].arn ?? matches[0].name;
    if (!found) {
      throw new ReferenceResolutionError(`${kind} '${reference}' (${constructId(matches[0])}) has no physical name in the template; give it an explicit name or resolve it from the deployed stack`);
    }
    return found;
  }
}

/** Resolves each distinct reference once, through `resolver`, into a reference → name/ARN map. */
export async function resolveAll(resolver: ReferenceResolver, references: ReadonlyArray<{ kind: ReferenceKind; reference: string }>): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const { kind, reference } of references) {
    const key = referenceKey(kind, reference);
    if (!(key in resolved)) {
      resolved[key] = await resolver.resolve(kind, reference);
    }
  }
  return resolved;
}

/** Key of a reference in the map `resolveAll` returns (the journal keeps it). */
export function referenceKey(kind: ReferenceKind, reference: string): string {
  return `${kind}:${reference}`;
}

function matchesConstruct(resource: ConstructResource, wanted: string): boolean {
  if (resource.logicalId === wanted) {
    return true;
  }
  const path = resource.constructPath?.replace(STRUCTURAL_PATH_SUFFIX, '');
  return path !== undefined && (path === wanted || path.endsWith(`/${wanted}`));
}

function constructId(resource: ConstructResource): string {
  return resource.constructPath?.replace(STRUCTURAL_PATH_SUFFIX, '') ?? resource.logicalId;
}

function resourcesOfTemplate(template: unknown, physicalId: (logicalId: string) => string | undefined): ConstructResource[] {
  const resources = (template as { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }> })?.Resources ?? {};
  return Object.entries(resources)
    .filter(([, r]) => r.Type === RESOURCE_TYPES.jobQueue || r.Type === RESOURCE_TYPES.jobDefinition)
    .map(([logicalId, r]) => {
      const nameProperty = r.Type === RESOURCE_TYPES.jobQueue ? 'JobQueueName' : 'JobDefinitionName';
      const name = r.Properties?.[nameProperty];
      return {
        type: r.Type!,
        logicalId,
        constructPath: typeof r.Metadata?.['aws:cdk:path'] === 'string' ? r.Metadata['aws:cdk:path'] as string : undefined,
        name: typeof name === 'string' ? name : undefined,
        arn: physicalId(logicalId),
      };
    });
}
