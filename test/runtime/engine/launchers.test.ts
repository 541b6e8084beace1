import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../../runtime/engine/helper-launcher';
import { planHostLauncher } from '../../../runtime/engine/host-launcher';
import { HostProcessLauncher, ProcessLauncher } from '../../../runtime/engine/launcher';
import { buildNativeHelper } from '../../../runtime/engine/native-helper';
import { eventually, isProcessAlive, nativeHelper } from './engine-fixture';

const launchers: [string, () => ProcessLauncher][] = [
  ['native helper', () => new HelperLauncher(nativeHelper())],
  ['Node spawn', () => new HostProcessLauncher()],
];

describe.each(launchers)('%s launcher', (_name, create) => {
  let launcher: ProcessLauncher;
  let dir: string;
  let logFile: string;
  beforeEach(() => {
    launcher = create();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-launcher-'));
    logFile = path.join(dir, 'out.log');
  });
  afterEach(async () => {
    await launcher.close?.();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (command: string[], environment: Record<string, string> = { PATH: process.env.PATH! }) =>
    launcher.launch({ command, environment, workDir: dir, logFile });

  test('passes argv untouched: spaces, quotes, newlines, empty strings, $ and unicode', async () => {
    const awkward = ['a b', "it's", 'two\nlines', '', '$HOME', '"quoted"', 'é✓', ''];
    const launched = run(['node', '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...awkward]);
    expect(await launched.started).toBe(true);
    expect(await launched.exited).toEqual({ exitCode: 0 });
    expect(JSON.parse(fs.readFileSync(logFile, 'utf8'))).toEqual(awkward);
  });

  test('gives the process exactly the environment asked for, in the work dir', async () => {
    const launched = run(['node', '-e', 'console.log(JSON.stringify({ env: process.env, cwd: process.cwd() }))'], { PATH: process.env.PATH!, 'DOTTED.NAME': 'x', EMPTY: '', MULTI: 'a=b\nc' });
    await launched.exited;
    const seen = JSON.parse(fs.readFileSync(logFile, 'utf8')) as { env: Record<string, string>; cwd: string };
    expect(seen.cwd).toBe(fs.realpathSync(dir));
    const { PWD: _pwd, SHLVL: _shlvl, _: _underscore, ...env } = seen.env;
    expect(env).toEqual({ PATH: process.env.PATH, 'DOTTED.NAME': 'x', EMPTY: '', MULTI: 'a=b\nc' });
  });

  test('reports the exit code, and stdout and stderr go to the log in order', async () => {
    const launched = run(['sh', '-c', 'echo out; echo err >&2; exit 42']);
    expect(await launched.exited).toEqual({ exitCode: 42 });
    expect(fs.readFileSync(logFile, 'utf8')).toBe('out\nerr\n');
  });

  test('a signal reaches the whole process group and shows as 128 + signal', async () => {
    // GIVEN: a shell whose child writes its pid, then waits
    const launched = run(['sh', '-c', 'sleep 30 & echo $! > child.pid; wait']);
    await eventually(() => fs.existsSync(path.join(dir, 'child.pid')) && fs.readFileSync(path.join(dir, 'child.pid'), 'utf8').endsWith('\n'), 'the child to start');
    const childPid = Number(fs.readFileSync(path.join(dir, 'child.pid'), 'utf8'));
    // WHEN
    launched.signal('SIGKILL');
    // THEN
    expect(await launched.exited).toEqual({ exitCode: 137 });
    await eventually(() => !isProcessAlive(childPid), 'the grandchild to be killed too');
  });

  test('a command that does not exist is a start error, not an exit code', async () => {
    const launched = run(['batchkit-no-such-command']);
    expect(await launched.started).toBe(false);
    const exit = await launched.exited;
    expect(exit.exitCode).toBeUndefined();
    expect(exit.startError).toMatch(/^CannotStartContainerError: exec: "batchkit-no-such-command": /);
  });
});


describe('native helper under load', () => {
  test('reports exit code 0 for every one of 3,000 processes run two at a time', async () => {
    // GIVEN: exits landing while the helper reaps in its loop
    const launcher = new HelperLauncher(nativeHelper());
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-launcher-load-'));
    const codes = new Map<number | undefined, number>();
    let next = 0;
    const slot = async () => {
      while (next < 3000) {
        next++;
        const exit = await launcher.launch({ command: ['true'], environment: { PATH: process.env.PATH! }, workDir: dir, logFile: path.join(dir, 'out.log') }).exited;
        codes.set(exit.exitCode, (codes.get(exit.exitCode) ?? 0) + 1);
      }
    };
    try {
      // WHEN
      await Promise.all([slot(), slot()]);
    } finally {
      await launcher.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // THEN
    expect(Object.fromEntries(codes)).toEqual({ 0: 3000 });
  });
});

describe('building the native helper', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'batchkit-helper-cache-'));
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  test('compiles once into the cache, then reuses the binary without a compiler', () => {
    // GIVEN
    const first = buildNativeHelper(cacheDir);
    expect(first).toEqual({ binary: expect.stringMatching(new RegExp(`^${cacheDir}/process-helper-[0-9a-f]{16}$`)) });
    // WHEN: the compiler is gone
    const second = buildNativeHelper(cacheDir, '/nonexistent/cc');
    // THEN: the cached binary is used, and no scratch files are left behind: the binary and its digest only
    expect(second).toEqual(first);
    const binary = path.basename((first as { binary: string }).binary);
    expect(fs.readdirSync(cacheDir).sort()).toEqual([binary, `${binary}.sha256`]);
  });

  test('a compiler given with words of its own, as $CC often is, is run with them', () => {
    const build = buildNativeHelper(cacheDir, 'cc -Wall');
    expect(build).toEqual({ binary: expect.stringMatching(/process-helper-[0-9a-f]{16}$/) });
  });

  test('without a working compiler there is no binary, and the failure says which compiler', () => {
    const build = buildNativeHelper(cacheDir, '/nonexistent/cc');
    expect(build).toEqual({ failure: expect.stringContaining('/nonexistent/cc failed: ') });
    expect(fs.readdirSync(cacheDir)).toEqual([]);
  });

  test('a request too large for its first read buffer (64 KiB) still runs', async () => {
    // GIVEN: an environment of about 200 KiB (two variables: Linux caps one at 128 KiB)
    const launcher = new HelperLauncher((buildNativeHelper(cacheDir) as { binary: string }).binary);
    const environment: Record<string, string> = { PATH: process.env.PATH!, BIG: 'x'.repeat(100 * 1024), BIGGER: 'y'.repeat(100 * 1024) };
    const logFile = path.join(cacheDir, 'big.log');
    try {
      // WHEN
      const exit = await launcher.launch({ command: ['sh', '-c', 'echo \${#BIG} \${#BIGGER}'], environment, workDir: path.join(cacheDir, 'work', 'attempt-1'), logFile }).exited;
      // THEN
      expect(exit).toEqual({ exitCode: 0 });
      expect(fs.readFileSync(logFile, 'utf8')).toBe(`${100 * 1024} ${100 * 1024}\n`);
    } finally {
      await launcher.close();
    }
  });
});

describe('choosing the host launcher (BATCHKIT_PROCESS_HELPER)', () => {
  const noCompiler = () => ({ failure: '/nonexistent/cc failed: spawnSync /nonexistent/cc ENOENT' });

  test('unset or empty picks the native helper where a compiler works, as on these machines', () => {
    for (const asked of [undefined, '']) {
      const plan = planHostLauncher(asked);
      expect(plan).toEqual({ helperBinary: expect.stringMatching(/process-helper-[0-9a-f]{16}$/), description: 'the native process helper', notices: [] });
    }
  });

  test('unset, without a working compiler, spawns from Node and says once why', () => {
    // WHEN
    const plan = planHostLauncher(undefined, noCompiler);
    // THEN
    expect(plan.helperBinary).toBeUndefined();
    expect(plan.description).toBe("Node's spawn (the native process helper cannot be built: /nonexistent/cc failed: spawnSync /nonexistent/cc ENOENT)");
    expect(plan.notices).toEqual([{
      code: 'BATCHKIT_NODE_SPAWN',
      message: "starting attempts with Node's spawn, which is correct but slower per attempt than the native process helper (Node forks its whole process for each one): the helper cannot be built: /nonexistent/cc failed: spawnSync /nonexistent/cc ENOENT",
    }]);
  });

  test('node spawns from Node without building anything; native insists on the helper', () => {
    expect(planHostLauncher('node', () => { throw new Error('built'); })).toEqual({ description: "Node's spawn (BATCHKIT_PROCESS_HELPER=node)", notices: [] });
    expect(planHostLauncher('native').helperBinary).toMatch(/process-helper-[0-9a-f]{16}$/);
    expect(() => planHostLauncher('native', noCompiler)).toThrow('BATCHKIT_PROCESS_HELPER is native but the helper cannot be built: /nonexistent/cc failed: spawnSync /nonexistent/cc ENOENT');
  });

  test.each(['perl', 'sh'])('fails when it names the retired %s helper, saying so and what is expected', (asked) => {
    expect(() => planHostLauncher(asked)).toThrow(`BATCHKIT_PROCESS_HELPER is "${asked}", a helper batchkit no longer has: expected one of native, node (native: the C helper, built where a C compiler works; node: Node's own spawn)`);
  });

  test('fails when it names no helper, naming what was given and what is expected', () => {
    expect(() => planHostLauncher('python')).toThrow(`BATCHKIT_PROCESS_HELPER is "python": expected one of native, node (native: the C helper, built where a C compiler works; node: Node's own spawn)`);
  });
});
