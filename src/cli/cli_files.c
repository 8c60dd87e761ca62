/*
 * cli_files.c - refuse a command whose output would overwrite one of its
 * inputs or another of its outputs (`count c.txt -o c.txt` would turn the
 * corpus into a model; `train -o m.mm --log m.mm` would leave the CSV where
 * the model was).  Files are compared by device and inode, so another
 * spelling, a hard link or a symlink is caught too; an output that does not
 * exist yet is compared by its directory's device and inode and its name.
 * Character devices (/dev/null as a sink) are never a conflict.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

typedef struct mm_file_id {
    int known;      /* 0: cannot tell (then no conflict is claimed) */
    int chardev;
    dev_t dev;
    ino_t ino;
    const char *name; /* for a file that does not exist yet: its last component */
} mm_file_id;

static void mm_file_identify(const char *path, int output, mm_file_id *id)
{
    struct stat sb;
    memset(id, 0, sizeof *id);
    if (path == NULL) {
        return;
    }
    int ok = strcmp(path, "-") == 0 ? fstat(output ? STDOUT_FILENO : STDIN_FILENO, &sb) == 0
                                    : stat(path, &sb) == 0;
    if (ok) {
        id->known = 1;
        id->chardev = S_ISCHR(sb.st_mode);
        id->dev = sb.st_dev;
        id->ino = sb.st_ino;
        return;
    }
    if (!output || errno != ENOENT) {
        return;
    }
    /* Not there yet: the directory it would be created in, and its name. */
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? strdup(".") : strndup(path, (size_t)(slash - path) + 1);
    if (dir != NULL && stat(dir, &sb) == 0) {
        id->known = 1;
        id->dev = sb.st_dev;
        id->ino = sb.st_ino;
        id->name = slash == NULL ? path : slash + 1;
    }
    free(dir);
}

static int mm_file_same(const mm_file_id *a, const mm_file_id *b)
{
    if (!a->known || !b->known || a->chardev || b->chardev) {
        return 0;
    }
    if ((a->name == NULL) != (b->name == NULL)) {
        return 0;
    }
    return a->dev == b->dev && a->ino == b->ino &&
           (a->name == NULL || strcmp(a->name, b->name) == 0);
}

int mm_cli_check_files(const char *cmd, const mm_cli_file *f, size_t n)
{
    mm_file_id id[16];
    if (n > sizeof id / sizeof id[0]) {
        n = sizeof id / sizeof id[0];
    }
    for (size_t i = 0; i < n; i++) {
        mm_file_identify(f[i].path, f[i].output, &id[i]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!f[i].output || f[i].path == NULL) {
            continue;
        }
        for (size_t j = 0; j < n; j++) {
            if (j == i || f[j].path == NULL || (f[j].output && j < i)) {
                continue;
            }
            if (!f[j].output && f[i].group != 0 && f[i].group == f[j].group) {
                continue; /* -o CK --resume CK: the checkpoint is updated */
            }
            int same = mm_file_same(&id[i], &id[j]) ||
                       (f[j].output && strcmp(f[i].path, "-") == 0 &&
                        strcmp(f[j].path, "-") == 0);
            if (!same) {
                continue;
            }
            mm_cli_eprintf("%s %s: %s %s names the same file as %s %s; refusing to "
                           "overwrite %s\n", mm_cli_name, cmd, f[i].what, f[i].path, f[j].what,
                           f[j].path, f[j].output ? "one output with another" : "an input");
            return 0;
        }
    }
    return 1;
}

int mm_cli_writes_stdout(const char *path)
{
    if (path == NULL) {
        return 0;
    }
    mm_file_id a, out;
    mm_file_identify(path, 1, &a);
    mm_file_identify("-", 1, &out);
    /* an existing file (name == NULL) that is stdout's, devices included */
    return strcmp(path, "-") == 0 || (a.known && out.known && a.name == NULL &&
                                      a.dev == out.dev && a.ino == out.ino);
}
