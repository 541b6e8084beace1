/**
 * Resolves the CloudFormation intrinsic functions a synthesized Batch resource uses: `Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If` (with the template's
 * conditions), `Fn::Base64`, `Fn::GetAZs`. What a reference points at is the caller's business
 * (see {@link IntrinsicResolver}); anything that cannot be resolved becomes a finding.
 */

/** Answers references found while resolving. */
export interface IntrinsicResolver {
  /** Value of `{ "Ref": logicalId }`: a pseudo parameter, a template parameter or a resource. */
  ref(logicalId: string, propertyPath: string): unknown;
  /** Value of `{ "Fn::GetAtt": [logicalId, attribute] }`. */
  getAtt(logicalId: string, attribute: string, propertyPath: string): unknown;
  /** Truth of a named condition of the template's `Conditions` section. */
  condition(name: string, propertyPath: string): boolean;
  /** Region for `Fn::GetAZs`. */
  readonly region: string;
  /** Records something the loader could not do faithfully. */
  report(propertyPath: string, message: string): void;
}

/** Marks a value that `Ref: AWS::NoValue` or an unresolvable function removed from its parent. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue');

/** Functions taking a fixed list of arguments, and how many. */
const ARITY: Record<string, number> = { 'Fn::Join': 2, 'Fn::Select': 2, 'Fn::Split': 2, 'Fn::If': 3 };

/** Resolves every intrinsic function inside `value`; properties that resolve to {@link NO_VALUE} are left out. */
export function resolveIntrinsics(value: unknown, resolver: IntrinsicResolver, path: string): unknown {
  if (Array.isArray(value)) {
    return value.map((v, i) => resolveIntrinsics(v, resolver, `${path}[${i}]`)).filter((v) => v !== NO_VALUE);
  }
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    return resolveFunction(entries[0][0], entries[0][1], resolver, path);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of entries) {
    const resolved = resolveIntrinsics(v, resolver, path === '' ? key : `${path}.${key}`);
    if (resolved !== NO_VALUE) out[key] = resolved;
  }
  return out;
}

function resolveFunction(name: string, args: unknown, resolver: IntrinsicResolver, path: string): unknown {
  const arity = ARITY[name];
  if (arity !== undefined && (!Array.isArray(args) || args.length !== arity)) {
    return unsupported(resolver, path, `${name} takes a list of ${arity} arguments; got ${JSON.stringify(args)}`);
  }
  switch (name) {
    case 'Ref':
      if (typeof args !== 'string') return unsupported(resolver, path, `Ref must name a parameter or resource; got ${JSON.stringify(args)}`);
      return args === 'AWS::NoValue' ? NO_VALUE : resolver.ref(args, path);
    case 'Fn::GetAtt':
      return getAtt(args, resolver, path);
    case 'Fn::Join': {
      const [separator, list] = args as unknown[];
      const items = resolveIntrinsics(list, resolver, path);
      if (typeof separator !== 'string' || !Array.isArray(items)) return unsupported(resolver, path, `Fn::Join takes [separator, [values]]; got ${JSON.stringify(args)}`);
      return items.map(String).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = args as unknown[];
      const items = resolveIntrinsics(list, resolver, path);
      const i = Number(resolveIntrinsics(index, resolver, path));
      if (!Array.isArray(items) || !Number.isInteger(i) || i < 0 || i >= items.length) {
        return unsupported(resolver, path, `Fn::Select index ${JSON.stringify(index)} is outside the list of ${Array.isArray(items) ? items.length : 0} values`);
      }
      return items[i];
    }
    case 'Fn::Split': {
      const [separator, source] = args as unknown[];
      const text = resolveIntrinsics(source, resolver, path);
      if (typeof separator !== 'string' || typeof text !== 'string') return unsupported(resolver, path, `Fn::Split takes [separator, string]; got ${JSON.stringify(args)}`);
      return text.split(separator);
    }
    case 'Fn::Sub':
      return substitute(args, resolver, path);
    case 'Fn::If': {
      const [conditionName, whenTrue, whenFalse] = args as unknown[];
      const chosen = resolver.condition(String(conditionName), path) ? whenTrue : whenFalse;
      return resolveIntrinsics(chosen, resolver, path);
    }
    case 'Fn::Base64': {
      const text = resolveIntrinsics(args, resolver, path);
      return Buffer.from(String(text), 'utf8').toString('base64');
    }
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${resolver.region}${zone}`);
    default:
      return unsupported(resolver, path, `${name} is not supported by the template loader; the property is left out`);
  }
}

function getAtt(args: unknown, resolver: IntrinsicResolver, path: string): unknown {
  const parts = typeof args === 'string' ? splitOnce(args, '.') : args;
  if (!Array.isArray(parts) || parts.length !== 2) {
    return unsupported(resolver, path, `Fn::GetAtt takes [logicalId, attribute]; got ${JSON.stringify(args)}`);
  }
  const attribute = resolveIntrinsics(parts[1], resolver, path);
  return resolver.getAtt(String(parts[0]), String(attribute), path);
}

/** `Fn::Sub`: `${Name}` is a Ref, `${Name.Attr}` a GetAtt, `${!Literal}` stays `${Literal}`. */
function substitute(args: unknown, resolver: IntrinsicResolver, path: string): unknown {
  const [template, variables] = typeof args === 'string' ? [args, {}] : Array.isArray(args) && args.length === 2 ? args : [undefined, undefined];
  if (typeof template !== 'string' || typeof variables !== 'object' || variables === null) {
    return unsupported(resolver, path, `Fn::Sub takes a string or [string, {variables}]; got ${JSON.stringify(args)}`);
  }
  const vars = resolveIntrinsics(variables, resolver, path) as Record<string, unknown>;
  return template.replace(/\$\{([^}]*)\}/g, (_whole, expression: string) => {
    if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
    const name = expression.trim();
    if (name in vars) return String(vars[name]);
    const dot = name.indexOf('.');
    const value = dot < 0 ? resolver.ref(name, path) : resolver.getAtt(name.slice(0, dot), name.slice(dot + 1), path);
    return String(value);
  });
}

function splitOnce(text: string, separator: string): string[] {
  const i = text.indexOf(separator);
  return i < 0 ? [text] : [text.slice(0, i), text.slice(i + 1)];
}

function unsupported(resolver: IntrinsicResolver, path: string, message: string): typeof NO_VALUE {
  resolver.report(path, message);
  return NO_VALUE;
}
