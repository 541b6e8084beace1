import { execFile } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { promisify } from 'node:util';
import { BatchClient, DescribeJobsCommand, ListTagsForResourceCommand } from '@aws-sdk/client-batch';
import { SignatureV4 } from '@smithy/signature-v4';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { verifySigV4, type SignedRequest } from '../../../runtime/server/sigv4-verifier';
import { recordingApi, type RecordingApi } from './recording-api';

const execFileAsync = promisify(execFile);
const KEY = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' };
const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/high-priority';

let server: RunningBatchServer;
let recording: RecordingApi;
let serverNow: Date | undefined;

beforeEach(async () => {
  recording = recordingApi();
  serverNow = undefined;
  server = await startBatchServer({ api: recording.api, sigv4: { credentials: [KEY], region: 'us-east-1' }, now: () => serverNow ?? new Date() });
});

afterEach(async () => {
  await server.close();
});

function sdkClient(credentials: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1'): BatchClient {
  return new BatchClient({ endpoint: server.url, region, credentials, maxAttempts: 1 });
}

async function sendWith(client: BatchClient, command: DescribeJobsCommand | ListTagsForResourceCommand): Promise<unknown> {
  try {
    return await client.send(command as DescribeJobsCommand);
  } catch (err) {
    return err;
  } finally {
    client.destroy();
  }
}

/** Signs a DescribeJobs request the way the SDK does, at a chosen time, for raw HTTP tests. */
async function signedDescribeJobs(signingDate: Date, body = '{"jobs":["a"]}'): Promise<{ headers: Record<string, string>; body: string }> {
  const url = new URL(server.url);
  const signer = new SignatureV4({ service: 'batch', region: 'us-east-1', credentials: KEY, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/v1/describejobs', query: {},
    headers: { host: url.host, 'content-type': 'application/json' }, body,
  }, { signingDate });
  return { headers: signed.headers, body };
}

async function rawPost(request: { headers: Record<string, string>; body: string }, body = request.body): Promise<{ status: number; errorType: string | null; message: string }> {
  const { host: _host, ...headers } = request.headers;
  const res = await fetch(`${server.url}/v1/describejobs`, { method: 'POST', headers, body });
  const json = await res.json() as { message: string };
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), message: json.message };
}

describe('batch server SigV4 verification', () => {
  test('accepts a request the SDK signed with a configured key', async () => {
    // WHEN
    const out = await sendWith(sdkClient(KEY), new DescribeJobsCommand({ jobs: ['a'] }));
    // THEN
    expect(out).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(recording.calls).toHaveLength(1);
  });

  test('accepts a path-bound ARN signed by the SDK (percent-encoding is signed twice)', async () => {
    // WHEN
    const out = await sendWith(sdkClient(KEY), new ListTagsForResourceCommand({ resourceArn: QUEUE_ARN }));
    // THEN
    expect(out).toMatchObject({ $metadata: { httpStatusCode: 200 } });
    expect(recording.calls[0].input).toEqual({ resourceArn: QUEUE_ARN });
  });

  test('accepts requests the AWS CLI (botocore) signed', async () => {
    // WHEN
    const env = { ...process.env, AWS_ACCESS_KEY_ID: KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    await execFileAsync('aws', ['batch', 'describe-jobs', '--jobs', 'a', 'b', '--endpoint-url', server.url], { env, timeout: 30000 });
    await execFileAsync('aws', ['batch', 'untag-resource', '--resource-arn', QUEUE_ARN, '--tag-keys', 'team', 'cost center', '--endpoint-url', server.url], { env, timeout: 30000 });
    // THEN
    expect(recording.calls).toEqual([
      { operation: 'describeJobs', input: { jobs: ['a', 'b'] } },
      { operation: 'untagResource', input: { resourceArn: QUEUE_ARN, tagKeys: ['team', 'cost center'] } },
    ]);
  });

  test('refuses an unsigned request with MissingAuthenticationTokenException (403)', async () => {
    // WHEN
    const res = await fetch(`${server.url}/v1/describejobs`, { method: 'POST', body: '{"jobs":["a"]}' });
    // THEN
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await res.json()).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    expect(recording.calls).toEqual([]);
  });

  test('refuses an unknown access key with UnrecognizedClientException (403)', async () => {
    // WHEN
    const err = await sendWith(sdkClient({ accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'x' }), new DescribeJobsCommand({ jobs: ['a'] }));
    // THEN
    expect(err).toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
    expect((err as Error).message).toBe("The security token included in the request is invalid. (access key 'AKIDSTRANGER' is not configured on this server)");
  });

  test('refuses a wrong secret with InvalidSignatureException (403)', async () => {
    // WHEN
    const err = await sendWith(sdkClient({ accessKeyId: KEY.accessKeyId, secretAccessKey: 'wrong' }), new DescribeJobsCommand({ jobs: ['a'] }));
    // THEN
    expect(err).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    expect((err as Error).message).toMatch(/^The request signature we calculated does not match the signature you provided/);
    expect(recording.calls).toEqual([]);
  });

  test('refuses a body changed after signing', async () => {
    // GIVEN
    serverNow = new Date('2026-03-01T12:00:00Z');
    const request = await signedDescribeJobs(serverNow);
    // WHEN
    const res = await rawPost(request, '{"jobs":["b"]}');
    // THEN
    expect(res).toMatchObject({ status: 403, errorType: 'InvalidSignatureException' });
  });

  test('refuses a request scoped to another region', async () => {
    // WHEN
    const err = await sendWith(sdkClient(KEY, 'eu-west-1'), new DescribeJobsCommand({ jobs: ['a'] }));
    // THEN
    expect(err).toMatchObject({ name: 'InvalidSignatureException' });
    expect((err as Error).message).toBe("Credential should be scoped to a valid region, not 'eu-west-1'; this server accepts 'us-east-1'");
  });

  test('accepts a raw request signed within the allowed skew', async () => {
    // GIVEN
    serverNow = new Date('2026-03-01T12:00:00Z');
    const request = await signedDescribeJobs(new Date('2026-03-01T11:56:00Z'));
    // WHEN
    const res = await fetch(`${server.url}/v1/describejobs`, { method: 'POST', headers: { ...request.headers, host: undefined } as never, body: request.body });
    // THEN
    expect(res.status).toBe(200);
  });

  test('refuses a replayed request signed more than 5 minutes ago', async () => {
    // GIVEN
    serverNow = new Date('2026-03-01T12:00:00Z');
    const request = await signedDescribeJobs(new Date('2026-03-01T11:54:59Z'));
    // WHEN
    const res = await rawPost(request);
    // THEN
    expect(res).toEqual({ status: 403, errorType: 'InvalidSignatureException', message: 'Signature expired: 20260301T115459Z is now earlier than 20260301T115500Z (20260301T120000Z - 5 min.)' });
  });

  test('refuses a request dated more than 5 minutes ahead', async () => {
    // GIVEN
    serverNow = new Date('2026-03-01T12:00:00Z');
    const request = await signedDescribeJobs(new Date('2026-03-01T12:05:01Z'));
    // WHEN
    const res = await rawPost(request);
    // THEN
    expect(res).toEqual({ status: 403, errorType: 'InvalidSignatureException', message: 'Signature not yet current: 20260301T120501Z is still later than 20260301T120500Z (20260301T120000Z + 5 min.)' });
  });

  test('refuses a malformed Authorization header with IncompleteSignatureException', async () => {
    // WHEN
    const res = await fetch(`${server.url}/v1/describejobs`, { method: 'POST', headers: { authorization: 'Bearer abc' }, body: '{}' });
    // THEN
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ __type: 'IncompleteSignatureException', message: expect.stringMatching(/^Authorization header is not a SigV4/) });
  });
});

