/*
 * The native process helper of batchkit's local engine: it starts every job attempt for the
 * engine, so the engine's large Node process never forks. native-helper.ts compiles this file on
 * first use and helper-launcher.ts talks to it over stdin and stdout. To build and lint it on its
 * own, run this (the engine uses the same flags, and the tests run this very line):
 *
 *   cc -O2 -Wall -Wextra -Werror -std=c11 -o process-helper process-helper.c
 *
 * Protocol: each request is a frame, `u32 length` then `u32 id, u32 argc, u32 envc` and
 * NUL-terminated strings (work dir, log file, argv..., NAME=value...), integers little-endian.
 * Answers are text lines: `S <id> <pid>` once started, `E <id> <exit code>` once ended (128 +
 * signal when killed; 126 when the work dir or the log cannot be made, 127 when the program
 * cannot be executed, both without an `S`).
 *
 * Attempts start with posix_spawn: the C library does the vfork-like clone and runs only its
 * own async-signal-safe code in the child (glibc, musl and macOS alike), where a hand-written
 * vfork child could not even call signal() or strerror() safely. Each attempt gets its own
 * session (its own process group where the C library cannot make a session), since the engine
 * signals the attempt's whole group with kill(-pid).
 */
#define _GNU_SOURCE
#define _DARWIN_C_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

/* glibc 2.29 added the chdir file action. Elsewhere the helper, being single-threaded, enters the
   work dir itself around posix_spawn and returns with fchdir: two more syscalls per attempt.
   -DSPAWN_CHDIR_ACTION=0 picks that path anywhere, so the tests can run it on glibc too. */
#ifndef SPAWN_CHDIR_ACTION
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
#define SPAWN_CHDIR_ACTION 1
#else
#define SPAWN_CHDIR_ACTION 0
#endif
#endif

/* glibc 2.26+, musl and recent macOS can make the child a session leader; elsewhere a process
   group of its own (pgroup 0: the child's pid) is what kill(-pid) needs. -DSPAWN_WITHOUT_SETSID
   picks the process group anywhere, for the tests. */
#if defined(POSIX_SPAWN_SETSID) && !defined(SPAWN_WITHOUT_SETSID)
#define SPAWN_GROUP_FLAG POSIX_SPAWN_SETSID
#else
#define SPAWN_GROUP_FLAG POSIX_SPAWN_SETPGROUP
#endif

struct child { pid_t pid; uint32_t id; };
static struct child *children;
static size_t child_count, child_capacity;
/* SIGCHLD writes a byte here; poll() watches it next to stdin, so no exit waits for input. */
static int wake_pipe[2];
/* Answers are gathered and written once per loop turn. */
static char answers[65536];
static size_t answers_length;
/* The same for every attempt, so set up once: every signal at its default (the helper handles
   SIGCHLD and ignores SIGPIPE, and an ignored signal survives exec; a job starts as a fresh
   container's process would), nothing blocked, its own session. Naming every signal also halves
   glibc's work in the child, which otherwise reads each disposition before resetting it. */
static posix_spawnattr_t spawn_attributes;
static int dev_null = -1;
#if !SPAWN_CHDIR_ACTION
static int home_dir = -1;
#endif

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
  answers_length += (size_t)snprintf(answers + answers_length, 64, "%c %u %ld\n", kind, (unsigned)id, value);
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

/* mkdir -p, cheapest first: the usual case is one new directory under an existing one. 0700 and
   the log's 0600: a job's files and output are its owner's alone (the umask is left to the jobs). */
static int make_directories(char *dir) {
  if (mkdir(dir, 0700) == 0 || errno == EEXIST) return 0;
  if (errno != ENOENT) return -1;
  char *slash = strrchr(dir, '/');
  if (slash == NULL || slash == dir) return -1;
  *slash = 0;
  int parent = make_directories(dir);
  *slash = '/';
  if (parent != 0) return -1;
  return (mkdir(dir, 0700) == 0 || errno == EEXIST) ? 0 : -1;
}

/* execvp's search, done with the job's own PATH (an empty entry is the work dir). */
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

