/**
 * FilterLogEvents over the streams of a log group: events of the chosen streams in a time window
 * that match a filter pattern, ordered by timestamp (then stream, then line), paged by a token
 * naming the last event returned, so events written between pages are not skipped.
 */
import { eventBytes, MAX_PAGE_BYTES, readLogLines } from './logs-events';
import type { LogStreamRecord } from './logs-api';
import { invalidParameter, type LogsInput } from './logs-protocol';

interface FoundEvent {
  readonly logStreamName: string;
  readonly ordinal: number;
  readonly timestamp: number;
  readonly message: string;
}

const DEFAULT_LIMIT = 10_000;

/** Answers FilterLogEvents for the streams of one group. */
export function filterLogEvents(input: LogsInput, groupStreams: readonly LogStreamRecord[]): unknown {
  const names = input.strings('logStreamNames', 100);
  const prefix = input.string('logStreamNamePrefix', { min: 1, max: 512 });
  if (names !== undefined && prefix !== undefined) {
    throw invalidParameter('FilterLogEvents takes logStreamNames or logStreamNamePrefix, not both');
  }
  const startTime = input.integer('startTime', 0, Number.MAX_SAFE_INTEGER);
  const endTime = input.integer('endTime', 0, Number.MAX_SAFE_INTEGER);
  const limit = input.integer('limit', 1, 10_000) ?? DEFAULT_LIMIT;
  const after = positionOf(input.string('nextToken', { min: 1, max: 2048 }));
  const matches = patternMatcher(input.string('filterPattern', { min: 0, max: 1024 }) ?? '');
  const found: FoundEvent[] = [];
  for (const stream of groupStreams) {
    if ((names !== undefined && !names.includes(stream.logStreamName)) || (prefix !== undefined && !stream.logStreamName.startsWith(prefix))) continue;
    for (const line of readLogLines(stream)) {
      if ((startTime !== undefined && line.timestamp < startTime) || (endTime !== undefined && line.timestamp > endTime)) continue;
      const event = { logStreamName: stream.logStreamName, ...line };
      if ((after === undefined || compareEvents(event, after) > 0) && matches(line.message)) found.push(event);
    }
  }
  found.sort(compareEvents);
  const page: FoundEvent[] = [];
  let bytes = 0;
  for (const event of found) {
    bytes += eventBytes(event);
    if (page.length === limit || (bytes > MAX_PAGE_BYTES && page.length > 0)) break;
    page.push(event);
  }
  const last = page[page.length - 1];
  return {
    events: page.map((e) => ({ logStreamName: e.logStreamName, timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp, eventId: eventId(e) })),
    searchedLogStreams: [],
    nextToken: page.length < found.length ? tokenOf(last) : undefined,
  };
}

type Position = Pick<FoundEvent, 'timestamp' | 'logStreamName' | 'ordinal'>;

function compareEvents(a: Position, b: Position): number {
  return a.timestamp - b.timestamp || (a.logStreamName < b.logStreamName ? -1 : a.logStreamName > b.logStreamName ? 1 : 0) || a.ordinal - b.ordinal;
}

function eventId(event: FoundEvent): string {
  return `${event.timestamp}-${event.ordinal}-${Buffer.from(event.logStreamName).toString('base64url')}`;
}

function tokenOf(event: Position): string {
  return Buffer.from(JSON.stringify([event.timestamp, event.logStreamName, event.ordinal])).toString('base64url');
}

function positionOf(token: string | undefined): Position | undefined {
  if (token === undefined) return undefined;
  try {
    const [timestamp, logStreamName, ordinal] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof timestamp === 'number' && typeof logStreamName === 'string' && typeof ordinal === 'number') return { timestamp, logStreamName, ordinal };
  } catch {
    // Falls through to the refusal below.
  }
  throw invalidParameter(`The specified nextToken is invalid: '${token.slice(0, 80)}' is not a nextToken this server gave`);
}

/**
 * Text filter patterns: every bare term or "quoted phrase" must occur (case-sensitive), a
 * `?term` group needs any one of its terms, a `-term` must not occur. JSON (`{ ... }`) and
 * space-delimited (`[ ... ]`) patterns are refused rather than silently matched as text.
 */
function patternMatcher(pattern: string): (message: string) => boolean {
  const trimmed = pattern.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[') || trimmed.startsWith('%')) {
    throw invalidParameter(`filterPattern '${pattern.slice(0, 80)}' is a JSON, space-delimited or regular-expression pattern; the local server matches text patterns only: terms, "quoted phrases", ?any-of and -excluded terms`);
  }
  const required: string[] = [];
  const anyOf: string[] = [];
  const excluded: string[] = [];
  for (const match of trimmed.matchAll(/([?-]?)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) {
    const term = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    (match[1] === '?' ? anyOf : match[1] === '-' ? excluded : required).push(term);
  }
  return (message) => required.every((t) => message.includes(t))
    && (anyOf.length === 0 || anyOf.some((t) => message.includes(t)))
    && !excluded.some((t) => message.includes(t));
}
