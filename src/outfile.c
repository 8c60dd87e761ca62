/*
 * outfile.c - atomic outputs: write a temporary beside the target, fsync,
 * rename.  The temporary lives in the target's directory so the rename never
 * crosses file systems.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

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
        unlink(o->tmp_path);
        free(o->tmp_path);
        o->tmp_path = NULL;
    }
    free(o->path);
    o->path = NULL;
}
