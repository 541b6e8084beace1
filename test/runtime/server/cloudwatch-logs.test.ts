import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import {
  CloudWatchLogsClient, DescribeLogGroupsCommand, DescribeLogStreamsCommand, FilterLogEventsCommand, GetLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { openEngine, type EngineFixture } from '../engine/engine-fixture';
import { startBatchServer, type RunningBatchServer } from '../../../runtime/server/server';

const execFileAsync = promisify(execFile);
const CREDENTIALS = { accessKeyId: 'AKIDLOGS', secretAccessKey: 'logs-secret' };

let fixture: EngineFixture;
let server: RunningBatchServer;
let logs: CloudWatchLogsClient;
let stream: string;
let startedAt: number;

beforeAll(async () => {
  fixture = await openEngine();
  server = await startBatchServer({ api: fixture.engine });
  logs = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: CREDENTIALS });
  await fixture.define('printer', ['sh', '-c', 'for i in 1 2 3 4 5; do echo "line $i"; done; echo same; echo same; echo done >&2']);
  const jobId = await fixture.submit('print', 'printer');
  const detail = await fixture.waitFor(jobId);
  stream = detail.container!.logStreamName!;
  startedAt = detail.startedAt!;
});

afterAll(async () => {
  logs.destroy();
  await server.close();
  await fixture.engine.close();
});

const ALL_LINES = ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'same', 'same', 'done'];

describe('CloudWatch Logs on the local server, through @aws-sdk/client-cloudwatch-logs', () => {
  test('GetLogEvents gives the job output, timed from the attempt start by line', async () => {
    // WHEN
    const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true }));
    // THEN
    expect(page.events!.map((e) => e.message)).toEqual(ALL_LINES);
    expect(page.events!.map((e) => e.timestamp)).toEqual(ALL_LINES.map((_, i) => startedAt + i));
  });

  test('pages forward with nextForwardToken and gives the same token back at the end', async () => {
    // WHEN
    const messages: string[] = [];
    const tokens: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true, limit: 3, nextToken: token }));
      messages.push(...page.events!.map((e) => e.message!));
      tokens.push(page.nextForwardToken!);
      if (page.nextForwardToken === token) break;
      token = page.nextForwardToken;
    }
    // THEN
    expect(messages).toEqual(ALL_LINES);
    expect(tokens).toHaveLength(4);
    expect(tokens[3]).toBe(tokens[2]);
  });

  test('without startFromHead reads the newest events, and pages back with nextBackwardToken', async () => {
    // WHEN
    const tail = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, limit: 3 }));
    const before = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, limit: 3, nextToken: tail.nextBackwardToken }));
    // THEN
    expect(tail.events!.map((e) => e.message)).toEqual(['same', 'same', 'done']);
    expect(before.events!.map((e) => e.message)).toEqual(['line 3', 'line 4', 'line 5']);
  });

  test('DescribeLogStreams lists the stream with its first and last event times', async () => {
    // WHEN
    const prefix = stream.slice(0, stream.lastIndexOf('/') + 1);
    const described = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/aws/batch/job', logStreamNamePrefix: prefix }));
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/batch' }));
    // THEN
    expect(described.logStreams).toEqual([expect.objectContaining({
      logStreamName: stream,
      creationTime: startedAt,
      firstEventTimestamp: startedAt,
      lastEventTimestamp: startedAt + 7,
      arn: `arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:log-stream:${stream}`,
    })]);
    expect(groups.logGroups).toEqual([expect.objectContaining({ logGroupName: '/aws/batch/job', arn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:*' })]);
  });

  test('FilterLogEvents matches terms and quoted phrases and excludes -terms', async () => {
    // WHEN
    const terms = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamNames: [stream], filterPattern: 'line -3' }));
    const phrase = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamNames: [stream], filterPattern: '"line 4"' }));
    // THEN
    expect(terms.events!.map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 4', 'line 5']);
    expect(terms.events![0]).toMatchObject({ logStreamName: stream, timestamp: startedAt });
    expect(phrase.events!.map((e) => e.message)).toEqual(['line 4']);
  });

  test('FilterLogEvents pages with nextToken', async () => {
    // WHEN
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamNames: [stream], limit: 5 }));
    const second = await logs.send(new FilterLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamNames: [stream], limit: 5, nextToken: first.nextToken }));
    // THEN
    expect([...first.events!, ...second.events!].map((e) => e.message)).toEqual(ALL_LINES);
    expect(second.nextToken).toBeUndefined();
  });

  test('fails when the stream or the group does not exist', async () => {
    // WHEN / THEN
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: 'printer/default/0000' })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException', message: expect.stringMatching(/log stream does not exist.*printer\/default\/0000/) });
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/no/such/group', logStreamName: stream })))
      .rejects.toMatchObject({ name: 'ResourceNotFoundException', message: expect.stringMatching(/log group does not exist.*\/no\/such\/group/) });
  });

  test('fails when the token or the limit is malformed', async () => {
    // WHEN / THEN
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, nextToken: 'garbage' })))
      .rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/nextToken is invalid: 'garbage'/) });
    await expect(logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, limit: 10_001 })))
      .rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringMatching(/'limit' must be from 1 to 10000; got 10001/) });
  });

  test('reads lines written while the job runs: the forward token picks up new events', async () => {
    // GIVEN a job that is still writing
    const gate = `${fs.mkdtempSync('/tmp/logs-gate-')}/go`;
    await fixture.define('slow-printer', ['sh', '-c', `echo first; while [ ! -f ${gate} ]; do sleep 0.01; done; echo second`]);
    const jobId = await fixture.submit('slow', 'slow-printer');
    const running = await fixture.waitFor(jobId, ['RUNNING']);
    const liveStream = running.container!.logStreamName!;
    let page = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: liveStream, startFromHead: true }));
    for (let i = 0; i < 500 && page.events!.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      page = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: liveStream, startFromHead: true }));
    }
    // WHEN
    fs.writeFileSync(gate, '');
    await fixture.waitFor(jobId);
    const next = await logs.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: liveStream, nextToken: page.nextForwardToken }));
    // THEN
    expect(page.events!.map((e) => e.message)).toEqual(['first']);
    expect(next.events!.map((e) => e.message)).toEqual(['second']);
  });
});

