/**
 * Validation helpers that raise `BatchClientException` with the house message shape: the field,
 * what was given, what was expected (lowercase, no trailing period).
 */
import { BatchClientException } from '../model/batch-api';
import { BatchkitError } from '../model/errors';
import { batchNameProblem, MAX_BATCH_NAME_LENGTH } from '../model/name-rules';
import { MAX_TAGS, tagProblem } from '../model/tag-rules';

/** The engine was asked to start in a way it cannot (an option, or the process helper an environment variable names). */
export class EngineConfigurationError extends BatchkitError {
  /** Always `EngineConfigurationError`. */
  public readonly name = 'EngineConfigurationError';
  public readonly code: EngineErrorCode = 'ENGINE_CONFIGURATION';
  /** The options or the environment must change first. */
  public readonly retryable = false;
}

/** Codes of the engine's errors. */
export type EngineErrorCode = 'ENGINE_CONFIGURATION' | 'CONTAINER_SPEC_INVALID';

/** Throws a ClientException for a request AWS Batch would refuse. */
export function invalid(message: string): never {
  throw new BatchClientException(message);
}

/** Renders a given value for an error message (strings quoted, objects as JSON). */
export function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** Requires a non-empty string field. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    invalid(`${field} is required: given ${shown(value)}, expected a non-empty string`);
  }
  return value;
}

/** Requires an integer within bounds (inclusive) when the field is present. */
export function checkInteger(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(`${field} must be an integer from ${min} to ${max}: given ${shown(value)}`);
  }
  return value;
}

/** Requires one of the listed strings when the field is present. */
export function checkOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    invalid(`${field} must be one of ${allowed.join(', ')}: given ${shown(value)}`);
  }
  return value as T;
}

/** Checks a Batch resource or job name (`batchNameProblem`). */
export function checkName(value: unknown, field: string): string {
  const name = requireString(value, field);
  if (batchNameProblem(name) !== undefined) {
    invalid(`${field} ${shown(name)} is not a valid name: expected 1 to ${MAX_BATCH_NAME_LENGTH} characters, starting with a letter or digit, then letters, digits, hyphens or underscores`);
  }
  return name;
}

/** Checks a tag map against Batch's tag limits (`tagProblem`). */
export function checkTags(tags: unknown, field: string): Record<string, string> | undefined {
  if (tags === undefined) {
    return undefined;
  }
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) {
    invalid(`${field} must be a map of tag keys to values: given ${shown(tags)}`);
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS) {
    invalid(`${field} has ${entries.length} tags, expected at most ${MAX_TAGS}`);
  }
  for (const [key, value] of entries) {
    const problem = tagProblem(key, value);
    if (problem !== undefined) invalid(`${field} entry ${shown(key)}: ${shown(value)} ${problem}`);
  }
  return { ...(tags as Record<string, string>) };
}

/** Requires an integer within bounds (inclusive). */
export function requireInteger(value: unknown, field: string, min: number, max: number): number {
  if (value === undefined) {
    invalid(`${field} is required: given nothing, expected an integer from ${min} to ${max}`);
  }
  return checkInteger(value, field, min, max)!;
}

/** Requires one of the listed strings. */
export function requireOneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (value === undefined) {
    invalid(`${field} is required: given nothing, expected one of ${allowed.join(', ')}`);
  }
  return checkOneOf(value, field, allowed)!;
}
