/**
 * The engine's data directory holds job environments (`DB_PASSWORD`) in the database, its WAL,
 * the event log, and job output in the logs: all of it is readable by the owner only, whichever
 * launcher started the jobs.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../../runtime/engine/helper-launcher';
import { HostProcessLauncher, ProcessLauncher } from '../../../runtime/engine/launcher';
import { EngineFixture, nativeHelper, openEngine } from './engine-fixture';

const SECRET = 'hunter2-not-for-others';
const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;

/** Every directory and file under `root` (root included), with its permission bits. */
function walk(root: string): { path: string; kind: 'dir' | 'file'; mode: number }[] {
  const found: { path: string; kind: 'dir' | 'file'; mode: number }[] = [{ path: root, kind: 'dir', mode: modeOf(root) }];
  for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) {
      found.push(...walk(full));
    } else {
      found.push({ path: full, kind: 'file', mode: modeOf(full) });
    }
  }
  return found;
}

/** Whether user `nobody` manages to read the file (run only as root, which can switch users). */
function nobodyCanRead(file: string): { status: number | null; stdout: string } {
  const result = spawnSync('runuser', ['-u', 'nobody', '--', 'cat', file], { encoding: 'utf8' });
  if (result.error) {
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout };
}

const launchers: [string, () => ProcessLauncher][] = [
  ['native helper', () => new HelperLauncher(nativeHelper())],
  ['Node spawn', () => new HostProcessLauncher()],
];