/* stdin from /dev/null, stdout and stderr to the log, then (where the C library can) the work dir. */
static int spawn_attempt(pid_t *pid, const char *program, const char *cwd, int log_fd, char **argv, char **envp) {
  posix_spawn_file_actions_t actions;
  int error = posix_spawn_file_actions_init(&actions);
  if (error != 0) return error;
  if ((error = posix_spawn_file_actions_adddup2(&actions, dev_null, 0)) == 0 &&
      (error = posix_spawn_file_actions_adddup2(&actions, log_fd, 1)) == 0 &&
      (error = posix_spawn_file_actions_adddup2(&actions, log_fd, 2)) == 0) {
#if SPAWN_CHDIR_ACTION
    error = posix_spawn_file_actions_addchdir_np(&actions, cwd);
    if (error == 0) error = posix_spawn(pid, program, &actions, &spawn_attributes, argv, envp);
#else
    if (chdir(cwd) != 0) {
      error = errno;
    } else {
      error = posix_spawn(pid, program, &actions, &spawn_attributes, argv, envp);
      if (fchdir(home_dir) != 0) _exit(2); /* every later relative path would be wrong */
    }
#endif
  }
  posix_spawn_file_actions_destroy(&actions);
  return error;
}

/* One request: make the work dir, open the log, spawn. */
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
  if (make_directories(cwd) != 0 || (log_fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600)) < 0) {
    free(vector);
    answer('E', id, 126);
    return;
  }
  char path_buffer[4096];
  const char *program = find_program(argv[0], cwd, envp, path_buffer, sizeof path_buffer);
  pid_t pid = -1;
  /* posix_spawn reports a failed exec (glibc 2.24+, musl, macOS) as its result, with no child
     left: the reason goes to the log here, in the helper, where strerror is safe to call. */
  int error = program != NULL ? spawn_attempt(&pid, program, cwd, log_fd, argv, envp) : ENOENT;
  if (error != 0) {
    if (program != NULL && access(cwd, X_OK) != 0) {
      write_text(log_fd, "batchkit: cannot enter the work dir\n");
      answer('E', id, 126);
    } else {
      write_text(log_fd, "batchkit: cannot exec ");
      write_text(log_fd, argv[0]);
      write_text(log_fd, ": ");
      write_text(log_fd, program != NULL ? strerror(error) : "executable file not found in $PATH");
      write_text(log_fd, "\n");
      answer('E', id, 127);
    }
    close(log_fd);
    free(vector);
    return;
  }
  close(log_fd);
  free(vector);
  if (child_count == child_capacity) {
    child_capacity = child_capacity != 0 ? child_capacity * 2 : 64;
    children = realloc(children, child_capacity * sizeof *children);
    if (children == NULL) _exit(2);
  }
  /* A child that already ended is still recorded first: reap() runs only between requests. */
  children[child_count++] = (struct child){ pid, id };
  answer('S', id, (long)pid);
}

static int prepare_spawning(void) {
  sigset_t none, defaults;
  sigemptyset(&none);
  sigfillset(&defaults);
  sigdelset(&defaults, SIGKILL);
  sigdelset(&defaults, SIGSTOP);
  if (posix_spawnattr_init(&spawn_attributes) != 0 ||
      posix_spawnattr_setflags(&spawn_attributes, (short)(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | SPAWN_GROUP_FLAG)) != 0 ||
      posix_spawnattr_setsigmask(&spawn_attributes, &none) != 0 ||
      posix_spawnattr_setsigdefault(&spawn_attributes, &defaults) != 0 ||
      posix_spawnattr_setpgroup(&spawn_attributes, 0) != 0) {
    return -1;
  }
  dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
#if !SPAWN_CHDIR_ACTION
  home_dir = open(".", O_RDONLY | O_CLOEXEC);
  if (home_dir < 0) return -1;
#endif
  return dev_null < 0 ? -1 : 0;
}

int main(void) {
  if (pipe(wake_pipe) != 0 || prepare_spawning() != 0) return 1;
  for (int i = 0; i < 2; i++) {
    fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK);
    fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
  }
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigchld;
  action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
  sigaction(SIGCHLD, &action, NULL);
  /* A write to an engine that went away fails with EPIPE, and the helper exits quietly. */
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &action, NULL);
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
