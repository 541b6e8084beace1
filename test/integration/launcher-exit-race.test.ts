/**
 * The helper that starts the engine's attempts must report every exit. A helper whose SIGCHLD
 * handler is deferred (as a scripting language's handlers are) loses an exit signalled just
 * before it blocks reading its next request: with one job at a time (a chain of dependent jobs)
 * no more input comes, and the job stays RUNNING forever. Thousands of one-at-a-time launches hit
 * that window (about once per 3,000 launches on 2 cores, for such a helper). The native helper
 * polls a self-pipe written by its SIGCHLD handler, which has no such window: this test holds it to that.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../runtime/engine/helper-launcher';
import { nativeHelper } from '../runtime/engine/engine-fixture';

const LAUNCHES = 6000;
/** Longest time one `true` may take to be reported; far above the ~1.5 ms it takes. */
const STALL_MS = 5_000;

describe('the native launcher helper', () => {
  test(`reports the exit of ${LAUNCHES} processes launched one at a time`, async () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-launch-race-'));
    const launcher = new HelperLauncher(nativeHelper());
    let reported = 0;
    try {
      // WHEN: each process is launched once the previous one's exit was reported
      for (let i = 0; i < LAUNCHES; i++) {
        const launched = launcher.launch({ command: ['true'], environment: {}, workDir: dir, logFile: path.join(dir, 'attempt.log') });
        let stall: NodeJS.Timeout | undefined;
        const exit = await Promise.race([
          launched.exited,
          new Promise<'lost'>((resolve) => { stall = setTimeout(() => resolve('lost'), STALL_MS); }),
        ]);
        clearTimeout(stall);
        if (exit === 'lost') break;
        reported++;
      }
    } finally {
      await launcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // THEN
    expect(reported).toBe(LAUNCHES);
  }, 120_000);
});
