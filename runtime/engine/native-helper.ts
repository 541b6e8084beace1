/**
 * The native process helper: a ~200-line C program that `vfork`s and `exec`s every attempt for
 * the engine. It is compiled on first use with the host's C compiler (`$CC`, else `cc`) into a
 * per-user cache and reused from there; where no compiler works, the engine falls back to the
 * perl helper (see `availableHelper`).
 *
 * Why C: on 2 cores, a job of `true` costs about 0.9 ms of CPU, and the perl helper added about
 * 0.3 ms per attempt in perl alone (decoding its line, forking a 10 MB interpreter), which kept
 * the engine at about 2x `xargs -P 2`. `vfork` (Linux; `fork` elsewhere) costs tens of
 * microseconds whatever the helper's size, and `poll` on a self-pipe woken by SIGCHLD reports every exit at once, with no window in
 * which a signal waits for the next request (the perl helper needs a nudge every 50 ms for that).
 *
 * Protocol: each request is a frame, `u32 length` then `u32 id, u32 argc, u32 envc` and
 * NUL-terminated strings (work dir, log file, argv..., NAME=value...), integers little-endian.
 * Strings are passed as they are: a NUL is the only byte they cannot hold, and neither argv nor
 * environment entries can hold one on any Unix. Answers are the text lines every helper writes:
 * `S <id> <pid>` once forked, `E <id> <exit code>` once ended (128 + signal when killed).
 */
import { createHash } from 'crypto';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { HelperProgram } from './helper-programs';
import type { LaunchRequest } from './launcher';

