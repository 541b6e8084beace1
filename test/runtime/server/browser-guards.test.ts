/**
 * What a web page can do to the local server: requests sent over real HTTP with the headers a
 * browser puts on them (simple cross-origin POSTs, preflights, navigations, DNS-rebound names),
 * checked afterwards through the API to show nothing was created or submitted.
 */
import { request } from 'node:http';
import {
  BatchClient, DescribeComputeEnvironmentsCommand, DescribeJobDefinitionsCommand, DescribeJobQueuesCommand, ListJobsCommand,
} from '@aws-sdk/client-batch';
import { LocalBatchEngine } from '../../../runtime/engine/engine';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { recordingApi } from './recording-api';

/** The four requests a page needs to run a command: each is a "simple" request a browser sends without asking. */
const ATTACK: ReadonlyArray<readonly [string, string]> = [
  ['/v1/createcomputeenvironment', JSON.stringify({ computeEnvironmentName: 'evil-ce', type: 'UNMANAGED', unmanagedvCpus: 1 })],
  ['/v1/createjobqueue', JSON.stringify({ jobQueueName: 'evil-queue', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'real-ce' }] })],
  ['/v1/registerjobdefinition', JSON.stringify({
    jobDefinitionName: 'evil-def', type: 'container',
    containerProperties: { image: 'x', command: ['sh', '-c', 'touch /tmp/pwned'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  })],
  ['/v1/submitjob', JSON.stringify({ jobName: 'evil-job', jobQueue: 'real-queue', jobDefinition: 'real-def' })],
];

/** Headers Chrome puts on `fetch(url, { method: 'POST', mode: 'no-cors', body })` from http://evil.example. */
const SIMPLE_CROSS_ORIGIN = { 'content-type': 'text/plain;charset=UTF-8', origin: 'http://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' };

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly errorType?: string;
  readonly body: string;
}

let engine: LocalBatchEngine;
let server: RunningBatchServer;
let batch: BatchClient;

beforeAll(async () => {
  engine = await LocalBatchEngine.open({ killGraceMs: 100 });
  await engine.createComputeEnvironment({ computeEnvironmentName: 'real-ce', type: 'UNMANAGED', unmanagedvCpus: 1 });
  await engine.createJobQueue({ jobQueueName: 'real-queue', priority: 1, computeEnvironmentOrder: [{ order: 1, computeEnvironment: 'real-ce' }] });
  await engine.registerJobDefinition({
    jobDefinitionName: 'real-def', type: 'container',
    containerProperties: { image: 'x', command: ['true'], resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }] },
  });
  server = await startBatchServer({ api: engine });
  batch = new BatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
});

afterAll(async () => {
  batch.destroy();
  await server.close();
  await engine.close();
});

/** Sends one request over node:http exactly as given (Host included), and reads the whole answer. */
function send(target: RunningBatchServer, method: string, path: string, headers: Record<string, string>, body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: target.port, method, path, setHost: false,
      headers: { host: `127.0.0.1:${target.port}`, ...headers, ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, headers: res.headers, errorType: res.headers['x-amzn-errortype'] as string | undefined, body: Buffer.concat(chunks).toString('utf8'),
      }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function corsHeaders(answer: RawAnswer): string[] {
  return Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));
}

/** What exists of the names the attack tries to create. */
async function attackTraces(): Promise<unknown[]> {
  const environments = await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: ['evil-ce'] }));
  const queues = await batch.send(new DescribeJobQueuesCommand({ jobQueues: ['evil-queue'] }));
  const definitions = await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: 'evil-def' }));
  // A name filter lists jobs in every status.
  const jobs = await batch.send(new ListJobsCommand({ jobQueue: 'real-queue', filters: [{ name: 'JOB_NAME', values: ['evil-job'] }] }));
  return [...environments.computeEnvironments ?? [], ...queues.jobQueues ?? [], ...definitions.jobDefinitions ?? [], ...jobs.jobSummaryList ?? []];
}

