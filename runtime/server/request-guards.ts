/**
 * Guards that keep web pages off the local server. The server turns a SubmitJob into a command
 * on this machine, so a page the user merely visits must not reach it: not with a "simple"
 * cross-origin POST (which browsers send without asking), and not through DNS rebinding (an
 * attacker's name that resolves to 127.0.0.1 makes the page same-origin with the server). The
 * AWS CLI and SDKs never send `Origin` or `Sec-Fetch-*`, always name the endpoint in `Host`, and
 * send JSON with its content type, so none of these checks stands in their way.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { WireError } from './wire-errors';

/** What the guards need to know about the server they protect. */
export interface RequestGuardOptions {
  /** Origins (`scheme://host[:port]`) whose pages may call the server, with CORS. */
  readonly allowedOrigins: readonly string[];
  /** Names accepted in `Host` besides the loopback names and the listening address; `name` or `name:port`. */
  readonly allowedHosts: readonly string[];
  /** The address the server listens on, as given to `listen`. */
  readonly listenHost: string;
  /** Whether every request must carry a valid SigV4 signature. */
  readonly authenticated: boolean;
}

/** What the guards decided about a request they let through. */
export interface Admission {
  /** Headers to add to the answer: CORS headers for an allowed origin, none otherwise. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The request is a CORS preflight of an allowed origin: answer it with `responseHeaders` and no body. */
  readonly preflight: boolean;
}

/** Checks each request's `Host`, `Origin` and `Sec-Fetch-*` headers against one server's settings. */
export interface RequestGuards {
  /** Throws a 403 `AccessDeniedException` for a request a browser page or a foreign name sent. */
  admit(req: IncomingMessage): Admission;
}

/** The names of the loopback interface a client on this machine can put in `Host`. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['127.0.0.1', 'localhost', '[::1]'];

const ACCESS_DENIED = 'AccessDeniedException';
const FOREIGN_SITES = new Set(['cross-site', 'same-site']);
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const ADMITTED: Admission = { responseHeaders: NO_HEADERS, preflight: false };
/** How long a browser may reuse an allowed preflight, in seconds. */
const PREFLIGHT_MAX_AGE_SECONDS = '600';
const HEADER_LIST_PATTERN = /^[\w-]+(\s*,\s*[\w-]+)*$/;
const HOW_TO_ALLOW_ORIGIN = "allow a page's origin with --allow-origin on `batchkit local serve` or startBatchServer's allowedOrigins";

/**
 * Builds the guards of one server. Throws when an allowed origin or host is malformed, so a
 * typo fails at start-up rather than as refusals later.
 */
export function createRequestGuards(options: RequestGuardOptions): RequestGuards {
  const origins = new Set(options.allowedOrigins.map(normalizeAllowedOrigin));
  const hosts = hostPolicy(options);
  return {
    admit(req) {
      const headers = req.headers;
      hosts.check(headers.host, req.socket.localPort);
      const origin = headerValue(headers, 'origin');
      if (origin !== undefined) {
        if (!origins.has(origin.toLowerCase())) {
          throw new WireError(403, ACCESS_DENIED, `requests from web pages are refused: Origin '${origin}' is not an allowed origin; ${HOW_TO_ALLOW_ORIGIN}`);
        }
        return admitOrigin(req, origin);
      }
      const site = headerValue(headers, 'sec-fetch-site');
      if (site !== undefined && FOREIGN_SITES.has(site.toLowerCase())) {
        const mode = headerValue(headers, 'sec-fetch-mode');
        throw new WireError(403, ACCESS_DENIED, `requests from web pages are refused: a browser sent this one from another site (Sec-Fetch-Site: ${site}${mode ? `, Sec-Fetch-Mode: ${mode}` : ''}) without an allowed Origin; ${HOW_TO_ALLOW_ORIGIN}`);
      }
      return ADMITTED;
    },
  };
}

/**
 * Operations that only read (Describe*, List*, Get*) are let through with any content type; the
 * others must be sent as JSON, as the AWS CLI and SDKs send them. Browsers send `text/plain`,
 * `application/x-www-form-urlencoded` and `multipart/form-data` cross-origin without a preflight,
 * so refusing those keeps a page that slips past the origin checks (an old browser that sends no
 * `Origin`) from changing anything. The answer is 415 rather than 400: the body was not read, so
 * nothing in it was judged invalid; what is wrong is its media type, which is what 415 says.
 * A missing content type is accepted only with an empty body (UntagResource sends no body).
 */
export function checkContentType(operation: string, headers: IncomingHttpHeaders, bodyBytes: number): void {
  if (/^(Describe|List|Get)[A-Z]/.test(operation)) return;
  const given = headerValue(headers, 'content-type');
  if (given === undefined) {
    if (bodyBytes === 0) return;
    throw unsupportedMediaType(`${operation} needs Content-Type application/json, as the AWS CLI and SDKs send it; got none, with a ${bodyBytes}-byte body`);
  }
  const mediaType = given.split(';')[0].trim().toLowerCase();
  if (mediaType !== 'application/json' && mediaType !== 'application/x-amz-json-1.1') {
    throw unsupportedMediaType(`${operation} needs Content-Type application/json, as the AWS CLI and SDKs send it; got '${given}'`);
  }
}

