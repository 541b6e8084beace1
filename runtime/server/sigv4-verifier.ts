/**
 * Optional SigV4 verification for the local server: it recomputes the signature of each
 * request from the headers the client says it signed, and refuses with the error codes AWS's
 * front end uses.
 *
 * The computation is written out here rather than borrowed from the SDK's signer: the signer is
 * built to sign (it copies the request, awaits each hash, derives a cache key with an extra HMAC),
 * and on a sequential client that made verification a third of the server's CPU per call.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { WireError } from './wire-errors';

/** Access keys and limits the server verifies signatures against. */
export interface SigV4Options {
  /** Access keys the server accepts; a request signed with any other key is refused. */
  readonly credentials: ReadonlyArray<{ readonly accessKeyId: string; readonly secretAccessKey: string }>;
  /**
   * The only region a request may be scoped to.
   * @default - any region named in the request's credential scope
   */
  readonly region?: string;
  /**
   * How far the request's `X-Amz-Date` may be from the server's clock, either way.
   * @default 300000 (5 minutes, as AWS)
   */
  readonly maxSkewMs?: number;
}

/** What the verifier needs of a request, as received (path still percent-encoded). */
export interface SignedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Path as sent, percent-encoding intact: the signature covers the encoded form. */
  readonly rawPath: string;
  /** Query parameters, decoded; repeated keys as lists. */
  readonly query: Record<string, string | string[]>;
  /** Headers as Node received them (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  /** The whole body. */
  readonly body: Buffer;
}

/** The signing name of AWS Batch, the service the server speaks besides CloudWatch Logs' reads. */
const SERVICE = 'batch';
const DEFAULT_MAX_SKEW_MS = 5 * 60 * 1000;
const AUTHORIZATION_PATTERN = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/;
const AMZ_DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const INVALID_SIGNATURE_MESSAGE = 'The request signature we calculated does not match the signature you provided. '
  + 'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

function forbidden(errorType: string, message: string): WireError {
  return new WireError(403, errorType, message);
}

/**
 * The region of the request's SigV4 credential scope (`Credential=<key>/<date>/<region>/...` in
 * its `Authorization` header), whether or not signatures are verified; `undefined` for a request
 * that is not signed that way.
 */
export function credentialScopeRegion(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headerValue(headers, 'authorization');
  const match = authorization === undefined ? null : AUTHORIZATION_PATTERN.exec(authorization);
  const region = match?.[1].split('/')[2];
  return region ? region : undefined;
}

/**
 * Refuses the request with AWS's error (403) unless it carries a valid, current SigV4
 * signature by one of the configured keys, scoped to `service` (a signing name: `batch`, or
 * `logs` for CloudWatch Logs requests). `now` is injected so tests control the clock.
 */
