/*
 * outfile.c - outputs that never destroy what was at the path.
 *
 * A file (or nothing) at the path: write a temporary beside it, fsync,
 * rename over it, so a failure or an interrupt leaves the previous file
 * whole.  The temporary lives in the real file's directory (a symlink is
 * followed first, a dangling one names the file to create) so the rename
 * never crosses file systems and never replaces the link itself.
 *
 * Anything else that can be written is written in place, never replaced:
 * "-" is standard output; a character device (/dev/null, /dev/full, a
 * terminal), a FIFO, and an open file named through /proc (/dev/stdout,
 * /dev/fd/N) are opened and written, so errors such as "No space left on
 * device" are reported and no node is ever turned into a plain file.  A
 * directory, a socket and a block device (a disk) are refused.
 *
 * The library changes no process-wide state here: temporaries are created
 * with O_CREAT | O_EXCL and mode 0666, so the process umask applies as it
 * does to any new file (no umask() calls, which would race other threads).
 * A file that is replaced passes its permission bits (and, where the process
 * may, its owner) to the new one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* ---- temporaries in flight ---------------------------------------------------
 * A fatal signal removes them (mm_outfile_remove_all_temps, called from the
 * CLI's handler): fixed buffers, since a handler may neither allocate nor lock,
 * and a slot state moved by compare-and-swap, so two threads never claim one
 * slot and a handler only reads a path that is complete. */
#define MM_MAX_TEMPS 64
#define MM_TEMP_PATH_MAX 4096
enum { MM_SLOT_FREE = 0, MM_SLOT_BUSY = 1, MM_SLOT_LIVE = 2 };
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the temp registry needs lock-free atomics");
static char mm_temps[MM_MAX_TEMPS][MM_TEMP_PATH_MAX];
static atomic_int mm_temp_state[MM_MAX_TEMPS];

static int mm_temp_track(const char *path)
{
    size_t n = strlen(path);
    if (n >= MM_TEMP_PATH_MAX) {
        return -1;
    }
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        int expect = MM_SLOT_FREE;
        if (atomic_compare_exchange_strong(&mm_temp_state[i], &expect, MM_SLOT_BUSY)) {
            memcpy(mm_temps[i], path, n + 1);
            atomic_store(&mm_temp_state[i], MM_SLOT_LIVE);
            return i;
        }
    }
    return -1; /* all slots taken: this temporary is not removed by a signal */
}

static void mm_temp_untrack(int slot)
{
    int expect = MM_SLOT_LIVE;
    if (slot >= 0 && slot < MM_MAX_TEMPS &&
        atomic_compare_exchange_strong(&mm_temp_state[slot], &expect, MM_SLOT_BUSY)) {
        atomic_store(&mm_temp_state[slot], MM_SLOT_FREE);
    }
}

void mm_outfile_remove_all_temps(void)
{
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        int expect = MM_SLOT_LIVE;
        if (atomic_compare_exchange_strong(&mm_temp_state[i], &expect, MM_SLOT_BUSY)) {
            unlink(mm_temps[i]); /* async-signal-safe */
            atomic_store(&mm_temp_state[i], MM_SLOT_FREE);
        }
    }
}

int mm_outfile_temps_live(void)
{
    int n = 0;
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        n += atomic_load(&mm_temp_state[i]) == MM_SLOT_LIVE;
    }
    return n;
}

/* ---- where an output goes --------------------------------------------------- */

/* Is the symlink at path one of procfs's links to an open file (/proc/PID/fd/N,
 * reached as /dev/stdout or /dev/fd/N too)?  Its text is no path to replace. */