describe('verifySigV4 against the AWS SDK signer', () => {
  const SIGNING_DATE = new Date('2026-03-01T12:00:00Z');
  // Requests whose canonical form exercises each rule: path encoded twice and dot segments,
  // query sorting with repeated and reserved-character names, header whitespace folding, a
  // signed payload hash, an empty body.
  const REQUESTS: Array<{ name: string; path: string; query: Record<string, string | string[]>; headers?: Record<string, string>; body?: string }> = [
    { name: 'a plain POST', path: '/v1/submitjob', query: {}, body: '{"jobName":"a"}' },
    { name: 'an ARN in the path', path: `/v1/tags/${encodeURIComponent(QUEUE_ARN)}`, query: {} },
    { name: 'dot segments and a trailing slash', path: '/v1/./a/../tags/', query: {} },
    { name: 'repeated and reserved query names', path: '/v1/tags/x', query: { tagKeys: ['b*', "a'(x)", 'a!'], 'z-key': '', 'A~b': 'sp ace/+' } },
    { name: 'folded header whitespace', path: '/v1/describejobs', query: {}, headers: { 'x-amz-meta-note': '  two   spaces\tand tab  ' }, body: '{}' },
    { name: 'a signed payload hash', path: '/v1/describejobs', query: {}, headers: { 'x-amz-content-sha256': createHash('sha256').update('{"jobs":[]}').digest('hex') }, body: '{"jobs":[]}' },
    { name: 'non-ASCII in path and body', path: `/v1/tags/${encodeURIComponent('arn:é/ü')}`, query: { 'ключ': 'значение' }, body: '{"n":"日本"}' },
  ];

  async function sdkSigned(request: (typeof REQUESTS)[number]): Promise<SignedRequest> {
    const signer = new SignatureV4({ service: 'batch', region: 'eu-west-1', credentials: KEY, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4566, path: request.path, query: request.query,
      headers: { host: '127.0.0.1:4566', 'content-type': 'application/json', ...request.headers }, body: request.body,
    }, { signingDate: SIGNING_DATE });
    const headers = Object.fromEntries(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), value]));
    return { method: 'POST', rawPath: request.path, query: request.query, headers, body: Buffer.from(request.body ?? '') };
  }

  test.each(REQUESTS)('accepts $name as the SDK signed it', async (request) => {
    // GIVEN
    const signed = await sdkSigned(request);
    // WHEN / THEN
    await expect(verifySigV4(signed, { credentials: [KEY] }, SIGNING_DATE)).resolves.toBeUndefined();
  });

  test.each(REQUESTS)('refuses $name once its path, query or body changed', async (request) => {
    // GIVEN
    const signed = await sdkSigned(request);
    const changed: SignedRequest[] = [
      { ...signed, rawPath: `${signed.rawPath}x` },
      { ...signed, query: { ...signed.query, extra: '1' } },
      { ...signed, method: 'PUT' },
    ];
    // WHEN / THEN
    for (const request of changed) {
      await expect(verifySigV4(request, { credentials: [KEY] }, SIGNING_DATE)).rejects.toMatchObject({ errorType: 'InvalidSignatureException' });
    }
  });
});

/** SHA-256 for the test's own signer, independent of the server's implementation. */
class Sha256 {
  private hash;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = Sha256.create(secret);
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = Sha256.create(this.secret);
  }
  private static create(secret?: string | ArrayBuffer | ArrayBufferView) {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}
