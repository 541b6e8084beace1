/**
 * `batchkit logs --follow`: prints a job's output as it is written, moves on to the next
 * attempt's output when Batch retries the job (every attempt in turn, also those that began and
 * ended between two looks), and returns once the job has ended and its last output is printed.
 */
import * as fs from 'fs';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CliError, EXIT_WORK_FAILED } from './exit-codes';

/** The followed job as seen at one look. */
export interface FollowedJobState {
  /** Batch status. */
  readonly status: string;
  /** Each attempt's stream so far, attempt 1 first (undefined for one that has none); empty before the job starts. */
  readonly streams: ReadonlyArray<string | undefined>;
}

/** Reads what a stream has gained since the last read. */
export interface OutputReader {
  readNew(): Promise<string>;
}

/** What following reads and where it writes. */
export interface FollowOptions {
  /** The job's state now. */
  look(): Promise<FollowedJobState | undefined>;
  /** A reader for one attempt's stream, from its start. */
  readerFor(stream: string): OutputReader;
  /** Writes output as it arrives. */
  write(text: string): void;
  /** Says which attempt's output follows (from 1) and its stream. */
  announce(attempt: number, stream: string): void;
  /** Waits between two looks; resolves early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Milliseconds between two looks. */
  readonly intervalMs: number;
  /** Stops following. @default - never */
  readonly signal?: AbortSignal;
}

const FINAL = new Set(['SUCCEEDED', 'FAILED']);

/** Follows until the job ends; resolves to its last state. */
export async function followOutput(options: FollowOptions): Promise<FollowedJobState | undefined> {
  // A follow that begins while an attempt runs starts with that attempt, as `tail -f` starts
  // with the file as it is; one that begins before the job starts misses no attempt.
  let firstAttempt: number | undefined;
  let reading = -1;
  let reader: OutputReader | undefined;
  const drain = async () => {
    if (reader) options.write(await reader.readNew());
  };
  for (;;) {
    const state = await options.look();
    const streams = state?.streams ?? [];
    firstAttempt ??= Math.max(streams.length - 1, 0);
    // Attempts are read in order, each to its end: a retry faster than one look skips none.
    for (let attempt = Math.max(reading + 1, firstAttempt); attempt < streams.length; attempt++) {
      const stream = streams[attempt];
      if (stream === undefined) continue;
      await drain();
      reading = attempt;
      reader = options.readerFor(stream);
      options.announce(attempt + 1, stream);
    }
    await drain();
    if (state && FINAL.has(state.status)) {
      // Output written between the read and the status change is still to come.
      await drain();
      return state;
    }
    if (options.signal?.aborted) return state;
    await options.sleep(options.intervalMs, options.signal);
  }
}

/** Reads a local attempt log file from where the last read stopped; a file not yet created reads as nothing. */
export function fileReader(file: string): OutputReader {
  let offset = 0;
  return {
    readNew: async () => {
      let fd: number;
      try {
        fd = fs.openSync(file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
        throw new CliError(`cannot read log file ${file}: ${(err as Error).message}`, EXIT_WORK_FAILED);
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= offset) return '';
        const buffer = Buffer.alloc(size - offset);
        const read = fs.readSync(fd, buffer, 0, buffer.length, offset);
        // A multi-byte character cut at the end waits for its other bytes.
        const whole = completeUtf8Length(buffer.subarray(0, read));
        offset += whole;
        return buffer.subarray(0, whole).toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

/** Reads a CloudWatch Logs stream forward from its head, one line per event; a stream not yet created reads as nothing. */
export function cloudWatchReader(client: CloudWatchLogsClient, group: string, stream: string): OutputReader {
  let token: string | undefined;
  return {
    readNew: async () => {
      const lines: string[] = [];
      for (;;) {
        const page = await client.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true, nextToken: token }))
          .catch((err: unknown) => {
            if ((err as Error).name === 'ResourceNotFoundException') return undefined;
            throw new CliError(`cannot read CloudWatch Logs group ${group}, stream ${stream}: ${(err as Error).message}`, EXIT_WORK_FAILED);
          });
        if (!page) break;
        for (const event of page.events ?? []) lines.push(`${event.message ?? ''}\n`);
        // The forward token comes back unchanged once the end of the stream is reached.
        const done = !page.nextForwardToken || page.nextForwardToken === token;
        token = page.nextForwardToken ?? token;
        if (done || (page.events ?? []).length === 0) break;
      }
      return lines.join('');
    },
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function completeUtf8Length(bytes: Uint8Array): number {
  let end = bytes.length;
  // Step back over continuation bytes to the last lead byte, and keep it only when its sequence is whole.
  let back = 0;
  while (back < 3 && end - back - 1 >= 0 && (bytes[end - back - 1] & 0xc0) === 0x80) back++;
  const lead = end - back - 1;
  if (lead < 0) return end;
  const byte = bytes[lead];
  const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
  if (needed > back + 1) end = lead;
  return end;
}
