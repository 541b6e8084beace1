/**
 * Errors as AWS's rest-json front end shapes them: an HTTP status, an error type in the
 * `x-amzn-errortype` header and in the body's `__type`, and a `message`.
 */
import { BatchClientException } from '../model/batch-api';

/** An error the server answers with exactly the given status, AWS error type and message. */
export class WireError extends Error {
  public readonly name = 'WireError';
  constructor(
    /** HTTP status code. */
    public readonly httpStatus: number,
    /** AWS error code, e.g. `ClientException` or `InvalidSignatureException`. */
    public readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

/** A `ClientException` (HTTP 400), the error Batch models for every invalid request. */
export function clientError(message: string): WireError {
  return new WireError(400, 'ClientException', message);
}

/** The HTTP response an error becomes on the wire. */
export interface WireErrorResponse {
  /** HTTP status code. */
  readonly status: number;
  /** AWS error code, for the `x-amzn-errortype` header. */
  readonly errorType: string;
  /** JSON body `{"__type", "message"}`. */
  readonly body: string;
}

/**
 * Maps anything thrown while serving a request onto AWS's error shape. Client errors are
 * recognised by class or, for errors from another copy of the model module, by their `name`
 * and `httpStatus`; anything else becomes `ServerException` (500), which the caller logs.
 */
export function toWireError(err: unknown): WireErrorResponse {
  if (err instanceof WireError) return render(err.httpStatus, err.errorType, err.message);
  if (err instanceof BatchClientException || isNamedClientException(err)) {
    return render(400, 'ClientException', (err as Error).message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return render(500, 'ServerException', message || 'internal error');
}

function isNamedClientException(err: unknown): boolean {
  const candidate = err as { name?: unknown; httpStatus?: unknown } | null;
  return candidate !== null && typeof candidate === 'object' && candidate.name === 'ClientException' && candidate.httpStatus === 400;
}

function render(status: number, errorType: string, message: string): WireErrorResponse {
  return { status, errorType, body: JSON.stringify({ __type: errorType, message }) };
}
