/**
 * The CloudWatch Logs wire protocol (AWS JSON 1.1): `POST /` with the operation in
 * `X-Amz-Target: Logs_20140328.<Operation>`, a JSON body, and errors as `{"__type", "message"}`
 * with HTTP 400, the way the AWS CLI and `@aws-sdk/client-cloudwatch-logs` expect them.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { WireError } from './wire-errors';

/** The `X-Amz-Target` prefix of CloudWatch Logs operations. */
export const LOGS_TARGET_PREFIX = 'Logs_20140328.';
/** The content type CloudWatch Logs requests and answers carry. */
export const LOGS_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The SigV4 signing name of CloudWatch Logs. */
export const LOGS_SIGNING_NAME = 'logs';

/**
 * The CloudWatch Logs operation a request names in `X-Amz-Target`; `undefined` when it carries
 * no such header (a Batch request). A target of another service is refused.
 */
export function logsOperationOf(headers: IncomingHttpHeaders): string | undefined {
  const raw = headers['x-amz-target'];
  const target = Array.isArray(raw) ? raw.join(',') : raw;
  if (target === undefined) return undefined;
  if (!target.startsWith(LOGS_TARGET_PREFIX) || target.length === LOGS_TARGET_PREFIX.length) {
    throw logsError('UnknownOperationException', `X-Amz-Target '${target}' names no operation this server answers; expected '${LOGS_TARGET_PREFIX}<Operation>' (CloudWatch Logs) or no X-Amz-Target (AWS Batch, rest-json)`);
  }
  return target.slice(LOGS_TARGET_PREFIX.length);
}

/** A CloudWatch Logs error (HTTP 400) of the given type, e.g. `ResourceNotFoundException`. */
export function logsError(errorType: string, message: string): WireError {
  return new WireError(400, errorType, message);
}

/** An `InvalidParameterException`, CloudWatch Logs' error for a malformed request. */
export function invalidParameter(message: string): WireError {
  return logsError('InvalidParameterException', message);
}

/** Reads the typed members of a Logs request body, refusing wrong types with the member's name. */
export class LogsInput {
  constructor(private readonly operation: string, private readonly body: Record<string, unknown>) {}

  /** A string member; `undefined` when absent. */
  public string(name: string, bounds: { min?: number; max?: number } = {}): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.wrongType(name, value, 'a string');
    if (value.length < (bounds.min ?? 0) || value.length > (bounds.max ?? Infinity)) {
      throw invalidParameter(`${this.operation} member '${name}' must be ${bounds.min ?? 0} to ${bounds.max} characters long; got ${value.length}`);
    }
    return value;
  }

  /** An integer member within bounds; `undefined` when absent. */
  public integer(name: string, min: number, max: number): number | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.wrongType(name, value, 'an integer');
    if (value < min || value > max) {
      throw invalidParameter(`${this.operation} member '${name}' must be from ${min} to ${max}; got ${value}`);
    }
    return value;
  }

  /** A boolean member; `undefined` when absent. */
  public boolean(name: string): boolean | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.wrongType(name, value, 'true or false');
    return value;
  }

  /** A list of strings; `undefined` when absent. */
  public strings(name: string, maxItems: number): string[] | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw this.wrongType(name, value, 'a list of strings');
    if (value.length < 1 || value.length > maxItems) {
      throw invalidParameter(`${this.operation} member '${name}' must hold 1 to ${maxItems} names; got ${value.length}`);
    }
    return value as string[];
  }

  private wrongType(name: string, value: unknown, expected: string): WireError {
    return invalidParameter(`${this.operation} member '${name}' must be ${expected}; got ${JSON.stringify(value)?.slice(0, 60) ?? String(value)}`);
  }
}
