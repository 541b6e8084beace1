/**
 * The native helper's source compiles warning-free, its fallbacks work, and a cached binary runs
 * only when it is the user's own, private, and the one the user built. "Planted" binaries here
 * are shell scripts that write a marker file when run: the marker must never appear.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../../runtime/engine/helper-launcher';
import { buildNativeHelper, COMPILE_FLAGS, NativeHelperBuild } from '../../../runtime/engine/native-helper';
import { eventually, isProcessAlive } from './engine-fixture';

const SOURCE = path.join(__dirname, '../../../runtime/engine/process-helper.c');

/** The build command the C file documents at its top (`cc <flags> -o process-helper process-helper.c`), as argv. */
function documentedBuild(): string[] {
  const line = /^ \*   (cc .* process-helper\.c)$/m.exec(fs.readFileSync(SOURCE, 'utf8'));
  if (!line) throw new Error(`${SOURCE} does not document its build command in its first comment`);
  return line[1].split(' ');
}
/** The compiler flags of the documented build command. */
const DOCUMENTED_FLAGS = documentedBuild().slice(1, documentedBuild().indexOf('-o'));
const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

let scratch: string;
let marker: string;
beforeEach(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-helper-cache-test-'));
  marker = path.join(scratch, 'planted-binary-ran');
});
/** Private directories a build fell back to: removed here, as jest workers may skip the exit hook that removes them. */
const fallbackDirs = new Set<string>();
afterEach(() => {
  for (const dir of [scratch, ...fallbackDirs]) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fallbackDirs.clear();
});

/** The build, its fallback directory (if any) noted for removal. */
function tracked(build: NativeHelperBuild): NativeHelperBuild {
  if ('binary' in build && !build.binary.startsWith(scratch)) {
    fallbackDirs.add(path.dirname(build.binary));
  }
  return build;
}

function binaryOf(build: NativeHelperBuild): string {
  tracked(build);
  if (!('binary' in build)) {
    throw new Error(`the native helper did not build: ${build.failure}`);
  }
  return build.binary;
}

/** The name a build in any cache dir gets (the name depends on source, flags, platform and arch only). */
function helperName(): string {
  const dir = fs.mkdtempSync(path.join(scratch, 'name-'));
  return path.basename(binaryOf(buildNativeHelper(dir)));
}

/** Writes a script at `file` that leaves the marker when run, and returns its SHA-256. */
function plant(file: string, mode = 0o700): string {
  const script = `#!/bin/sh\ntouch '${marker}'\nexit 0\n`;
  fs.writeFileSync(file, script, { mode });
  fs.chmodSync(file, mode);
  return createHash('sha256').update(script).digest('hex');
}

function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Runs `true` through the helper at `binary`: it is what the engine would execute. */
async function runThrough(binary: string): Promise<unknown> {
  const launcher = new HelperLauncher(binary);
  try {
    const work = path.join(scratch, 'work');
    return await launcher.launch({ command: ['true'], environment: { PATH: process.env.PATH! }, workDir: work, logFile: path.join(work, 'out.log') }).exited;
  } finally {
    await launcher.close();
  }
}

describe('the helper source', () => {
  const compilers = ['cc', 'gcc', 'clang'].filter((compiler) => spawnSync(compiler, ['--version'], { stdio: 'ignore' }).status === 0);

  test('a C compiler is installed, as CI needs to prove the source warning-free', () => {
    expect(compilers).toContain('cc');
  });

  test('documents the build command, with the strict flags the engine compiles with', () => {
    expect(DOCUMENTED_FLAGS).toEqual(expect.arrayContaining(['-Wall', '-Wextra', '-Werror']));
    expect(DOCUMENTED_FLAGS).toEqual(COMPILE_FLAGS);
  });

  test('builds on its own with the documented command, with no diagnostics at all, into a helper that runs', async () => {
    // GIVEN: the source alone in a directory
    fs.copyFileSync(SOURCE, path.join(scratch, 'process-helper.c'));
    const [compiler, ...args] = documentedBuild();
    // WHEN
    const result = spawnSync(compiler, args, { cwd: scratch, encoding: 'utf8' });
    // THEN
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    expect(await runThrough(path.join(scratch, 'process-helper'))).toEqual({ exitCode: 0 });
  });

  describe.each(compilers)('with %s', (compiler) => {
    test.each([
      ['as shipped', []],
      ['with the fallback to chdir in the helper and a process group instead of a session', ['-DSPAWN_CHDIR_ACTION=0', '-DSPAWN_WITHOUT_SETSID']],
    ])('compiles %s with -Wall -Wextra -Werror and no diagnostics at all', (_variant, defines) => {
      const result = spawnSync(compiler, [...DOCUMENTED_FLAGS, ...defines, '-fsyntax-only', SOURCE], { encoding: 'utf8' });
      expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: '' });
    });
  });
});

