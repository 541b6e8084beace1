/**
 * `batchkit diff` for people: Markdown fit for a pull request comment. Per stack, the
 * consequences first (what fails the deploy, which jobs can no longer start), then one table
 * row per changed resource.
 */
import { constructIdOf, type Consequence } from './consequences';
import type { ResourceChange } from './resource-changes';
import type { DiffReport, StackReview } from './stack-diff';

const CHANGE_ORDER: Record<ResourceChange['change'], number> = { replaced: 0, removed: 1, updated: 2, added: 3 };

/** The whole report as Markdown lines. */
export function renderMarkdown(report: DiffReport): string[] {
  const lines: string[] = [];
  for (const stack of report.stacks) lines.push(...renderStack(stack), '');
  lines.push(`**${verdict(report)}** · ${report.blocking} blocking, ${report.warnings} warning(s) · replacement rules: CloudFormation resource schemas from ${report.rulesFrom}`);
  return lines;
}

function verdict(report: DiffReport): string {
  const kinds = new Set(report.stacks.flatMap((s) => s.consequences.filter((c) => c.severity === 'blocking').map(label)));
  if (kinds.size === 0) return 'nothing blocks this deploy';
  return [...kinds].join(' and ');
}

function renderStack(stack: StackReview): string[] {
  const lines = [`### ${stack.stackName}`, ''];
  if (stack.before === undefined) lines.push(`New stack (${stack.after}).`, '');
  if (stack.after === undefined) lines.push(`Stack removed (was ${stack.before}).`, '');
  if (stack.resources.length === 0 && stack.consequences.length === 0) {
    lines.push('No change to AWS Batch resources or the resources they depend on.');
    return lines;
  }
  for (const consequence of stack.consequences) lines.push(`- ${tag(consequence)} ${escape(consequence.message)}`);
  if (stack.consequences.length > 0) lines.push('');
  lines.push('| resource | type | change | properties |', '| --- | --- | --- | --- |');
  const rows = [...stack.resources].sort((a, b) => CHANGE_ORDER[a.change] - CHANGE_ORDER[b.change] || a.logicalId.localeCompare(b.logicalId));
  const idOf = new Map(stack.resources.map((r) => [r.logicalId, constructIdOf(r.constructPath) ?? r.logicalId]));
  for (const change of rows) {
    lines.push(`| ${escape(resourceCell(change))} | ${change.type.replace(/^AWS::/, '')} | ${changeCell(change)} | ${escape(propertiesCell(change, idOf))} |`);
  }
  return lines;
}

function tag(consequence: Consequence): string {
  if (consequence.severity === 'blocking') return `**${label(consequence)}:**`;
  return consequence.severity === 'warning' ? '**warning:**' : 'info:';
}

function label(consequence: Consequence): string {
  return consequence.kind.startsWith('placement-') ? 'jobs cannot start' : 'deploy fails';
}

function resourceCell(change: ResourceChange): string {
  const id = constructIdOf(change.constructPath) ?? change.logicalId;
  return change.customName ? `${id} '${change.customName}'` : id;
}

function changeCell(change: ResourceChange): string {
  if (change.rejected) return '**update fails**';
  if (change.change === 'replaced') return '**replaced**';
  if (change.change === 'updated') {
    const how = change.updateKind === 'in-place' ? '' : ` (${change.updateKind?.replace('-', ' ')})`;
    return `updated${how}`;
  }
  return change.change;
}

function propertiesCell(change: ResourceChange, idOf: Map<string, string>): string {
  if (change.change === 'added' || change.change === 'removed') return '';
  if (change.assetOnly) return 'asset hash only';
  const follows = change.followsReplacementOf ? ` (${change.followsReplacementOf.map((id) => idOf.get(id) ?? id).join(', ')} replaced)` : '';
  return `${change.changedProperties.join(', ')}${follows}`;
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}
