/**
 * Who may use Batch (IAM statements with `batch:` actions) and what watches it (EventBridge
 * rules), read from a synthesized template and named by label.
 */
import type { CfnTemplate } from '../../runtime/inspect/cloud-assembly';
import { compareText, describeTemplateValue } from './template-values';

/** One IAM statement that allows Batch actions, for one principal. */
export interface GrantSummary {
  /** The role, user or group, by label. */
  readonly principal: string;
  /** The `batch:` actions allowed, sorted. */
  readonly actions: string[];
  /** What they apply to: queues and job definitions by label, other ARNs shortened, sorted. */
  readonly resources: string[];
  /** The statement's conditions, e.g. `StringEquals aws:RequestTag/team=data`. @default - none */
  readonly condition?: string;
}

/** One EventBridge rule. */
export interface MonitoringRuleSummary {
  /** Construct path inside the stack. */
  readonly path: string;
  /** `ENABLED` or `DISABLED`. */
  readonly state: string;
  /** The event pattern, one `field=value|value` per matched field, e.g. `detail.status=FAILED`. */
  readonly pattern: string[];
  /** Targets by label, sorted. */
  readonly targets: string[];
}

const POLICY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']);

/** The Batch grants of a template, sorted by principal, then actions. */
export function summarizeGrants(template: CfnTemplate, labels: ReadonlyMap<string, string>): GrantSummary[] {
  const grants: GrantSummary[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    const documents = POLICY_TYPES.has(resource.Type)
      ? [props.PolicyDocument]
      : resource.Type === 'AWS::IAM::Role' && Array.isArray(props.Policies) ? props.Policies.map((p) => (p as Record<string, unknown>).PolicyDocument) : [];
    // A role's inline policies grant the role itself.
    const principals = resource.Type === 'AWS::IAM::Role'
      ? [{ Ref: logicalId }]
      : ['Roles', 'Users', 'Groups'].flatMap((key) => (Array.isArray(props[key]) ? props[key] as unknown[] : []));
    for (const statement of documents.flatMap(statementsOf)) {
      const actions = asArray(statement.Action).map(String).filter((a) => a.startsWith('batch:')).sort();
      if (statement.Effect !== 'Allow' || actions.length === 0) continue;
      const resources = asArray(statement.Resource).map((r) => describeTemplateValue(r, labels)).sort(compareText);
      const condition = statement.Condition === undefined ? undefined : describeCondition(statement.Condition as Record<string, Record<string, unknown>>, labels);
      for (const principal of principals) {
        grants.push({ principal: describeTemplateValue(principal, labels), actions, resources, ...(condition ? { condition } : {}) });
      }
    }
  }
  return grants.sort((a, b) => compareText(a.principal, b.principal) || compareText(a.actions.join(), b.actions.join()) || compareText(a.resources.join(), b.resources.join()));
}

/** The EventBridge rules of a template that have an event pattern, sorted by path. */
export function summarizeMonitoringRules(template: CfnTemplate, labels: ReadonlyMap<string, string>): MonitoringRuleSummary[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern !== undefined)
    .map(([logicalId, r]) => ({
      path: labels.get(logicalId) ?? logicalId,
      state: typeof r.Properties!.State === 'string' ? r.Properties!.State : 'ENABLED',
      pattern: flattenPattern(r.Properties!.EventPattern, '', labels),
      targets: asArray(r.Properties!.Targets).map((t) => describeTemplateValue((t as Record<string, unknown>).Arn, labels)).sort(compareText),
    }))
    .sort((a, b) => compareText(a.path, b.path));
}

function flattenPattern(pattern: unknown, prefix: string, labels: ReadonlyMap<string, string>): string[] {
  if (Array.isArray(pattern)) return [`${prefix}=${pattern.map((v) => describeMatch(v, labels)).join('|')}`];
  if (pattern === null || typeof pattern !== 'object') return [`${prefix}=${describeMatch(pattern, labels)}`];
  return Object.entries(pattern).flatMap(([key, value]) => flattenPattern(value, prefix === '' ? key : `${prefix}.${key}`, labels));
}

// Content filters (`{"exists": false}`, `{"prefix": "x"}`) read as `exists:false`; references as labels.
function describeMatch(value: unknown, labels: ReadonlyMap<string, string>): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return describeTemplateValue(value, labels);
  const [key, argument] = Object.entries(value)[0] ?? [];
  if (key === undefined || key === 'Ref' || key.startsWith('Fn::')) return describeTemplateValue(value, labels);
  return `${key}:${typeof argument === 'object' && argument !== null ? JSON.stringify(argument) : String(argument)}`;
}

function describeCondition(condition: Record<string, Record<string, unknown>>, labels: ReadonlyMap<string, string>): string {
  return Object.entries(condition)
    .flatMap(([operator, entries]) => Object.entries(entries).map(([key, value]) => `${operator} ${key}=${describeTemplateValue(value, labels)}`))
    .sort(compareText)
    .join(' and ');
}

function statementsOf(document: unknown): Array<Record<string, unknown>> {
  const statements = (document as Record<string, unknown> | undefined)?.Statement;
  return asArray(statements) as Array<Record<string, unknown>>;
}

function asArray(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
