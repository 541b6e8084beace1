/**
 * The local engine's HTTP server: AWS Batch's rest-json protocol in front of any `BatchApi`,
 * so the AWS CLI, the AWS SDKs and batchkit's runtime talk to the local engine unchanged.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { BatchApi } from '../model/batch-api';
import { BATCH_OPERATIONS, BATCH_SHAPES } from '../model/batch-wire-model.generated';
import type { WireModel } from '../model/wire-model';
import { matchRoute } from './routes';
import { assembleInput, ClientGoneError, parseJsonBody, readBody } from './request-decoding';
import { validateShape } from '../model/shape-validation';
import { credentialScopeRegion, verifySigV4, type SigV4Options } from './sigv4-verifier';
import { checkContentType, createRequestGuards, type RequestGuards } from './request-guards';
import { callLogsOperation, type LogStreamSource, type LogsScope } from './logs-api';
import { LOGS_CONTENT_TYPE, LOGS_SIGNING_NAME, logsOperationOf } from './logs-protocol';

export type { SigV4Options } from './sigv4-verifier';
import { clientError, toWireError } from './wire-errors';

/** Options of {@link startBatchServer}. */
export interface BatchServerOptions {
  /** The Batch implementation requests are served by, usually a `LocalBatchEngine`. */
  readonly api: BatchApi;
  /**
   * Interface to listen on. Only a deliberate choice should expose the engine beyond this machine.
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * TCP port.
   * @default 0 - a free port, reported in `RunningBatchServer.port`
   */
  readonly port?: number;
  /**
   * The region this endpoint serves: a request whose SigV4 credential scope names another region
   * is refused with a `ClientException` naming both (AWS regions are separate endpoints, and the
   * ARNs the engine mints carry one region). Unsigned requests are served as this region.
   * @default - the api's `scope.region` when it has one (a `LocalBatchEngine`), else any region is accepted
   */
  readonly region?: string;
  /**
   * Verify SigV4 signatures against these keys and refuse other requests with 403.
   * @default - no verification: any request is accepted, signed or not
   */
  readonly sigv4?: SigV4Options;
  /**
   * Origins (`scheme://host[:port]`, e.g. `http://localhost:3000`) whose web pages may call the
   * server; their requests get CORS headers naming that origin. Any other request carrying
   * `Origin`, or sent by a browser from another site, is refused with 403.
   * @default - none: no web page may call the server
   */
  readonly allowedOrigins?: string[];
  /**
   * Names accepted in the `Host` header besides `127.0.0.1`, `localhost`, `[::1]` and the
   * address listened on; `name` (any port) or `name:port`. Other names are refused with 403,
   * which defeats DNS rebinding. Listening on `0.0.0.0` or `::` with `sigv4` set accepts any name.
   * @default - none
   */
  readonly allowedHosts?: string[];
  /**
   * Largest request body accepted; larger ones get a `ClientException`.
   * @default 30720 (30 KiB, AWS Batch's SubmitJob payload quota)
   */
  readonly maxBodyBytes?: number;
  /**
   * Receives one line per unexpected server error (HTTP 500), with its stack.
   * @default - written to standard error
   */
  readonly log?: (message: string) => void;
  /**
   * Where CloudWatch Logs requests (`X-Amz-Target: Logs_20140328.*`) find job output.
   * @default - the api when it has `logStreams()` (a `LocalBatchEngine`), else Logs requests find no streams
   */
  readonly logs?: LogStreamSource;
  /**
   * The clock SigV4 request dates are checked against.
   * @default - the system clock
   */
  readonly now?: () => Date;
}

/** A listening server. */
export interface RunningBatchServer {
  /** Endpoint to give the SDK (`endpoint`) or the AWS CLI (`--endpoint-url`), e.g. `http://127.0.0.1:4566`. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Stops accepting connections, lets requests in flight finish, and closes idle keep-alive connections. */
  close(): Promise<void>;
}

/** AWS Batch's SubmitJob payload quota. */
export const DEFAULT_MAX_BODY_BYTES = 30 * 1024;

