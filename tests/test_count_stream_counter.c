/*
 * test_count_stream_counter.c - which counter counts a stream read in chunks
 * (src/count_stream.c: standard input, pipes), and that its counts stay the
 * scalar reference's:
 * - with the auto counter, a pipe of many chunks and several trial chunks,
 *   ASCII and UTF-8, at 1 and 2 threads, and at the real sizes (4 MiB
 *   chunks, 512 KiB trial pieces), where the first trial must finish and
 *   name a built-in counter;
 * - the choice is used: an auto counter with "lazy" among its candidates
 *   (exact, but it counts everything at the end, so it times as the fastest
 *   there is; never the best ISA's) must report "lazy", count the chunks
 *   after the trial with it, and run the trial only on trial chunks (once,
 *   then after recheck bytes per thread, then after twice as many...), not
 *   on every chunk; at the real sizes too, where that shows the trial chunk
 *   is large enough;
 * - a forced counter (mm_counter_set_active, MM_COUNT_KERNEL, --isa) counts
 *   every chunk, and info->counter names it.
 *
 * Tolerances: none.  Counts are integers: every counter, chunking and thread
 * count must be bit-exact.  No timing is asserted: "lazy" wins any timing.
 * Random inputs use mm_test_seed() (printed; MM_TEST_SEED overrides it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "count.h"
#include "count_auto.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

static uint64_t g_seed;
static char g_dir[512];

/* Small sizes: a few MiB hold many chunks and several trials. */
#define SMALL_CHUNK ((size_t)256 << 10)
#define SMALL_PIECE MM_AUTO_MIN_PIECE
#define SMALL_RECHECK ((uint64_t)1 << 20)

/* ---- "lazy": exact, and the fastest by any clock ------------------------------ *
 * Its feed only notes where the piece is; its end counts them all with the
 * scalar reference.  Valid only where pieces stay in place until the end of
 * the stream: the ASCII path of the counting driver (UTF-8 pieces are
 * decoded into a buffer that is reused), so it is only given ASCII input. */

#define LAZY_MAX 512

typedef struct lazy_work {
    const uint8_t *p[LAZY_MAX];
    size_t n[LAZY_MAX];
    size_t k;
} lazy_work;

static int g_lazy_begins, g_auto_begins; /* streams begun, over all threads */

static size_t lazy_head(void)
{
    return (sizeof(lazy_work) + 63) / 64 * 64;
}

static size_t lazy_work_size(size_t K)
{
    return lazy_head() + mm_counter_scalar.count_work_size(K);
}

static void lazy_begin(void *work, const uint8_t code[256], size_t K)
{
    lazy_work *w = work;
    w->k = 0;
    mm_counter_scalar.count_begin((uint8_t *)work + lazy_head(), code, K);
    __atomic_fetch_add(&g_lazy_begins, 1, __ATOMIC_RELAXED);
}

static void lazy_feed(void *work, const uint8_t *b, size_t n)
{
    lazy_work *w = work;
    if (w->k < LAZY_MAX) {
        w->p[w->k] = b;
        w->n[w->k++] = n;
    } else {
        mm_counter_scalar.count_feed((uint8_t *)work + lazy_head(), b, n);
    }
}

static void lazy_end(void *work, uint64_t *counts)
{
    lazy_work *w = work;
    for (size_t i = 0; i < w->k; i++) {
        mm_counter_scalar.count_feed((uint8_t *)work + lazy_head(), w->p[i], w->n[i]);
    }
    mm_counter_scalar.count_end((uint8_t *)work + lazy_head(), counts);
}

static const mm_counter lazy = {
    .name = "lazy",
    .supported = mm_cpu_always,
    .count_work_size = lazy_work_size,
    .count_begin = lazy_begin,
    .count_feed = lazy_feed,
    .count_end = lazy_end,
};

/* ---- an auto counter whose candidates include lazy --------------------------------
 * The real auto's candidates (the best ISA's counter, then every other this
 * CPU runs), with the last that is neither that one nor scalar replaced by
 * lazy: as many as the real auto has, so its trial takes as many pieces. */

static const mm_counter *g_cands[MM_AUTO_MAX];
static int g_ncands;

static void set_test_cands(void)
{
    const mm_counter *first = mm_kernels_active()->counter;
    int n = 0, last = -1;
    g_cands[n++] = first;
    for (const mm_counter *const *c = mm_counters_all(); *c && n < MM_AUTO_MAX; c++) {
        if (*c != first && (*c)->supported()) {
            last = *c != &mm_counter_scalar ? n : last;
            g_cands[n++] = *c;
        }
    }
    assert_true(last > 0); /* pairs runs everywhere */
    g_cands[last] = &lazy;
    g_ncands = n;
}