describe('CloudWatch Logs on the local server, through the AWS CLI v1', () => {
  test('aws logs get-log-events prints the job output', async () => {
    // WHEN
    const { stdout } = await execFileAsync('aws', [
      'logs', 'get-log-events', '--endpoint-url', server.url, '--log-group-name', '/aws/batch/job', '--log-stream-name', stream,
      '--start-from-head', '--output', 'json',
    ], { env: cliEnvironment(), timeout: 30_000 });
    // THEN
    expect((JSON.parse(stdout) as { events: Array<{ message: string }> }).events.map((e) => e.message)).toEqual(ALL_LINES);
  });

  test('aws logs filter-log-events finds a term', async () => {
    // WHEN
    const { stdout } = await execFileAsync('aws', [
      'logs', 'filter-log-events', '--endpoint-url', server.url, '--log-group-name', '/aws/batch/job', '--filter-pattern', 'done', '--output', 'json',
    ], { env: cliEnvironment(), timeout: 30_000 });
    // THEN
    expect((JSON.parse(stdout) as { events: Array<{ message: string; logStreamName: string }> }).events).toEqual([expect.objectContaining({ message: 'done', logStreamName: stream })]);
  });
});

describe('CloudWatch Logs with SigV4 verification on', () => {
  let signed: RunningBatchServer;

  beforeAll(async () => {
    signed = await startBatchServer({ api: fixture.engine, sigv4: { credentials: [CREDENTIALS] } });
  });

  afterAll(async () => {
    await signed.close();
  });

  test('a request signed for service logs is answered', async () => {
    // GIVEN
    const client = new CloudWatchLogsClient({ endpoint: signed.url, region: 'us-east-1', credentials: CREDENTIALS });
    // WHEN
    const page = await client.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream, startFromHead: true })).finally(() => client.destroy());
    // THEN
    expect(page.events).toHaveLength(ALL_LINES.length);
  });

  test('fails when the key is not one the server knows', async () => {
    // GIVEN
    const client = new CloudWatchLogsClient({ endpoint: signed.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDOTHER', secretAccessKey: 'x' } });
    // WHEN / THEN
    await expect(client.send(new GetLogEventsCommand({ logGroupName: '/aws/batch/job', logStreamName: stream })).finally(() => client.destroy()))
      .rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });
});

describe('CloudWatch Logs requests pass the same guards as Batch requests', () => {
  test('fails when a web page sends one', async () => {
    // WHEN
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Logs_20140328.GetLogEvents', 'content-type': 'application/x-amz-json-1.1', origin: 'http://evil.example' },
      body: JSON.stringify({ logGroupName: '/aws/batch/job', logStreamName: stream }),
    });
    // THEN
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
  });

  test('fails when the operation is not one the server answers', async () => {
    // WHEN
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Logs_20140328.PutLogEvents', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    // THEN
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringMatching(/'PutLogEvents' is not answered.*GetLogEvents/) });
  });

  test('fails when FilterLogEvents is sent as a form', async () => {
    // WHEN
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents', 'content-type': 'text/plain' },
      body: JSON.stringify({ logGroupName: '/aws/batch/job' }),
    });
    // THEN
    expect(response.status).toBe(415);
  });
});

function cliEnvironment(): NodeJS.ProcessEnv {
  return {
    ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '',
  };
}
