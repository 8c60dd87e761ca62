/*
 * test_edges.c - the library's answers at the edges (issue 10): training
 * never ends with weights it cannot save (item 3), notices a corpus that
 * shrinks under it (5), refuses a degenerate generator state and never
 * redraws forever (8); models whose P is no distribution (12) or whose
 * counts wrap around (16) are refused; a message longer than the buffer
 * loses the middle of its path, never its problem text (15).
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "makemore.h"
#include "model.h"
#include "testutil.h"

static void tmp_path(char *buf, size_t size, const char *what)
{
    snprintf(buf, size, "%s/edges-%s-%d", mm_test_tmpdir(), what, (int)getpid());
}

static int all_finite(const mm_model *m)
{
    size_t VV = (size_t)m->vocab.size * m->vocab.size;
    for (size_t i = 0; i < VV; i++) {
        if (!isfinite(m->W[i])) {
            return 0;
        }
    }
    return 1;
}

/* Item 3: the last update overflows (its loss is never computed): the run
 * ends at the state before it, and a non-finite W is never saved. */
static void test_last_update_overflows(void **state)
{
    (void)state;
    static const char text[] = "emma\nolivia\nava\n";
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "mem"), MM_OK);
    mm_train_config cfg;
    mm_train_config_init(&cfg);
    cfg.lr = 3e38;  /* the largest float32 range */
    cfg.reg = 1e38; /* reg * W makes the first update overflow */
    cfg.steps = 1;
    mm_model *m = NULL;
    assert_int_equal(mm_train_model_create(&m, mm_corpus_get_vocab(c), &cfg, NULL), MM_OK);
    mm_status st = mm_train(m, c, &cfg);
    assert_int_equal(st, MM_ERR_DIVERGED);
    assert_non_null(strstr(mm_errmsg(), "not finite"));
    assert_int_equal(m->neural.step, 0);
    assert_true(all_finite(m));
    /* and the writer refuses a non-finite weight outright */
    char path[512];
    tmp_path(path, sizeof path, "inf.mm");
    m->W[3] = INFINITY;
    assert_int_equal(mm_model_save(m, path), MM_ERR_INVALID_ARG);
    assert_int_not_equal(access(path, F_OK), 0);
    /* lr or reg that float32 cannot hold are refused before training */
    cfg.lr = 1e39;
    assert_int_equal(mm_train(m, c, &cfg), MM_ERR_INVALID_ARG);
    cfg.lr = 1e-50;
    assert_int_equal(mm_train(m, c, &cfg), MM_ERR_INVALID_ARG);
    mm_model_destroy(m);
    mm_corpus_close(c);
}

typedef struct shrink_ctx {
    const char *path;
    uint64_t at;
} shrink_ctx;

static int shrink_on_step(const mm_train_progress *p, void *user)
{
    shrink_ctx *s = user;
    if (p->step == s->at) {
        assert_int_equal(truncate(s->path, 4096), 0);
    }
    return 0;
}

/* Item 5: the examples driver reads the mapped corpus every step; a
 * truncation between steps is reported and the model stays at the last step
 * trained on the whole file. */
static void test_shrinks_during_training(void **state)
{
    (void)state;
    assert_int_equal(mm_sigbus_guard_install(), MM_OK);
    char path[512];
    tmp_path(path, sizeof path, "shrink.txt");
    for (int batch = 0; batch <= 1; batch++) {
        mm_test_write_lines(path, "emma\nolivia\nava\n", 200000); /* megabytes: many pages */
        mm_corpus *c = NULL;
        assert_int_equal(mm_corpus_open(&c, path), MM_OK);
        shrink_ctx s = {path, 1};
        mm_train_config cfg;
        mm_train_config_init(&cfg);
        cfg.driver = MM_DRIVER_EXAMPLES;
        cfg.batch = batch ? 100000 : 0;
        cfg.steps = 5;
        cfg.threads = 2;
        cfg.on_step = shrink_on_step;
        cfg.user = &s;
        mm_model *m = NULL;
        assert_int_equal(mm_train_model_create(&m, mm_corpus_get_vocab(c), &cfg, NULL), MM_OK);
        mm_status st = mm_train(m, c, &cfg);
        if (st != MM_ERR_IO || strstr(mm_errmsg(), "shrank") == NULL) {
            fail_msg("batch %d: status %d, message '%s'", batch, (int)st, mm_errmsg());
        }
        assert_int_equal(m->neural.step, 2); /* steps 0 and 1 saw the whole file */
        mm_model_destroy(m);
        mm_corpus_close(c);
    }
    unlink(path);
}

