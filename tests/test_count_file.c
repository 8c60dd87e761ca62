/*
 * test_count_file.c - mm_count_file (one streaming pass) against the general
 * path it must agree with, mm_corpus_open + mm_count_bigrams: the same
 * status, message, vocabulary and counts, bit for bit, for every kernel
 * table and 1, 2, 3 and 8 threads.  Files cross the 512 KiB read pieces and
 * the 1 MiB probe, hold characters first seen after the probe, and every
 * kind of bad byte before and after it.  The pieces are handed out to the
 * threads as they ask: a thread held up on its first piece does not hold up
 * the others.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "count.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

#define MIB ((size_t)1 << 20)

static char g_dir[512];
static uint64_t g_seed;

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return mm_test_scratch_make(g_dir, sizeof g_dir, "test_count_file");
}

static int teardown(void **state)
{
    (void)state;
    return mm_test_scratch_remove(g_dir);
}

static const char *write_file(const char *name, const uint8_t *data, size_t n)
{
    return mm_test_write_file(g_dir, name, data, n);
}

typedef struct outcome {
    mm_status st;
    char msg[1024];
    mm_vocab v;
    uint64_t *counts;
    int streamed;
} outcome;

static void run_general(const char *path, int threads, outcome *o)
{
    mm_corpus *c = NULL;
    mm_count_opts opts = {.threads = threads};
    o->counts = NULL;
    o->streamed = 0;
    o->st = mm_corpus_open(&c, path);
    if (o->st == MM_OK) {
        o->v = *mm_corpus_get_vocab(c);
        o->counts = malloc((size_t)o->v.size * o->v.size * sizeof *o->counts);
        assert_non_null(o->counts);
        o->st = mm_count_bigrams(c, &o->v, &opts, o->counts);
        mm_corpus_close(c);
    }
    snprintf(o->msg, sizeof o->msg, "%s", o->st == MM_OK ? "" : mm_errmsg());
}

static void run_stream(const char *path, int threads, outcome *o)
{
    mm_count_opts opts = {.threads = threads};
    mm_corpus_info info = {0};
    o->counts = NULL;
    o->st = mm_count_file(path, &opts, &o->v, &o->counts, &info);
    o->streamed = info.streamed;
    snprintf(o->msg, sizeof o->msg, "%s", o->st == MM_OK ? "" : mm_errmsg());
    if (o->st != MM_OK) {
        assert_null(o->counts);
    }
}

/* Every table x threads: mm_count_file == the general path.  streamed: 1 or
 * 0 (must take that path), -1 (either). */
static void check_same(const char *label, const char *path, int streamed)
{
    static const int threads[] = {1, 2, 3, 8};
    outcome ref, got;
    run_general(path, 2, &ref);
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        mm_counter_set_active(*k);
        for (size_t ti = 0; ti < sizeof threads / sizeof threads[0]; ti++) {
            run_stream(path, threads[ti], &got);
            char what[256];
            snprintf(what, sizeof what, "%s: isa %s, %d threads", label, (*k)->name,
                     threads[ti]);
            if (got.st != ref.st || strcmp(got.msg, ref.msg) != 0) {
                fail_msg("%s: status %d '%s', general path %d '%s'", what, got.st, got.msg,
                         ref.st, ref.msg);
            }
            if (streamed >= 0 && got.streamed != streamed) {
                fail_msg("%s: streamed %d, expected %d", what, got.streamed, streamed);
            }
            if (ref.st == MM_OK) {
                assert_int_equal(got.v.size, ref.v.size);
                assert_memory_equal(got.v.cp, ref.v.cp, ref.v.size * sizeof ref.v.cp[0]);
                mm_assert_counts_equal(ref.counts, got.counts, (size_t)ref.v.size * ref.v.size,
                                       what);
            }
            free(got.counts);
        }
    }
    free(ref.counts);
    mm_counter_set_active(NULL);
}

/* Random names from alphabet, one per line, n bytes; every 50th line empty;
 * no final newline if unterminated. */
static uint8_t *make_names(size_t n, const char *alphabet, int unterminated, uint64_t *rs)
{
    uint8_t *b = malloc(n + 1);
    assert_non_null(b);
    size_t na = strlen(alphabet), i = 0, line = 0;
    while (i < n) {
        uint64_t r = mm_test_rand(rs);
        size_t len = (line++ % 50 == 49) ? 0 : 2 + r % 9;
        for (size_t j = 0; j < len && i < n; j++) {
            b[i++] = (uint8_t)alphabet[mm_test_rand(rs) % na];
        }
        if (i < n) {
            b[i++] = '\n';
        }
    }
    if (!unterminated && n > 0) {
        b[n - 1] = '\n';
    } else if (unterminated && n > 0 && b[n - 1] == '\n') {
        b[n - 1] = alphabet[0];
    }
    return b;
}

static void test_names_txt(void **state)
{
    (void)state;
    const char *p = mm_test_names_path();
    if (p == NULL) {
        skip();
    }
    check_same("names.txt", p, 1);
}

/* Sizes around the 512 KiB pieces and the 1 MiB probe, split across 1-8
 * threads. */
