/**
 * Errors as AWS's rest-json front end shapes them: an HTTP status, an error type in the
 * `x-amzn-errortype` header and in the body's `__type`, and a `message`.
 */
import { BatchkitError, hasErrorCode } from '../model/errors';

/** Codes of the server's errors. */
export type ServerErrorCode = 'WIRE_ERROR' | 'CLIENT_GONE';

/** An error the server answers with exactly the given status, AWS error type and message. */
export class WireError extends BatchkitError {
  public readonly name = 'WireError';
  public readonly code: ServerErrorCode = 'WIRE_ERROR';
  /** Whether the client may send the request again: throttling and server-side failures. */
  public readonly retryable: boolean;
  constructor(
    /** HTTP status code. */
    public readonly httpStatus: number,
    /** AWS error code, e.g. `ClientException` or `InvalidSignatureException`. */
    public readonly errorType: string,
    message: string,
  ) {
    super(message);
    this.retryable = httpStatus === 429 || httpStatus >= 500;
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
 * recognised by their code, which also holds for errors from another copy of the model
 * module; anything else becomes `ServerException` (500), which the caller logs.
 */
export function toWireError(err: unknown): WireErrorResponse {
  if (err instanceof WireError) return render(err.httpStatus, err.errorType, err.message);
  if (hasErrorCode(err, 'BATCH_CLIENT_EXCEPTION')) {
    return render(400, 'ClientException', err.message);
  }
  const message = err instanceof Error ? err.message : String(err);
  return render(500, 'ServerException', message || 'internal error');
}

function render(status: number, errorType: string, message: string): WireErrorResponse {
  return { status, errorType, body: JSON.stringify({ __type: errorType, message }) };
}