static size_t test_auto_work_size(size_t K)
{
    return mm_count_auto_work_size_with(K, g_cands, g_ncands);
}

static void test_auto_begin(void *work, const uint8_t code[256], size_t K)
{
    __atomic_fetch_add(&g_auto_begins, 1, __ATOMIC_RELAXED);
    mm_count_auto_begin_with(work, code, K, g_cands, g_ncands);
}

static const mm_counter test_auto = {
    .name = "test-auto",
    .supported = mm_cpu_always,
    .count_work_size = test_auto_work_size,
    .count_begin = test_auto_begin,
    .count_feed = mm_count_auto_feed,
    .count_end = mm_count_auto_end,
};

/* ---- inputs and the reference -------------------------------------------------- */

/* n bytes of names, one a line: a-z, and with utf8 half the characters
 * from U+00E0..U+00FF (two bytes each). */
static uint8_t *make_names(size_t n, int utf8, uint64_t *rs)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t i = 0;
    while (i < n) {
        size_t len = 1 + mm_test_rand(rs) % 9;
        for (size_t j = 0; j < len && i + 2 < n; j++) {
            uint64_t r = mm_test_rand(rs);
            if (utf8 && (r & 1)) {
                uint32_t cp = 0xe0 + (uint32_t)(r >> 8) % 32;
                b[i++] = (uint8_t)(0xc0 | (cp >> 6));
                b[i++] = (uint8_t)(0x80 | (cp & 63));
            } else {
                b[i++] = (uint8_t)('a' + (r >> 8) % 26);
            }
        }
        b[i++] = '\n';
        if (i + 2 >= n) {
            memset(b + i, '\n', n - i); /* empty lines to the end */
            i = n;
        }
    }
    return b;
}

typedef struct writer {
    int fd;
    const uint8_t *b;
    size_t n;
} writer;

static void *write_all(void *arg)
{
    writer *w = arg;
    size_t at = 0;
    while (at < w->n) {
        ssize_t r = write(w->fd, w->b + at, w->n - at);
        if (r <= 0) {
            break; /* the reader stopped: its result says so */
        }
        at += (size_t)r;
    }
    close(w->fd);
    return NULL;
}

/* Count b[0..n) through a pipe with mm_count_stream_sized (chunk 0: the real
 * sizes, through mm_count_stream; trials then untouched). */
static mm_status stream_count(const uint8_t *b, size_t n, int threads, size_t chunk,
                              size_t piece, uint64_t recheck, mm_vocab *v, uint64_t **counts,
                              mm_corpus_info *info, int trials[2])
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    writer w = {.fd = fds[1], .b = b, .n = n};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, write_all, &w), 0);
    mm_count_opts o = {.threads = threads};
    mm_status st = chunk ? mm_count_stream_sized(fds[0], "<pipe>", &o, chunk, piece, recheck,
                                                 v, counts, info, NULL, trials)
                         : mm_count_stream(fds[0], "<pipe>", &o, v, counts, info, NULL);
    close(fds[0]); /* a writer still writing gets EPIPE, not a hang */
    assert_int_equal(pthread_join(th, NULL), 0);
    return st;
}

typedef struct ref {
    mm_vocab v;
    uint64_t *counts;
} ref;

/* The scalar reference's counts of b[0..n), through a file and the mapped
 * reader: no code of the stream path. */
static ref reference(const uint8_t *b, size_t n, const char *tag)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.txt", g_dir, tag);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_open(&c, path), MM_OK);
    ref r = {.v = *mm_corpus_get_vocab(c)};
    r.counts = calloc((size_t)r.v.size * r.v.size, sizeof *r.counts);
    assert_non_null(r.counts);
    mm_count_opts o1 = {.threads = 1};
    assert_int_equal(mm_count_bigrams_with(c, &r.v, &o1, &mm_counter_scalar, r.counts), MM_OK);
    mm_corpus_close(c);
    return r;
}

static void assert_same(const ref *r, const mm_vocab *v, const uint64_t *counts,
                        const char *what)
{
    if (v->size != r->v.size || memcmp(v->cp, r->v.cp, v->size * sizeof *v->cp) != 0) {
        fail_msg("%s: vocabulary differs (V %u, want %u)", what, v->size, r->v.size);
    }
    mm_assert_counts_equal(r->counts, counts, (size_t)v->size * v->size, what);
}

/* The chunks mm_count_stream_sized cuts b[0..n) into when every chunk is
 * an ordinary one (a forced counter): fill `chunk` bytes, cut after the
 * last '\n'. */
static size_t chunks_of(const uint8_t *b, size_t n, size_t chunk)
{
    size_t at = 0, k = 0;
    while (at < n) {
        size_t end = n - at > chunk ? at + chunk : n;
        if (end < n) {
            while (b[end - 1] != '\n') {
                end--;
            }
        }
        at = end;
        k++;
    }
    return k;
}

