/**
 * Maps `METHOD /path` onto a Batch operation, from the routes of the generated service model,
 * and names the `BatchApi` method that implements it.
 */
import type { BatchOperationName } from '../model/batch-api';
import { BATCH_OPERATIONS } from '../model/batch-wire-model.generated';
import type { WireOperation } from '../model/wire-model';
import { refusalMessage } from './refused-operations';
import { clientError, WireError } from './wire-errors';

/** A request matched to an operation. */
export interface MatchedRoute {
  /** Operation name as the model spells it, e.g. `SubmitJob`. */
  readonly operation: string;
  /** The `BatchApi` method that serves it, e.g. `submitJob`. */
  readonly apiMethod: BatchOperationName;
  /** The operation's HTTP binding and input shape. */
  readonly binding: WireOperation;
  /** Values of `{label}` segments of the URI template, percent-decoded. */
  readonly uriParams: Record<string, string>;
}

interface CompiledRoute {
  readonly operation: string;
  readonly binding: WireOperation;
  readonly pattern: RegExp;
  readonly labels: readonly string[];
}

const ROUTES: readonly CompiledRoute[] = Object.entries(BATCH_OPERATIONS).map(([operation, binding]) => {
  const labels: string[] = [];
  const source = binding.uri.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, label: string) => {
    labels.push(label);
    return '(.+)';
  });
  return { operation, binding, pattern: new RegExp(`^${source}$`), labels };
});

/**
 * Finds the operation for a request. Unknown routes get `UnknownOperationException` (400);
 * operations of the Batch model that the local engine does not implement get a `ClientException`
 * that says so, rather than a misleading "unknown".
 */
export function matchRoute(method: string, rawPath: string): MatchedRoute {
  const candidates = ROUTES.filter((r) => r.pattern.test(rawPath));
  const route = candidates.find((r) => r.binding.method === method);
  if (!route) {
    if (candidates.length > 0) {
      const allowed = candidates.map((r) => `${r.binding.method} (${r.operation})`).join(', ');
      throw new WireError(400, 'UnknownOperationException', `no operation answers ${method} ${rawPath}; this path takes ${allowed}`);
    }
    throw new WireError(400, 'UnknownOperationException', `no AWS Batch operation answers ${method} ${truncate(rawPath)}; operations are POST /v1/<operation in lower case>, e.g. POST /v1/submitjob, and GET|POST|DELETE /v1/tags/{resourceArn}`);
  }
  if (!route.binding.implemented) {
    throw clientError(refusalMessage(route.operation, route.binding.method, route.binding.uri));
  }
  const values = route.pattern.exec(rawPath)!.slice(1);
  const uriParams: Record<string, string> = {};
  route.labels.forEach((label, i) => {
    uriParams[label] = decodeLabel(label, values[i]);
  });
  return { operation: route.operation, apiMethod: toApiMethod(route.operation), binding: route.binding, uriParams };
}

/** Names of the operations the server implements, in the model's order. */
export function implementedOperations(): string[] {
  return ROUTES.filter((r) => r.binding.implemented).map((r) => r.operation);
}

function toApiMethod(operation: string): BatchOperationName {
  return (operation.charAt(0).toLowerCase() + operation.slice(1)) as BatchOperationName;
}

function decodeLabel(label: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw clientError(`'${label}' in the request path is not valid percent-encoding; got ${JSON.stringify(truncate(value))}`);
  }
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