export async function verifySigV4(request: SignedRequest, options: SigV4Options, now: Date, service: string = SERVICE): Promise<void> {
  const authorization = headerValue(request.headers, 'authorization');
  if (authorization === undefined) {
    throw forbidden('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  const match = AUTHORIZATION_PATTERN.exec(authorization);
  if (!match) {
    throw forbidden('IncompleteSignatureException', `Authorization header is not a SigV4 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...' header; got ${JSON.stringify(authorization.slice(0, 80))}`);
  }
  const [, credential, signedHeaderList, signature] = match;
  const [accessKeyId, scopeDate, region, scopeService, terminator, ...rest] = credential.split('/');
  if (terminator !== 'aws4_request' || rest.length > 0) {
    throw forbidden('IncompleteSignatureException', `Credential must be '<access key>/<yyyymmdd>/<region>/${service}/aws4_request'; got '${credential}'`);
  }
  const key = options.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!key) {
    throw forbidden('UnrecognizedClientException', `The security token included in the request is invalid. (access key '${accessKeyId}' is not configured on this server)`);
  }
  if (scopeService !== service) {
    throw forbidden('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'; got '${scopeService}'`);
  }
  if (options.region !== undefined && region !== options.region) {
    throw forbidden('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'; this server accepts '${options.region}'`);
  }
  const signedHeaders = signedHeaderList.split(';');
  for (const required of ['host', 'x-amz-date']) {
    if (!signedHeaders.includes(required)) {
      throw forbidden('IncompleteSignatureException', `SignedHeaders must include '${required}'; got '${signedHeaderList}'`);
    }
  }
  const amzDate = headerValue(request.headers, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (scopeDate !== amzDate.slice(0, 8)) {
    throw forbidden('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}'`);
  }
  checkSkew(signingDate, amzDate, now, options.maxSkewMs ?? DEFAULT_MAX_SKEW_MS);
  checkContentHash(request);

  const expected = expectedSignature(request, signedHeaders, amzDate, key.secretAccessKey, { date: scopeDate, region, service });
  const given = Buffer.from(signature, 'utf8');
  const wanted = Buffer.from(expected, 'utf8');
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw forbidden('InvalidSignatureException', INVALID_SIGNATURE_MESSAGE);
  }
}

/**
 * The signer trusts a signed `x-amz-content-sha256` in place of hashing the body, so the
 * header itself must be checked against the body, or a signed request could carry any body.
 */
function checkContentHash(request: SignedRequest): void {
  const declared = headerValue(request.headers, 'x-amz-content-sha256');
  if (declared === undefined) return;
  const actual = createHash('sha256').update(request.body).digest('hex');
  if (declared !== actual) {
    throw forbidden('InvalidSignatureException', `x-amz-content-sha256 header ${declared} does not match the SHA-256 of the request body, ${actual}`);
  }
}

function parseAmzDate(amzDate: string): Date {
  const m = AMZ_DATE_PATTERN.exec(amzDate);
  if (!m) {
    throw forbidden('IncompleteSignatureException', `X-Amz-Date must be a basic ISO-8601 time like 20240131T235959Z; got ${JSON.stringify(amzDate)}`);
  }
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/** Refuses replays and clocks too far off, with the wording AWS uses for both. */
function checkSkew(signingDate: Date, amzDate: string, now: Date, maxSkewMs: number): void {
  const minutes = `${Math.round(maxSkewMs / 60000)} min.`;
  if (signingDate.getTime() < now.getTime() - maxSkewMs) {
    const limit = formatAmzDate(new Date(now.getTime() - maxSkewMs));
    throw forbidden('InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${limit} (${formatAmzDate(now)} - ${minutes})`);
  }
  if (signingDate.getTime() > now.getTime() + maxSkewMs) {
    const limit = formatAmzDate(new Date(now.getTime() + maxSkewMs));
    throw forbidden('InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${limit} (${formatAmzDate(now)} + ${minutes})`);
  }
}

function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Signing keys derived per access key, day, region and service (four HMACs each), kept so a
// request costs two hashes and one HMAC. The accepted keys are few and the scopes a client uses
// fewer; the map is still bounded, against requests naming many regions or days.
const signingKeys = new Map<string, Buffer>();
const MAX_SIGNING_KEYS = 64;
const EMPTY_BODY_SHA256 = createHash('sha256').digest('hex');

function signingKeyFor(secretAccessKey: string, scope: SigningScope): Buffer {
  const cacheKey = `${secretAccessKey}\n${scope.date}\n${scope.region}\n${scope.service}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    if (signingKeys.size >= MAX_SIGNING_KEYS) signingKeys.delete(signingKeys.keys().next().value!);
    key = Buffer.from(`AWS4${secretAccessKey}`, 'utf8');
    for (const part of [scope.date, scope.region, scope.service, 'aws4_request']) {
      key = createHmac('sha256', key).update(part, 'utf8').digest();
    }
    signingKeys.set(cacheKey, key);
  }
  return key;
}

interface SigningScope {
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

/**
 * The signature SigV4 gives this request: the canonical request (method, path encoded twice,
 * sorted query, the signed headers with their values' whitespace folded, the payload hash),
 * hashed into the string to sign, signed with the scope's derived key. It follows AWS's
 * specification as the AWS SDK's own signer implements it; the tests check it against that signer.
 */
function expectedSignature(request: SignedRequest, signedHeaders: readonly string[], amzDate: string, secretAccessKey: string, scope: SigningScope): string {
  const names = [...signedHeaders].sort();
  let canonicalHeaders = '';
  for (const name of names) {
    canonicalHeaders += `${name}:${canonicalHeaderValue(headerValue(request.headers, name) ?? '')}\n`;
  }
  const declaredHash = signedHeaders.includes('x-amz-content-sha256') ? headerValue(request.headers, 'x-amz-content-sha256') : undefined;
  const payloadHash = declaredHash
    ?? (request.body.length === 0 ? EMPTY_BODY_SHA256 : createHash('sha256').update(request.body).digest('hex'));
  const canonicalRequest = `${request.method}\n${canonicalPath(request.rawPath)}\n${canonicalQuery(request.query)}\n${canonicalHeaders}\n${names.join(';')}\n${payloadHash}`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope.date}/${scope.region}/${scope.service}/aws4_request\n`
    + createHash('sha256').update(canonicalRequest, 'utf8').digest('hex');
  return createHmac('sha256', signingKeyFor(secretAccessKey, scope)).update(stringToSign, 'utf8').digest('hex');
}

/** Line breaks and runs of blanks become one space; no space at either end. */
function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').replace(/^ | $/g, '');
}

/** The path with `.`, `..` and empty segments resolved, percent-encoded once more (services other than S3 sign it encoded twice). */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

/** Query parameters sorted by encoded name, a repeated name's values sorted, the signature parameter left out. */
function canonicalQuery(query: Record<string, string | string[]>): string {
  const pairs: Array<[string, string]> = [];
  for (const name of Object.keys(query)) {
    if (name.toLowerCase() === 'x-amz-signature') continue;
    const encodedName = escapeUri(name);
    const value = query[name];
    const encoded = (Array.isArray(value) ? value : [value]).map((item) => `${encodedName}=${escapeUri(item)}`).sort().join('&');
    if (encoded !== '') pairs.push([encodedName, encoded]);
  }
  return pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, encoded]) => encoded).join('&');
}

/** RFC 3986 encoding: everything but unreserved characters, including the `!'()*` that `encodeURIComponent` leaves. */
function escapeUri(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
