/**
 * Files and directories only their owner can read. batchkit's state holds secrets: a job's
 * environment (`DB_PASSWORD`) sits in the engine database, the event log and the run journal,
 * and job logs hold whatever a job prints. Directories are made 0700 and files 0600 by the
 * mode given at creation, never by `process.umask`: jobs inherit the umask, and a job writing
 * its own files should get the umask its user chose.
 *
 * Plain `fs` only, so the engine, the workflow runtime and the CLI can all use it.
 */
import * as fs from 'fs';
import { BatchkitError } from '../model/errors';

/** Codes of the files layer's errors. */
export type FilesErrorCode = 'PRIVATE_STATE_REFUSED';

/** Mode of every directory batchkit creates for its state. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file batchkit creates for its state. */
export const PRIVATE_FILE_MODE = 0o600;

/** Group and other bits: any of them set means someone besides the owner has access. */
const SHARED_BITS = 0o077;
/** The sticky bit marks a directory shared by design (`/tmp`): never taken over. */
const STICKY_BIT = 0o1000;
/** Where the platform has no O_NOFOLLOW (Windows), symbolic links are not a planting risk either. */
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** A directory `ensurePrivateDir` found open to others and made private. */
export interface TightenedDirectory {
  /** The directory, as given. */
  readonly path: string;
  /** Its permission bits before (e.g. `0o755`). */
  readonly previousMode: number;
}

/** A directory or file batchkit cannot make private; nothing was written to it. Retrying does not help: the owner or the path must change. */
export class PrivateStateError extends BatchkitError {
  /** Always `PrivateStateError`. */
  public readonly name = 'PrivateStateError';
  public readonly code: FilesErrorCode = 'PRIVATE_STATE_REFUSED';
  /** The owner or the path must change first. */
  public readonly retryable = false;
  constructor(message: string, /** The path refused. */ public readonly path: string) {
    super(message);
  }
}

/** A mode as `ls` users read it: `0755`. */
export function octalMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * The sentence a tightened directory is reported with (the CLI prefixes `batchkit: `).
 * @param shownPath the path as the user knows it @default - the path as given
 * @param holds what the directory holds, the reason it was tightened @default 'job environments and logs'
 */
export function tightenedMessage(tightened: TightenedDirectory, shownPath = tightened.path, holds = 'job environments and logs'): string {
  return `tightened ${shownPath} from ${octalMode(tightened.previousMode)} to ${octalMode(PRIVATE_DIR_MODE)}: it holds ${holds}`;
}

/**
 * Makes `dir` (and missing parents) a private directory of batchkit's: what is created gets
 * 0700; an existing directory open to group or others is chmod'ed to 0700 when it is ours, and
 * reported to `onTightened`. Without a callback the report is a process warning (code
 * `BATCHKIT_PRIVATE_DIR`): library callers see it on stderr once, or through
 * `process.on('warning')`, and no option had to be added to every API that opens state.
 * @throws PrivateStateError when the directory belongs to another user, or is a shared sticky directory such as /tmp
 */
export function ensurePrivateDir(dir: string, onTightened?: (tightened: TightenedDirectory) => void): void {
  const created = fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined;
  if (process.platform === 'win32') {
    return;
  }
  const stat = fs.statSync(dir);
  if (!stat.isDirectory()) {
    throw new PrivateStateError(`${dir} is not a directory: expected a directory for batchkit's state`, dir);
  }
  if ((stat.mode & SHARED_BITS) === 0) {
    return;
  }
  const uid = process.getuid!();
  if (stat.uid !== uid) {
    throw new PrivateStateError(
      `${dir} is owned by uid ${stat.uid} with mode ${octalMode(stat.mode)}: batchkit keeps job environments and logs there and will not leave them readable by others; ` +
      `expected a directory owned by you (uid ${uid}): chown it, or choose another directory`, dir);
  }
  if ((stat.mode & STICKY_BIT) !== 0) {
    throw new PrivateStateError(
      `${dir} is a shared directory (mode ${octalMode(stat.mode)} with the sticky bit): batchkit keeps job environments and logs in its state directory; ` +
      `expected a directory of its own, e.g. ${dir.replace(/\/+$/, '')}/batchkit`, dir);
  }
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
  // A directory created just now is only wider because of an unusual umask: nothing to report.
  if (!created) {
    const tightened = { path: dir, previousMode: stat.mode & 0o777 };
    if (onTightened) {
      onTightened(tightened);
    } else {
      process.emitWarning(`batchkit: ${tightenedMessage(tightened)}`, { code: 'BATCHKIT_PRIVATE_DIR' });
    }
  }
}

/**
 * Creates `dir` and its missing parents with mode 0700, leaving existing directories as they
 * are: for directories inside a private one, and for places a caller chose (an event log file's
 * directory may well be a shared one, which is not ours to change).
 */
export function createPrivateDirs(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** How `openPrivateFile` opens: append, truncate, or create a new file only. */
export type PrivateOpenFlags = 'a' | 'w' | 'wx';

const OPEN_FLAGS: Readonly<Record<PrivateOpenFlags, number>> = {
  a: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND,
  w: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC,
  wx: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL,
};

/**
 * Opens a file for writing with mode 0600, tightening an existing file that is wider. A
 * symbolic link in its place is refused, not followed: someone who could plant one would
 * otherwise have batchkit write job data wherever it points.
 * @throws PrivateStateError for a symbolic link, or a file that belongs to another user and is open to others
 */
export function openPrivateFile(file: string, flags: PrivateOpenFlags): number {
  let fd: number;
  try {
    fd = fs.openSync(file, OPEN_FLAGS[flags] | NO_FOLLOW, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new PrivateStateError(`${file} is a symbolic link: batchkit writes job data there and does not follow links; expected a regular file or none: remove the link`, file);
    }
    throw error;
  }
  try {
    tightenOpenFile(fd, file);
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  return fd;
}

/** Replaces a file's content, the file being (or becoming) private; see `openPrivateFile`. */
export function writePrivateFile(file: string, content: string | Uint8Array): void {
  const fd = openPrivateFile(file, 'w');
  try {
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
}

/** Creates an empty private file if there is none, and tightens the one there; see `openPrivateFile`. */
export function createPrivateFileIfMissing(file: string): void {
  fs.closeSync(openPrivateFile(file, 'a'));
}

/**
 * Prepares an SQLite database file before it is opened: the file exists with mode 0600, and a
 * `-wal` or `-shm` left over is tightened too. SQLite gives the `-wal` and `-shm` files it
 * creates the database file's mode, so creating the file first is what makes them private.
 */
export function preparePrivateDatabase(file: string): void {
  createPrivateFileIfMissing(file);
  for (const companion of [`${file}-wal`, `${file}-shm`, `${file}-journal`]) {
    if (fs.existsSync(companion)) {
      createPrivateFileIfMissing(companion);
    }
  }
}

function tightenOpenFile(fd: number, file: string): void {
  if (process.platform === 'win32') {
    return;
  }
  const stat = fs.fstatSync(fd);
  if ((stat.mode & SHARED_BITS) === 0) {
    return;
  }
  const uid = process.getuid!();
  if (stat.uid !== uid) {
    throw new PrivateStateError(
      `${file} is owned by uid ${stat.uid} with mode ${octalMode(stat.mode)}: batchkit writes job data there and cannot make it private; ` +
      `expected a file owned by you (uid ${uid}) or none: remove it`, file);
  }
  fs.fchmodSync(fd, PRIVATE_FILE_MODE);
}
