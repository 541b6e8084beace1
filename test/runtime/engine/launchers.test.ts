import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HelperLauncher } from '../../../runtime/engine/helper-launcher';
import { PERL_HELPER, SHELL_HELPER } from '../../../runtime/engine/helper-programs';
import { HostProcessLauncher, ProcessLauncher } from '../../../runtime/engine/launcher';
import { eventually, isProcessAlive } from './engine-fixture';

const launchers: [string, () => ProcessLauncher][] = [
  ['perl helper', () => new HelperLauncher(PERL_HELPER)],
  ['sh helper', () => new HelperLauncher(SHELL_HELPER)],
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


describe('perl helper under load', () => {
  test('reports exit code 0 for every one of 3,000 processes run two at a time', async () => {
    // GIVEN: exits landing while the helper reaps in its loop (a handler clobbering $? there once reported 255)
    const launcher = new HelperLauncher(PERL_HELPER);
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
