/**
 * A helper that forks the engine's attempts must report every exit. The perl helper's SIGCHLD handler
 * is a Perl (deferred) handler: when the signal lands after the last safe point and before the
 * helper blocks reading its next request, the handler only runs once more input arrives. With
 * one job at a time (a chain of dependent jobs) no more input comes: the job's exit is lost and
 * the job stays RUNNING forever. Thousands of one-at-a-time launches hit that window (seen about
 * once per 3,000 launches on 2 cores; the bench of engine dispatch hung the same way). The
 * native helper polls a self-pipe written by its SIGCHLD handler, which has no such window: the
 * same test holds it to that.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../runtime/engine/helper-launcher';
import { PERL_HELPER } from '../../runtime/engine/helper-programs';
import { nativeHelper } from '../runtime/engine/engine-fixture';

const LAUNCHES = 6000;
/** Longest time one `true` may take to be reported; far above the ~1.5 ms it takes. */
const STALL_MS = 5_000;

describe.each([['perl', () => PERL_HELPER], ['native', nativeHelper]])('the %s launcher helper', (_name, program) => {
  test(`reports the exit of ${LAUNCHES} processes launched one at a time`, async () => {
    // GIVEN
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-launch-race-'));
    const launcher = new HelperLauncher(program());
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
