/**
 * `batchkit run --local` keeps a job's environment in the engine's data directory and the run
 * journal: both end up readable by their owner only, the lock file and the remembered target
 * included, and directories that were open to others are tightened with one line on stderr.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runCli, TEST_TEMPLATE } from './cli-process';

const SECRET = 'hunter2-not-for-others';
const modeOf = (file: string) => fs.statSync(file).mode & 0o7777;

/** Every entry under `root` (root included) whose mode is not 0700 for a directory or 0600 for a file. */
function notPrivate(root: string): string[] {
  const wrong: string[] = [];
  const visit = (entry: string) => {
    const stat = fs.statSync(entry);
    if ((stat.mode & 0o7777) !== (stat.isDirectory() ? 0o700 : 0o600)) {
      wrong.push(`${entry} ${(stat.mode & 0o7777).toString(8)}`);
    }
    if (stat.isDirectory()) {
      fs.readdirSync(entry).forEach((name) => visit(path.join(entry, name)));
    }
  };
  visit(root);
  return wrong;
}

let dir: string;
beforeAll(() => {
  // Open to everyone, as a project directory usually is: only batchkit's modes protect its state.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-cli-private-'));
  fs.chmodSync(dir, 0o755);
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('batchkit run --local', () => {
  const dataDir = () => path.join(dir, 'engine');
  const journalDir = () => path.join(dir, 'runs');
  let result: Awaited<ReturnType<typeof runCli>>;
  let runId: string;

  beforeAll(async () => {
    // GIVEN: both directories left open to others by an older batchkit
    for (const existing of [dataDir(), journalDir()]) {
      fs.mkdirSync(existing);
      fs.chmodSync(existing, 0o755);
    }
    const workflow = path.join(dir, 'secret.yaml');
    // The step reports the lock file's mode: the lock exists only while the command runs.
    fs.writeFileSync(workflow, [
      'name: cli-private',
      'defaults: { jobQueue: cdk:Queue, jobDefinition: cdk:Shell }',
      'steps:',
      '  connect:',
      '    environment: { DB_PASSWORD: ' + SECRET + ' }',
      `    command: [sh, -c, 'stat -c "lock %a" ${path.join(dataDir(), 'batchkit-cli.lock')}; echo "connecting with $DB_PASSWORD"']`,
      '',
    ].join('\n'));
    // WHEN
    result = await runCli(['run', workflow, '--local', '--template', TEST_TEMPLATE, '--data-dir', dataDir(), '--journal-dir', journalDir(), '--json']);
    runId = JSON.parse(result.stdout).runId;
  });

  test('the run succeeds and its step saw the lock file at mode 0600', () => {
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout);
    expect(fs.readFileSync(doc.steps[0].log.file, 'utf8')).toBe(`lock 600\nconnecting with ${SECRET}\n`);
  });

  test('says once on stderr, in its own words, that each directory was tightened', () => {
    expect(result.stderr.split('\n').filter((line) => line.includes('tightened'))).toEqual([
      `batchkit: tightened ${journalDir()} from 0755 to 0700: it holds run definitions with their job environments`,
      `batchkit: tightened ${dataDir()} from 0755 to 0700: it holds job environments and logs`,
    ]);
    expect(result.stderr).not.toMatch(/\(node:\d+\)/);
  });

  test('the data directory, the journal and the remembered target are 0700 directories of 0600 files', () => {
    expect(fs.existsSync(path.join(journalDir(), 'journal.sqlite3'))).toBe(true);
    expect(modeOf(path.join(journalDir(), 'targets', `${runId}.json`))).toBe(0o600);
    expect(notPrivate(journalDir())).toEqual([]);
    expect(notPrivate(dataDir())).toEqual([]);
    expect(fs.existsSync(path.join(dataDir(), 'batchkit-cli.lock'))).toBe(false);
  });

  const asRoot = process.getuid?.() === 0 ? test : test.skip;
  asRoot('user nobody cannot read the journal or the remembered target', () => {
    for (const file of [path.join(journalDir(), 'journal.sqlite3'), path.join(journalDir(), 'targets', `${runId}.json`)]) {
      const attempt = spawnSync('runuser', ['-u', 'nobody', '--', 'cat', file], { encoding: 'utf8' });
      expect({ file, error: attempt.error, refused: attempt.status !== 0, stdout: attempt.stdout }).toEqual({ file, error: undefined, refused: true, stdout: '' });
    }
  });

  // Only root can hand a directory to another user.
  asRoot('fails with exit 2 and a message naming the owner and mode when the data directory belongs to another user', async () => {
    // GIVEN
    const theirs = path.join(dir, 'theirs');
    fs.mkdirSync(theirs);
    fs.chmodSync(theirs, 0o755);
    fs.chownSync(theirs, 65534, 65534);
    // WHEN
    const refused = await runCli(['run', path.join(dir, 'secret.yaml'), '--local', '--template', TEST_TEMPLATE, '--data-dir', theirs, '--journal-dir', journalDir()]);
    // THEN
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`batchkit: ${theirs} is owned by uid 65534 with mode 0755: batchkit keeps job environments and logs there and will not leave them readable by others`);
    expect(fs.readdirSync(theirs)).toEqual([]);
  });
});