static int mm_is_proc_link(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL ? 1 : (size_t)(slash - path);
    if (slash == NULL) {
        memcpy(dir, ".", 2);
    } else if (n == 0 || n >= sizeof dir) {
        return 0;
    } else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    struct statfs fs;
    return statfs(dir, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

/* The file a rename must replace: path with the symlinks of its last
 * component followed (a dangling link gives the file to create).  *in_place
 * is set instead when a link is procfs's view of an open file. */
static mm_status mm_out_follow(const char *path, char **target, int *in_place)
{
    char *cur = strdup(path);
    if (cur == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory opening %s", path);
    }
    for (int hops = 0;; hops++) {
        struct stat lsb;
        if (lstat(cur, &lsb) != 0 || !S_ISLNK(lsb.st_mode)) {
            break; /* the file to replace, or the name to create */
        }
        if (mm_is_proc_link(cur)) {
            *in_place = 1;
            break;
        }
        char buf[PATH_MAX];
        ssize_t n = hops < 40 ? readlink(cur, buf, sizeof buf - 1) : -1;
        if (n < 0) {
            int e = hops < 40 ? errno : ELOOP;
            free(cur);
            return mm_fail(MM_ERR_IO, "%s: cannot follow the symbolic link: %s", path,
                           strerror(e));
        }
        buf[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t keep = (buf[0] == '/' || slash == NULL) ? 0 : (size_t)(slash - cur) + 1;
        char *next = malloc(keep + (size_t)n + 1);
        if (next == NULL) {
            free(cur);
            return mm_fail(MM_ERR_NOMEM, "out of memory opening %s", path);
        }
        memcpy(next, cur, keep);
        memcpy(next + keep, buf, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    *target = cur;
    return MM_OK;
}

/* A name for the temporary that nobody can guess in advance: pid, time,
 * a counter and the address of the struct, mixed (splitmix64). */
static void mm_temp_name(char *dst, const char *target, size_t n, unsigned attempt)
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_nsec ^
                 ((uint64_t)ts.tv_sec << 30) ^ ((uint64_t)atomic_fetch_add(&counter, 1) << 40) ^
                 (uint64_t)(uintptr_t)dst ^ attempt;
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    x ^= x >> 31;
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    memcpy(dst, target, n);
    memcpy(dst + n, ".tmp.", 5);
    for (int i = 0; i < 6; i++) {
        dst[n + 5 + i] = abc[x % 62];
        x /= 62;
    }
    dst[n + 11] = '\0';
}

/* A stdio stream over the descriptor just opened for o (the temporary or
 * the target itself); on failure o is aborted. */
static mm_status mm_outfile_attach(mm_outfile *o, int fd, const char *path)
{
    o->fp = fdopen(fd, "wb");
    if (o->fp == NULL) {
        int e = errno;
        close(fd);
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot open output: %s", path, strerror(e));
    }
    return MM_OK;
}

static mm_status mm_outfile_open_in_place(mm_outfile *o, const char *path, int append)
{
    int fd = strcmp(path, "-") == 0
                 ? fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0)
                 : open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (append ? O_APPEND : 0));
    if (fd < 0) {
        int e = errno;
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot open for writing: %s",
                       strcmp(path, "-") == 0 ? "<stdout>" : path, strerror(e));
    }
    return mm_outfile_attach(o, fd, path);
}

mm_status mm_outfile_open(mm_outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->slot = -1;
    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "no output path given");
    }
    o->path = strdup(strcmp(path, "-") == 0 ? "<stdout>" : path);
    if (o->path == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory opening %s", path);
    }
    if (strcmp(path, "-") == 0) {
        return mm_outfile_open_in_place(o, path, 0);
    }
    struct stat sb;
    int replaces = 0; /* a regular file is there: the new one keeps its mode */
    if (stat(path, &sb) == 0) {
        const char *no = S_ISDIR(sb.st_mode)    ? "is a directory"
                         : S_ISSOCK(sb.st_mode) ? "is a socket"
                         : S_ISBLK(sb.st_mode)  ? "is a block device (a disk); refusing to "
                                                  "write over it"
                                                : NULL;
        if (no != NULL) {
            mm_outfile_abort(o);
            return mm_fail(MM_ERR_IO, "%s: cannot write the output: %s", path, no);
        }
        if (!S_ISREG(sb.st_mode)) {
            return mm_outfile_open_in_place(o, path, 0); /* device, FIFO */
        }
        replaces = 1;
    } else if (errno != ENOENT) {
        int e = errno;
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot write the output: %s", path, strerror(e));
    }
    int in_place = 0;
    char *target = NULL;
    mm_status st = mm_out_follow(path, &target, &in_place);
    if (st != MM_OK) {
        mm_outfile_abort(o);
        return st;
    }
    if (in_place) {
        /* an open regular file (/dev/stdout >> log): append, as the shell's
         * redirection asked */
        free(target);
        return mm_outfile_open_in_place(o, path, 1);
    }
    size_t n = strlen(target);
    o->target = target;
    o->tmp_path = malloc(n + sizeof ".tmp.XXXXXX");
    if (o->tmp_path == NULL) {
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_NOMEM, "out of memory opening %s", path);
    }
    int fd = -1;
    for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
        mm_temp_name(o->tmp_path, target, n, attempt);
        /* replacing: never wider than the file replaced, not even until the
         * fchmod below (another user could open it in between) */
        fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                  replaces ? sb.st_mode & 0777 : 0666);
        if (fd < 0 && errno != EEXIST) {
            break;
        }
    }
    if (fd < 0) {
        int e = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot create output: %s", path, strerror(e));
    }
    o->slot = mm_temp_track(o->tmp_path);
    if (replaces) {
        /* Replacing a file keeps its permissions (a 0600 model stays 0600)
         * and, where allowed, its owner and group, as editing it in place
         * would; the set-id and sticky bits are not carried over.  Best
         * effort: a temporary we cannot chown stays ours. */
        if ((sb.st_uid != geteuid() || sb.st_gid != getegid()) &&
            fchown(fd, sb.st_uid, sb.st_gid) != 0) {
            /* not permitted: keep our own owner */
        }
        struct stat tsb;
        int chmod_failed = fchmod(fd, sb.st_mode & 0777) != 0;
        int e = errno;
        if (chmod_failed &&
            /* a file system without chmod (some FUSE, CIFS): what open gave
             * is no wider than wanted, which is what matters */
            (fstat(fd, &tsb) != 0 || (tsb.st_mode & 0777 & ~(sb.st_mode & 0777)) != 0)) {
            close(fd);
            mm_outfile_abort(o);
            return mm_fail(MM_ERR_IO, "%s: cannot set the mode of the output: %s", path,
                           strerror(e));
        }
    }
    return mm_outfile_attach(o, fd, path);
}

