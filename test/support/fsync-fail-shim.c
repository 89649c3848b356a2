/*
 * An LD_PRELOAD library that makes fsync and fdatasync fail with EIO while a trigger file
 * exists: fsync errors without a device-mapper target (dm-flakey), for the fault campaign
 * and test/ensemble/fsync-error.test.ts. test/support/fsync-fail-shim.ts compiles it.
 *
 *   WARREN_FSYNC_FAIL_TRIGGER  the trigger file (checked with access() on every call)
 *   WARREN_FSYNC_FAIL_UNDER    optional: fail only for files under this folder (the fd's
 *                              path, read from /proc/self/fd, must be it or inside it)
 *
 * strace of a member (Node 20, libuv 1.46) shows only fsync and fdatasync for the WAL, the
 * hard state, snapshots and directories: no sync_file_range, msync or io_uring, so these
 * two are all there is to interpose. Each failure is reported on stderr with the file's path.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*sync_fn)(int);

static sync_fn real_fsync;
static sync_fn real_fdatasync;
static char trigger[PATH_MAX];
static char under[PATH_MAX];
static size_t under_length;

/*
 * Everything is read once at load: getenv on a libuv worker could race with setenv on the
 * main thread, and the worker threads then only read these.
 */
__attribute__((constructor)) static void read_settings(void) {
  real_fsync = (sync_fn)dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = (sync_fn)dlsym(RTLD_NEXT, "fdatasync");
  const char *t = getenv("WARREN_FSYNC_FAIL_TRIGGER");
  const char *u = getenv("WARREN_FSYNC_FAIL_UNDER");
  if (t != NULL) snprintf(trigger, sizeof trigger, "%s", t);
  if (u != NULL) snprintf(under, sizeof under, "%s", u);
  under_length = strlen(under);
  while (under_length > 1 && under[under_length - 1] == '/') under[--under_length] = '\0';
}

/* The fd's path into `path`; "?" when /proc cannot say. */
static void fd_path(int fd, char *path, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, size - 1);
  if (n < 0) {
    snprintf(path, size, "?");
    return;
  }
  path[n] = '\0';
}

static int is_under(const char *path) {
  if (under_length == 0) return 1;
  if (strncmp(path, under, under_length) != 0) return 0;
  return path[under_length] == '\0' || path[under_length] == '/';
}

/* 1 when this call must fail; errno is left as it was. */
static int must_fail(int fd, const char *call) {
  if (trigger[0] == '\0') return 0;
  int saved = errno;
  int failing = access(trigger, F_OK) == 0;
  char path[PATH_MAX];
  if (failing) {
    fd_path(fd, path, sizeof path);
    failing = is_under(path);
  }
  if (failing) fprintf(stderr, "warren-fsync-fail-shim: %s(%s) fails with EIO\n", call, path);
  errno = saved;
  return failing;
}

static int call_real(sync_fn real, int fd) {
  if (real == NULL) {
    errno = ENOSYS;
    return -1;
  }
  return real(fd);
}

int fsync(int fd) {
  if (must_fail(fd, "fsync")) {
    errno = EIO;
    return -1;
  }
  return call_real(real_fsync, fd);
}

int fdatasync(int fd) {
  if (must_fail(fd, "fdatasync")) {
    errno = EIO;
    return -1;
  }
  return call_real(real_fdatasync, fd);
}
