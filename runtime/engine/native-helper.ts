/**
 * Building the native process helper: a ~300-line C program (`process-helper.c`, next to this
 * file's source) that starts every attempt for the engine with `posix_spawn` (`HelperLauncher`
 * speaks its protocol). It is compiled on first use with the host's C compiler (`$CC`, else `cc`)
 * into a per-user cache and reused from there; where no compiler works, the engine spawns from
 * Node instead (see `planHostLauncher`).
 *
 * Why C: on 2 cores, a job of `true` costs about 0.9 ms of CPU. `posix_spawn` (a vfork-like clone
 * on Linux) costs tens of microseconds whatever the helper's size, where forking the engine's own
 * Node process costs milliseconds that grow with its heap; and `poll` on a self-pipe woken by
 * SIGCHLD reports every exit at once, with no window in which a signal waits for the next request.
 *
 * The cache is trusted only as far as it is checked: a binary runs only from a directory of the
 * current user's that no one else can write, and only if it is the user's own regular file, not
 * writable by others, whose SHA-256 matches the digest recorded when this user built it.
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Where the C source is read from. It is resolved from the package root rather than copied into
 * `dist/` by the build: plain `tsc` (`npm run build`, `prepare`, or `npx tsc` before a bench)
 * then always leaves a working package, and there is one copy of the file to review. From the
 * TypeScript source (ts-node, jest) it sits next to this file; from the compiled
 * `dist/runtime/engine/`, the package root is three directories up (package.json ships the file).
 */
const SOURCE_CANDIDATES = [
  path.join(__dirname, 'process-helper.c'),
  path.resolve(__dirname, '..', '..', '..', 'runtime', 'engine', 'process-helper.c'),
];

/**
 * The compiler flags, as `process-helper.c` documents its build command; part of the cached
 * binary's name, so a change of flags compiles a new one.
 */
export const COMPILE_FLAGS: readonly string[] = ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11'];

/** Group and other write bits: either lets someone else replace what the engine executes. */
const WRITABLE_BY_OTHERS = 0o022;
const OWNER_EXECUTE = 0o100;
const STICKY_BIT = 0o1000;
/** Mode of the cache directory, the binary and the scratch directory: the user's alone. */
const PRIVATE_MODE = 0o700;
const DIGEST_FILE_MODE = 0o600;
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** Where compiled helpers are kept: `$BATCHKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/batchkit`, else `~/.cache/batchkit`. */
export function helperCacheDir(): string {
  if (process.env.BATCHKIT_CACHE_DIR) {
    return process.env.BATCHKIT_CACHE_DIR;
  }
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'batchkit');
}

/**
 * How a build went: the binary (with a `notice` when the cache directory had to be tightened or
 * could not be used, so the binary lives in a private temporary directory for this process), or
 * why there is none.
 */
export type NativeHelperBuild = { readonly binary: string; readonly notice?: string } | { readonly failure: string };

/**
 * The compiled helper for this source, compiler flags, platform and architecture: the cached
 * binary if it passes the checks above, else one compiled now. A compile happens in a private
 * scratch directory and is renamed into place with its digest, so parallel first uses (test
 * workers) never run a half-written binary.
 */
export function buildNativeHelper(cacheDir = helperCacheDir(), compiler = process.env.CC || 'cc'): NativeHelperBuild {
  if (process.platform === 'win32') {
    return { failure: 'Windows has neither fork nor the POSIX signals the helper relies on' };
  }
  let source: Buffer;
  try {
    source = readHelperSource();
  } catch (error) {
    return { failure: (error as Error).message };
  }
  const digest = createHash('sha256').update(`${process.platform} ${process.arch}\n${COMPILE_FLAGS.join(' ')}\n`).update(source).digest('hex').slice(0, 16);
  const name = `process-helper-${digest}`;
  let place: { dir: string; notice?: string };
  try {
    place = privateCacheDir(cacheDir);
  } catch (error) {
    return { failure: `no private directory to build the helper in: ${(error as Error).message}` };
  }
  const binary = path.join(place.dir, name);
  if (isTrustedBinary(binary)) {
    return withNotice({ binary }, place.notice);
  }
  const built = compileInto(place.dir, name, source, compiler);
  return 'failure' in built ? built : withNotice(built, place.notice);
}

function withNotice(build: { binary: string }, notice: string | undefined): NativeHelperBuild {
  return notice === undefined ? build : { ...build, notice };
}

function readHelperSource(): Buffer {
  for (const candidate of SOURCE_CANDIDATES) {
    if (fs.existsSync(candidate)) {
      return fs.readFileSync(candidate);
    }
  }
  throw new Error(`the helper's C source is missing: looked for ${SOURCE_CANDIDATES.join(' and ')}`);
}

/**
 * A directory only this user can write: `cacheDir` itself (created 0700, or tightened to 0700 if
 * it is ours and others could write it), else a fresh private directory under the system's
 * temporary directory, removed when this process exits, with a notice saying why.
 */
