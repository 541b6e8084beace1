/**
 * The CloudWatch Logs operations a user needs to read job output from the local server:
 * GetLogEvents, FilterLogEvents, DescribeLogStreams and DescribeLogGroups, over the streams of
 * the engine's job attempts (`/aws/batch/job`, `<job definition>/default/<task id>`).
 */
import * as fs from 'node:fs';
import { logEventsPage, readLogLines, type LogLine } from './logs-events';
import { invalidParameter, logsError, LogsInput } from './logs-protocol';
import { filterLogEvents } from './logs-filter';

/** One stream as the Logs API needs it; the engine's `logStreams()` gives these. */
export interface LogStreamRecord {
  /** The log group, e.g. `/aws/batch/job`. */
  readonly logGroupName: string;
  /** The stream name, the attempt's `container.logStreamName`. */
  readonly logStreamName: string;
  /** The attempt's log file. */
  readonly file: string;
  /** Epoch ms the stream's first line is timed at. */
  readonly createdAt: number;
}

/** Where the Logs API finds streams: a `LocalBatchEngine` is one. */
export interface LogStreamSource {
  /** Every stream there is, in any order. */
  logStreams(): readonly LogStreamRecord[];
}

/** Region and account the Logs ARNs name. */
export interface LogsScope {
  /** e.g. `us-east-1`. */
  readonly region: string;
  /** 12 digits. */
  readonly accountId: string;
}

/** The log group that always exists: Batch's default for job output. */
export const JOB_LOG_GROUP = '/aws/batch/job';

const LOG_GROUP_NAME = { min: 1, max: 512 };
const LOG_STREAM_NAME = { min: 1, max: 512 };
const MAX_DESCRIBE_LIMIT = 50;

type Operation = (input: LogsInput, streams: readonly LogStreamRecord[], scope: LogsScope) => unknown;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetLogEvents: getLogEvents,
  FilterLogEvents: (input, streams) => filterLogEvents(input, streamsOfGroup(groupOf(input), streams)),
  DescribeLogStreams: describeLogStreams,
  DescribeLogGroups: describeLogGroups,
};

/** The operations answered, for error messages and docs. */
export const LOGS_OPERATIONS: readonly string[] = Object.keys(OPERATIONS);

/** Answers one Logs operation; throws a `WireError` with the Logs error type for bad requests. */
export function callLogsOperation(operation: string, body: Record<string, unknown>, source: LogStreamSource | undefined, scope: LogsScope): unknown {
  const handler = Object.prototype.hasOwnProperty.call(OPERATIONS, operation) ? OPERATIONS[operation] : undefined;
  if (!handler) {
    throw logsError('UnknownOperationException', `CloudWatch Logs operation '${operation}' is not answered by the local server; it answers ${LOGS_OPERATIONS.join(', ')}, which read job output`);
  }
  if (!source) {
    throw logsError('ResourceNotFoundException', 'this endpoint serves no job output: its Batch implementation is not a local engine');
  }
  return handler(new LogsInput(operation, body), source.logStreams(), scope);
}

function getLogEvents(input: LogsInput, streams: readonly LogStreamRecord[]): unknown {
  const group = groupOf(input);
  const streamName = input.string('logStreamName', LOG_STREAM_NAME);
  if (streamName === undefined) throw invalidParameter("GetLogEvents needs member 'logStreamName'; got none");
  const stream = streamsOfGroup(group, streams).find((s) => s.logStreamName === streamName);
  if (!stream) throw logsError('ResourceNotFoundException', `The specified log stream does not exist: no job attempt of this engine writes stream '${streamName}' in log group '${group}'`);
  const page = logEventsPage(readLogLines(stream), {
    nextToken: input.string('nextToken', { min: 1, max: 1024 }),
    startFromHead: input.boolean('startFromHead'),
    limit: input.integer('limit', 1, 10_000),
    startTime: input.integer('startTime', 0, Number.MAX_SAFE_INTEGER),
    endTime: input.integer('endTime', 0, Number.MAX_SAFE_INTEGER),
  });
  const ingestionTime = lastIngestionTime(stream);
  return {
    events: page.events.map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: Math.max(ingestionTime ?? e.timestamp, e.timestamp) })),
    nextForwardToken: page.nextForwardToken,
    nextBackwardToken: page.nextBackwardToken,
  };
}

function describeLogStreams(input: LogsInput, streams: readonly LogStreamRecord[], scope: LogsScope): unknown {
  const group = groupOf(input);
  const prefix = input.string('logStreamNamePrefix', LOG_STREAM_NAME);
  const orderBy = input.string('orderBy') ?? 'LogStreamName';
  if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
    throw invalidParameter(`DescribeLogStreams member 'orderBy' must be LogStreamName or LastEventTime; got '${orderBy}'`);
  }
  if (orderBy === 'LastEventTime' && prefix !== undefined) {
    throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
  }
  const descending = input.boolean('descending') ?? false;
  const limit = input.integer('limit', 1, MAX_DESCRIBE_LIMIT) ?? MAX_DESCRIBE_LIMIT;
  const offset = offsetOf(input.string('nextToken', { min: 1, max: 1024 }));
  const described = streamsOfGroup(group, streams)
    .filter((s) => prefix === undefined || s.logStreamName.startsWith(prefix))
    .map((s) => describeStream(s, group, scope));
  const key = orderBy === 'LogStreamName'
    ? (a: StreamDescription, b: StreamDescription) => compare(a.logStreamName, b.logStreamName)
    : (a: StreamDescription, b: StreamDescription) => (a.lastEventTimestamp ?? a.creationTime) - (b.lastEventTimestamp ?? b.creationTime) || compare(a.logStreamName, b.logStreamName);
  described.sort(descending ? (a, b) => key(b, a) : key);
  const page = described.slice(offset, offset + limit);
  return { logStreams: page, nextToken: offset + limit < described.length ? `o/${offset + limit}` : undefined };
}

