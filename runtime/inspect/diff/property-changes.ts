/**
 * Which properties of one resource differ between two templates, as dot paths in the shape of
 * CloudFormation's resource schemas (array elements share their array's path), and which
 * property values reference other resources of the template (Ref, Fn::GetAtt, Fn::Sub).
 */

/** One changed property. */
export interface PropertyChange {
  /** Dot path, e.g. `ComputeResources.InstanceTypes`. */
  readonly path: string;
  /**
   * True when the values differ only in CDK asset hashes (64 hex digits), the churn every
   * rebuild of an image or bundle brings.
   */
  readonly assetOnly: boolean;
  /** Logical id of a replaced resource whose new physical id is the only change. */
  readonly becauseReplaced?: string;
}

/** A property value that names another resource of the template. */
export interface ResourceReference {
  readonly path: string;
  readonly target: string;
}

const ASSET_HASH = /[0-9a-f]{64}/g;

/**
 * The changed properties between two `Properties` objects; `wholeValues` are paths of maps and
 * free-form JSON, whose keys are data rather than properties.
 */
export function propertyChanges(before: unknown, after: unknown, wholeValues: readonly string[] = []): PropertyChange[] {
  const found = new Map<string, boolean>();
  collectChanges(before, after, '', new Set(wholeValues), found);
  return [...found.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([path, assetOnly]) => ({ path, assetOnly }));
}

/** Every reference to another resource inside `properties`, with the path it sits at. */
export function resourceReferences(properties: unknown): ResourceReference[] {
  const found: ResourceReference[] = [];
  collectReferences(properties, '', found);
  return found;
}

/** Whether two values are the same JSON. */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** The value at a dot path (array elements: the first that has it). */
export function valueAt(properties: unknown, path: string): unknown {
  let current: unknown = properties;
  for (const key of path.split('.')) {
    if (Array.isArray(current)) current = current.find((e) => isRecord(e) && key in e);
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

function collectChanges(before: unknown, after: unknown, path: string, wholeValues: Set<string>, found: Map<string, boolean>): void {
  if (sameValue(before, after)) return;
  const whole = wholeValues.has(path);
  if (!whole && isPlainRecord(before) && isPlainRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      collectChanges(before[key], after[key], join(path, key), wholeValues, found);
    }
    return;
  }
  if (!whole && Array.isArray(before) && Array.isArray(after) && before.length === after.length
    && before.every(isPlainRecord) && after.every(isPlainRecord)) {
    before.forEach((element, i) => collectChanges(element, after[i], path, wholeValues, found));
    return;
  }
  const assetOnly = sameValue(withoutAssetHashes(before), withoutAssetHashes(after));
  found.set(path, (found.get(path) ?? true) && assetOnly);
}

function collectReferences(value: unknown, path: string, found: ResourceReference[]): void {
  if (Array.isArray(value)) {
    value.forEach((element) => collectReferences(element, path, found));
    return;
  }
  if (!isRecord(value)) return;
  if (typeof value.Ref === 'string' && !value.Ref.startsWith('AWS::')) found.push({ path, target: value.Ref });
  const getAtt = value['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') found.push({ path, target: getAtt[0] });
  if (typeof getAtt === 'string') found.push({ path, target: getAtt.split('.')[0] });
  const sub = value['Fn::Sub'];
  const subText = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
  for (const match of subText?.matchAll(/\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}/g) ?? []) {
    if (!match[1].startsWith('AWS')) found.push({ path, target: match[1] });
  }
  for (const [key, child] of Object.entries(value)) {
    if (key !== 'Ref' && key !== 'Fn::GetAtt') collectReferences(child, isIntrinsic(value) ? path : join(path, key), found);
  }
}

function withoutAssetHashes(value: unknown): string {
  return JSON.stringify(canonical(value) ?? null).replace(ASSET_HASH, '<asset-hash>');
}

// Keys sorted so that key order never counts as a change.
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIntrinsic(value: Record<string, unknown>): boolean {
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

// An object of properties, not an intrinsic function: intrinsics change as a whole.
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return isRecord(value) && !isIntrinsic(value);
}