/** The helper's source; `String.raw` keeps C's backslashes as written. */
const NATIVE_HELPER_SOURCE = String.raw`
#define _GNU_SOURCE
#define _DARWIN_C_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* A request larger than this is a protocol error (the engine's own limits are far smaller). */
#define MAX_FRAME (64u * 1024u * 1024u)

/* Linux's vfork gives the child its own signal dispositions, which the child resets below; other
   systems get fork, cheap enough for a process this small. */
#ifdef __linux__
#define SPAWN_FORK vfork
#else
#define SPAWN_FORK fork
#endif

struct child { pid_t pid; uint32_t id; };
static struct child *children;
static size_t child_count, child_capacity;
/* SIGCHLD writes a byte here; poll() watches it next to stdin, so no exit waits for input. */
static int wake_pipe[2];
/* Answers are gathered and written once per loop turn. */
static char answers[65536];
static size_t answers_length;

static void flush_answers(void) {
  size_t written = 0;
  while (written < answers_length) {
    ssize_t n = write(1, answers + written, answers_length - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      _exit(0); /* the engine is gone */
    }
    written += (size_t)n;
  }
  answers_length = 0;
}

static void answer(char kind, uint32_t id, long value) {
  if (answers_length > sizeof answers - 64) flush_answers();
  answers_length += (size_t)snprintf(answers + answers_length, 64, "%c %u %ld\n", kind, id, value);
}

static void on_sigchld(int signal_number) {
  (void)signal_number;
  int saved = errno;
  ssize_t ignored = write(wake_pipe[1], "x", 1);
  (void)ignored;
  errno = saved;
}

static void reap(void) {
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    long code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    for (size_t i = 0; i < child_count; i++) {
      if (children[i].pid == pid) {
        answer('E', children[i].id, code);
        children[i] = children[--child_count];
        break;
      }
    }
  }
}

/* mkdir -p, cheapest first: the usual case is one new directory under an existing one. */
static int make_directories(char *dir) {
  if (mkdir(dir, 0777) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) return -1;
  *slash = 0;
  int parent = make_directories(dir);
  *slash = '/';
  if (parent != 0) return -1;
  return (mkdir(dir, 0777) == 0 || errno == EEXIST) ? 0 : -1;
}

/* execvp's search, done before vfork with the job's own PATH (an empty entry is the work dir). */
static const char *find_program(const char *name, const char *cwd, char *const *envp, char *buffer, size_t size) {
  if (strchr(name, '/') != NULL) return name;
  const char *search = "/usr/local/bin:/usr/bin:/bin";
  for (char *const *entry = envp; *entry != NULL; entry++) {
    if (strncmp(*entry, "PATH=", 5) == 0) { search = *entry + 5; break; }
  }
  for (;;) {
    const char *colon = strchr(search, ':');
    int length = (int)(colon != NULL ? (size_t)(colon - search) : strlen(search));
    if (length == 0) snprintf(buffer, size, "%s/%s", cwd, name);
    else snprintf(buffer, size, "%.*s/%s", length, search, name);
    struct stat info;
    if (access(buffer, X_OK) == 0 && stat(buffer, &info) == 0 && S_ISREG(info.st_mode)) return buffer;
    if (colon == NULL) return NULL;
    search = colon + 1;
  }
}

static uint32_t read_u32(const unsigned char *bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void write_text(int fd, const char *text) {
  ssize_t ignored = write(fd, text, strlen(text));
  (void)ignored;
}

/* One request: make the work dir, open the log, vfork, and in the child setsid, redirect, chdir, exec. */
static void launch(char *body, uint32_t length) {
  if (length < 12) _exit(2);
  uint32_t id = read_u32((unsigned char *)body);
  uint32_t argc = read_u32((unsigned char *)body + 4);
  uint32_t envc = read_u32((unsigned char *)body + 8);
  char *cursor = body + 12, *end = body + length;
  if (argc == 0 || argc > length || envc > length) { answer('E', id, 126); return; }
  char **vector = malloc(((size_t)argc + envc + 4) * sizeof *vector);
  if (vector == NULL) { answer('E', id, 126); return; }
  /* vector: cwd, log, argv..., NULL, env..., NULL */
  size_t slot = 0;
  for (uint32_t i = 0; i < 2 + argc + envc; i++) {
    char *nul = memchr(cursor, 0, (size_t)(end - cursor));
    if (nul == NULL) { free(vector); answer('E', id, 126); return; }
    vector[slot++] = cursor;
    if (i == 1 + argc) vector[slot++] = NULL;
    cursor = nul + 1;
  }
  vector[slot] = NULL;
  char *cwd = vector[0], *log_file = vector[1];
  char **argv = vector + 2, **envp = vector + 3 + argc;
  int log_fd = -1;
  if (make_directories(cwd) != 0 || (log_fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666)) < 0) {
    free(vector);
    answer('E', id, 126);
    return;
  }
  char path_buffer[4096];
  const char *program = find_program(argv[0], cwd, envp, path_buffer, sizeof path_buffer);
  /* Nothing of ours may run in the child before exec: block every signal across vfork. */
  sigset_t all, previous;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &previous);
  pid_t pid = SPAWN_FORK();
  if (pid == 0) {
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_DFL); /* ignored here; a job must see the default */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull > 0) { dup2(devnull, 0); close(devnull); }
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(cwd) != 0) {
      write_text(2, "batchkit: cannot enter the work dir\n");
      _exit(126);
    }
    if (program != NULL) execve(program, argv, envp);
    write_text(2, "batchkit: cannot exec ");
    write_text(2, argv[0]);
    write_text(2, ": ");
    write_text(2, program != NULL ? strerror(errno) : "executable file not found in $PATH");
    write_text(2, "\n");
    _exit(127);
  }
  close(log_fd);
  free(vector);
  if (pid < 0) {
    sigprocmask(SIG_SETMASK, &previous, NULL);
    answer('E', id, 126);
    return;
  }
  if (child_count == child_capacity) {
    child_capacity = child_capacity != 0 ? child_capacity * 2 : 64;
    children = realloc(children, child_capacity * sizeof *children);
    if (children == NULL) _exit(2);
  }
  children[child_count++] = (struct child){ pid, id };
  answer('S', id, (long)pid);
  sigprocmask(SIG_SETMASK, &previous, NULL);
}

int main(void) {
  if (pipe(wake_pipe) != 0) return 1;
  for (int i = 0; i < 2; i++) {
    fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK);
    fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigchld;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &action, NULL);
  signal(SIGPIPE, SIG_IGN);
  size_t capacity = 65536, used = 0;
  char *input = malloc(capacity);
  if (input == NULL) return 1;
  for (;;) {
    struct pollfd watched[2] = { { wake_pipe[0], POLLIN, 0 }, { 0, POLLIN, 0 } };
    if (poll(watched, 2, -1) < 0 && errno != EINTR) break;
    if (watched[0].revents & POLLIN) {
      char drained[256];
      while (read(wake_pipe[0], drained, sizeof drained) > 0) {}
    }
    reap();
    if (watched[1].revents & (POLLIN | POLLHUP)) {
      ssize_t got = read(0, input + used, capacity - used);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) break; /* the engine closed us */
      used += got > 0 ? (size_t)got : 0;
      size_t offset = 0;
      while (used - offset >= 4) {
        uint32_t length = read_u32((unsigned char *)input + offset);
        if (length > MAX_FRAME) _exit(2);
        if (used - offset - 4 < length) {
          if (4 + (size_t)length > capacity) { /* grow for a frame larger than the buffer */
            while (4 + (size_t)length > capacity) capacity *= 2;
            char *grown = malloc(capacity);
            if (grown == NULL) _exit(2);
            memcpy(grown, input + offset, used - offset);
            free(input);
            input = grown;
            used -= offset;
            offset = 0;
          }
          break;
        }
        launch(input + offset + 4, length);
        offset += 4 + (size_t)length;
      }
      memmove(input, input + offset, used - offset);
      used -= offset;
    }
    flush_answers();
  }
  reap();
  flush_answers();
  return 0;
}
`;

