/**
 * Turns an HTTP request into an operation's input: reads the body within a size limit, parses
 * JSON within a nesting limit, and places URI and query-string members where the model says.
 */
import type { IncomingMessage } from 'node:http';
import type { WireModel } from '../model/wire-model';
import type { MatchedRoute } from './routes';
import { BatchkitError } from '../model/errors';
import { clientError, type ServerErrorCode } from './wire-errors';
import { describeValue } from '../model/shape-validation';

/**
 * Deepest JSON nesting accepted. The deepest Batch input (a multi-node job definition's
 * device permissions) nests 13 levels; the cap keeps hostile bodies from exhausting the stack.
 */
export const MAX_JSON_DEPTH = 32;

/** A request body, or how large it was when it went over the limit (its bytes are dropped). */
export type ReadBody = { readonly bytes: Buffer; readonly oversizeBytes?: undefined } | { readonly bytes?: undefined; readonly oversizeBytes: number };

/**
 * Reads the whole body. Past `maxBytes` it keeps draining the request without buffering, so the
 * client gets a clean 400 instead of a reset connection, and memory stays bounded.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<ReadBody> {
  // A stream error on a request is the connection failing: like a close, nobody awaits an answer.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => resolve(total > maxBytes ? { oversizeBytes: total } : { bytes: Buffer.concat(chunks, total) }));
    req.on('error', () => reject(new ClientGoneError()));
    req.on('close', () => {
      if (!req.complete) reject(new ClientGoneError());
    });
  });
}

/** The client closed the connection before sending its whole request: there is no one to answer. */
export class ClientGoneError extends BatchkitError {
  public readonly name = 'ClientGoneError';
  public readonly code: ServerErrorCode = 'CLIENT_GONE';
  /** There is no one left to answer. */
  public readonly retryable = false;
  constructor() {
    super('the client closed the connection before sending the whole request');
  }
}

/** Parses a JSON body into an object; an empty body is `{}`, as AWS reads it. */
export function parseJsonBody(bytes: Buffer): Record<string, unknown> {
  const text = bytes.toString('utf8');
  if (text.trim() === '') return {};
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw clientError(`the request body nests ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw clientError(`the request body is not valid JSON (${(err as Error).message}); expected a JSON object`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw clientError(`the request body must be a JSON object; got ${describeValue(parsed)}`);
  }
  return parsed as Record<string, unknown>;
}

/** Deepest bracket nesting outside strings: a linear scan, so it is safe before parsing. */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return deepest;
}

/**
 * The operation's input as one object: body members, plus members bound to the URI or the
 * query string (the tag operations' `resourceArn` and `tagKeys`).
 */
export function assembleInput(model: WireModel, route: MatchedRoute, body: Record<string, unknown>, query: URLSearchParams): Record<string, unknown> {
  const inputShape = route.binding.input ? model.shapes[route.binding.input] : undefined;
  const input: Record<string, unknown> = { ...body };
  for (const [name, member] of Object.entries(inputShape?.members ?? {})) {
    const wireName = member.locationName ?? name;
    if (member.location === 'uri') {
      input[name] = route.uriParams[wireName];
    } else if (member.location === 'querystring') {
      const values = query.getAll(wireName);
      const isList = model.shapes[member.shape]?.type === 'list';
      input[name] = values.length === 0 ? undefined : isList ? values : values[0];
    }
  }
  return input;
}