function privateCacheDir(cacheDir: string): { dir: string; notice?: string } {
  const inspected = inspectCacheDir(cacheDir);
  if (!('refusal' in inspected)) {
    return { dir: cacheDir, notice: inspected.notice };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-helper-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, notice: `${inspected.refusal}: the process helper was built in ${dir} for this process instead` };
}

/** Whether `cacheDir` can hold the helper (with a notice if it had to be tightened first), or why not. */
function inspectCacheDir(cacheDir: string): { notice?: string } | { refusal: string } {
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: PRIVATE_MODE });
  } catch (error) {
    return { refusal: `cannot create the helper cache ${cacheDir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const stat = fs.lstatSync(cacheDir);
  const uid = process.getuid!();
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    return { refusal: `the helper cache ${cacheDir} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}: expected a directory of your own` };
  }
  if (stat.uid !== uid) {
    return { refusal: `the helper cache ${cacheDir} is owned by uid ${stat.uid}: expected a directory owned by you (uid ${uid})` };
  }
  if ((stat.mode & WRITABLE_BY_OTHERS) === 0) {
    return {};
  }
  // Ours but shared by design (a sticky directory such as /tmp when running as root): never narrowed.
  if ((stat.mode & STICKY_BIT) !== 0) {
    return { refusal: `the helper cache ${cacheDir} is a shared directory (mode ${octal(stat.mode)}): expected a directory of its own` };
  }
  fs.chmodSync(cacheDir, PRIVATE_MODE);
  return { notice: `tightened the helper cache ${cacheDir} from ${octal(stat.mode)} to ${octal(PRIVATE_MODE)}: others could have replaced the process helper there` };
}

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/**
 * Whether `binary` may be executed: the user's own regular executable file that no one else can
 * write, beside a digest file of the same kind, and hashing to that digest. Files are read
 * through descriptors opened without following links, and checked with fstat on those
 * descriptors, so what is checked is what is hashed.
 */
function isTrustedBinary(binary: string): boolean {
  const recorded = readPrivateFile(`${binary}.sha256`)?.toString('utf8').trim();
  if (recorded === undefined || !/^[0-9a-f]{64}$/.test(recorded)) {
    return false;
  }
  const content = readPrivateFile(binary, OWNER_EXECUTE);
  return content !== undefined && createHash('sha256').update(content).digest('hex') === recorded;
}

/** The content of `file` if it is a regular file of this user's, not writable by others, with the `requiredBits`; else `undefined`. */
function readPrivateFile(file: string, requiredBits = 0): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NO_FOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stat = fs.fstatSync(fd);
    const trusted = stat.isFile() && stat.uid === process.getuid!() && (stat.mode & WRITABLE_BY_OTHERS) === 0 && (stat.mode & requiredBits) === requiredBits;
    return trusted ? fs.readFileSync(fd) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Compiles the helper in a fresh 0700 scratch directory inside `dir` (the compiler runs there on
 * relative names, so the binary does not depend on the scratch path), smoke-tests it, records its
 * digest, then renames both into place over whatever untrusted files had the names.
 */
function compileInto(dir: string, name: string, source: Buffer, compiler: string): NativeHelperBuild {
  let scratch: string | undefined;
  try {
    scratch = fs.mkdtempSync(path.join(dir, `.${name}-`));
    fs.writeFileSync(path.join(scratch, 'process-helper.c'), source, { flag: 'wx', mode: DIGEST_FILE_MODE });
    // `$CC` may carry words of its own (`ccache cc`, `gcc -m64`), as make passes it to a shell.
    const [command, ...compilerArgs] = compiler.trim().split(/\s+/);
    const compiled = spawnSync(command, [...compilerArgs, ...COMPILE_FLAGS, '-o', 'process-helper', 'process-helper.c'], { cwd: scratch, encoding: 'utf8', timeout: 60_000 });
    if (compiled.error || compiled.status !== 0) {
      return { failure: `${compiler} failed: ${compiled.error?.message ?? compiled.stderr.trim().split('\n').slice(0, 3).join(' ')}` };
    }
    const built = path.join(scratch, 'process-helper');
    // The linker creates its output through the umask: set the mode the checks expect.
    fs.chmodSync(built, PRIVATE_MODE);
    // A helper that cannot even start and stop on empty input is not used.
    const smoke = spawnSync(built, [], { input: '', timeout: 10_000 });
    if (smoke.status !== 0) {
      return { failure: `the compiled helper exited with ${smoke.status ?? smoke.signal} on empty input` };
    }
    const digestFile = path.join(scratch, 'process-helper.sha256');
    fs.writeFileSync(digestFile, `${createHash('sha256').update(fs.readFileSync(built)).digest('hex')}\n`, { flag: 'wx', mode: DIGEST_FILE_MODE });
    const binary = path.join(dir, name);
    // A planted directory cannot be renamed over; a planted file can.
    for (const target of [binary, `${binary}.sha256`]) {
      if (fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) {
        fs.rmSync(target, { recursive: true, force: true });
      }
    }
    fs.renameSync(built, binary);
    fs.renameSync(digestFile, `${binary}.sha256`);
    return { binary };
  } catch (error) {
    return { failure: (error as Error).message };
  } finally {
    if (scratch !== undefined) {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}