/** Builds the frame that asks the native helper to start one attempt. */
function encodeFrame(id: number, request: LaunchRequest): Buffer {
  const environment = Object.entries(request.environment).map(([name, value]) => `${name}=${value}`);
  const strings = [request.workDir, request.logFile, ...request.command, ...environment].join('\0') + '\0';
  const bodyLength = 12 + Buffer.byteLength(strings, 'utf8');
  const frame = Buffer.allocUnsafe(4 + bodyLength);
  frame.writeUInt32LE(bodyLength, 0);
  frame.writeUInt32LE(id, 4);
  frame.writeUInt32LE(request.command.length, 8);
  frame.writeUInt32LE(environment.length, 12);
  frame.write(strings, 16, 'utf8');
  return frame;
}

/** The native helper run from `binary`. */
export function nativeHelperProgram(binary: string): HelperProgram {
  return { name: 'native', argv: [binary], createsFiles: true, needsWakeUps: false, encode: encodeFrame };
}

/** Where compiled helpers are kept: `$BATCHKIT_CACHE_DIR`, else `$XDG_CACHE_HOME/batchkit`, else `~/.cache/batchkit`. */
export function helperCacheDir(): string {
  if (process.env.BATCHKIT_CACHE_DIR) {
    return process.env.BATCHKIT_CACHE_DIR;
  }
  const cacheHome = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(cacheHome, 'batchkit');
}

/** How a compile went: the binary, or why there is none. */
export type NativeHelperBuild = { readonly binary: string } | { readonly failure: string };

/**
 * The compiled helper for this source, platform and architecture, compiled now if the cache has
 * none. Concurrent first uses (parallel test workers) each compile to a file of their own and
 * rename it into place, so a half-written binary is never run.
 */
export function buildNativeHelper(cacheDir = helperCacheDir(), compiler = process.env.CC || 'cc'): NativeHelperBuild {
  if (process.platform === 'win32') {
    return { failure: 'Windows has neither fork nor the POSIX signals the helper relies on' };
  }
  const digest = createHash('sha256').update(`${process.platform} ${process.arch}\n${NATIVE_HELPER_SOURCE}`).digest('hex').slice(0, 16);
  const binary = path.join(cacheDir, `process-helper-${digest}`);
  if (isExecutable(binary)) {
    return { binary };
  }
  const scratch = `${binary}.${process.pid}.${Date.now()}`;
  try {
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${scratch}.c`, NATIVE_HELPER_SOURCE);
    // `$CC` may carry words of its own (`ccache cc`, `gcc -m64`), as make passes it to a shell.
    const [command, ...compilerArgs] = compiler.trim().split(/\s+/);
    const compiled = spawnSync(command, [...compilerArgs, '-O2', '-o', scratch, `${scratch}.c`], { encoding: 'utf8', timeout: 60_000 });
    if (compiled.error || compiled.status !== 0) {
      return { failure: `${compiler} failed: ${compiled.error?.message ?? compiled.stderr.trim().split('\n').slice(0, 3).join(' ')}` };
    }
    // A helper that cannot even start and stop on empty input is not used.
    const smoke = spawnSync(scratch, [], { input: '', timeout: 10_000 });
    if (smoke.status !== 0) {
      return { failure: `the compiled helper exited with ${smoke.status ?? smoke.signal} on empty input` };
    }
    fs.renameSync(scratch, binary);
    return { binary };
  } catch (error) {
    return { failure: (error as Error).message };
  } finally {
    fs.rmSync(`${scratch}.c`, { force: true });
    fs.rmSync(scratch, { force: true });
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