static void test_piece_boundaries(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xc0ff;
    static const size_t sizes[] = {2, 3, 64, 1000, MIB / 2 - 1, MIB / 2, MIB / 2 + 1,
                                   MIB - 1, MIB, MIB + 1, MIB + 2, 2 * MIB + 1, 3 * MIB + 333};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        for (int unterminated = 0; unterminated < 2; unterminated++) {
            uint8_t *b = make_names(sizes[i], "abcdefghijklmnopqrstuvwxyz-' ", unterminated,
                                    &rs);
            char label[96];
            snprintf(label, sizeof label, "%zu bytes%s", sizes[i],
                     unterminated ? ", no final newline" : "");
            check_same(label, write_file("pieces.txt", b, sizes[i]), 1);
            free(b);
        }
    }
}

/* Each counting thread gets at least one whole piece: a file of fewer
 * pieces than threads asked is counted on as many threads as it has whole
 * pieces (one at least), and says so in info.threads; the counts do not
 * change. */
static void test_threads_capped(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x7c4b;
    const size_t piece = 4096;
    static const struct { size_t bytes; int asked, used; } cases[] = {
        {100, 3, 1},           {4095, 2, 1},          {4096, 2, 1},
        {2 * 4096 - 1, 2, 1},  {2 * 4096, 2, 2},      {5 * 4096 / 2, 3, 2},
        {3 * 4096, 3, 3},      {10 * 4096, 3, 3},     {10 * 4096, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *b = make_names(cases[i].bytes, "abcdefgh", 0, &rs);
        const char *path = write_file("capped.txt", b, cases[i].bytes);
        outcome ref;
        run_general(path, 1, &ref);
        assert_int_equal(ref.st, MM_OK);
        mm_count_opts o = {.threads = cases[i].asked};
        mm_corpus_info info = {0};
        mm_vocab v;
        uint64_t *got = NULL;
        assert_int_equal(mm_count_file_sized(path, &o, 1024, piece, &v, &got, &info), MM_OK);
        assert_true(info.streamed);
        if (info.threads != cases[i].used) {
            fail_msg("%zu bytes in pieces of %zu, %d threads asked: %d used, want %d",
                     cases[i].bytes, piece, cases[i].asked, info.threads, cases[i].used);
        }
        assert_int_equal(v.size, ref.v.size);
        mm_assert_counts_equal(ref.counts, got, (size_t)v.size * v.size, "capped");
        free(got);
        free(ref.counts);
        free(b);
    }
}

/* Tiny and degenerate files. */
static void test_tiny(void **state)
{
    (void)state;
    static const char *cases[] = {"a", "\n", "a\n", "\n\n\nab", "ab", "\n\n", "ab\n\ncd",
                                  "x\ny\nz\n"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *p = write_file("tiny.txt", (const uint8_t *)cases[i], strlen(cases[i]));
        check_same(cases[i], p, 1);
    }
    check_same("empty file", write_file("empty.txt", (const uint8_t *)"", 0), 0);
    check_same("missing file", "/nonexistent/makemore/corpus.txt", 0);
    check_same("a directory", g_dir, 0);
}

/* A byte the first MiB did not show, at various places after it (and as
 * the very last byte): the general path decides, with the same result. */
static void test_after_probe(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xbeef;
    const size_t n = 2 * MIB + 4321;
    struct {
        const char *what;
        const char *bytes;
    } cases[] = {
        {"new letter", "q"},         {"NUL byte", "\0"},
        {"boundary '.'", "."},       {"lone CR", "\rx"},
        {"CRLF line end", "\r\n"},   {"UTF-8 e-acute", "\xc3\xa9"},
        {"invalid UTF-8", "\xc3\x28"}, {"byte 0xff", "\xff"},
    };
    static const size_t places[] = {MIB, MIB + 1, MIB + 77777, 2 * MIB + 1};
    uint8_t *base = make_names(n, "abcdefghijklmnop", 0, &rs);
    uint8_t *b = malloc(n + 8);
    assert_non_null(b);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t len = cases[c].bytes[0] ? strlen(cases[c].bytes) : 1;
        for (size_t pi = 0; pi <= sizeof places / sizeof places[0]; pi++) {
            memcpy(b, base, n);
            /* the last place: the final bytes of the file */
            size_t at = pi < sizeof places / sizeof places[0] ? places[pi] : n - len;
            memcpy(b + at, cases[c].bytes, len);
            char label[128];
            snprintf(label, sizeof label, "%s at byte %zu", cases[c].what, at);
            check_same(label, write_file("late.txt", b, n), 0);
        }
        /* and inside the probe: a new letter is just part of the vocabulary,
         * anything else sends it to the general path from the start */
        memcpy(b, base, n);
        memcpy(b + 1000, cases[c].bytes, len);
        char label[128];
        snprintf(label, sizeof label, "%s at byte 1000", cases[c].what);
        check_same(label, write_file("early.txt", b, n), c == 0 ? 1 : 0);
    }
    free(b);
    free(base);
}

/* Tiny probes and pieces (mm_count_file_sized) on small random files: every
 * probe/piece phase, characters first seen after the probe, bad bytes. */
