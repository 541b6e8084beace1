/**
 * What a deploy does to each AWS Batch resource of a stack and to the resources Batch depends
 * on: added, removed, updated in place, or replaced. Replacement comes from CloudFormation's
 * resource schemas (`cfn-update-rules.generated.ts`); a compute environment's conditional
 * replacement from Batch's infrastructure update conditions. A resource replaced changes the
 * value of every reference to it, which can replace the resources holding those references.
 */
import { CFN_UPDATE_RULES } from '../../model/cfn-update-rules.generated';
import type { TemplateResource, CfnTemplate } from '../cloud-assembly';
import { conditionalComputeUpdate } from './compute-environment-update';
import { propertyChanges, resourceReferences, type PropertyChange } from './property-changes';

/** How an in-place update is applied. */
export type UpdateKind =
  /** Batch scales the compute environment; instances stay. */
  | 'scaling'
  /** Batch replaces the compute environment's instances. */
  | 'infrastructure-update'
  /** A job definition gets a new revision. */
  | 'new-revision'
  /** Anything else updated in place. */
  | 'in-place';

/** One resource that the deploy changes. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  /** The resource's name property when it is a literal, e.g. a queue's `JobQueueName`. */
  readonly customName?: string;
  readonly constructPath?: string;
  readonly change: 'added' | 'removed' | 'updated' | 'replaced';
  /** For `updated`: how. */
  readonly updateKind?: UpdateKind;
  /** Changed property paths, sorted. */
  readonly changedProperties: string[];
  /** True when every changed property differs only by asset hashes. */
  readonly assetOnly: boolean;
  /** Why it is replaced, or how the update is applied when that needed a judgement. */
  readonly reason?: string;
  /** Set when Batch will refuse the update and fail the deploy: why. */
  readonly rejected?: string;
  /** Logical ids of replaced resources whose new physical ids this resource takes in. */
  readonly followsReplacementOf?: string[];
}

/** The resource types `batchkit diff` reviews. */
export const REVIEWED_TYPES: readonly string[] = Object.keys(CFN_UPDATE_RULES);

/** The property holding each reviewed type's physical name. */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::Batch::ComputeEnvironment': 'ComputeEnvironmentName',
  'AWS::Batch::ConsumableResource': 'ConsumableResourceName',
  'AWS::Batch::JobDefinition': 'JobDefinitionName',
  'AWS::Batch::JobQueue': 'JobQueueName',
  'AWS::Batch::SchedulingPolicy': 'Name',
  'AWS::Batch::ServiceEnvironment': 'ServiceEnvironmentName',
  'AWS::EC2::LaunchTemplate': 'LaunchTemplateName',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::IAM::InstanceProfile': 'InstanceProfileName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::IAM::Role': 'RoleName',
};

const SCALING_PATHS = ['ComputeResources.MaxvCpus', 'ComputeResources.MinvCpus', 'ComputeResources.DesiredvCpus'];

/** Every change to reviewed resources between two templates of one stack. */
export function resourceChanges(before: CfnTemplate, after: CfnTemplate): ResourceChange[] {
  const beforeResources = reviewed(before);
  const afterResources = reviewed(after);
  const ids = [...new Set([...Object.keys(beforeResources), ...Object.keys(afterResources)])].sort();
  const replaced = new Set<string>();
  let changes = new Map<string, ResourceChange>();
  // Replacements cascade through references; each pass can only add replaced resources.
  for (;;) {
    changes = new Map(ids.flatMap((id) => {
      const change = changeOf(id, beforeResources[id], afterResources[id], referencesToReplaced(afterResources[id], replaced));
      return change ? [[id, change] as const] : [];
    }));
    const newlyReplaced = [...changes.values()].filter((c) => c.change === 'replaced' && !replaced.has(c.logicalId));
    if (newlyReplaced.length === 0) break;
    newlyReplaced.forEach((c) => replaced.add(c.logicalId));
  }
  return [...changes.values()];
}

function reviewed(template: CfnTemplate): Record<string, TemplateResource> {
  return Object.fromEntries(Object.entries(template.Resources ?? {}).filter(([, r]) => REVIEWED_TYPES.includes(r.Type)));
}

