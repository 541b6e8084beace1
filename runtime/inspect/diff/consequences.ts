/**
 * What a deploy's resource changes mean for AWS Batch: deploys that will fail, infrastructure
 * updates and the running jobs they end, new job definition revisions and what queued jobs
 * keep, and job definitions that can no longer run where they could.
 */
import { describeRunningJobsDuringUpdate } from '../../model/compute-update-rules';
import { CFN_UPDATE_RULES } from '../../model/cfn-update-rules.generated';
import type { TemplateResource, CfnTemplate } from '../cloud-assembly';
import { updatePolicyOf } from './compute-environment-update';
import type { PlacementDiff } from './placement-changes';
import { resourceReferences, sameValue } from './property-changes';
import { NAME_PROPERTIES, type ResourceChange } from './resource-changes';

/** `blocking` fails the command (exit 1): the deploy fails, or jobs can no longer start. */
export type Severity = 'blocking' | 'warning' | 'info';

/** One consequence of the deploy. */
export interface Consequence {
  readonly severity: Severity;
  /** Stable identifier of the kind of consequence, e.g. `custom-name-replacement`. */
  readonly kind: string;
  /** Logical id of the resource it is about. */
  readonly logicalId: string;
  /** One line for people. */
  readonly message: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { blocking: 0, warning: 1, info: 2 };
const KEEP_OLD_REVISION = CFN_UPDATE_RULES['AWS::Batch::JobDefinition'].defaults['ResourceRetentionPolicy.SkipDeregisterOnUpdate'];

/** Every consequence, deploy-failing and unplaceable first. */
export function consequencesOf(before: CfnTemplate, after: CfnTemplate, changes: ResourceChange[], placement: PlacementDiff): Consequence[] {
  const found = [
    ...changes.flatMap((change) => resourceConsequences(change, before, after)),
    ...placementConsequences(placement),
  ];
  return found.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

/** How messages name a resource: `compute environment 'gpu'`, by its custom name, else its construct id, else its logical id. */
export function describeResource(change: Pick<ResourceChange, 'type' | 'customName' | 'logicalId' | 'constructPath'>): string {
  const kind = change.type.split('::')[2].replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${kind} '${change.customName ?? constructIdOf(change.constructPath) ?? change.logicalId}'`;
}

/** A construct path without its stack and its `Resource` suffix: `BatchkitExample/Etl/Default/Resource` is `Etl`. */
export function constructIdOf(constructPath: string | undefined): string | undefined {
  return constructPath?.replace(/\/(Default\/)?Resource$/, '').split('/').slice(1).join('/') || undefined;
}

function resourceConsequences(change: ResourceChange, before: CfnTemplate, after: CfnTemplate): Consequence[] {
  const subject = describeResource(change);
  const at = (severity: Severity, kind: string, message: string): Consequence => ({ severity, kind, logicalId: change.logicalId, message });
  const was = before.Resources?.[change.logicalId];
  const now = after.Resources?.[change.logicalId];
  const found: Consequence[] = [];
  const nameCollides = change.change === 'replaced' && was !== undefined && now !== undefined && keepsCustomName(was, now);
  if (nameCollides) {
    found.push(at('blocking', 'custom-name-replacement', `${subject} must be replaced (${change.reason}) but keeps its custom name: CloudFormation cannot update a stack when a custom-named resource requires replacing; drop ${NAME_PROPERTIES[change.type]} or change it in the same deploy`));
  }
  if (change.rejected) {
    found.push(at('blocking', 'infrastructure-update-rejected', `${subject}: ${change.rejected}; the update fails`));
  }
  if ((change.change === 'replaced' || change.change === 'removed') && change.type === 'AWS::Batch::ComputeEnvironment' && was) {
    found.push(...literalReferencesTo(change, was, now, after).map((queue) => at('blocking', 'replaced-while-referenced',
      `${subject} is ${change.change} but job queue '${queue}' names it literally and still needs the old one: Batch cannot delete a compute environment a queue uses`)));
  }
  if (change.change === 'removed' && change.type === 'AWS::Batch::JobQueue' && was && String(was.Properties?.State ?? 'ENABLED') === 'ENABLED') {
    found.push(at('blocking', 'enabled-queue-deleted', `${subject} is deleted while ENABLED: set its State to DISABLED in one deploy and remove it in the next; jobs still in it are lost`));
  }
  if (change.change === 'replaced' || change.change === 'removed') {
    found.push(...exportsOf(change.logicalId, before).map((name) => at('warning', 'export-changes',
      `${subject} is ${change.change} and the stack exports it as '${name}': CloudFormation refuses the deploy if another stack imports it`)));
  }
  if (change.type === 'AWS::Batch::ComputeEnvironment' && now && !nameCollides) {
    found.push(...computeEnvironmentConsequences(change, subject, was, now).map((c) => at(c.severity, c.kind, c.message)));
  }
  if (change.type === 'AWS::Batch::JobDefinition') found.push(...jobDefinitionConsequences(change, subject).map((c) => at(c.severity, c.kind, c.message)));
  if (change.type === 'AWS::EC2::LaunchTemplate' && change.change === 'updated') {
    found.push(at('info', 'launch-template-new-version', `${subject} gets a new version: compute environments using $Default or $Latest launch from it only after their next infrastructure update`));
  }
  return found;
}

type Found = { severity: Severity; kind: string; message: string };

function computeEnvironmentConsequences(change: ResourceChange, subject: string, was: TemplateResource | undefined, now: TemplateResource): Found[] {
  const props = now.Properties ?? {};
  if (change.change === 'replaced') {
    return [{ severity: 'warning', kind: 'compute-environment-replaced', message: `${subject} is replaced (${change.reason}): CloudFormation creates a new one, points its queues at it and deletes the old one; jobs still running on the old one are lost` }];
  }
  if (change.change !== 'updated' || change.rejected) return [];
  if (change.updateKind === 'infrastructure-update') {
    return [{ severity: 'warning', kind: 'infrastructure-update', message: `${subject}: infrastructure update (${change.changedProperties.join(', ')}): Batch replaces its instances; ${describeRunningJobsDuringUpdate(updatePolicyOf(props))}` }];
  }
  if (was && !sameValue(was.Properties?.ReplaceComputeEnvironment, props.ReplaceComputeEnvironment) && change.changedProperties.length > 1) {
    return [{ severity: 'warning', kind: 'replace-flag-with-other-changes', message: `${subject} changes ReplaceComputeEnvironment together with other properties: if the update has to roll back, the stack can end in UPDATE_ROLLBACK_FAILED; change it alone first` }];
  }
  if (change.updateKind === 'scaling') {
    return [{ severity: 'info', kind: 'scaling-update', message: `${subject}: scaling update (${change.changedProperties.join(', ')}); instances and running jobs are kept` }];
  }
  return [];
}

function jobDefinitionConsequences(change: ResourceChange, subject: string): Found[] {
  if (change.change === 'updated') {
    const what = change.assetOnly ? 'image only' : change.changedProperties.join(', ');
    const old = KEEP_OLD_REVISION === true ? 'the previous revision stays ACTIVE' : 'the previous revision is deregistered (INACTIVE)';
    return [{ severity: 'info', kind: 'new-revision', message: `${subject} gets a new revision (${what}): jobs already submitted keep the revision they were submitted with; jobs submitted by name get the new one; ${old}` }];
  }
  if (change.change === 'replaced') {
    return [{ severity: 'warning', kind: 'job-definition-replaced', message: `${subject} is replaced (${change.reason}): submits that name the old job definition fail once its revisions are deregistered` }];
  }
  if (change.change === 'removed') {
    return [{ severity: 'warning', kind: 'job-definition-removed', message: `${subject} is removed: its revisions are deregistered, so new submits that name it fail; jobs already submitted run as registered` }];
  }
  return [];
}

function placementConsequences(placement: PlacementDiff): Consequence[] {
  return [
    ...placement.lost.map((p): Consequence => ({
      severity: 'blocking', kind: 'placement-lost', logicalId: p.jobDefinitionLogicalId,
      message: `job definition '${p.jobDefinition}' can no longer run on queue '${p.queue}': ${p.reason}; its jobs there would stay RUNNABLE`,
    })),
    ...placement.unplaceableAdded.map((p): Consequence => ({
      severity: 'blocking', kind: 'placement-none', logicalId: p.jobDefinitionLogicalId,
      message: `job definition '${p.jobDefinition}' is added but no queue can run it: ${p.reasons.join('; ')}`,
    })),
    ...placement.gained.map((p): Consequence => ({
      severity: 'info', kind: 'placement-gained', logicalId: p.jobDefinitionLogicalId,
      message: `job definition '${p.jobDefinition}' can now run on queue '${p.queue}'`,
    })),
  ];
}

// CloudFormation creates the replacement before deleting the old resource: the same name collides.
function keepsCustomName(was: TemplateResource, now: TemplateResource): boolean {
  const property = NAME_PROPERTIES[now.Type];
  if (!property) return false;
  const name = now.Properties?.[property];
  return name !== undefined && sameValue(was.Properties?.[property], name);
}

// Queues of the new template that name the compute environment by its literal name or ARN instead of a reference.
function literalReferencesTo(change: ResourceChange, was: TemplateResource, now: TemplateResource | undefined, after: CfnTemplate): string[] {
  const name = was.Properties?.ComputeEnvironmentName;
  if (typeof name !== 'string' || now?.Properties?.ComputeEnvironmentName === name) return [];
  return Object.entries(after.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Batch::JobQueue')
    .filter(([, r]) => ((r.Properties?.ComputeEnvironmentOrder ?? []) as Array<Record<string, unknown>>)
      .some((entry) => typeof entry.ComputeEnvironment === 'string' && (entry.ComputeEnvironment === name || entry.ComputeEnvironment.endsWith(`:compute-environment/${name}`))))
    .filter(([id]) => id !== change.logicalId)
    .map(([id, r]) => String(r.Properties?.JobQueueName ?? id));
}

function exportsOf(logicalId: string, template: CfnTemplate): string[] {
  return Object.values((template.Outputs ?? {}) as Record<string, { Value?: unknown; Export?: { Name?: unknown } }>)
    .filter((output) => output.Export && resourceReferences(output.Value).some((ref) => ref.target === logicalId))
    .map((output) => (typeof output.Export?.Name === 'string' ? output.Export.Name : JSON.stringify(output.Export?.Name)));
}
