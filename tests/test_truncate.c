/*
 * test_truncate.c - a corpus file that shrinks while mapped: counting must
 * fail with a clear MM_ERR_IO, not die of SIGBUS, for ASCII and UTF-8
 * corpora, at 1 and 2 threads, with every kernel table.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count.h"
#include "makemore.h"
#include "testutil.h"

static void write_corpus(const char *path, const char *line, size_t lines)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < lines; i++) {
        fputs(line, fp);
    }
    assert_int_equal(fclose(fp), 0);
}

static void check_truncated(const char *line)
{
    char path[512];
    snprintf(path, sizeof path, "%s/truncate-%d.txt", mm_test_tmpdir(), (int)getpid());
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        for (int threads = 1; threads <= 2; threads++) {
            write_corpus(path, line, 200000); /* megabytes: many pages */
            mm_corpus *c = NULL;
            assert_int_equal(mm_corpus_open(&c, path), MM_OK);
            const mm_vocab *v = mm_corpus_get_vocab(c);
            uint64_t *counts = calloc((size_t)v->size * v->size, sizeof *counts);
            assert_int_equal(truncate(path, 4096), 0);
            mm_count_opts opts = {.threads = threads};
            mm_status st = mm_count_bigrams_with(c, v, &opts, *k, counts);
            if (st != MM_ERR_IO || strstr(mm_errmsg(), "shrank") == NULL) {
                fail_msg("%s, %d threads: status %d, message '%s'", (*k)->name, threads,
                         (int)st, mm_errmsg());
            }
            free(counts);
            mm_corpus_close(c);
        }
    }
    unlink(path);
}

static void test_truncated_ascii(void **state)
{
    (void)state;
    check_truncated("emma\nolivia\n");
}

static void test_truncated_utf8(void **state)
{
    (void)state;
    check_truncated("zo\xc3\xab\nj\xc3\xb6rg\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated_ascii),
        cmocka_unit_test(test_truncated_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