const KEEP_ALIVE_TIMEOUT_MS = 60_000;

const MODEL: WireModel = { operations: BATCH_OPERATIONS, shapes: BATCH_SHAPES };

/** Starts the server and resolves once it listens. */
export async function startBatchServer(options: BatchServerOptions): Promise<RunningBatchServer> {
  validateOptions(options);
  const host = options.host ?? '127.0.0.1';
  const guards = createRequestGuards({
    allowedOrigins: options.allowedOrigins ?? [], allowedHosts: options.allowedHosts ?? [], listenHost: host, authenticated: options.sigv4 !== undefined,
  });
  const handler = createRequestHandler(options, guards);
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  const server = createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    // A request that arrives on a kept-alive connection while closing is answered, then the connection ends.
    if (closing) res.shouldKeepAlive = false;
    handler(req, res).catch((err: unknown) => {
      // The handler answers every error itself; this only fires if writing the answer failed.
      (options.log ?? logToStderr)(`batchkit server: failed to answer ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      res.destroy();
    });
  });
  // Pollers reuse connections for seconds at a time: a short keep-alive makes the server close
  // sockets clients are about to reuse (ECONNRESET). AWS's front ends keep them about a minute.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 5_000;
  await listen(server, host, options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const close = (): Promise<void> => {
    closing = true;
    return closeServer(server, inFlight);
  };
  return { url: `http://${urlHost}:${port}`, port, close };
}

function createRequestHandler(options: BatchServerOptions, guards: RequestGuards): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? logToStderr;
  const now = options.now ?? (() => new Date());
  const region = options.region ?? (options.api as { scope?: { region?: string } }).scope?.region;
  const logSource = options.logs ?? (typeof (options.api as Partial<LogStreamSource>).logStreams === 'function' ? options.api as unknown as LogStreamSource : undefined);
  const logsScope = logsScopeOf(options.api, region);
  return async (req, res) => {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    let operation = 'unknown';
    let responseHeaders: Readonly<Record<string, string>> = {};
    try {
      const admission = guards.admit(req);
      responseHeaders = admission.responseHeaders;
      if (admission.preflight) {
        res.writeHead(204, { ...responseHeaders, 'x-amzn-requestid': requestId });
        res.end();
        return;
      }
      const body = await readBody(req, maxBodyBytes);
      if (body.bytes === undefined) {
        throw clientError(`the request body is ${body.oversizeBytes} bytes; at most ${maxBodyBytes} bytes are accepted (AWS Batch's payload quota is 30 KiB)`);
      }
      const queryStart = rawUrl.indexOf('?');
      const rawPath = queryStart < 0 ? rawUrl : rawUrl.slice(0, queryStart);
      const query = new URLSearchParams(queryStart < 0 ? '' : rawUrl.slice(queryStart + 1));
      const logsOperation = logsOperationOf(req.headers);
      if (options.sigv4) {
        await verifySigV4({ method, rawPath, query: queryObject(query), headers: req.headers, body: body.bytes }, options.sigv4, now(), logsOperation && LOGS_SIGNING_NAME);
      }
      checkRegion(region, credentialScopeRegion(req.headers));
      if (logsOperation !== undefined) {
        operation = logsOperation;
        checkContentType(operation, req.headers, body.bytes.length);
        const result = callLogsOperation(operation, parseJsonBody(body.bytes), logSource, { ...logsScope, region: credentialScopeRegion(req.headers) ?? logsScope.region });
        send(res, 200, requestId, JSON.stringify(result), responseHeaders, undefined, LOGS_CONTENT_TYPE);
        return;
      }
      const route = matchRoute(method, rawPath);
      operation = route.operation;
      checkContentType(operation, req.headers, body.bytes.length);
      const input = assembleInput(MODEL, route, parseJsonBody(body.bytes), query);
      const validated = validateShape(MODEL, route.binding.input!, input, '');
      const result = await (options.api[route.apiMethod] as (i: unknown) => Promise<unknown>).call(options.api, validated);
      send(res, 200, requestId, serializeOutput(result), responseHeaders);
    } catch (err) {
      if (err instanceof ClientGoneError) return;
      const wire = toWireError(err);
      if (wire.status >= 500) {
        log(`batchkit server: ${operation} failed with an unexpected error (request ${requestId}): ${(err as Error)?.stack ?? String(err)}`);
      }
      send(res, wire.status, requestId, wire.body, responseHeaders, wire.errorType);
    }
  };
}

/**
 * Where a result may carry its wire JSON already serialized, as UTF-8 bytes, whole or in
 * consecutive parts (the local engine's DescribeJobs does): the registry symbol the engine sets,
 * so the server works in front of any `BatchApi`.
 */
const WIRE_JSON = Symbol.for('batchkit.wireJson');

/** A response body: text, bytes, or consecutive byte parts sent in order without being joined. */
type Body = string | Uint8Array | readonly Uint8Array[];

/** The SDK's response metadata is not part of the wire shape, if the api is itself an SDK client. */
function serializeOutput(result: unknown): Body {
  if (result === undefined || result === null) return '{}';
  const prepared = (result as { [WIRE_JSON]?: unknown })[WIRE_JSON];
  if (prepared instanceof Uint8Array || (Array.isArray(prepared) && prepared.every((part) => part instanceof Uint8Array))) {
    return prepared as Uint8Array | readonly Uint8Array[];
  }
  const { $metadata: _metadata, ...output } = result as Record<string, unknown>;
  return JSON.stringify(output);
}

function send(res: ServerResponse, status: number, requestId: string, body: Body, extraHeaders: Readonly<Record<string, string>>, errorType?: string, contentType = 'application/json'): void {
  const headers: Record<string, string | number> = {
    ...extraHeaders,
    'content-type': contentType,
    'content-length': bodyLength(body),
    'x-amzn-requestid': requestId,
  };
  if (errorType !== undefined) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  if (typeof body === 'string' || body instanceof Uint8Array) {
    res.end(body);
    return;
  }
  // Corked: the head and every part leave in one writev once the response ends.
  res.cork();
  for (const part of body) {
    res.write(part);
  }
  res.end();
}

function bodyLength(body: Body): number {
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  let length = 0;
  for (const part of body) length += part.byteLength;
  return length;
}

/** The region and account Logs ARNs name: the engine's, else the endpoint's region and the local engine's default account. */
function logsScopeOf(api: BatchApi, region: string | undefined): LogsScope {
  const scope = (api as { scope?: Partial<LogsScope> }).scope;
  return { region: region ?? scope?.region ?? 'us-east-1', accountId: scope?.accountId ?? '123456789012' };
}

function checkRegion(served: string | undefined, signed: string | undefined): void {
  if (served !== undefined && signed !== undefined && signed !== served) {
    throw clientError(`the request is signed for region ${JSON.stringify(signed)} but this endpoint serves region ${JSON.stringify(served)}: `
      + `sign for ${served}, or start another local server with --region ${signed} (AWS regions are separate)`);
  }
}

function queryObject(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const values = query.getAll(key);
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}

function validateOptions(options: BatchServerOptions): void {
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)) {
    throw new Error(`batch server option 'port' must be an integer from 0 to 65535; got ${options.port}`);
  }
  if (options.maxBodyBytes !== undefined && (!Number.isInteger(options.maxBodyBytes) || options.maxBodyBytes < 1)) {
    throw new Error(`batch server option 'maxBodyBytes' must be a positive integer; got ${options.maxBodyBytes}`);
  }
  if (options.sigv4 && options.sigv4.credentials.length === 0) {
    throw new Error('batch server option \'sigv4.credentials\' must hold at least one access key; got none');
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server, inFlight: ReadonlySet<ServerResponse>): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(err) : resolve()));
    // Keep-alive connections would hold close() open: idle ones go now, busy ones once answered.
    server.closeIdleConnections();
    for (const res of inFlight) res.once('close', () => server.closeIdleConnections());
  });
}

function logToStderr(message: string): void {
  process.stderr.write(`${message}\n`);
}