let scratch: string;
beforeEach(() => {
  // The scratch root is open to everyone (as a home or project directory usually is): only
  // batchkit's own modes stand between other users and the data.
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-private-data-'));
  fs.chmodSync(scratch, 0o755);
});
afterEach(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function runSecretJob(fixture: EngineFixture): Promise<string> {
  await fixture.define('with-secret', ['sh', '-c', 'echo "connecting with $DB_PASSWORD"'], {
    containerProperties: {
      image: 'busybox', command: ['sh', '-c', 'echo "connecting with $DB_PASSWORD"'],
      environment: [{ name: 'DB_PASSWORD', value: SECRET }],
      resourceRequirements: [{ type: 'VCPU', value: '1' }, { type: 'MEMORY', value: '64' }],
    },
  });
  await fixture.define('no-command', [], { containerProperties: { image: 'busybox', environment: [{ name: 'DB_PASSWORD', value: SECRET }] } });
  const jobId = await fixture.submit('secret', 'with-secret');
  const retried = await fixture.submit('secret-retried', 'with-secret', { containerOverrides: { command: ['sh', '-c', 'exit 1'] }, retryStrategy: { attempts: 2 } });
  const commandless = await fixture.submit('commandless', 'no-command');
  expect((await fixture.waitFor(jobId)).status).toBe('SUCCEEDED');
  expect((await fixture.waitFor(retried)).attempts).toHaveLength(2);
  expect((await fixture.waitFor(commandless)).status).toBe('FAILED');
  return jobId;
}

describe.each(launchers)('the data directory with the %s launcher', (_name, createLauncher) => {
  test('every directory is 0700 and every file 0600: database, WAL, events, logs and work dirs', async () => {
    // GIVEN
    const dataDir = path.join(scratch, 'data');
    const launcher = createLauncher();
    const fixture = await openEngine({ dataDir, launcher });
    try {
      // WHEN
      const jobId = await runSecretJob(fixture);
      // THEN: while the engine is open, so the WAL exists (its index is in the engine's memory: no -shm file)
      const entries = walk(dataDir);
      const relative = entries.map((entry) => path.relative(dataDir, entry.path));
      expect(relative).toEqual(expect.arrayContaining(['engine.sqlite', 'engine.sqlite-wal', 'events.ndjson', 'logs', 'work']));
      expect(relative).not.toContain('engine.sqlite-shm');
      expect(relative.filter((name) => name.endsWith('.log'))).toHaveLength(4);
      expect(relative.filter((name) => /^work\/[^/]+\/attempt-\d$/.test(name))).toHaveLength(4);
      expect(entries.filter((entry) => entry.mode !== (entry.kind === 'dir' ? 0o700 : 0o600)).map((entry) => `${entry.path} ${entry.mode.toString(8)}`)).toEqual([]);
      expect(fs.readFileSync(fixture.engine.logFileFor(jobId)!, 'utf8')).toBe(`connecting with ${SECRET}\n`);
      expect(fs.readFileSync(path.join(dataDir, 'events.ndjson'), 'utf8')).toContain(SECRET);
    } finally {
      await fixture.engine.close();
      await launcher.close?.();
    }
  });
});

describe('the data directory', () => {
  test('an existing 0755 data directory is tightened to 0700, with a process warning saying so', async () => {
    // GIVEN
    const dataDir = path.join(scratch, 'data');
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    let fixture: EngineFixture | undefined;
    try {
      // WHEN
      fixture = await openEngine({ dataDir });
      // THEN
      expect(modeOf(dataDir)).toBe(0o700);
      expect(emitWarning.mock.calls.filter(([message]) => String(message).includes('tightened'))).toEqual([
        [`batchkit: tightened ${dataDir} from 0755 to 0700: it holds job environments and logs`, { code: 'BATCHKIT_PRIVATE_DIR' }],
      ]);
      await runSecretJob(fixture);
      expect(walk(dataDir).filter((entry) => entry.mode !== (entry.kind === 'dir' ? 0o700 : 0o600))).toEqual([]);
    } finally {
      emitWarning.mockRestore();
      await fixture?.engine.close();
    }
  });

  test('an existing 0644 database and event log are tightened to 0600 when the engine opens them', async () => {
    // GIVEN: files left by an older batchkit
    const dataDir = path.join(scratch, 'data');
    const first = await openEngine({ dataDir });
    await first.engine.close();
    fs.chmodSync(path.join(dataDir, 'engine.sqlite'), 0o644);
    fs.chmodSync(path.join(dataDir, 'events.ndjson'), 0o644);
    // WHEN
    const second = await openEngine({ dataDir });
    try {
      // THEN
      expect([modeOf(path.join(dataDir, 'engine.sqlite')), modeOf(path.join(dataDir, 'events.ndjson'))]).toEqual([0o600, 0o600]);
    } finally {
      await second.engine.close();
    }
  });

  test('an in-memory engine keeps its logs and work dirs in a 0700 temporary directory', async () => {
    // GIVEN
    const fixture = await openEngine();
    try {
      // WHEN
      const jobId = await runSecretJob(fixture);
      // THEN: <root>/logs/<definition>/default/<task>.log
      const logFile = fixture.engine.logFileFor(jobId)!;
      const root = path.resolve(path.dirname(logFile), '..', '..', '..');
      expect(path.basename(root)).toMatch(/^batchkit-engine-/);
      expect(walk(root).filter((entry) => entry.mode !== (entry.kind === 'dir' ? 0o700 : 0o600))).toEqual([]);
    } finally {
      await fixture.engine.close();
    }
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('user nobody cannot read the database, its WAL, the event log or a job log', async () => {
    // GIVEN: nobody can read a file of the same directory tree that batchkit did not write
    const dataDir = path.join(scratch, 'data');
    const fixture = await openEngine({ dataDir });
    try {
      const jobId = await runSecretJob(fixture);
      const control = path.join(scratch, 'readable.txt');
      fs.writeFileSync(control, 'public\n', { mode: 0o644 });
      expect(nobodyCanRead(control)).toEqual({ status: 0, stdout: 'public\n' });
      // WHEN / THEN
      for (const file of [path.join(dataDir, 'engine.sqlite'), path.join(dataDir, 'engine.sqlite-wal'), path.join(dataDir, 'events.ndjson'), fixture.engine.logFileFor(jobId)!]) {
        expect(fs.existsSync(file)).toBe(true);
        const attempt = nobodyCanRead(file);
        expect({ file, status: attempt.status === 0 ? 'read' : 'refused', leaked: attempt.stdout.includes(SECRET) }).toEqual({ file, status: 'refused', leaked: false });
      }
    } finally {
      await fixture.engine.close();
    }
  });
});
