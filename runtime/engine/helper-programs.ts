/**
 * The small programs a `HelperLauncher` can run to fork attempts on Node's behalf, and how each
 * is told what to start. All answer on stdout with `S <id> <pid>` once the attempt is forked and
 * `E <id> <exit code>` once it ended (128 + signal when a signal killed it).
 *
 * - native (see `native-helper.ts`): a small C program compiled on first use and cached once
 *   checked; one `posix_spawn` per attempt, for less than `xargs` pays. The default wherever a C
 *   compiler works.
 * - perl (present on macOS and on Debian/Ubuntu as the essential perl-base): one fork, `setsid`,
 *   `exec` per attempt, the cost `xargs` pays; it also makes the work dir and opens the log, so
 *   the engine's event loop does no file system work per attempt.
 * - sh with the `setsid` command (any Linux with util-linux): two shell forks and two execs per
 *   attempt, about 1.2x what xargs pays.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { EngineConfigurationError } from './errors';
import type { LaunchRequest } from './launcher';
import { buildNativeHelper, nativeHelperProgram } from './native-helper';

/** A helper program: how to start it and how to encode one attempt as a line of its stdin. */
export interface HelperProgram {
  /** Name for messages. */
  readonly name: string;
  /** argv of the helper. */
  readonly argv: readonly string[];
  /** The bytes asking the helper to start an attempt (a line for the script helpers, a frame for the native one). */
  encode(id: number, request: LaunchRequest): string | Buffer;
  /** Whether the helper creates the work dir and the log file itself (before it reports `S`). */
  readonly createsFiles: boolean;
  /** Whether the helper must be sent an empty line every 50 ms while attempts run, to report exits it may have missed (perl). */
  readonly needsWakeUps: boolean;
}

/** Hex-encoded fields: nothing a job passes can break the line protocol. */
function hex(value: string): string {
  return Buffer.from(value, 'utf8').toString('hex');
}

const PERL_SCRIPT = `
use strict;
use warnings;
use POSIX ();
use File::Path ();
$| = 1;
my %running;
# A handler deferred to perl's next safe point can run between fork() and the line recording
# the child: a child reaped before it is recorded keeps its exit code here until it is.
my %reaped_early;
my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
sub reap {
  while ((my $pid = waitpid(-1, POSIX::WNOHANG())) > 0) {
    my $code = ($? & 127) ? 128 + ($? & 127) : ($? >> 8);
    my $id = delete $running{$pid};
    if (defined $id) {
      print "E $id $code\\n";
    } else {
      $reaped_early{$pid} = $code;
    }
  }
}
# local: the handler may run inside reap() called from the loop, between its waitpid and its read of $?.
$SIG{CHLD} = sub { local ($?, $!); reap() };
sub launch {
  my ($line) = @_;
  my ($id, $cwd, $log, $argc, @rest) = map { pack('H*', $_) } split / /, $line, -1;
  my @argv = splice(@rest, 0, $argc);
  my %env = map { split /=/, $_, 2 } @rest;
  # Two plain mkdirs in the usual case (a new job's dir, then its attempt's); make_path only if more is missing.
  # 0700 directories and a 0600 log: a job's files and output are its owner's alone.
  unless (mkdir($cwd, 0700)) {
    (my $parent = $cwd) =~ s{/[^/]*$}{};
    mkdir($parent, 0700);
    mkdir($cwd, 0700) or File::Path::make_path($cwd, { mode => 0700 });
  }
  my $out;
  if (!sysopen($out, $log, POSIX::O_WRONLY() | POSIX::O_CREAT() | POSIX::O_APPEND(), 0600)) {
    print "E $id 126\\n";
    return;
  }
  POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld);
  my $pid = fork();
  if (defined $pid && $pid == 0) {
    POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
    $SIG{CHLD} = 'DEFAULT';
    POSIX::setsid();
    open(STDIN, '<', '/dev/null');
    open(STDOUT, '>&', $out) or POSIX::_exit(126);
    open(STDERR, '>&', $out);
    close($out);
    chdir($cwd) or POSIX::_exit(126);
    %ENV = %env;
    { exec { $argv[0] } @argv; }
    print STDERR "batchkit: cannot exec $argv[0]: $!\\n";
    POSIX::_exit(127);
  }
  close($out);
  if (defined $pid) {
    print "S $id $pid\\n";
    $running{$pid} = $id;
    if (exists $reaped_early{$pid}) {
      delete $running{$pid};
      print "E $id " . delete($reaped_early{$pid}) . "\\n";
    }
  } else {
    print "E $id 126\\n";
  }
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld);
}
# Perl runs signal handlers between operations: a SIGCHLD that lands just before the blocking
# read below waits for the next line. The launcher writes an empty line every 50 ms while
# attempts are in flight, so such an exit is reported within 50 ms even when no request comes.
while (defined(my $line = <STDIN>)) {
  chomp $line;
  reap();
  launch($line) if length $line;
}
`;