describe('the helper built with its fallbacks (chdir in the helper, process group instead of session)', () => {
  let binary: string;
  let launcher: HelperLauncher;
  beforeEach(() => {
    binary = path.join(scratch, 'process-helper-fallback');
    const compiled = spawnSync('cc', [...DOCUMENTED_FLAGS, '-DSPAWN_CHDIR_ACTION=0', '-DSPAWN_WITHOUT_SETSID', '-o', binary, SOURCE], { encoding: 'utf8' });
    expect(compiled.stderr).toBe('');
    launcher = new HelperLauncher(binary);
  });
  afterEach(() => launcher.close());

  test('runs in the work dir, relative program paths included, and the helper stays where it was', async () => {
    // GIVEN: two attempts in different work dirs, the second running a script by a relative path
    const first = path.join(scratch, 'one');
    const second = path.join(scratch, 'two');
    fs.mkdirSync(second);
    fs.writeFileSync(path.join(second, 'where.sh'), '#!/bin/sh\npwd\n', { mode: 0o755 });
    // WHEN
    const exits = await Promise.all([
      launcher.launch({ command: ['pwd'], environment: { PATH: process.env.PATH! }, workDir: first, logFile: path.join(scratch, 'one.log') }).exited,
      launcher.launch({ command: ['./where.sh'], environment: { PATH: process.env.PATH! }, workDir: second, logFile: path.join(scratch, 'two.log') }).exited,
    ]);
    // THEN
    expect(exits).toEqual([{ exitCode: 0 }, { exitCode: 0 }]);
    expect(fs.readFileSync(path.join(scratch, 'one.log'), 'utf8')).toBe(`${fs.realpathSync(first)}\n`);
    expect(fs.readFileSync(path.join(scratch, 'two.log'), 'utf8')).toBe(`${fs.realpathSync(second)}\n`);
  });

  test('a signal reaches the whole process group', async () => {
    const work = path.join(scratch, 'group');
    const launched = launcher.launch({ command: ['sh', '-c', 'sleep 30 & echo $! > child.pid; wait'], environment: { PATH: process.env.PATH! }, workDir: work, logFile: path.join(scratch, 'group.log') });
    const pidFile = path.join(work, 'child.pid');
    await eventually(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').endsWith('\n'), 'the child to start');
    launched.signal('SIGKILL');
    expect(await launched.exited).toEqual({ exitCode: 137 });
    await eventually(() => !isProcessAlive(Number(fs.readFileSync(pidFile, 'utf8'))), 'the grandchild to be killed too');
  });
});

describe('a program that cannot be executed', () => {
  test('is reported with the reason in the log and exit code 127, and never as started', async () => {
    // GIVEN: an executable file that is no program (no #! line, not a binary)
    const launcher = new HelperLauncher(binaryOf(buildNativeHelper(path.join(scratch, 'cache'))));
    const work = path.join(scratch, 'work');
    fs.mkdirSync(work);
    fs.writeFileSync(path.join(work, 'not-a-program'), '\u0000\u0001\u0002', { mode: 0o755 });
    try {
      // WHEN
      const launched = launcher.launch({ command: ['./not-a-program'], environment: { PATH: process.env.PATH! }, workDir: work, logFile: path.join(scratch, 'out.log') });
      // THEN
      expect(await launched.exited).toEqual({ exitCode: 127 });
      expect(await launched.started).toBe(false);
      expect(fs.readFileSync(path.join(scratch, 'out.log'), 'utf8')).toBe('batchkit: cannot exec ./not-a-program: Exec format error\n');
    } finally {
      await launcher.close();
    }
  });
});

describe('the helper cache', () => {
  test('a planted binary with the right name but no recorded digest is never run, and is replaced by a good build', async () => {
    // GIVEN
    const cacheDir = path.join(scratch, 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    const planted = path.join(cacheDir, helperName());
    plant(planted);
    // WHEN
    const build = buildNativeHelper(cacheDir, '/nonexistent/cc-is-not-needed-when-the-cache-is-good');
    // THEN: the compile was needed (the failure names the compiler), so the planted file was not taken
    expect(build).toEqual({ failure: expect.stringContaining('/nonexistent/cc-is-not-needed-when-the-cache-is-good failed') });
    // WHEN: built with a working compiler, and an attempt runs through the result
    const binary = binaryOf(buildNativeHelper(cacheDir));
    expect(await runThrough(binary)).toEqual({ exitCode: 0 });
    // THEN
    expect(binary).toBe(planted);
    expect(fs.readFileSync(`${binary}.sha256`, 'utf8')).toBe(`${sha256Of(binary)}\n`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a binary whose content no longer matches its recorded digest is rebuilt, never run', async () => {
    // GIVEN: a good build, then its binary swapped for a planted script
    const cacheDir = path.join(scratch, 'cache');
    const good = binaryOf(buildNativeHelper(cacheDir));
    const goodDigest = sha256Of(good);
    fs.rmSync(good);
    plant(good);
    // WHEN
    const binary = binaryOf(buildNativeHelper(cacheDir));
    expect(await runThrough(binary)).toEqual({ exitCode: 0 });
    // THEN
    expect(sha256Of(binary)).toBe(goodDigest);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a binary others can write (mode 0777) is rebuilt even when its digest is recorded', async () => {
    // GIVEN: a planted script with a matching digest file, but world-writable
    const cacheDir = path.join(scratch, 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    const planted = path.join(cacheDir, helperName());
    fs.writeFileSync(`${planted}.sha256`, `${plant(planted, 0o777)}\n`, { mode: 0o600 });
    // WHEN
    const binary = binaryOf(buildNativeHelper(cacheDir));
    expect(await runThrough(binary)).toEqual({ exitCode: 0 });
    // THEN
    expect(fs.statSync(binary).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(`${binary}.sha256`, 'utf8')).toBe(`${sha256Of(binary)}\n`);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a digest file others can write is not believed', async () => {
    // GIVEN: a planted script with a matching digest in a world-writable digest file
    const cacheDir = path.join(scratch, 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    const planted = path.join(cacheDir, helperName());
    fs.writeFileSync(`${planted}.sha256`, `${plant(planted)}\n`);
    fs.chmodSync(`${planted}.sha256`, 0o666);
    // WHEN
    expect(await runThrough(binaryOf(buildNativeHelper(cacheDir)))).toEqual({ exitCode: 0 });
    // THEN
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a binary that is a symbolic link is replaced, not followed', async () => {
    // GIVEN: the name links to a planted script elsewhere, with its digest recorded
    const cacheDir = path.join(scratch, 'cache');
    fs.mkdirSync(cacheDir, { mode: 0o700 });
    const name = helperName();
    const elsewhere = path.join(scratch, 'elsewhere');
    fs.writeFileSync(path.join(cacheDir, `${name}.sha256`), `${plant(elsewhere)}\n`, { mode: 0o600 });
    fs.symlinkSync(elsewhere, path.join(cacheDir, name));
    // WHEN
    const binary = binaryOf(buildNativeHelper(cacheDir));
    expect(await runThrough(binary)).toEqual({ exitCode: 0 });
    // THEN
    expect(fs.lstatSync(binary).isSymbolicLink()).toBe(false);
    expect(fs.existsSync(marker)).toBe(false);
  });

  test('a cache dir of ours that others can write (0777) is tightened to 0700, and says so', () => {
    // GIVEN
    const cacheDir = path.join(scratch, 'cache');
    fs.mkdirSync(cacheDir);
    fs.chmodSync(cacheDir, 0o777);
    // WHEN
    const build = tracked(buildNativeHelper(cacheDir));
    // THEN
    expect(build).toEqual({
      binary: expect.stringMatching(new RegExp(`^${cacheDir}/process-helper-[0-9a-f]{16}$`)),
      notice: `tightened the helper cache ${cacheDir} from 0777 to 0700: others could have replaced the process helper there`,
    });
    expect(fs.statSync(cacheDir).mode & 0o7777).toBe(0o700);
  });

  test('a shared sticky cache dir (like /tmp) is left alone and not used', () => {
    // GIVEN
    const cacheDir = path.join(scratch, 'shared');
    fs.mkdirSync(cacheDir);
    fs.chmodSync(cacheDir, 0o1777);
    // WHEN
    const build = tracked(buildNativeHelper(cacheDir));
    // THEN
    expect(build).toEqual({ binary: expect.not.stringContaining(cacheDir), notice: expect.stringMatching(/is a shared directory \(mode 01777\): expected a directory of its own: the process helper was built in .*batchkit-helper-.* for this process instead$/) });
    expect(fs.statSync(cacheDir).mode & 0o7777).toBe(0o1777);
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  test('a cache dir that is a symbolic link is not used', () => {
    const target = path.join(scratch, 'target');
    fs.mkdirSync(target, { mode: 0o700 });
    const cacheDir = path.join(scratch, 'link');
    fs.symlinkSync(target, cacheDir);
    const build = tracked(buildNativeHelper(cacheDir));
    expect(build).toEqual({ binary: expect.not.stringContaining(scratch), notice: expect.stringContaining(`the helper cache ${cacheDir} is a symbolic link: expected a directory of your own`) });
    expect(fs.readdirSync(target)).toEqual([]);
  });

  (isRoot ? describe : describe.skip)('as root, with files of another user (nobody)', () => {
    test('a cache dir owned by nobody is not used, even holding a binary and digest that match', async () => {
      // GIVEN: nobody's cache dir, with nobody's planted script and its correct digest
      const cacheDir = path.join(scratch, 'cache');
      fs.mkdirSync(cacheDir, { mode: 0o755 });
      const planted = path.join(cacheDir, helperName());
      fs.writeFileSync(`${planted}.sha256`, `${plant(planted, 0o755)}\n`, { mode: 0o644 });
      for (const file of [cacheDir, planted, `${planted}.sha256`]) {
        fs.chownSync(file, NOBODY, NOBODY);
      }
      // WHEN
      const build = tracked(buildNativeHelper(cacheDir));
      const binary = binaryOf(build);
      expect(await runThrough(binary)).toEqual({ exitCode: 0 });
      // THEN: built privately under the temporary directory, and the notice says why
      expect(build).toEqual({ binary: expect.not.stringContaining(cacheDir), notice: expect.stringContaining(`the helper cache ${cacheDir} is owned by uid ${NOBODY}: expected a directory owned by you (uid 0)`) });
      expect(path.dirname(binary)).toMatch(new RegExp(`^${os.tmpdir()}/batchkit-helper-`));
      expect(fs.statSync(path.dirname(binary)).mode & 0o777).toBe(0o700);
      expect(fs.existsSync(marker)).toBe(false);
      expect(fs.readdirSync(cacheDir).sort()).toEqual([path.basename(planted), `${path.basename(planted)}.sha256`]);
    });

    test('in a cache dir of ours, a binary and digest owned by nobody are replaced, never run', async () => {
      // GIVEN: files planted while the dir was open to others
      const cacheDir = path.join(scratch, 'cache');
      fs.mkdirSync(cacheDir, { mode: 0o700 });
      const planted = path.join(cacheDir, helperName());
      fs.writeFileSync(`${planted}.sha256`, `${plant(planted, 0o755)}\n`, { mode: 0o644 });
      fs.chownSync(planted, NOBODY, NOBODY);
      fs.chownSync(`${planted}.sha256`, NOBODY, NOBODY);
      // WHEN
      const binary = binaryOf(buildNativeHelper(cacheDir));
      expect(await runThrough(binary)).toEqual({ exitCode: 0 });
      // THEN
      expect(binary).toBe(planted);
      expect(fs.statSync(binary).uid).toBe(0);
      expect(fs.statSync(`${binary}.sha256`).uid).toBe(0);
      expect(fs.existsSync(marker)).toBe(false);
    });
  });
});
