/*
 * test_outfile.c - the atomic-output layer changes no process-wide state and
 * keeps its registry of temporaries sound (issue 12, item 4): no umask()
 * call (interposed here and counted), temporaries made with the process
 * umask, a replaced file's permissions kept, the registry right when many threads open and commit at once, and
 * mm_outfile_remove_all_temps removing exactly the temporaries in flight.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "testutil.h"

/* Every umask() the library makes lands here (the executable's definition
 * wins over libc's). */
static int umask_calls;
mode_t umask(mode_t m)
{
    umask_calls++;
    return (mode_t)syscall(SYS_umask, m);
}

/* fchmod() too, to play a file system that refuses it (some FUSE, CIFS). */
static int fchmod_refused;
int fchmod(int fd, mode_t m)
{
    if (fchmod_refused) {
        errno = EPERM;
        return -1;
    }
    return (int)syscall(SYS_fchmod, fd, m);
}

/* The temporary in flight has mode want; written and committed, so has the
 * file at path. */
static void expect_mode_through_commit(mm_outfile *o, const char *path, mode_t want)
{
    struct stat sb;
    assert_int_equal(stat(o->tmp_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, want);
    fputs("new\n", o->fp);
    assert_int_equal(mm_outfile_commit(o), MM_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, want);
}

static void test_umask_untouched(void **state)
{
    (void)state;
    mode_t old = umask(027);
    umask_calls = 0;
    char path[512];
    snprintf(path, sizeof path, "%s/outfile-mode-%d.out", mm_test_tmpdir(), (int)getpid());
    mm_outfile o;
    assert_int_equal(mm_outfile_open(&o, path), MM_OK);
    /* created 0666 & ~umask at once, as any new file: no chmod window */
    expect_mode_through_commit(&o, path, 0640);
    assert_int_equal(umask_calls, 0);
    umask(old);
    unlink(path);
}

/* Replacing a file keeps its permission bits whatever the umask (a 0600
 * model stays private), never its set-id bits; a new file still gets
 * 0666 & ~umask (test_umask_untouched). */
static void test_replace_keeps_mode(void **state)
{
    (void)state;
    static const struct { mode_t before, umask, after; } cases[] = {
        {0600, 022, 0600}, {0640, 077, 0640}, {0604, 0, 0604}, {04755, 022, 0755},
    };
    char path[512];
    snprintf(path, sizeof path, "%s/outfile-keep-%d.out", mm_test_tmpdir(), (int)getpid());
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("old\n", f);
        fclose(f);
        assert_int_equal(chmod(path, cases[i].before), 0);
        mode_t old = umask(cases[i].umask);
        mm_outfile o;
        assert_int_equal(mm_outfile_open(&o, path), MM_OK);
        fputs("new\n", o.fp);
        assert_int_equal(mm_outfile_commit(&o), MM_OK);
        umask(old);
        struct stat sb;
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 07777, cases[i].after);
        assert_int_equal(sb.st_uid, geteuid());
        assert_int_equal(sb.st_size, 4); /* replaced, not appended */
        assert_int_equal(unlink(path), 0);
    }
}

/* The temporary is never wider than the file it replaces, not even before
 * its fchmod (another user could open it in that window and keep reading):
 * with fchmod refused, what open() created must already be no wider; and
 * that refusal is then no error. */
static void test_replace_never_wider(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/outfile-narrow-%d.out", mm_test_tmpdir(), (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);
    mode_t old = umask(022);
    fchmod_refused = 1;
    mm_outfile o;
    mm_status st = mm_outfile_open(&o, path);
    fchmod_refused = 0;
    umask(old);
    assert_int_equal(st, MM_OK);
    expect_mode_through_commit(&o, path, 0600);
    assert_int_equal(unlink(path), 0);
}

#define THREADS 8
#define ROUNDS 200

static void *writer(void *arg)
{
    long t = (long)arg;
    char path[512];
    for (int r = 0; r < ROUNDS; r++) {
        snprintf(path, sizeof path, "%s/outfile-%d-%ld.out", mm_test_tmpdir(), (int)getpid(),
                 t);
        mm_outfile o;
        if (mm_outfile_open(&o, path) != MM_OK) {
            return (void *)1;
        }
        fprintf(o.fp, "%ld %d\n", t, r);
        if (r % 3 == 0) {
            mm_outfile_abort(&o);
        } else if (mm_outfile_commit(&o) != MM_OK) {
            return (void *)1;
        }
    }
    unlink(path);
    return NULL;
}

static void test_registry_threads(void **state)
{
    (void)state;
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++) {
        assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)t), 0);
    }
    for (int t = 0; t < THREADS; t++) {
        void *bad = NULL;
        assert_int_equal(pthread_join(th[t], &bad), 0);
        assert_null(bad);
    }
    assert_int_equal(mm_outfile_temps_live(), 0);
}

static void test_remove_all(void **state)
{
    (void)state;
    mm_outfile o[3];
    char path[3][512], tmp[3][600];
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/outfile-rm-%d-%d.out", mm_test_tmpdir(),
                 (int)getpid(), i);
        assert_int_equal(mm_outfile_open(&o[i], path[i]), MM_OK);
        snprintf(tmp[i], sizeof tmp[i], "%s", o[i].tmp_path);
        assert_int_equal(access(tmp[i], F_OK), 0);
    }
    assert_int_equal(mm_outfile_temps_live(), 3);
    mm_outfile_remove_all_temps(); /* what the CLI's signal handler calls */
    assert_int_equal(mm_outfile_temps_live(), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_not_equal(access(tmp[i], F_OK), 0);
        mm_outfile_abort(&o[i]);
        assert_int_not_equal(access(path[i], F_OK), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_umask_untouched),
        cmocka_unit_test(test_replace_keeps_mode),
        cmocka_unit_test(test_replace_never_wider),
        cmocka_unit_test(test_registry_threads),
        cmocka_unit_test(test_remove_all),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
