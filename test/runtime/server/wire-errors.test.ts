import { BatchClient, ClientException, CreateQuotaShareCommand, DescribeJobsCommand, ListTagsForResourceCommand, ServerException, SubmitJobCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-batch';
import { connect } from 'node:net';
import { BatchClientException } from '../../../runtime/model/batch-api';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';
import { recordingApi, type RecordingApi } from './recording-api';

const QUEUE_ARN = 'arn:aws:batch:us-east-1:123456789012:job-queue/my queue';

let server: RunningBatchServer;
let recording: RecordingApi;
let logged: string[];
let client: BatchClient;

beforeEach(async () => {
  recording = recordingApi();
  logged = [];
  server = await startBatchServer({ api: recording.api, log: (line) => logged.push(line), maxBodyBytes: 4096 });
  client = new BatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 });
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

async function post(path: string, body: string, method = 'POST'): Promise<{ status: number; errorType: string | null; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json' } });
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), body: await res.json() as Record<string, unknown> };
}

describe('batch server wire layer', () => {
  test('binds 127.0.0.1 on a free port by default', () => {
    // THEN
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('passes the SDK request to the api as modelled input and returns its answer', async () => {
    // GIVEN
    recording.answerNext('submitJob', { jobArn: 'arn:job', jobName: 'hello', jobId: 'id-1' });
    // WHEN
    const out = await client.send(new SubmitJobCommand({ jobName: 'hello', jobQueue: 'q', jobDefinition: 'd:2', arrayProperties: { size: 3 }, parameters: { a: 'b' } }));
    // THEN
    expect(recording.calls).toEqual([{ operation: 'submitJob', input: { jobName: 'hello', jobQueue: 'q', jobDefinition: 'd:2', arrayProperties: { size: 3 }, parameters: { a: 'b' } } }]);
    expect(out).toMatchObject({ jobArn: 'arn:job', jobName: 'hello', jobId: 'id-1' });
  });

  test('drops members the model does not know, as AWS ignores them', async () => {
    // WHEN
    const res = await post('/v1/describejobs', JSON.stringify({ jobs: ['a'], bogus: { deep: [1] } }));
    // THEN
    expect(res.status).toBe(200);
    expect(recording.calls[0].input).toEqual({ jobs: ['a'] });
  });

  test('keeps a map key named __proto__ as a plain key', async () => {
    // WHEN
    const res = await post('/v1/submitjob', '{"jobName":"a","jobQueue":"q","jobDefinition":"d","parameters":{"__proto__":"x","b":"y"}}');
    // THEN
    expect(res.status).toBe(200);
    const parameters = (recording.calls[0].input as { parameters: Record<string, string> }).parameters;
    expect(Object.getPrototypeOf(parameters)).toBe(Object.prototype);
    expect(Object.entries(parameters)).toEqual([['__proto__', 'x'], ['b', 'y']]);
  });

  test('decodes the resource ARN from the path and tag keys from the query string', async () => {
    // GIVEN
    recording.answerNext('listTagsForResource', { tags: { team: 'ml' } });
    // WHEN
    await client.send(new TagResourceCommand({ resourceArn: QUEUE_ARN, tags: { team: 'ml' } }));
    await client.send(new UntagResourceCommand({ resourceArn: QUEUE_ARN, tagKeys: ['team', 'cost center'] }));
    const listed = await client.send(new ListTagsForResourceCommand({ resourceArn: QUEUE_ARN }));
    // THEN
    expect(recording.calls).toEqual([
      { operation: 'tagResource', input: { resourceArn: QUEUE_ARN, tags: { team: 'ml' } } },
      { operation: 'untagResource', input: { resourceArn: QUEUE_ARN, tagKeys: ['team', 'cost center'] } },
      { operation: 'listTagsForResource', input: { resourceArn: QUEUE_ARN } },
    ]);
    expect(listed.tags).toEqual({ team: 'ml' });
  });

  test('an api ClientException reaches the SDK as its ClientException class with the message', async () => {
    // GIVEN
    recording.answerNext('submitJob', new BatchClientException("job queue 'nope' does not exist"));
    // WHEN
    const err = await client.send(new SubmitJobCommand({ jobName: 'a', jobQueue: 'nope', jobDefinition: 'd' })).catch((e: unknown) => e);
    // THEN
    expect(err).toBeInstanceOf(ClientException);
    expect((err as ClientException).message).toBe("job queue 'nope' does not exist");
    expect((err as ClientException).$metadata.httpStatusCode).toBe(400);
  });

  test('an unexpected api error becomes a logged ServerException (500) and the server keeps serving', async () => {
    // GIVEN
    recording.answerNext('describeJobs', new TypeError('cannot read properties of undefined'));
    // WHEN
    const err = await client.send(new DescribeJobsCommand({ jobs: ['a'] })).catch((e: unknown) => e);
    const next = await client.send(new DescribeJobsCommand({ jobs: ['b'] }));
    // THEN
    expect(err).toBeInstanceOf(ServerException);
    expect((err as ServerException).message).toBe('cannot read properties of undefined');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/DescribeJobs failed with an unexpected error .*TypeError: cannot read properties of undefined/s);
    expect(next.$metadata.httpStatusCode).toBe(200);
  });

  test('fails when a required member is missing, naming it', async () => {
    // WHEN
    const err = await client.send(new SubmitJobCommand({ jobName: 'a', jobQueue: 'q' } as never)).catch((e: unknown) => e);
    // THEN
    expect(err).toBeInstanceOf(ClientException);
    expect((err as Error).message).toBe("'jobDefinition' is required but was not given");
    expect(recording.calls).toEqual([]);
  });

  test.each([
    ['a wrong type', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', arrayProperties: { size: '3' } }, "'arrayProperties.size' must be an integer; got string \"3\""],
    ['a fraction for an integer', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', arrayProperties: { size: 2.5 } }, "'arrayProperties.size' must be an integer; got number 2.5"],
    ['a value outside the enum', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', dependsOn: [{ jobId: 'x', type: 'ALL' }] }, "'dependsOn[0].type' must be one of N_TO_N, SEQUENTIAL; got \"ALL\""],
    ['an empty tag map', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', tags: {} }, "'tags' must have at least 1 entries; got 0"],
    ['an over-long tag key', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', tags: { ['k'.repeat(129)]: 'v' } }, /^'tags \(key "k+"\)' must have at most 128 characters; got 129$/],
    ['a list entry of the wrong type', { jobName: 'a', jobQueue: 'q', jobDefinition: 'd', containerOverrides: { command: ['echo', 3] } }, "'containerOverrides.command[1]' must be a string; got number 3"],
  ])('fails with a 400 naming the field for %s', async (_case, body, message) => {
    // WHEN
    const res = await post('/v1/submitjob', JSON.stringify(body));
    // THEN
    expect(res.status).toBe(400);
    expect(res.errorType).toBe('ClientException');
    expect(res.body.__type).toBe('ClientException');
    expect(res.body.message).toMatch(message instanceof RegExp ? message : new RegExp(`^${escapeRegExp(message)}$`));
    expect(recording.calls).toEqual([]);
  });

  test('accepts evaluateOnExit actions in any case, as AWS Batch does', async () => {
    // WHEN
    const res = await post('/v1/submitjob', JSON.stringify({ jobName: 'a', jobQueue: 'q', jobDefinition: 'd', retryStrategy: { attempts: 2, evaluateOnExit: [{ onExitCode: '1', action: 'retry' }] } }));
    // THEN
    expect(res.status).toBe(200);
  });

  test.each([
    ['bad JSON', '{"jobs": [', /^the request body is not valid JSON \(.+\); expected a JSON object$/],
    ['a JSON array', '[1, 2]', /^the request body must be a JSON object; got a list of 2$/],
    ['deep nesting', `{"jobs": ${'['.repeat(1000)}${']'.repeat(1000)}}`, /^the request body nests 1001 levels deep; at most 32 are accepted$/],
    ['an oversize payload', JSON.stringify({ jobs: ['x'.repeat(5000)] }), /^the request body is 5013 bytes; at most 4096 bytes are accepted \(AWS Batch's payload quota is 30 KiB\)$/],
  ])('fails with a 400 ClientException on %s and keeps serving', async (_case, body, message) => {
    // WHEN
    const res = await post('/v1/describejobs', body);
    const next = await client.send(new DescribeJobsCommand({ jobs: ['ok'] }));
    // THEN
    expect(res).toMatchObject({ status: 400, errorType: 'ClientException', body: { __type: 'ClientException' } });
    expect(res.body.message).toMatch(message);
    expect(next.$metadata.httpStatusCode).toBe(200);
  });

  test('fails with UnknownOperationException for a path no operation answers', async () => {
    // WHEN
    const res = await post('/v1/launchrocket', '{}');
    // THEN
    expect(res).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
    expect(res.body.message).toMatch(/^no AWS Batch operation answers POST \/v1\/launchrocket; operations are POST \/v1\/<operation in lower case>/);
  });

  test('fails with UnknownOperationException for the wrong method, naming the right one', async () => {
    // WHEN
    const res = await post('/v1/submitjob', '', 'GET');
    // THEN
    expect(res).toMatchObject({ status: 400, errorType: 'UnknownOperationException' });
    expect(res.body.message).toBe('no operation answers GET /v1/submitjob; this path takes POST (SubmitJob)');
  });

  test('fails with a ClientException naming the operation when the engine does not implement it', async () => {
    // WHEN
    const err = await client.send(new CreateQuotaShareCommand({ quotaShareName: 'q', jobQueue: 'q', capacityLimits: [], resourceSharingConfiguration: { strategy: 'RESERVE' }, preemptionConfiguration: { inSharePreemption: 'DISABLED' } } as never)).catch((e: unknown) => e);
    // THEN
    expect(err).toBeInstanceOf(ClientException);
    expect((err as Error).message).toMatch(/^operation CreateQuotaShare \(POST \/v1\/createquotashare\) cannot be used with the batchkit local engine: quota shares /);
  });

  test('closes while a client holds a keep-alive connection', async () => {
    // GIVEN the SDK keeps its connection open after a request
    await client.send(new DescribeJobsCommand({ jobs: ['a'] }));
    // WHEN
    await server.close();
    // THEN
    await expect(fetch(`${server.url}/v1/describejobs`, { method: 'POST', body: '{}' })).rejects.toThrow();
    server = await startBatchServer({ api: recording.api });
  });

  test('a client that hangs up halfway through its body is dropped quietly, and the server keeps serving', async () => {
    // GIVEN a request promising 100 bytes that sends 10 and hangs up
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /v1/describejobs HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"jobs":[');
    socket.destroy();
    // WHEN
    const next = await client.send(new DescribeJobsCommand({ jobs: ['a'] }));
    await server.close();
    // THEN
    expect(next.$metadata.httpStatusCode).toBe(200);
    expect(logged).toEqual([]);
    expect(recording.calls).toEqual([{ operation: 'describeJobs', input: { jobs: ['a'] } }]);
    server = await startBatchServer({ api: recording.api });
  });

  test('fails when started with an invalid port', async () => {
    await expect(startBatchServer({ api: recording.api, port: 70000 })).rejects.toThrow("batch server option 'port' must be an integer from 0 to 65535; got 70000");
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
