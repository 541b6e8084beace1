/**
 * The local engine's event log on disk, and its reader. The log is NDJSON, one record per line,
 * in emission order, of three kinds:
 *
 * - an event envelope, exactly as subscribers received it (every event but those below);
 * - a shared record, `{"sharedDetail":"<id>","account":...,"region":...,"detail":{...}}`: the part
 *   of a "Batch Job State Change" detail that array children (or multi-node nodes) of one job
 *   have in common (`renderSubmitPart`: parameters, container command and environment, tags...);
 * - a member event, `{"memberOf":"<id>","id":...,"time":...,"detail":{...}}`: a child's or node's
 *   "Batch Job State Change" with only the part of its detail that is its own (`renderStatePart`).
 *
 * A shared record comes before the first member event that names it, in the same file, so each
 * file decodes on its own. When the file would pass its size cap it is renamed `<file>.1`
 * (replacing the previous one) and a new file started. See docs/local-engine.md, "The event log".
 */
import * as fs from 'fs';
import { BATCH_EVENT_SOURCE, BatchEventEnvelope, JOB_STATE_CHANGE } from '../model/events';
import { type JobDetailPart, joinDetailParts } from './job-detail';

/** How every shared record's line starts, so a reader can find them without parsing the other lines. */
export const SHARED_RECORD_PREFIX = '{"sharedDetail":"';

/** Bytes read at a time: lines longer than this are assembled across reads. */
const READ_CHUNK_BYTES = 1024 * 1024;

/** Where the previous part of a rotated log is. */
export function rotatedLogFile(file: string): string {
  return `${file}.1`;
}

/** The line of a shared record (ids hold no `"` or `\`, so the id reads back without a JSON parse). */
export function sharedRecordLine(id: string, scope: { accountId: string; region: string }, submitPart: JobDetailPart): string {
  return `${SHARED_RECORD_PREFIX}${id}",${JSON.stringify({ account: scope.accountId, region: scope.region, detail: submitPart }).slice(1)}\n`;
}

/** The line of a member's "Batch Job State Change": the envelope's id and time, and the detail's state part. */
export function memberEventLine(sharedId: string, eventId: string, time: string, statePart: JobDetailPart): string {
  return `${JSON.stringify({ memberOf: sharedId, id: eventId, time, detail: statePart })}\n`;
}

/** Which events `readEventLog` decodes. */
export interface ReadEventLogOptions {
  /**
   * Only events whose stored line contains this text are decoded; the other lines are skipped
   * without being parsed. A job id narrows a large log cheaply (a member's line holds its job id).
   * @default - every event
   */
  readonly mentioning?: string;
}

/**
 * Every event of an engine event log, oldest first, as the engine's subscribers received them:
 * `<file>.1` (the rotated part) first, then `<file>`; missing files count as empty. A line that is
 * not valid JSON (a half-written last line while the engine writes, or the torn end of a crash)
 * is skipped. Members' details share their common parts (parameters, container...) with each
 * other: treat what is yielded as read-only.
 */
export function* readEventLog(file: string, options: ReadEventLogOptions = {}): Generator<BatchEventEnvelope> {
  // The current file is opened first: a rotation in between makes both names reach the same file, caught by its inode.
  const current = openIfPresent(file);
  const rotated = openIfPresent(rotatedLogFile(file));
  try {
    const sameFile = current !== undefined && rotated !== undefined && isSameFile(fs.fstatSync(current), fs.fstatSync(rotated));
    if (rotated !== undefined && !sameFile) {
      yield* decodeFile(rotated, options);
    }
    if (current !== undefined) {
      yield* decodeFile(current, options);
    }
  } finally {
    for (const fd of [current, rotated]) {
      if (fd !== undefined) {
        fs.closeSync(fd);
      }
    }
  }
}

interface SharedRecord {
  readonly account: string;
  readonly region: string;
  readonly detail: JobDetailPart;
}

interface MemberEvent {
  readonly memberOf: string;
  readonly id: string;
  readonly time: string;
  readonly detail: JobDetailPart;
}

/** One file's events; shared records are parsed only once a decoded member event needs them. */
function* decodeFile(fd: number, options: ReadEventLogOptions): Generator<BatchEventEnvelope> {
  const sharedLines = new Map<string, string>();
  const shared = new Map<string, SharedRecord>();
  for (const line of linesOf(fd)) {
    if (line.startsWith(SHARED_RECORD_PREFIX)) {
      const id = line.slice(SHARED_RECORD_PREFIX.length, line.indexOf('"', SHARED_RECORD_PREFIX.length));
      sharedLines.set(id, line);
      shared.delete(id);
      continue;
    }
    if (options.mentioning !== undefined && !line.includes(options.mentioning)) {
      continue;
    }
    const record = parsed(line) as (BatchEventEnvelope & Partial<MemberEvent>) | undefined;
    if (record?.memberOf === undefined) {
      if (record?.detail !== undefined) {
        yield record;
      }
      continue;
    }
    let common = shared.get(record.memberOf);
    if (!common) {
      common = parsed(sharedLines.get(record.memberOf)) as SharedRecord | undefined;
      if (!common) {
        continue; // its shared record was lost with a torn write: nothing to rebuild the detail from
      }
      shared.set(record.memberOf, common);
    }
    yield memberEnvelope(record as MemberEvent, common);
  }
}

function memberEnvelope(record: MemberEvent, common: SharedRecord): BatchEventEnvelope {
  const detail = joinDetailParts(common.detail, record.detail);
  return {
    version: '0',
    id: record.id,
    'detail-type': JOB_STATE_CHANGE,
    source: BATCH_EVENT_SOURCE,
    account: common.account,
    time: record.time,
    region: common.region,
    resources: [detail.jobArn!],
    detail: detail as unknown as Record<string, unknown>,
  };
}

function parsed(line: string | undefined): unknown {
  if (line === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The file's lines, the last one even without its newline (UTF-8 never has a 0x0a inside a character, so splitting bytes is safe). */
function* linesOf(fd: number): Generator<string> {
  const chunk = Buffer.alloc(READ_CHUNK_BYTES);
  let carried: Buffer[] = [];
  for (;;) {
    const read = fs.readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) {
      break;
    }
    const data = chunk.subarray(0, read);
    let start = 0;
    for (let newline = data.indexOf(0x0a); newline !== -1; newline = data.indexOf(0x0a, start)) {
      const piece = data.subarray(start, newline);
      yield (carried.length > 0 ? Buffer.concat([...carried, piece]) : piece).toString('utf8');
      carried = [];
      start = newline + 1;
    }
    if (start < read) {
      carried.push(Buffer.from(data.subarray(start)));
    }
  }
  if (carried.length > 0) {
    yield Buffer.concat(carried).toString('utf8');
  }
}

function isSameFile(a: fs.Stats, b: fs.Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function openIfPresent(file: string): number | undefined {
  try {
    return fs.openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
}
