/**
 * A small EventBridge event pattern matcher, for tests: it decides, as EventBridge does, whether
 * an event matches a pattern, so tests can check generated patterns against sample events
 * instead of comparing them with hand-written copies of themselves.
 *
 * Covered (the subset batchkit's patterns and their tests use): exact values (strings, numbers,
 * booleans, null), `prefix`, `suffix`, `equals-ignore-case`, `anything-but` (value, list or
 * `{prefix}`), `exists`, `numeric`. A list in the pattern means "any of"; an array in the event
 * matches when any element does. Nested objects match field by field; a missing field matches
 * only `{"exists": false}`. Not covered: object patterns reaching into arrays of objects, `wildcard`,
 * `cidr`, `$or`. Anything not covered throws, so a typo in a pattern cannot pass silently.
 */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new Error(`pattern must be an object, got ${JSON.stringify(pattern)}`);
  return matchObject(pattern, event);
}

function matchObject(pattern: Record<string, unknown>, value: unknown): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const field = isPlainObject(value) ? (value as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(sub)) return matchLeaf(sub, field);
    if (isPlainObject(sub)) return matchObject(sub, field);
    throw new Error(`pattern field '${key}' must be a list or an object, got ${JSON.stringify(sub)}`);
  });
}

function matchLeaf(alternatives: unknown[], value: unknown): boolean {
  if (alternatives.length === 0) throw new Error('pattern lists must not be empty (EventBridge refuses them)');
  if (isPlainObject(value)) return false;
  const values = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return alternatives.some((alternative) => {
    if (isPlainObject(alternative)) return matchOperator(alternative, value, values);
    return values.some((v) => v === alternative);
  });
}

function matchOperator(operator: Record<string, unknown>, raw: unknown, values: unknown[]): boolean {
  const keys = Object.keys(operator);
  if (keys.length !== 1) throw new Error(`a pattern operator has exactly one key, got ${JSON.stringify(operator)}`);
  const [name] = keys;
  const operand = operator[name];
  switch (name) {
    case 'exists':
      if (typeof operand !== 'boolean') throw new Error(`exists takes true or false, got ${JSON.stringify(operand)}`);
      return operand ? raw !== undefined : raw === undefined;
    case 'prefix':
      return values.some((v) => typeof v === 'string' && v.startsWith(stringOperand(name, operand)));
    case 'suffix':
      return values.some((v) => typeof v === 'string' && v.endsWith(stringOperand(name, operand)));
    case 'equals-ignore-case':
      return values.some((v) => typeof v === 'string' && v.toLowerCase() === stringOperand(name, operand).toLowerCase());
    case 'anything-but':
      return values.length > 0 && values.every((v) => !matchesExcluded(operand, v));
    case 'numeric':
      return values.some((v) => typeof v === 'number' && numericHolds(operand, v));
    default:
      throw new Error(`unsupported pattern operator '${name}'`);
  }
}

function matchesExcluded(excluded: unknown, value: unknown): boolean {
  if (Array.isArray(excluded)) return excluded.some((e) => e === value);
  if (isPlainObject(excluded)) {
    const prefix = (excluded as { prefix?: unknown }).prefix;
    if (Object.keys(excluded).length !== 1 || typeof prefix !== 'string') {
      throw new Error(`anything-but takes a value, a list or {prefix}, got ${JSON.stringify(excluded)}`);
    }
    return typeof value === 'string' && value.startsWith(prefix);
  }
  return excluded === value;
}

function numericHolds(conditions: unknown, value: number): boolean {
  if (!Array.isArray(conditions) || conditions.length % 2 !== 0) {
    throw new Error(`numeric takes operator/number pairs, got ${JSON.stringify(conditions)}`);
  }
  for (let i = 0; i < conditions.length; i += 2) {
    const [op, bound] = [conditions[i], conditions[i + 1]];
    if (typeof bound !== 'number') throw new Error(`numeric bound must be a number, got ${JSON.stringify(bound)}`);
    const holds = op === '=' ? value === bound
      : op === '<' ? value < bound
        : op === '<=' ? value <= bound
          : op === '>' ? value > bound
            : op === '>=' ? value >= bound
              : undefined;
    if (holds === undefined) throw new Error(`unsupported numeric operator ${JSON.stringify(op)}`);
    if (!holds) return false;
  }
  return true;
}

function stringOperand(name: string, operand: unknown): string {
  if (typeof operand !== 'string') throw new Error(`${name} takes a string, got ${JSON.stringify(operand)}`);
  return operand;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
