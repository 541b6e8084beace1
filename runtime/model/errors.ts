/**
 * The root of batchkit's typed errors. Every error the runtime raises on purpose carries a stable
 * `code` (part of the public API: scripts and the CLI branch on it, never on messages) and says
 * whether a retry can help. Each layer declares its own codes next to its errors; the CLI maps
 * every code to an exit code in one table (`runtime/cli/exit-codes.ts`).
 *
 * Errors are recognised by a brand rather than `instanceof`, because a program can load two
 * copies of this module (a CDK app and the CLI each with their own `node_modules`) and an error
 * from one copy must still be recognised by the other.
 */

const BRAND = Symbol.for('batchkit.error');

/** Codes of the model layer's errors: requests AWS Batch refuses, or fails on. */
export type ModelErrorCode = 'BATCH_CLIENT_EXCEPTION' | 'BATCH_SERVER_EXCEPTION';

/** An error batchkit raises on purpose, with a stable code. */
export abstract class BatchkitError extends Error {
  /** The stable code that tells this error apart (upper snake case, e.g. `WORKFLOW_INVALID`). */
  public abstract readonly code: string;
  /** Whether the same call could succeed if tried again later. */
  public abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Whether `err` is one of batchkit's typed errors, from this copy of the module or another. */
export function isBatchkitError(err: unknown): err is BatchkitError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true
    && typeof (err as { code?: unknown }).code === 'string';
}

/** Whether `err` is a batchkit error with this code. */
export function hasErrorCode(err: unknown, code: string): err is BatchkitError {
  return isBatchkitError(err) && err.code === code;
}
