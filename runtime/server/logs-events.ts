/**
 * A job attempt's log file as CloudWatch Logs events. The engine does not record when each line
 * was written, so a line's timestamp is the attempt's start time plus its line number in
 * milliseconds: order is strict, and repeated lines stay distinct events for tools that
 * de-duplicate on (timestamp, message). Empty lines are not events, as with the `awslogs` driver.
 */
import * as fs from 'node:fs';
import { invalidParameter } from './logs-protocol';

/** One line of a log file. */
export interface LogLine {
  /** 0-based line number in the file: the event's position in the stream. */
  readonly ordinal: number;
  /** Epoch ms: the stream's start plus `ordinal`. */
  readonly timestamp: number;
  /** The line, without its line break. */
  readonly message: string;
}

/** A stream the events are read from. */
export interface EventSource {
  /** The attempt's log file; a missing file is a stream with no events yet. */
  readonly file: string;
  /** Epoch ms the first line is timed at. */
  readonly createdAt: number;
}

/** What GetLogEvents answers: one page of events and the tokens either side of it. */
export interface LogEventsPage {
  /** The events, oldest first. */
  readonly events: readonly LogLine[];
  /** Reads on after the page; the same token comes back when no newer events exist. */
  readonly nextForwardToken: string;
  /** Reads back before the page; the same token comes back at the stream's start. */
  readonly nextBackwardToken: string;
}

/** How GetLogEvents asks for a page. */
export interface LogEventsQuery {
  /** A `nextForwardToken` or `nextBackwardToken` of an earlier answer. @default - the head or the tail, per `startFromHead` */
  readonly nextToken?: string;
  /** Without a token, read from the oldest event rather than the newest. @default false */
  readonly startFromHead?: boolean;
  /** Most events per page. @default 10000 */
  readonly limit?: number;
  /** Only events at or after this epoch ms. @default - no lower bound */
  readonly startTime?: number;
  /** Only events before this epoch ms. @default - no upper bound */
  readonly endTime?: number;
}

/** CloudWatch Logs' cap on one answer: 1 MiB, counting each event as its UTF-8 message plus 26 bytes. */
export const MAX_PAGE_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
const DEFAULT_LIMIT = 10_000;
const TOKEN_PATTERN = /^([fb])\/(\d{1,20})$/;
/** Files whose lines are kept parsed between pages, so paging through a long log reads it once. */
const CACHED_FILES = 8;

const cache = new Map<string, { size: number; mtimeMs: number; createdAt: number; lines: LogLine[] }>();

/** The events of a stream, oldest first; none when the file does not exist yet. */
export function readLogLines(source: EventSource): readonly LogLine[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source.file);
  } catch {
    return [];
  }
  const cached = cache.get(source.file);
  if (cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs && cached.createdAt === source.createdAt) {
    return cached.lines;
  }
  const lines: LogLine[] = [];
  fs.readFileSync(source.file, 'utf8').split('\n').forEach((message, ordinal) => {
    if (message !== '') lines.push({ ordinal, timestamp: source.createdAt + ordinal, message });
  });
  cache.delete(source.file);
  cache.set(source.file, { size: stat.size, mtimeMs: stat.mtimeMs, createdAt: source.createdAt, lines });
  if (cache.size > CACHED_FILES) cache.delete(cache.keys().next().value!);
  return lines;
}

/** One GetLogEvents page of a stream's events, with AWS's token semantics. */
export function logEventsPage(all: readonly LogLine[], query: LogEventsQuery): LogEventsPage {
  const events = all.filter((e) => (query.startTime === undefined || e.timestamp >= query.startTime) && (query.endTime === undefined || e.timestamp < query.endTime));
  const limit = query.limit ?? DEFAULT_LIMIT;
  const position = tokenPosition(query.nextToken);
  const forward = position ? position.forward : query.startFromHead === true;
  const from = position?.ordinal ?? (forward ? 0 : Number.MAX_SAFE_INTEGER);
  const page = forward ? headOf(events.filter((e) => e.ordinal >= from), limit) : tailOf(events.filter((e) => e.ordinal < from), limit);
  if (page.length === 0) {
    const at = Math.min(from, (all[all.length - 1]?.ordinal ?? -1) + 1);
    return { events: page, nextForwardToken: forwardToken(at), nextBackwardToken: backwardToken(at) };
  }
  return { events: page, nextForwardToken: forwardToken(page[page.length - 1].ordinal + 1), nextBackwardToken: backwardToken(page[0].ordinal) };
}

/** The size CloudWatch Logs counts an event as against the 1 MiB cap of an answer. */
export function eventBytes(event: LogLine): number {
  return Buffer.byteLength(event.message, 'utf8') + EVENT_OVERHEAD_BYTES;
}

function headOf(events: readonly LogLine[], limit: number): LogLine[] {
  const page: LogLine[] = [];
  let bytes = 0;
  for (const event of events) {
    bytes += eventBytes(event);
    if (page.length === limit || (bytes > MAX_PAGE_BYTES && page.length > 0)) break;
    page.push(event);
  }
  return page;
}

function tailOf(events: readonly LogLine[], limit: number): LogLine[] {
  const page: LogLine[] = [];
  let bytes = 0;
  for (let i = events.length - 1; i >= 0; i--) {
    bytes += eventBytes(events[i]);
    if (page.length === limit || (bytes > MAX_PAGE_BYTES && page.length > 0)) break;
    page.push(events[i]);
  }
  return page.reverse();
}

function tokenPosition(token: string | undefined): { forward: boolean; ordinal: number } | undefined {
  if (token === undefined) return undefined;
  const match = TOKEN_PATTERN.exec(token);
  if (!match) {
    throw invalidParameter(`The specified nextToken is invalid: '${token.slice(0, 80)}' is not a nextForwardToken or nextBackwardToken this server gave (f/<n> or b/<n>)`);
  }
  return { forward: match[1] === 'f', ordinal: Math.min(Number(match[2]), Number.MAX_SAFE_INTEGER) };
}

function forwardToken(ordinal: number): string {
  return `f/${String(ordinal).padStart(20, '0')}`;
}

function backwardToken(ordinal: number): string {
  return `b/${String(ordinal).padStart(20, '0')}`;
}