function unsupportedMediaType(message: string): WireError {
  return new WireError(415, 'UnsupportedMediaTypeException', message);
}

/**
 * The page's origin is allowed: the answer names it (and only it) so the browser lets the page
 * read it. A preflight is answered here, echoing the headers the page asked to send.
 */
function admitOrigin(req: IncomingMessage, origin: string): Admission {
  const cors: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  const requestedMethod = headerValue(req.headers, 'access-control-request-method');
  if (req.method !== 'OPTIONS' || requestedMethod === undefined) {
    return { responseHeaders: { ...cors, 'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype' }, preflight: false };
  }
  const requestedHeaders = headerValue(req.headers, 'access-control-request-headers');
  return {
    responseHeaders: {
      ...cors,
      'access-control-allow-methods': 'GET, POST, DELETE',
      ...(requestedHeaders !== undefined && HEADER_LIST_PATTERN.test(requestedHeaders) ? { 'access-control-allow-headers': requestedHeaders } : {}),
      'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
    },
    preflight: true,
  };
}

interface HostPolicy {
  check(host: string | undefined, localPort: number | undefined): void;
}

/**
 * A page served from an attacker's name that later resolves to 127.0.0.1 still sends that name
 * in `Host`, so only names of this server are accepted. With SigV4 on, a server listening on
 * every interface accepts any name: a page cannot sign, so the signature is the guard.
 */
function hostPolicy(options: RequestGuardOptions): HostPolicy {
  const wildcard = isWildcard(options.listenHost);
  if (wildcard && options.authenticated) return { check: () => undefined };
  const anyPort = new Set(LOOPBACK_HOST_NAMES);
  const exact = new Set<string>();
  if (!wildcard) anyPort.add(bracketed(options.listenHost).toLowerCase());
  // IP literals cannot be rebound to another address, so this machine's own are safe to accept.
  if (wildcard) for (const address of interfaceAddresses()) anyPort.add(address);
  for (const entry of options.allowedHosts) {
    const parsed = parseAllowedHost(entry);
    if (parsed.port === undefined) anyPort.add(parsed.name);
    else exact.add(`${parsed.name}:${parsed.port}`);
  }
  const described = [...anyPort].join(', ');
  return {
    check(host, localPort) {
      const parsed = host === undefined ? undefined : parseHost(host);
      const accepted = parsed !== undefined && (
        (anyPort.has(parsed.name) && (parsed.port === undefined || parsed.port === localPort))
        || exact.has(`${parsed.name}:${parsed.port}`));
      if (accepted) return;
      const given = host === undefined ? 'no Host header' : `Host '${host}'`;
      throw new WireError(403, ACCESS_DENIED, `request refused: ${given} does not name this server; accepted: ${described} (without a port or with port ${localPort})${exact.size > 0 ? `, ${[...exact].join(', ')}` : ''}; add the name this server is reached by with --allow-host on \`batchkit local serve\` or startBatchServer's allowedHosts`);
    },
  };
}

/**
 * An `allowedHosts` entry as `Host` headers carry it: the name lower-cased, an IPv6 address in
 * brackets, and the port when one is given.
 * @throws Error when the entry is not a host name or address with an optional port
 */
export function parseAllowedHost(entry: string): { readonly name: string; readonly port?: number } {
  const parsed = parseHost(entry.trim());
  if (!parsed || parsed.name === '' || /[*\s/]/.test(parsed.name)) {
    throw new Error(`allowed host '${entry}' must be a host name or address with an optional ':port', like 'myhost.lan' or '[fe80::1]:8866' (no wildcard)`);
  }
  return parsed;
}

/** `name` lower-cased (an IPv6 address in brackets) and the port, if any; undefined when malformed. */
function parseHost(host: string): { name: string; port?: number } | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]*)(?::(\d{1,5}))?$/i.exec(host);
  if (!match) return undefined;
  return { name: match[1].toLowerCase(), port: match[2] === undefined ? undefined : Number(match[2]) };
}

/**
 * An `allowedOrigins` entry as browsers send it in `Origin`.
 * @throws Error when the entry is not `scheme://host[:port]`
 */
export function normalizeAllowedOrigin(origin: string): string {
  const trimmed = origin.trim().replace(/\/$/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#\s*]+$/i.test(trimmed)) {
    throw new Error(`allowed origin '${origin}' must be a scheme, host and optional port, like 'http://localhost:3000' (no path, no wildcard)`);
  }
  // Browsers send an http(s) origin with the host lower-cased and a default port left out.
  return /^https?:/i.test(trimmed) ? new URL(trimmed).origin : trimmed.toLowerCase();
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || (isIP(host) === 6 && /^[0:]+$/.test(host));
}

function bracketed(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

function interfaceAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => list ?? [])
    .filter((info) => info.family === 'IPv4' || info.scopeid === 0)
    .map((info) => bracketed(info.address).toLowerCase());
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