/* Item 8: an all-zero generator state is refused at load; given anyway,
 * minibatch draws give up instead of spinning. */
static void test_zero_generator(void **state)
{
    (void)state;
    static const char text[] = "\nemma\nava\n"; /* position 0 starts no example */
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "mem"), MM_OK);
    mm_train_config cfg;
    mm_train_config_init(&cfg);
    cfg.driver = MM_DRIVER_EXAMPLES;
    cfg.batch = 4;
    cfg.steps = 3;
    mm_model *m = NULL;
    assert_int_equal(mm_train_model_create(&m, mm_corpus_get_vocab(c), &cfg, NULL), MM_OK);
    memset(m->neural.rng.state, 0, sizeof m->neural.rng.state);
    memset(m->neural.rng.out, 0, sizeof m->neural.rng.out);
    m->neural.rng.index = 624;
    char path[512];
    tmp_path(path, sizeof path, "zero.mm");
    assert_int_equal(mm_model_save(m, path), MM_OK);
    mm_model *back = NULL;
    assert_int_equal(mm_model_load(&back, path), MM_ERR_FORMAT);
    assert_non_null(strstr(mm_errmsg(), "all zeros"));
    unlink(path);
    alarm(60); /* before the bound, this spun forever */
    mm_status st = mm_train(m, c, &cfg);
    alarm(0);
    assert_int_not_equal(st, MM_OK);
    assert_non_null(strstr(mm_errmsg(), "degenerate"));
    mm_model_destroy(m);
    mm_corpus_close(c);
}

/* Item 12 and 16: P must be a distribution (a row sum that overflows float32
 * gives zeros, not NaN); counts must not add up beyond 2^64 - 1. */
static void test_count_model_edges(void **state)
{
    (void)state;
    mm_vocab v;
    v.size = 27;
    v.cp[0] = '.';
    for (uint32_t i = 1; i < 27; i++) {
        v.cp[i] = 'a' + i - 1;
    }
    uint64_t *counts = calloc(27 * 27, sizeof *counts);
    assert_non_null(counts);
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_counts(&m, &v, counts, 1e38), MM_ERR_INVALID_ARG);
    assert_non_null(strstr(mm_errmsg(), "too large"));
    assert_int_equal(mm_model_from_counts(&m, &v, counts, 1.0), MM_OK);
    char path[512];
    tmp_path(path, sizeof path, "edge.mm");
    mm_model *back = NULL;
    m->smoothing = 1e38; /* a crafted file: every entry finite, every sum inf */
    assert_int_equal(mm_model_save(m, path), MM_OK);
    assert_int_equal(mm_model_load(&back, path), MM_ERR_FORMAT);
    assert_non_null(strstr(mm_errmsg(), "smoothing"));
    m->smoothing = 1.0;
    m->counts[0] = UINT64_MAX;
    m->counts[5] = 2;
    assert_int_equal(mm_model_save(m, path), MM_OK);
    assert_int_equal(mm_model_load(&back, path), MM_ERR_FORMAT);
    assert_non_null(strstr(mm_errmsg(), "2^64"));
    unlink(path);
    mm_model_destroy(m);
    free(counts);
}

/* Item 15: messages begin with a path and end with the problem. */
static void test_long_message(void **state)
{
    (void)state;
    size_t n = 20000;
    char *path = malloc(n + 1);
    assert_non_null(path);
    memset(path, 'd', n);
    path[n] = '\0';
    mm_fail(MM_ERR_CORPUS, "%s/nul.txt:1:3: NUL byte (binary file?) (byte offset 2)", path);
    const char *msg = mm_errmsg();
    const char *want = "nul.txt:1:3: NUL byte (binary file?) (byte offset 2)";
    assert_true(strlen(msg) > strlen(want));
    assert_string_equal(msg + strlen(msg) - strlen(want), want);
    assert_memory_equal(msg, path, 100); /* the path's start is kept too */
    assert_non_null(strstr(msg, "..."));
    /* a short message is untouched */
    mm_fail(MM_ERR_CORPUS, "%s", "x: short");
    assert_string_equal(mm_errmsg(), "x: short");
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_last_update_overflows),
        cmocka_unit_test(test_shrinks_during_training),
        cmocka_unit_test(test_zero_generator),
        cmocka_unit_test(test_count_model_edges),
        cmocka_unit_test(test_long_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
