/**
 * Validates a decoded request against the AWS Batch service model, the way AWS's front end
 * does before a request reaches the service: required members, JSON types, enums and
 * length/range constraints. Members the model does not know are dropped, as AWS's
 * deserializer ignores them, so the engine only ever sees modelled input.
 */
import { BatchClientException } from './batch-api';
import type { WireModel, WireShape } from './wire-model';

/**
 * Enums AWS Batch accepts in any letter case (the RetryStrategy documentation: `evaluateOnExit[].action` is
 * case-insensitive); the value is passed on as given.
 */
const CASE_INSENSITIVE_ENUMS = new Set(['RetryAction']);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Checks `value` against shape `shapeName` and returns a copy holding only modelled members. */
export function validateShape(model: WireModel, shapeName: string, value: unknown, path: string): unknown {
  const shape = model.shapes[shapeName];
  if (!shape) {
    throw new Error(`shape '${shapeName}' is missing from the generated wire model`);
  }
  switch (shape.type) {
    case 'structure':
      return validateStructure(model, shape, value, path);
    case 'list':
      return validateList(model, shape, value, path);
    case 'map':
      return validateMap(model, shape, value, path);
    case 'string':
      return validateString(shapeName, shape, value, path);
    case 'integer':
    case 'long':
      return validateInteger(shape, value, path);
    case 'float':
    case 'double':
      return validateNumber(shape, value, path, 'a number');
    case 'boolean':
      if (typeof value !== 'boolean') throw typeError(path, 'a boolean', value);
      return value;
    default:
      throw new Error(`shape '${shapeName}' has type '${shape.type}', which the local server cannot validate`);
  }
}

function validateStructure(model: WireModel, shape: WireShape, value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw typeError(path, 'an object', value);
  const members = shape.members ?? {};
  for (const required of shape.required ?? []) {
    if (value[required] === undefined || value[required] === null) {
      throw new BatchClientException(`'${join(path, required)}' is required but was not given`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(members)) {
    const memberValue = value[name];
    // JSON null means "not set" to AWS's deserializers, so it is treated as absent.
    if (memberValue === undefined || memberValue === null) continue;
    out[name] = validateShape(model, member.shape, memberValue, join(path, name));
  }
  return out;
}

function validateList(model: WireModel, shape: WireShape, value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw typeError(path, 'a list', value);
  checkCount(shape, value.length, path, 'entries');
  return value.map((element, i) => {
    if (element === null || element === undefined) {
      throw new BatchClientException(`'${path}[${i}]' is null; list entries must be ${describeShape(model, shape.member!)}`);
    }
    return validateShape(model, shape.member!, element, `${path}[${i}]`);
  });
}

function validateMap(model: WireModel, shape: WireShape, value: unknown, path: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw typeError(path, 'a map of string keys', value);
  const entries = Object.entries(value);
  checkCount(shape, entries.length, path, 'entries');
  // fromEntries defines keys as data properties: a key such as `__proto__` stays a plain key.
  return Object.fromEntries(entries.map(([key, entry]) => {
    validateShape(model, shape.key!, key, `${path} (key ${JSON.stringify(key)})`);
    if (entry === null || entry === undefined) {
      throw new BatchClientException(`'${path}.${key}' is null; map values must be ${describeShape(model, shape.value!)}`);
    }
    return [key, validateShape(model, shape.value!, entry, `${path}.${key}`)];
  }));
}

function validateString(shapeName: string, shape: WireShape, value: unknown, path: string): string {
  if (typeof value !== 'string') throw typeError(path, 'a string', value);
  if (shape.enum) {
    const ignoreCase = CASE_INSENSITIVE_ENUMS.has(shapeName);
    const matches = shape.enum.some((allowed) => (ignoreCase ? allowed.toLowerCase() === value.toLowerCase() : allowed === value));
    if (!matches) {
      throw new BatchClientException(`'${path}' must be one of ${shape.enum.join(', ')}; got ${JSON.stringify(value)}`);
    }
  }
  checkCount(shape, value.length, path, 'characters');
  if (shape.pattern !== undefined && !new RegExp(shape.pattern, 'u').test(value)) {
    throw new BatchClientException(`'${path}' must match the pattern ${shape.pattern}; got ${JSON.stringify(value)}`);
  }
  return value;
}

function validateInteger(shape: WireShape, value: unknown, path: string): number {
  const expected = shape.type === 'integer' ? 'an integer' : 'a whole number';
  validateNumber(shape, value, path, expected);
  const n = value as number;
  if (!Number.isInteger(n)) throw typeError(path, expected, value);
  if (shape.type === 'integer' && (n < INT32_MIN || n > INT32_MAX)) {
    throw new BatchClientException(`'${path}' must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX}); got ${n}`);
  }
  if (shape.type === 'long' && !Number.isSafeInteger(n)) {
    throw new BatchClientException(`'${path}' must be a whole number of at most ${Number.MAX_SAFE_INTEGER}; got ${n}`);
  }
  return n;
}

function validateNumber(shape: WireShape, value: unknown, path: string, expected: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw typeError(path, expected, value);
  if (shape.min !== undefined && value < shape.min) {
    throw new BatchClientException(`'${path}' must be at least ${shape.min}; got ${value}`);
  }
  if (shape.max !== undefined && value > shape.max) {
    throw new BatchClientException(`'${path}' must be at most ${shape.max}; got ${value}`);
  }
  return value;
}

function checkCount(shape: WireShape, count: number, path: string, unit: string): void {
  if (shape.min !== undefined && count < shape.min) {
    throw new BatchClientException(`'${path}' must have at least ${shape.min} ${unit}; got ${count}`);
  }
  if (shape.max !== undefined && count > shape.max) {
    throw new BatchClientException(`'${path}' must have at most ${shape.max} ${unit}; got ${count}`);
  }
}

function typeError(path: string, expected: string, value: unknown): BatchClientException {
  const where = path === '' ? 'the request body' : `'${path}'`;
  return new BatchClientException(`${where} must be ${expected}; got ${describeValue(value)}`);
}

function describeShape(model: WireModel, shapeName: string): string {
  const type = model.shapes[shapeName]?.type;
  return type === 'structure' ? 'objects' : `${type}s`;
}

/** A short, bounded rendering of a JSON value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `${typeof value} ${shown}`;
}

function join(path: string, member: string): string {
  return path === '' ? member : `${path}.${member}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