static int is_builtin(const char *name)
{
    const mm_counter *c = name ? mm_counter_find(name) : NULL;
    return c != NULL && c != &mm_counter_auto && c->supported();
}

/* ---- the tests ----------------------------------------------------------------- */

/* The real auto counter: scalar's counts through many chunks and trials,
 * and a built-in counter named. */
static void test_stream_auto_exact(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x57e4;
    mm_counter_set_active(NULL);
    for (int utf8 = 0; utf8 < 2; utf8++) {
        const size_t n = (size_t)8 << 20;
        uint8_t *b = make_names(n, utf8, &rs);
        ref r = reference(b, n, utf8 ? "auto-utf8" : "auto-ascii");
        /* UTF-8 trial pieces are half a piece in symbols (>= MM_AUTO_MIN_PIECE) */
        size_t piece = utf8 ? 2 * SMALL_PIECE : SMALL_PIECE;
        for (int T = 1; T <= 2; T++) {
            mm_vocab v;
            uint64_t *counts = NULL;
            mm_corpus_info info = {0};
            int trials[2] = {-1, -1};
            assert_int_equal(stream_count(b, n, T, SMALL_CHUNK, piece, SMALL_RECHECK, &v,
                                          &counts, &info, trials),
                             MM_OK);
            char what[128];
            snprintf(what, sizeof what, "stream, auto, %s, %d threads (counter %s, %d of %d "
                     "trials finished)", utf8 ? "UTF-8" : "ASCII", T,
                     info.counter ? info.counter : "?", trials[1], trials[0]);
            print_message("%s\n", what);
            assert_same(&r, &v, counts, what);
            assert_int_equal(info.threads, T);
            /* several trials, each finished but perhaps the last (the input
             * may end in it) */
            if (!is_builtin(info.counter) || trials[0] < 2 || trials[1] < trials[0] - 1) {
                fail_msg("%s: want a built-in counter and trials that finish", what);
            }
            free(counts);
        }
        free(r.counts);
        free(b);
    }
}

/* The real sizes: the first chunk's trial finishes (its chunk is read
 * large enough for it: lazy, which wins any trial that finishes, is named),
 * and the chunks after it count exactly, with the real auto too. */
static void test_stream_auto_real_sizes(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x4ea1;
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    set_test_cands();
    const size_t n = (size_t)30 << 20; /* the 2-thread trial chunk is <= 20 MiB */
    uint8_t *b = make_names(n, 0, &rs);
    ref r = reference(b, n, "real");
    for (int T = 1; T <= 2; T++) {
        for (int fake = 0; fake < 2; fake++) {
            mm_counter_set_active(fake ? &test_auto : NULL);
            mm_vocab v;
            uint64_t *counts = NULL;
            mm_corpus_info info = {0};
            assert_int_equal(stream_count(b, n, T, 0, 0, 0, &v, &counts, &info, NULL), MM_OK);
            char what[128];
            snprintf(what, sizeof what, "stream, %s, real sizes, %d threads (counter %s)",
                     fake ? "auto with lazy" : "auto", T, info.counter ? info.counter : "?");
            assert_same(&r, &v, counts, what);
            if (fake ? info.counter == NULL || strcmp(info.counter, "lazy") != 0
                     : !is_builtin(info.counter)) {
                fail_msg("%s: the trial did not finish", what);
            }
            free(counts);
        }
    }
    mm_counter_set_active(NULL);
    free(r.counts);
    free(b);
}

/* The measured choice is the one used: lazy wins every timing, the best
 * ISA's counter would be the choice by rank. */