/** The perl helper. */
export const PERL_HELPER: HelperProgram = {
  name: 'perl',
  createsFiles: true,
  needsWakeUps: true,
  argv: ['perl', '-e', PERL_SCRIPT],
  encode(id, request) {
    const environment = Object.entries(request.environment).map(([name, value]) => `${name}=${value}`);
    return [String(id), request.workDir, request.logFile, String(request.command.length), ...request.command, ...environment].map(hex).join(' ') + '\n';
  },
};

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quotes a string for sh: nothing inside is expanded. */
function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The sh helper: per attempt, in the background,
 * `{ ( cd DIR && export VARS && exec setsid CMD... >>LOG 2>&1 </dev/null ) & p=$!; echo "S ID $p"; wait $p; echo "E ID $?"; } &`.
 * Started with an empty environment, so each attempt sees only what it exports.
 */
export const SHELL_HELPER: HelperProgram = {
  name: 'sh',
  createsFiles: false,
  needsWakeUps: false,
  argv: ['/bin/sh'],
  encode(id, request) {
    const names = Object.keys(request.environment);
    // `export` when every name is a shell identifier (cheapest); `env -i` takes any name AWS allows.
    const run = names.every((name) => SHELL_NAME.test(name))
      ? `${names.length ? `export ${names.map((name) => `${name}=${quote(request.environment[name])}`).join(' ')} && ` : ''}exec setsid`
      : `exec env -i ${names.map((name) => quote(`${name}=${request.environment[name]}`)).join(' ')} setsid`;
    const argv = request.command.map(quote).join(' ');
    // dash exports OLDPWD after `cd`: unset so the job's environment is exactly its own.
    return `{ ( cd ${quote(request.workDir)} && unset OLDPWD && ${run} ${argv} >>${quote(request.logFile)} 2>&1 </dev/null ) & p=$!; echo "S ${id} $p"; wait $p; echo "E ${id} $?"; } &\n`;
  },
};

/** What `BATCHKIT_PROCESS_HELPER` may ask for. */
const HELPER_CHOICES = ['native', 'perl', 'sh', 'node'] as const;

let chosen: { helper: HelperProgram | undefined } | undefined;

/**
 * The fastest helper this host can run, or `undefined` (then the engine spawns from Node):
 * native, else perl, else sh. Decided once per process. `BATCHKIT_PROCESS_HELPER` (`native`,
 * `perl`, `sh` or `node`) asks for one; an error says why it cannot be had.
 */
export function availableHelper(): HelperProgram | undefined {
  chosen ??= { helper: chooseHelper(process.env.BATCHKIT_PROCESS_HELPER) };
  return chosen.helper;
}

/** The helper `BATCHKIT_PROCESS_HELPER` = `asked` gives (empty or unset: the fastest available). */
export function chooseHelper(asked: string | undefined): HelperProgram | undefined {
  if (asked !== undefined && asked !== '' && !(HELPER_CHOICES as readonly string[]).includes(asked)) {
    throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is ${JSON.stringify(asked)}: expected one of ${HELPER_CHOICES.join(', ')}`);
  }
  if (process.platform === 'win32' || asked === 'node') {
    return undefined;
  }
  if (!asked || asked === 'native') {
    const build = buildNativeHelper();
    if ('binary' in build) {
      if (build.notice !== undefined) {
        process.emitWarning(`batchkit local engine: ${build.notice}`, { code: 'BATCHKIT_HELPER_CACHE' });
      }
      return nativeHelperProgram(build.binary);
    }
    if (asked === 'native') {
      throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is native but the helper cannot be built: ${build.failure}`);
    }
  }
  if ((!asked || asked === 'perl') && spawnSync('perl', ['-MPOSIX', '-e', '1'], { stdio: 'ignore' }).status === 0) {
    return PERL_HELPER;
  }
  if ((!asked || asked === 'sh') && fs.existsSync('/bin/sh') && spawnSync('/bin/sh', ['-c', 'command -v setsid'], { stdio: 'ignore' }).status === 0) {
    return SHELL_HELPER;
  }
  if (asked) {
    throw new EngineConfigurationError(`BATCHKIT_PROCESS_HELPER is ${asked} but this host cannot run it`);
  }
  return undefined;
}