function describeLogGroups(input: LogsInput, streams: readonly LogStreamRecord[], scope: LogsScope): unknown {
  const prefix = input.string('logGroupNamePrefix', LOG_GROUP_NAME);
  const pattern = input.string('logGroupNamePattern', { min: 0, max: 512 });
  if (prefix !== undefined && pattern !== undefined) {
    throw invalidParameter('DescribeLogGroups takes logGroupNamePrefix or logGroupNamePattern, not both');
  }
  const limit = input.integer('limit', 1, MAX_DESCRIBE_LIMIT) ?? MAX_DESCRIBE_LIMIT;
  const offset = offsetOf(input.string('nextToken', { min: 1, max: 1024 }));
  const groups = new Map<string, { creationTime: number; storedBytes: number }>([[JOB_LOG_GROUP, { creationTime: 0, storedBytes: 0 }]]);
  for (const stream of streams) {
    const group = groups.get(stream.logGroupName) ?? { creationTime: stream.createdAt, storedBytes: 0 };
    group.creationTime = group.creationTime === 0 ? stream.createdAt : Math.min(group.creationTime, stream.createdAt);
    group.storedBytes += fileSize(stream.file);
    groups.set(stream.logGroupName, group);
  }
  const described = [...groups]
    .filter(([name]) => (prefix === undefined || name.startsWith(prefix)) && (pattern === undefined || name.toLowerCase().includes(pattern.toLowerCase())))
    .sort(([a], [b]) => compare(a, b))
    .map(([name, group]) => ({
      logGroupName: name,
      creationTime: group.creationTime,
      metricFilterCount: 0,
      storedBytes: group.storedBytes,
      arn: `${logGroupArn(scope, name)}:*`,
      logGroupArn: logGroupArn(scope, name),
      logGroupClass: 'STANDARD',
    }));
  const page = described.slice(offset, offset + limit);
  return { logGroups: page, nextToken: offset + limit < described.length ? `o/${offset + limit}` : undefined };
}

interface StreamDescription {
  readonly logStreamName: string;
  readonly creationTime: number;
  readonly firstEventTimestamp?: number;
  readonly lastEventTimestamp?: number;
  readonly lastIngestionTime?: number;
  readonly arn: string;
  readonly storedBytes: number;
}

function describeStream(stream: LogStreamRecord, group: string, scope: LogsScope): StreamDescription {
  const lines: readonly LogLine[] = readLogLines(stream);
  return {
    logStreamName: stream.logStreamName,
    creationTime: stream.createdAt,
    firstEventTimestamp: lines[0]?.timestamp,
    lastEventTimestamp: lines[lines.length - 1]?.timestamp,
    lastIngestionTime: lines.length > 0 ? lastIngestionTime(stream) : undefined,
    arn: `${logGroupArn(scope, group)}:log-stream:${stream.logStreamName}`,
    storedBytes: fileSize(stream.file),
  };
}

/**
 * `logGroupName`, or the name or ARN in `logGroupIdentifier`; the group must exist: the default
 * group always does, another one once a job definition's `awslogs-group` names it.
 */
function groupOf(input: LogsInput): string {
  const name = input.string('logGroupName', LOG_GROUP_NAME);
  const identifier = input.string('logGroupIdentifier', { min: 1, max: 2048 });
  if (name !== undefined && identifier !== undefined) {
    throw invalidParameter('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  const given = name ?? identifier?.replace(/^arn:[^:]+:logs:[^:]*:\d*:log-group:/, '').replace(/:\*$/, '');
  if (given === undefined) throw invalidParameter('Either logGroupName or logGroupIdentifier must be given; got neither');
  return given;
}

function streamsOfGroup(group: string, streams: readonly LogStreamRecord[]): LogStreamRecord[] {
  const inGroup = streams.filter((s) => s.logGroupName === group);
  if (inGroup.length === 0 && group !== JOB_LOG_GROUP) {
    throw logsError('ResourceNotFoundException', `The specified log group does not exist: '${group}' is neither ${JOB_LOG_GROUP} nor the awslogs-group of a job that has run`);
  }
  return inGroup;
}

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^o\/(\d{1,9})$/.exec(token);
  if (!match) throw invalidParameter(`The specified nextToken is invalid: '${token.slice(0, 80)}' is not a nextToken this server gave`);
  return Number(match[1]);
}

function logGroupArn(scope: LogsScope, group: string): string {
  return `arn:aws:logs:${scope.region}:${scope.accountId}:log-group:${group}`;
}

function lastIngestionTime(stream: LogStreamRecord): number | undefined {
  try {
    return Math.floor(fs.statSync(stream.file).mtimeMs);
  } catch {
    return undefined;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
