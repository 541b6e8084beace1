import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  createPrivateDirs, createPrivateFileIfMissing, ensurePrivateDir, openPrivateFile, preparePrivateDatabase, PrivateStateError,
  tightenedMessage, TightenedDirectory, writePrivateFile,
} from '../../../runtime/files/private-files';

const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-private-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ensurePrivateDir', () => {
  test('creates missing directories, parents included, with mode 0700 and reports nothing', () => {
    // GIVEN
    const reports: TightenedDirectory[] = [];
    const target = path.join(dir, 'a', 'b', 'data');
    // WHEN
    ensurePrivateDir(target, (tightened) => reports.push(tightened));
    // THEN
    expect([modeOf(path.join(dir, 'a')), modeOf(path.join(dir, 'a', 'b')), modeOf(target)]).toEqual([0o700, 0o700, 0o700]);
    expect(reports).toEqual([]);
  });

  test('tightens an existing 0755 directory to 0700 and reports its former mode once', () => {
    // GIVEN
    const target = path.join(dir, 'data');
    fs.mkdirSync(target, { mode: 0o755 });
    fs.chmodSync(target, 0o755);
    const reports: TightenedDirectory[] = [];
    // WHEN
    ensurePrivateDir(target, (tightened) => reports.push(tightened));
    ensurePrivateDir(target, (tightened) => reports.push(tightened));
    // THEN
    expect(modeOf(target)).toBe(0o700);
    expect(reports).toEqual([{ path: target, previousMode: 0o755 }]);
    expect(tightenedMessage(reports[0], '.batchkit/local')).toBe('tightened .batchkit/local from 0755 to 0700: it holds job environments and logs');
  });

  test('without a callback, reports through a process warning', () => {
    // GIVEN
    const target = path.join(dir, 'data');
    fs.mkdirSync(target);
    fs.chmodSync(target, 0o750);
    // Jest hands tests a copy of `process` whose 'warning' listeners never fire: watch the call instead.
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      // WHEN
      ensurePrivateDir(target);
      // THEN
      expect(emitWarning.mock.calls).toEqual([[`batchkit: tightened ${target} from 0750 to 0700: it holds job environments and logs`, { code: 'BATCHKIT_PRIVATE_DIR' }]]);
      expect(modeOf(target)).toBe(0o700);
    } finally {
      emitWarning.mockRestore();
    }
  });

  test('leaves a directory that is already private alone', () => {
    const target = path.join(dir, 'data');
    fs.mkdirSync(target, { mode: 0o700 });
    const reports: TightenedDirectory[] = [];
    ensurePrivateDir(target, (tightened) => reports.push(tightened));
    expect(modeOf(target)).toBe(0o700);
    expect(reports).toEqual([]);
  });

  test('fails when the directory is shared by design (sticky bit, like /tmp)', () => {
    // GIVEN
    const target = path.join(dir, 'shared');
    fs.mkdirSync(target);
    fs.chmodSync(target, 0o1777);
    // WHEN / THEN
    expect(() => ensurePrivateDir(target)).toThrow(PrivateStateError);
    expect(() => ensurePrivateDir(target)).toThrow(`${target} is a shared directory (mode 0777 with the sticky bit)`);
    expect(modeOf(target)).toBe(0o1777);
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('fails when the directory belongs to another user, naming the path, the owner and the mode', () => {
    // GIVEN
    const target = path.join(dir, 'theirs');
    fs.mkdirSync(target);
    fs.chmodSync(target, 0o755);
    fs.chownSync(target, 65534, 65534);
    // WHEN / THEN
    expect(() => ensurePrivateDir(target)).toThrow(
      `${target} is owned by uid 65534 with mode 0755: batchkit keeps job environments and logs there and will not leave them readable by others; ` +
      'expected a directory owned by you (uid 0): chown it, or choose another directory');
    expect(modeOf(target)).toBe(0o755);
  });

  test('fails when the path is a file', () => {
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    expect(() => ensurePrivateDir(file)).toThrow(/EEXIST|is not a directory/);
  });
});

describe('createPrivateDirs', () => {
  test('creates with 0700 but leaves an existing directory as it is', () => {
    // GIVEN
    const shared = path.join(dir, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o755);
    // WHEN
    createPrivateDirs(path.join(shared, 'x', 'y'));
    // THEN
    expect([modeOf(shared), modeOf(path.join(shared, 'x')), modeOf(path.join(shared, 'x', 'y'))]).toEqual([0o755, 0o700, 0o700]);
  });
});

describe('private files', () => {
  test('openPrivateFile, writePrivateFile and createPrivateFileIfMissing create files with mode 0600', () => {
    // WHEN
    fs.closeSync(openPrivateFile(path.join(dir, 'appended'), 'a'));
    writePrivateFile(path.join(dir, 'written'), 'secret');
    createPrivateFileIfMissing(path.join(dir, 'empty'));
    fs.closeSync(openPrivateFile(path.join(dir, 'exclusive'), 'wx'));
    // THEN
    expect(['appended', 'written', 'empty', 'exclusive'].map((name) => modeOf(path.join(dir, name)))).toEqual([0o600, 0o600, 0o600, 0o600]);
    expect(fs.readFileSync(path.join(dir, 'written'), 'utf8')).toBe('secret');
  });

  test('an existing 0644 file is tightened and keeps its content when appended to', () => {
    // GIVEN
    const file = path.join(dir, 'events.ndjson');
    fs.writeFileSync(file, 'first\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    // WHEN
    const fd = openPrivateFile(file, 'a');
    fs.writeSync(fd, 'second\n');
    fs.closeSync(fd);
    // THEN
    expect(modeOf(file)).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toBe('first\nsecond\n');
  });

  test.each(['a', 'w'] as const)('fails when the file is a planted symbolic link (flags %s), and writes nothing through it', (flags) => {
    // GIVEN
    const elsewhere = path.join(dir, 'elsewhere');
    fs.writeFileSync(elsewhere, 'untouched');
    fs.chmodSync(elsewhere, 0o644);
    const link = path.join(dir, 'engine.log');
    fs.symlinkSync(elsewhere, link);
    // WHEN / THEN
    expect(() => openPrivateFile(link, flags)).toThrow(`${link} is a symbolic link: batchkit writes job data there and does not follow links; expected a regular file or none: remove the link`);
    expect(() => writePrivateFile(link, 'secret')).toThrow(PrivateStateError);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('untouched');
    expect(modeOf(elsewhere)).toBe(0o644);
  });

  test('wx refuses an existing file, as a lock needs', () => {
    const file = path.join(dir, 'lock');
    fs.writeFileSync(file, '1');
    expect(() => openPrivateFile(file, 'wx')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('preparePrivateDatabase', () => {
  test('creates the database file 0600 and tightens leftover -wal and -shm files', () => {
    // GIVEN
    const db = path.join(dir, 'engine.sqlite');
    fs.writeFileSync(`${db}-wal`, '');
    fs.chmodSync(`${db}-wal`, 0o644);
    // WHEN
    preparePrivateDatabase(db);
    // THEN
    expect(modeOf(db)).toBe(0o600);
    expect(modeOf(`${db}-wal`)).toBe(0o600);
    expect(fs.existsSync(`${db}-shm`)).toBe(false);
  });
});