mm_status mm_outfile_commit(mm_outfile *o)
{
    int bad = ferror(o->fp);
    int e = 0;
    if (fflush(o->fp) != 0) {
        bad = 1;
        e = errno;
    }
    /* Devices, FIFOs and terminals cannot be synced (EINVAL, EROFS): only
     * a file the rename will publish must be on disk first. */
    struct stat sb;
    if (!bad && fstat(fileno(o->fp), &sb) == 0 && S_ISREG(sb.st_mode) &&
        fsync(fileno(o->fp)) != 0 && (o->tmp_path != NULL || (errno != EINVAL &&
                                                               errno != EROFS))) {
        bad = 1;
        e = errno;
    }
    if (fclose(o->fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    o->fp = NULL;
    if (bad) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", e ? strerror(e) : "write error");
        mm_status s = mm_fail(MM_ERR_IO, "%s: cannot write: %s", o->path, msg);
        mm_outfile_abort(o);
        return s;
    }
    if (o->tmp_path != NULL && rename(o->tmp_path, o->target) != 0) {
        e = errno;
        mm_status s = mm_fail(MM_ERR_IO, "%s: cannot rename into place: %s",
                              o->path, strerror(e));
        mm_outfile_abort(o);
        return s;
    }
    mm_temp_untrack(o->slot);
    o->slot = -1;
    free(o->tmp_path);
    o->tmp_path = NULL;
    mm_outfile_abort(o); /* frees the names */
    return MM_OK;
}

void mm_outfile_abort(mm_outfile *o)
{
    if (o->fp != NULL) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp_path != NULL) {
        unlink(o->tmp_path); /* before untracking: a signal between the two finds it gone */
        mm_temp_untrack(o->slot);
        o->slot = -1;
        free(o->tmp_path);
        o->tmp_path = NULL;
    }
    free(o->target);
    o->target = NULL;
    free(o->path);
    o->path = NULL;
}
