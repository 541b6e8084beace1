/**
 * Optional SigV4 verification for the local server: it recomputes the signature of each
 * request with `@smithy/signature-v4` (the signer the AWS SDK itself uses) from the headers
 * the client says it signed, and refuses with the error codes AWS's front end uses.
 */
import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest } from '@smithy/types';
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

  const expected = await expectedSignature(request, signedHeaders, { ...key, region, service, signingDate });
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

// One signer per key, region and service: a signer keeps the signing keys it derived (four
// HMACs per day and scope), which a signer made per request would derive again every time.
// The accepted keys are few and the scopes a client uses fewer, so the map stays small; it is
// still bounded, against requests naming many regions.
const signers = new Map<string, SignatureV4>();
const MAX_SIGNERS = 64;

function signerFor(signing: { accessKeyId: string; secretAccessKey: string; region: string; service: string }): SignatureV4 {
  const key = JSON.stringify([signing.accessKeyId, signing.secretAccessKey, signing.region, signing.service]);
  let signer = signers.get(key);
  if (signer === undefined) {
    if (signers.size >= MAX_SIGNERS) signers.delete(signers.keys().next().value!);
    signer = new SignatureV4({
      service: signing.service,
      region: signing.region,
      credentials: { accessKeyId: signing.accessKeyId, secretAccessKey: signing.secretAccessKey },
      sha256: NodeSha256,
      // Only the headers the client signed take part; the signer must not add a checksum header.
      applyChecksum: false,
    });
    signers.set(key, signer);
  }
  return signer;
}

async function expectedSignature(
  request: SignedRequest,
  signedHeaders: string[],
  signing: { accessKeyId: string; secretAccessKey: string; region: string; service: string; signingDate: Date },
): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    headers[name] = headerValue(request.headers, name) ?? '';
  }
  const signer = signerFor(signing);
  const httpRequest: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: headers.host ?? 'localhost',
    path: request.rawPath,
    query: request.query,
    headers,
    body: request.body.length > 0 ? request.body : undefined,
  };
  const signed = await signer.sign(httpRequest, { signingDate: signing.signingDate, signableHeaders: new Set(signedHeaders) });
  const signatureMatch = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization ?? '');
  return signatureMatch ? signatureMatch[1] : '';
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 on node:crypto, in the shape the smithy signer expects. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = NodeSha256.create(secret);
  }
  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = NodeSha256.create(this.secret);
  }
  private static create(secret?: SourceData): Hash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