static void test_small_probe_and_pieces(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x0dd5;
    static const char extra[] = "q.\r\0\xc3\xa9";
    for (int iter = 0; iter < 300; iter++) {
        size_t n = 1 + (size_t)(mm_test_rand(&rs) % 300);
        uint8_t *b = make_names(n, "abcde", (int)(mm_test_rand(&rs) & 1), &rs);
        if (iter % 3 != 0) { /* one surprise somewhere */
            size_t at = (size_t)(mm_test_rand(&rs) % n);
            b[at] = (uint8_t)extra[mm_test_rand(&rs) % (sizeof extra - 1)];
        }
        const char *path = write_file("small.txt", b, n);
        outcome ref;
        run_general(path, 1, &ref);
        for (int t = 1; t <= 3; t++) {
            size_t probe = 1 + (size_t)(mm_test_rand(&rs) % 40);
            size_t piece = 1 + (size_t)(mm_test_rand(&rs) % 70);
            mm_count_opts o = {.threads = t};
            mm_vocab v;
            uint64_t *got = NULL;
            mm_status st = mm_count_file_sized(path, &o, probe, piece, &v, &got, NULL);
            if (st != ref.st || (st != MM_OK && strcmp(mm_errmsg(), ref.msg) != 0)) {
                fail_msg("iter %d (n %zu, probe %zu, piece %zu, %d threads): status %d '%s', "
                         "general path %d '%s'", iter, n, probe, piece, t, st,
                         st == MM_OK ? "" : mm_errmsg(), ref.st, ref.msg);
            }
            if (st == MM_OK) {
                assert_int_equal(v.size, ref.v.size);
                assert_memory_equal(v.cp, ref.v.cp, v.size * sizeof v.cp[0]);
                mm_assert_counts_equal(ref.counts, got, (size_t)v.size * v.size, "small");
            }
            free(got);
        }
        free(ref.counts);
        free(b);
    }
}

/* ---- pieces handed out as the threads ask --------------------------------
 * The scalar counter, except that the first feed of all (whichever thread
 * makes it) waits until the other threads have fed more than half of the
 * pieces, or HELD_MAX_S seconds have passed: with a fixed half of the file
 * per thread the others could never feed more than their half. */
#define HELD_MAX_S 10
static int g_held_first, g_fed_by_others, g_count_no; /* g_count_no: this count's */
static void held_feed(void *work, const uint8_t *b, size_t n)
{
    /* the count in which this thread was held (OpenMP reuses its threads
     * from one count to the next) */
    static __thread int held_in;
    const int me_held = held_in == g_count_no;
    if (__atomic_exchange_n(&g_held_first, 0, __ATOMIC_SEQ_CST)) {
        held_in = g_count_no;
        struct timespec t0, now, nap = {0, 1000000};
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            nanosleep(&nap, NULL);
            clock_gettime(CLOCK_MONOTONIC, &now);
        } while (__atomic_load_n(&g_fed_by_others, __ATOMIC_SEQ_CST) <= 32 &&
                 now.tv_sec - t0.tv_sec < HELD_MAX_S);
    } else if (!me_held) {
        __atomic_add_fetch(&g_fed_by_others, 1, __ATOMIC_SEQ_CST);
    }
    mm_counter_scalar.count_feed(work, b, n);
}

static void test_pieces_handed_out(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x4e1d;
    const size_t piece = 4096, pieces = 64; /* "more than half": more than 32 */
    const size_t n = piece * pieces + 1;
    uint8_t *b = make_names(n, "abcdefgh", 0, &rs);
    const char *path = write_file("held.txt", b, n);
    outcome ref;
    run_general(path, 1, &ref);
    assert_int_equal(ref.st, MM_OK);
    mm_counter held = mm_counter_scalar;
    held.name = "held";
    held.count_feed = held_feed;
    for (int T = 2; T <= 3; T++) {
        g_held_first = 1;
        g_fed_by_others = 0;
        g_count_no = T;
        mm_counter_set_active(&held);
        mm_count_opts o = {.threads = T};
        mm_corpus_info info = {0};
        mm_vocab v;
        uint64_t *got = NULL;
        mm_status st = mm_count_file_sized(path, &o, 1024, piece, &v, &got, &info);
        mm_counter_set_active(NULL);
        assert_int_equal(st, MM_OK);
        assert_int_equal(info.threads, T);
        int others = __atomic_load_n(&g_fed_by_others, __ATOMIC_SEQ_CST);
        if (others <= 32) {
            fail_msg("%d threads, %zu pieces: while one thread was held on its first, the "
                     "others counted %d pieces, want more than half", T, pieces, others);
        }
        mm_assert_counts_equal(ref.counts, got, (size_t)v.size * v.size, "held");
        free(got);
    }
    free(ref.counts);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_txt),
        cmocka_unit_test(test_piece_boundaries),
        cmocka_unit_test(test_threads_capped),
        cmocka_unit_test(test_tiny),
        cmocka_unit_test(test_after_probe),
        cmocka_unit_test(test_small_probe_and_pieces),
        cmocka_unit_test(test_pieces_handed_out),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