static void test_stream_uses_choice(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xc401;
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    set_test_cands();
    const size_t n = (size_t)6 << 20;
    uint8_t *b = make_names(n, 0, &rs);
    ref r = reference(b, n, "choice");
    static const uint64_t rechecks[] = {SMALL_RECHECK, (uint64_t)1 << 40};
    for (int T = 1; T <= 2; T++) {
        for (int ri = 0; ri < 2; ri++) {
            uint64_t recheck = rechecks[ri];
            mm_counter_set_active(&test_auto);
            g_lazy_begins = g_auto_begins = 0;
            mm_vocab v;
            uint64_t *counts = NULL;
            mm_corpus_info info = {0};
            assert_int_equal(stream_count(b, n, T, SMALL_CHUNK, SMALL_PIECE, recheck, &v,
                                          &counts, &info, NULL),
                             MM_OK);
            char what[160];
            snprintf(what, sizeof what,
                     "stream, auto with lazy, %d threads, recheck %llu: counter %s, "
                     "%d auto streams, %d lazy streams",
                     T, (unsigned long long)recheck,
                     info.counter ? info.counter : "?", g_auto_begins, g_lazy_begins);
            print_message("%s\n", what);
            assert_same(&r, &v, counts, what);
            if (info.counter == NULL || strcmp(info.counter, "lazy") != 0) {
                fail_msg("%s: the measured choice was not reported", what);
            }
            /* trials: the first chunk, then at most one per recheck bytes
             * per thread (the intervals double) */
            int trials = g_auto_begins / T;
            uint64_t max_trials = 1 + n / (recheck * (uint64_t)T);
            if (g_auto_begins % T != 0 || trials < 1 || (uint64_t)trials > max_trials ||
                (ri == 0 && trials < 2)) {
                fail_msg("%s: want 1 .. %llu trial chunks (2 or more with this recheck)",
                         what, (unsigned long long)max_trials);
            }
            /* lazy counts in every trial (a candidate) and every other chunk:
             * more chunks than trials, unless the others went elsewhere */
            size_t chunks = (size_t)g_lazy_begins / (size_t)T;
            if (g_lazy_begins % T != 0 || chunks <= (size_t)trials) {
                fail_msg("%s: lazy did not count the chunks after the trial", what);
            }
            free(counts);
        }
    }
    mm_counter_set_active(NULL);
    free(r.counts);
    free(b);
}

/* A forced counter counts every chunk, and is named; the stream never runs
 * the auto counter then. */
static void test_stream_forced(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xf0ce;
    const size_t n = (size_t)3 << 20;
    uint8_t *b = make_names(n, 0, &rs);
    ref r = reference(b, n, "forced");
    const size_t chunks = chunks_of(b, n, SMALL_CHUNK);
    for (int T = 1; T <= 2; T++) {
        /* lazy, forced: every chunk is its, none is a trial */
        mm_counter_set_active(&lazy);
        g_lazy_begins = g_auto_begins = 0;
        mm_vocab v;
        uint64_t *counts = NULL;
        mm_corpus_info info = {0};
        assert_int_equal(stream_count(b, n, T, SMALL_CHUNK, SMALL_PIECE, SMALL_RECHECK, &v,
                                      &counts, &info, NULL),
                         MM_OK);
        assert_same(&r, &v, counts, "stream, lazy forced");
        assert_string_equal(info.counter, "lazy");
        assert_int_equal(g_auto_begins, 0);
        assert_int_equal(g_lazy_begins, (int)chunks * T);
        free(counts);
        /* every built-in counter, by MM_COUNT_KERNEL */
        for (const mm_counter *const *c = mm_counters_all(); *c; c++) {
            if (!(*c)->supported()) {
                print_message("skip %s: this CPU cannot run it\n", (*c)->name);
                continue;
            }
            setenv("MM_COUNT_KERNEL", (*c)->name, 1);
            assert_int_equal(mm_dispatch_init(NULL), MM_OK);
            unsetenv("MM_COUNT_KERNEL");
            assert_int_equal(stream_count(b, n, T, SMALL_CHUNK, SMALL_PIECE, SMALL_RECHECK,
                                          &v, &counts, &info, NULL),
                             MM_OK);
            char what[96];
            snprintf(what, sizeof what, "stream, MM_COUNT_KERNEL=%s, %d threads", (*c)->name,
                     T);
            assert_same(&r, &v, counts, what);
            assert_string_equal(info.counter, (*c)->name);
            free(counts);
        }
        /* every table, by --isa: its own counter */
        for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
            if (!(*k)->supported()) {
                print_message("skip --isa %s: this CPU cannot run it\n", (*k)->name);
                continue;
            }
            assert_int_equal(mm_dispatch_init((*k)->name), MM_OK);
            assert_int_equal(stream_count(b, n, T, SMALL_CHUNK, SMALL_PIECE, SMALL_RECHECK,
                                          &v, &counts, &info, NULL),
                             MM_OK);
            char what[96];
            snprintf(what, sizeof what, "stream, --isa %s, %d threads", (*k)->name, T);
            assert_same(&r, &v, counts, what);
            assert_string_equal(info.counter, (*k)->counter->name);
            free(counts);
        }
    }
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    free(r.counts);
    free(b);
}

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    unsetenv("MM_ISA");
    unsetenv("MM_COUNT_KERNEL");
    return mm_test_scratch_make(g_dir, sizeof g_dir, "test_count_stream_counter");
}

static int teardown(void **state)
{
    (void)state;
    return mm_test_scratch_remove(g_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stream_auto_exact),
        cmocka_unit_test(test_stream_auto_real_sizes),
        cmocka_unit_test(test_stream_uses_choice),
        cmocka_unit_test(test_stream_forced),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