function referencesToReplaced(resource: TemplateResource | undefined, replaced: Set<string>): PropertyChange[] {
  if (!resource) return [];
  return resourceReferences(resource.Properties ?? {})
    .filter((ref) => replaced.has(ref.target))
    .map((ref) => ({ path: ref.path, assetOnly: false, becauseReplaced: ref.target }));
}

function changeOf(logicalId: string, before: TemplateResource | undefined, after: TemplateResource | undefined, cascaded: PropertyChange[]): ResourceChange | undefined {
  const base = { logicalId, constructPath: pathOf(after ?? before) };
  if (!before) return { ...base, type: after!.Type, customName: customNameOf(after!), change: 'added', changedProperties: [], assetOnly: false };
  if (!after) return { ...base, type: before.Type, customName: customNameOf(before), change: 'removed', changedProperties: [], assetOnly: false };
  if (before.Type !== after.Type) {
    return { ...base, type: after.Type, customName: customNameOf(after), change: 'replaced', changedProperties: ['Type'], assetOnly: false, reason: `its type changes from ${before.Type}` };
  }
  const rules = CFN_UPDATE_RULES[after.Type];
  const own = propertyChanges(before.Properties ?? {}, after.Properties ?? {}, rules.wholeValues);
  const followed = cascaded.filter((c) => !own.some((o) => o.path === c.path));
  const changes = [...own, ...followed];
  if (changes.length === 0) return undefined;
  const changedProperties = [...new Set(changes.map((c) => c.path))].sort();
  const followsReplacementOf = followed.length > 0 ? [...new Set(followed.map((c) => c.becauseReplaced!))].sort() : undefined;
  const common = { ...base, type: after.Type, customName: customNameOf(after), changedProperties, assetOnly: changes.every((c) => c.assetOnly), followsReplacementOf };
  const replacing = changedProperties.filter((p) => rules.replacement.some((r) => overlaps(p, r)));
  if (replacing.length > 0) {
    const via = changes.filter((c) => c.becauseReplaced && replacing.includes(c.path)).map((c) => ` (${c.becauseReplaced} is replaced)`);
    return { ...common, change: 'replaced', reason: `${replacing.join(', ')} cannot change in place${via[0] ?? ''}` };
  }
  const conditional = changedProperties.filter((p) => rules.conditional.some((r) => overlaps(p, r)));
  if (conditional.length > 0 && after.Type === 'AWS::Batch::ComputeEnvironment') {
    const verdict = conditionalComputeUpdate(before.Properties ?? {}, after.Properties ?? {}, conditional);
    if (verdict.kind === 'replaced') return { ...common, change: 'replaced', reason: verdict.reason };
    if (verdict.kind === 'rejected') return { ...common, change: 'updated', updateKind: 'infrastructure-update', reason: verdict.reason, rejected: verdict.reason };
    return { ...common, change: 'updated', updateKind: 'infrastructure-update', reason: verdict.reason };
  }
  return { ...common, change: 'updated', updateKind: updateKindOf(after.Type, changedProperties) };
}

function updateKindOf(type: string, changed: string[]): UpdateKind {
  if (type === 'AWS::Batch::JobDefinition') return 'new-revision';
  if (type === 'AWS::Batch::ComputeEnvironment' && changed.every((p) => SCALING_PATHS.includes(p))) return 'scaling';
  return 'in-place';
}

// A changed path hits a rule when one contains the other: a whole object replaced hits its members' rules.
function overlaps(changed: string, rule: string): boolean {
  return changed === rule || changed.startsWith(`${rule}.`) || rule.startsWith(`${changed}.`) || changed === '';
}

/** The literal value of a resource's name property, if it has one. */
export function customNameOf(resource: TemplateResource): string | undefined {
  const property = NAME_PROPERTIES[resource.Type];
  const value = property ? resource.Properties?.[property] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function pathOf(resource: TemplateResource | undefined): string | undefined {
  const p = resource?.Metadata?.['aws:cdk:path'];
  return typeof p === 'string' ? p : undefined;
}
