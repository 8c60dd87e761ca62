/*
 * outfile.c - atomic outputs: write a temporary beside the target, fsync,
 * rename.  The temporary lives in the target's directory so the rename never
 * crosses file systems.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Temporaries in flight, so that a fatal signal can remove them (see
 * mm_outfile_remove_all_temps): fixed buffers, since a signal handler may
 * neither allocate nor lock. */
#define MM_MAX_TEMPS 16
#define MM_TEMP_PATH_MAX 4096
static char mm_temps[MM_MAX_TEMPS][MM_TEMP_PATH_MAX];
static volatile sig_atomic_t mm_temp_used[MM_MAX_TEMPS];

static void mm_temp_track(const char *path)
{
    size_t n = strlen(path);
    if (n >= MM_TEMP_PATH_MAX) {
        return;
    }
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        if (!mm_temp_used[i]) {
            memcpy(mm_temps[i], path, n + 1);
            mm_temp_used[i] = 1;
            return;
        }
    }
}

static void mm_temp_untrack(const char *path)
{
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        if (mm_temp_used[i] && strcmp(mm_temps[i], path) == 0) {
            mm_temp_used[i] = 0;
            return;
        }
    }
}

void mm_outfile_remove_all_temps(void)
{
    for (int i = 0; i < MM_MAX_TEMPS; i++) {
        if (mm_temp_used[i]) {
            unlink(mm_temps[i]); /* async-signal-safe */
            mm_temp_used[i] = 0;
        }
    }
}

mm_status mm_outfile_open(mm_outfile *o, const char *path)
{
    o->fp = NULL;
    o->tmp_path = NULL;
    o->path = NULL;
    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "no output path given");
    }
    size_t n = strlen(path);
    o->path = strdup(path);
    o->tmp_path = malloc(n + sizeof ".tmp.XXXXXX");
    if (o->path == NULL || o->tmp_path == NULL) {
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_NOMEM, "out of memory opening %s", path);
    }
    memcpy(o->tmp_path, path, n);
    memcpy(o->tmp_path + n, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(o->tmp_path);
    if (fd < 0) {
        int e = errno;
        free(o->tmp_path);
        o->tmp_path = NULL;
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot create output: %s", path, strerror(e));
    }
    mm_temp_track(o->tmp_path);
    /* mkstemp makes 0600; outputs are ordinary files, so honour the umask. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    o->fp = fdopen(fd, "wb");
    if (o->fp == NULL) {
        int e = errno;
        close(fd);
        mm_outfile_abort(o);
        return mm_fail(MM_ERR_IO, "%s: cannot open output: %s", path, strerror(e));
    }
    return MM_OK;
}

mm_status mm_outfile_commit(mm_outfile *o)
{
    int bad = ferror(o->fp);
    int e = 0;
    if (fflush(o->fp) != 0 || fsync(fileno(o->fp)) != 0) {
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
    if (rename(o->tmp_path, o->path) != 0) {
        e = errno;
        mm_status s = mm_fail(MM_ERR_IO, "%s: cannot rename into place: %s",
                              o->path, strerror(e));
        mm_outfile_abort(o);
        return s;
    }
    mm_temp_untrack(o->tmp_path);
    free(o->tmp_path);
    o->tmp_path = NULL;
    free(o->path);
    o->path = NULL;
    return MM_OK;
}

void mm_outfile_abort(mm_outfile *o)
{
    if (o->fp != NULL) {
        fclose(o->fp);
        o->fp = NULL;
    }
    if (o->tmp_path != NULL) {
        mm_temp_untrack(o->tmp_path);
        unlink(o->tmp_path);
        free(o->tmp_path);
        o->tmp_path = NULL;
    }
    free(o->path);
    o->path = NULL;
}
