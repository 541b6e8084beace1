/**
 * Output that outlives its reader. `batchkit status | head -1` closes the pipe after one line, and
 * the next write fails with EPIPE. Node reports that as an 'error' event on process.stdout, and
 * with no listener it ends the process: for `run --local`, the in-process engine and the jobs it
 * runs would end with it, half-way through the run. Once a reader is gone, batchkit keeps working
 * and drops what it would have written there, as `cat` and `git log` do.
 */

/** The stream errors that mean the reader went away: nothing written after them can arrive. */
const READER_GONE = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ECONNRESET']);

/** A writable standard stream, as far as this module needs it. */
export interface StandardStream {
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
}

const guarded = new WeakSet<StandardStream>();

/**
 * Makes writes to `streams` harmless once their reader has closed; any other stream error is
 * rethrown, as it would have been without this listener.
 */
export function tolerateClosedReaders(streams: readonly StandardStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', (error) => {
      if (!READER_GONE.has(error.code ?? '')) throw error;
    });
  }
}
