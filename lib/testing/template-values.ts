/**
 * Template values in the words a reviewer uses: references become the label of the resource
 * they point at, asset hashes become `<asset>`, and Batch ARNs built from pseudo parameters
 * shrink to the part that names the resource.
 */

/** Placeholder for anything a CDK asset hash would otherwise make change on every build. */
export const ASSET = '<asset>';

const ARN_ATTRIBUTES = /Arn$/;
// `arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-definition/name:*` reads as `job-definition/name:*`.
const PART = String.raw`(?:\$\{[^}]*\}|[^:$]*)`;
const BATCH_ARN = new RegExp(`^arn:${PART}:batch:${PART}:${PART}:`);

/** Renders one template value, resolving references through `labels` (logical id -> label). */
export function describeTemplateValue(value: unknown, labels: ReadonlyMap<string, string>): string {
  if (typeof value === 'string') return withoutAssetHashes(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((v) => describeTemplateValue(v, labels)).join(', ');
  if (value === null || typeof value !== 'object') return String(value);
  const [key, argument] = Object.entries(value)[0] ?? [];
  switch (key) {
    case 'Ref':
      return referenceLabel(String(argument), labels);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.');
      const label = referenceLabel(logicalId, labels);
      return ARN_ATTRIBUTES.test(attribute ?? '') ? label : `${label}.${attribute}`;
    }
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, unknown[]];
      return shortBatchArn(withoutAssetHashes(parts.map((p) => describeTemplateValue(p, labels)).join(separator)));
    }
    case 'Fn::Sub': {
      const text = Array.isArray(argument) ? String(argument[0]) : String(argument);
      const substituted = text.replace(/\$\{([^}]+)\}/g, (_, name: string) => referenceLabel(name, labels));
      return shortBatchArn(withoutAssetHashes(substituted));
    }
    default:
      return `<${key ?? 'object'}>`;
  }
}

/** A container image: images of CDK assets all read `<asset>`, whatever their hash. */
export function describeImage(value: unknown, labels: ReadonlyMap<string, string>): string | undefined {
  if (value === undefined) return undefined;
  const text = describeTemplateValue(value, labels);
  return /container-assets/.test(text) ? ASSET : text;
}

function referenceLabel(name: string, labels: ReadonlyMap<string, string>): string {
  return labels.get(name) ?? (name.startsWith('AWS::') ? `\${${name}}` : name);
}

function withoutAssetHashes(text: string): string {
  return text.replace(/[0-9a-f]{64}/g, ASSET);
}

function shortBatchArn(text: string): string {
  return text.replace(BATCH_ARN, '');
}

/** Orders text the same way on every machine, whatever its locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