describe('requests a web page sends', () => {
  test.each(ATTACK)('a simple cross-origin POST to %s is refused with 403 and no CORS header', async (path, body) => {
    // WHEN
    const answer = await send(server, 'POST', path, SIMPLE_CROSS_ORIGIN, body);
    // THEN
    expect(answer.status).toBe(403);
    expect(answer.errorType).toBe('AccessDeniedException');
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'AccessDeniedException',
      message: expect.stringContaining("Origin 'http://evil.example' is not an allowed origin; allow a page's origin with --allow-origin"),
    });
    expect(corsHeaders(answer)).toEqual([]);
  });

  test('the same bodies as text/plain without Origin (a browser that sends none) are refused with 415', async () => {
    for (const [path, body] of ATTACK) {
      // WHEN
      const answer = await send(server, 'POST', path, { 'content-type': 'text/plain' }, body);
      // THEN
      expect({ path, status: answer.status, errorType: answer.errorType }).toEqual({ path, status: 415, errorType: 'UnsupportedMediaTypeException' });
      expect(JSON.parse(answer.body).message).toMatch(/^\w+ needs Content-Type application\/json, as the AWS CLI and SDKs send it; got 'text\/plain'$/);
    }
  });

  test('nothing the refused requests asked for exists, while the same bodies as JSON are accepted', async () => {
    // GIVEN: every request of the attack, each way a page can send it
    for (const [path, body] of ATTACK) {
      await send(server, 'POST', path, SIMPLE_CROSS_ORIGIN, body);
      await send(server, 'POST', path, { 'content-type': 'text/plain' }, body);
      await send(server, 'POST', path, { 'content-type': 'application/x-www-form-urlencoded' }, body);
      await send(server, 'POST', path, { 'content-type': 'multipart/form-data; boundary=x' }, body);
      await send(server, 'POST', path, { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, body);
      await send(server, 'POST', path, { 'content-type': 'application/json', host: `attacker-rebind.example:${server.port}` }, body);
    }
    // THEN
    expect(await attackTraces()).toEqual([]);
    // WHEN the AWS SDK's headers carry the same bodies (so the refusals above were about the headers)
    const accepted = [];
    for (const [path, body] of ATTACK) accepted.push((await send(server, 'POST', path, { 'content-type': 'application/json' }, body)).status);
    // THEN
    expect(accepted).toEqual([200, 200, 200, 200]);
    expect(await attackTraces()).toHaveLength(4);
  });

  test('a preflight from a foreign origin is refused with 403 and no CORS header', async () => {
    // WHEN
    const answer = await send(server, 'OPTIONS', '/v1/submitjob', {
      origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'cross-site',
    });
    // THEN
    expect(answer.status).toBe(403);
    expect(answer.errorType).toBe('AccessDeniedException');
    expect(corsHeaders(answer)).toEqual([]);
  });

  test.each([
    ['cross-site', 'navigate', 'POST', '/v1/describejobs'],
    ['cross-site', 'no-cors', 'GET', '/v1/tags/arn%3Aaws%3Abatch%3Aus-east-1%3A123456789012%3Ajob-queue%2Freal-queue'],
    ['same-site', 'cors', 'POST', '/v1/listjobs'],
  ])('a request a browser marks Sec-Fetch-Site: %s (mode %s) without Origin is refused: %s %s', async (site, mode, method, path) => {
    // WHEN
    const answer = await send(server, method, path, { 'content-type': 'application/json', 'sec-fetch-site': site, 'sec-fetch-mode': mode }, method === 'GET' ? '' : '{"jobQueue":"real-queue"}');
    // THEN
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body).message).toBe(`requests from web pages are refused: a browser sent this one from another site (Sec-Fetch-Site: ${site}, Sec-Fetch-Mode: ${mode}) without an allowed Origin; allow a page's origin with --allow-origin on \`batchkit local serve\` or startBatchServer's allowedOrigins`);
  });

  test('a request the user makes by typing the URL (Sec-Fetch-Site: none) is not refused for it', async () => {
    // WHEN
    const answer = await send(server, 'POST', '/v1/describejobs', { 'content-type': 'application/json', 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }, '{"jobs":[]}');
    // THEN
    expect(answer.status).toBe(200);
  });

  test.each(['application/x-www-form-urlencoded', 'multipart/form-data; boundary=----x', 'text/plain;charset=UTF-8', 'application/xml'])('a form-style POST with Content-Type %s is refused with 415', async (contentType) => {
    // WHEN
    const answer = await send(server, 'POST', '/v1/submitjob', { 'content-type': contentType }, 'jobName=evil&jobQueue=real-queue&jobDefinition=real-def');
    // THEN
    expect(answer.status).toBe(415);
    expect(JSON.parse(answer.body)).toEqual({ __type: 'UnsupportedMediaTypeException', message: `SubmitJob needs Content-Type application/json, as the AWS CLI and SDKs send it; got '${contentType}'` });
  });

  test('a mutating request with a body and no Content-Type is refused; reads take any content type', async () => {
    // WHEN
    const untyped = await send(server, 'POST', '/v1/canceljob', {}, '{"jobId":"x","reason":"r"}');
    const plainRead = await send(server, 'POST', '/v1/describejobs', { 'content-type': 'text/plain' }, '{"jobs":[]}');
    // THEN
    expect(untyped.status).toBe(415);
    expect(JSON.parse(untyped.body).message).toBe('CancelJob needs Content-Type application/json, as the AWS CLI and SDKs send it; got none, with a 26-byte body');
    expect(plainRead.status).toBe(200);
  });

  test('accepts the content types AWS clients send, and none on a bodiless DELETE', async () => {
    // GIVEN
    const arn = encodeURIComponent('arn:aws:batch:us-east-1:123456789012:job-queue/real-queue');
    // WHEN
    const statuses = [
      (await send(server, 'POST', `/v1/tags/${arn}`, { 'content-type': 'application/json' }, '{"tags":{"a":"b"}}')).status,
      (await send(server, 'POST', `/v1/tags/${arn}`, { 'content-type': 'application/json; charset=utf-8' }, '{"tags":{"c":"d"}}')).status,
      (await send(server, 'POST', `/v1/tags/${arn}`, { 'content-type': 'application/x-amz-json-1.1' }, '{"tags":{"e":"f"}}')).status,
      (await send(server, 'DELETE', `/v1/tags/${arn}?tagKeys=a&tagKeys=c&tagKeys=e`, {})).status,
      (await send(server, 'GET', `/v1/tags/${arn}`, {})).status,
    ];
    // THEN
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('the Host header (DNS rebinding)', () => {
  test.each([
    ['POST', '/v1/submitjob', JSON.stringify({ jobName: 'rebound', jobQueue: 'real-queue', jobDefinition: 'real-def' })],
    ['POST', '/v1/describejobs', '{"jobs":["x"]}'],
    ['POST', '/v1/listjobs', '{"jobQueue":"real-queue"}'],
  ])('a rebound name is refused with 403 naming it and the accepted ones: %s %s', async (method, path, body) => {
    // WHEN: a page on attacker-rebind.example, whose name now resolves to 127.0.0.1, calls "its own" server
    const answer = await send(server, method, path, { host: `attacker-rebind.example:${server.port}`, 'content-type': 'application/json' }, body);
    // THEN
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({
      __type: 'AccessDeniedException',
      message: `request refused: Host 'attacker-rebind.example:${server.port}' does not name this server; accepted: 127.0.0.1, localhost, [::1] (without a port or with port ${server.port}); add the name this server is reached by with --allow-host on \`batchkit local serve\` or startBatchServer's allowedHosts`,
    });
  });

  test.each([`localhost:PORT`, `127.0.0.1:PORT`, '[::1]:PORT', 'LOCALHOST:PORT', 'localhost'])('accepts Host %s', async (host) => {
    // WHEN
    const answer = await send(server, 'POST', '/v1/describejobs', { host: host.replace('PORT', String(server.port)), 'content-type': 'application/json' }, '{"jobs":[]}');
    // THEN
    expect(answer.status).toBe(200);
  });

  test.each(['localhost:1', '127.0.0.1.attacker.example', 'localhost.attacker.example:PORT', '[::1'])('refuses Host %s', async (host) => {
    // WHEN
    const answer = await send(server, 'POST', '/v1/describejobs', { host: host.replace('PORT', String(server.port)), 'content-type': 'application/json' }, '{"jobs":[]}');
    // THEN
    expect(answer.status).toBe(403);
    expect(answer.errorType).toBe('AccessDeniedException');
  });

  test('accepts the names given in allowedHosts, with any port or the one given', async () => {
    // GIVEN
    const named = await startBatchServer({ api: recordingApi().api, allowedHosts: ['batch.internal', 'proxy.lan:9000'] });
    try {
      // WHEN
      const statuses = await Promise.all(['batch.internal', `batch.internal:${named.port}`, 'proxy.lan:9000', 'proxy.lan:9001', 'other.lan'].map(async (host) =>
        (await send(named, 'POST', '/v1/describejobs', { host, 'content-type': 'application/json' }, '{"jobs":[]}')).status));
      // THEN
      expect(statuses).toEqual([200, 200, 200, 403, 403]);
    } finally {
      await named.close();
    }
  });
});

describe('an allowed origin', () => {
  let allowing: RunningBatchServer;
  beforeAll(async () => {
    allowing = await startBatchServer({ api: recordingApi().api, allowedOrigins: ['http://localhost:3000'] });
  });
  afterAll(async () => {
    await allowing.close();
  });

  test('gets its preflight answered, echoing that origin only', async () => {
    // WHEN
    const answer = await send(allowing, 'OPTIONS', '/v1/submitjob', {
      origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-amz-date, authorization', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors',
    });
    // THEN
    expect(answer.status).toBe(204);
    expect(answer.body).toBe('');
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:3000',
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': 'content-type, x-amz-date, authorization',
      vary: 'Origin',
    });
  });

  test('gets its requests served with the CORS headers naming it', async () => {
    // WHEN
    const answer = await send(allowing, 'POST', '/v1/submitjob', { origin: 'http://localhost:3000', 'content-type': 'application/json', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'cors' }, '{"jobName":"a","jobQueue":"q","jobDefinition":"d"}');
    // THEN
    expect(answer.status).toBe(200);
    expect(answer.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(answer.headers['access-control-expose-headers']).toBe('x-amzn-requestid, x-amzn-errortype');
  });

  test('still needs JSON to change anything, and its errors carry the CORS headers', async () => {
    // WHEN
    const answer = await send(allowing, 'POST', '/v1/submitjob', { origin: 'http://localhost:3000', 'content-type': 'text/plain' }, '{"jobName":"a","jobQueue":"q","jobDefinition":"d"}');
    // THEN
    expect(answer.status).toBe(415);
    expect(answer.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  test.each(['http://localhost:3001', 'https://localhost:3000', 'http://localhost:3000.evil.example', 'null'])('does not let %s in', async (origin) => {
    // WHEN
    const preflight = await send(allowing, 'OPTIONS', '/v1/submitjob', { origin, 'access-control-request-method': 'POST' });
    const post = await send(allowing, 'POST', '/v1/submitjob', { origin, 'content-type': 'application/json' }, '{"jobName":"a","jobQueue":"q","jobDefinition":"d"}');
    // THEN
    expect([preflight.status, post.status]).toEqual([403, 403]);
    expect([...corsHeaders(preflight), ...corsHeaders(post)]).toEqual([]);
  });
});

describe('server options', () => {
  test.each([
    [{ allowedOrigins: ['*'] }, "allowed origin '*' must be a scheme, host and optional port, like 'http://localhost:3000' (no path, no wildcard)"],
    [{ allowedOrigins: ['http://localhost:3000/app'] }, "allowed origin 'http://localhost:3000/app' must be"],
    [{ allowedHosts: ['*'] }, "allowed host '*' must be a host name or address with an optional ':port', like 'myhost.lan' or '[fe80::1]:8866' (no wildcard)"],
    [{ allowedHosts: ['a:b:c'] }, "allowed host 'a:b:c' must be"],
  ])('fails when %j', async (options, message) => {
    await expect(startBatchServer({ api: recordingApi().api, ...options })).rejects.toThrow(message);
  });

  test('an origin given with its default port or a trailing slash matches what browsers send', async () => {
    // GIVEN
    const allowing = await startBatchServer({ api: recordingApi().api, allowedOrigins: ['HTTP://Example.test:80/'] });
    try {
      // WHEN
      const answer = await send(allowing, 'POST', '/v1/describejobs', { origin: 'http://example.test', 'content-type': 'application/json' }, '{"jobs":[]}');
      // THEN
      expect(answer.status).toBe(200);
      expect(answer.headers['access-control-allow-origin']).toBe('http://example.test');
    } finally {
      await allowing.close();
    }
  });

  test('on every interface, any Host is accepted only with SigV4 on', async () => {
    // GIVEN
    const open = await startBatchServer({ api: recordingApi().api, host: '0.0.0.0' });
    const signed = await startBatchServer({ api: recordingApi().api, host: '0.0.0.0', sigv4: { credentials: [{ accessKeyId: 'AKID', secretAccessKey: 'secret' }] } });
    try {
      // WHEN
      const unauthenticated = await send(open, 'POST', '/v1/describejobs', { host: `batch.example:${open.port}`, 'content-type': 'application/json' }, '{"jobs":[]}');
      const authenticated = await send(signed, 'POST', '/v1/describejobs', { host: `batch.example:${signed.port}`, 'content-type': 'application/json' }, '{"jobs":[]}');
      // THEN: the first is refused for its Host, the second gets as far as the signature check
      expect(unauthenticated.status).toBe(403);
      expect(unauthenticated.errorType).toBe('AccessDeniedException');
      expect(authenticated.status).toBe(403);
      expect(authenticated.errorType).toBe('MissingAuthenticationTokenException');
    } finally {
      await open.close();
      await signed.close();
    }
  });
});
