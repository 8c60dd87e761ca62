/*
 * test_count_auto.c - the counter chosen by measurement (kernels/count_auto.c)
 * and the forcing rules (kernels/dispatch.c):
 * - the auto stream gives scalar's counts for any split into pieces, through
 *   the first piece, the check, the trial, the run and the later timed
 *   rounds, and what it chose is a built-in counter this CPU runs;
 * - a counter that is fast and wrong is refused (never timed, never chosen,
 *   its stream never added), and so is one that is wrong only at the end;
 * - a follower stream counts with the leader's choice once published,
 *   with its own checked first candidate before, never reads the clock,
 *   and never uses a candidate its own check refused;
 * - the pair-table counter around its table threshold and its pieces;
 * - mm_count_file and the mapped driver with auto at 1, 2, 3 threads, with
 *   inputs long enough for every thread to finish its trial;
 * - --isa / MM_ISA force the table's own counter, MM_COUNT_KERNEL any
 *   counter, unknown or unsupported names are errors.
 *
 * Tolerances: none.  Counts are integers: every counter and thread count
 * must be bit-exact.  No timing is asserted (only that a choice was made).
 * Random inputs use mm_test_seed() (printed; MM_TEST_SEED overrides it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "count.h"
#include "count_auto.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

static uint64_t g_seed;

/* ---- counters that must never be chosen ---------------------------------- */

/* Counts nothing, so it is the fastest counter there is. */
static size_t null_work_size(size_t K)
{
    return sizeof(size_t) + K * 0;
}
static void null_begin(void *work, const uint8_t code[256], size_t K)
{
    (void)code;
    *(size_t *)work = K;
}
static void null_feed(void *work, const uint8_t *b, size_t n)
{
    (void)work;
    (void)b;
    (void)n;
}
static void null_end(void *work, uint64_t *counts)
{
    (void)work;
    counts[0] += 1; /* wrong even when fed nothing */
}
static const mm_counter fast_wrong = {
    .name = "fast-wrong",
    .supported = mm_cpu_always,
    .count_work_size = null_work_size,
    .count_begin = null_begin,
    .count_feed = null_feed,
    .count_end = null_end,
};

/* The pair table, plus one count in its last cell at the end. */
static void off_by_one_end(void *work, uint64_t *counts)
{
    mm_counter_pairs.count_end(work, counts);
    counts[0] += 1;
}
static const mm_counter off_by_one = {
    .name = "off-by-one",
    .supported = mm_cpu_always,
    .count_work_size = NULL, /* set in main: the pair table's */
    .count_begin = NULL,
    .count_feed = NULL,
    .count_end = off_by_one_end,
};
static mm_counter g_off_by_one;

/* ---- helpers ------------------------------------------------------------------ */

static void *alloc_work(size_t n)
{
    n = (n + 63) / 64 * 64;
    void *w = aligned_alloc(64, n ? n : 64);
    assert_non_null(w);
    memset(w, 0x5a, n ? n : 64);
    return w;
}

/* Skewed random bytes, every byte value present (like letters in names,
 * plus rare others). */
static void fill(uint8_t *b, size_t n, uint64_t *rs)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t r = mm_test_rand(rs);
        b[i] = (uint8_t)((r & 7) ? 'a' + (r >> 8) % 26 : (r & 8) ? '\n' : (r >> 8));
    }
    for (size_t i = 0; i < 256 && i < n; i++) {
        b[(i * 7919) % n] = (uint8_t)i;
    }
}

/* Feed b[0..n) to the auto stream (candidates cands, or the default ones if
 * NULL) in pieces: big ones (>= MM_AUTO_MIN_PIECE) with some small ones in
 * between; returns the chosen counter (NULL if the trial did not finish). */
static const mm_counter *auto_count(uint64_t *counts, const uint8_t *b, size_t n,
                                    const uint8_t code[256], size_t K,
                                    const mm_counter *const *cands, int nc, uint64_t *rs,
                                    double *rate_of_wrong)
{
    size_t ws = cands ? mm_count_auto_work_size_with(K, cands, nc)
                      : mm_counter_auto.count_work_size(K);
    void *w = alloc_work(ws);
    if (cands) {
        mm_count_auto_begin_with(w, code, K, cands, nc);
    } else {
        mm_counter_auto.count_begin(w, code, K);
    }
    size_t at = 0;
    while (at + 1 < n) {
        uint64_t r = mm_test_rand(rs);
        size_t len = (r & 3) == 0 ? (size_t)(r >> 8) % 5000
                                  : MM_AUTO_MIN_PIECE + (size_t)(r >> 8) % 70000;
        if (len > n - at) {
            len = n - at;
        }
        mm_count_auto_feed(w, b + at, len);
        if (len >= 2) {
            at += len - 1;
        }
    }
    mm_count_auto_end(w, counts);
    const mm_counter *chosen = mm_count_auto_chosen(w);
    if (rate_of_wrong != NULL) {
        *rate_of_wrong = mm_count_auto_rate(w, cands ? cands[1] : NULL);
    }
    free(w);
    return chosen;
}

static uint64_t *zeros(size_t n)
{
    uint64_t *p = calloc(n, sizeof *p);
    assert_non_null(p);
    return p;
}

static uint8_t *random_bytes(size_t n, uint64_t *rs)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    fill(b, n, rs);
    return b;
}

/* ref += the scalar reference's counts of b[0..n). */
static void scalar_count(uint64_t *ref, const uint8_t *b, size_t n, const uint8_t code[256],
                         size_t K)
{
    void *sw = alloc_work(mm_counter_scalar.count_work_size(K));
    mm_count_pairs(&mm_counter_scalar, ref, b, n, code, K, sw);
    free(sw);
}

/* The random class table of a K-class test. */
static void random_code(uint8_t code[256], size_t K, uint64_t *rs)
{
    for (int i = 0; i < 256; i++) {
        code[i] = (uint8_t)(mm_test_rand(rs) % K);
    }
}

static int is_builtin(const mm_counter *c)
{
    for (const mm_counter *const *k = mm_counters_all(); *k; k++) {
        if (*k == c) {
            return 1;
        }
    }
    return 0;
}

/* ---- the auto stream ------------------------------------------------------------ */

static void test_auto_stream_exact(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xa070;
    static const size_t Ks[] = {1, 2, 27, 28, 41, 65, 129, 256};
    /* 1 + 1 + 4 rounds x up to 5 candidates of <= 135 KiB, with small ones */
    const size_t n = 6u << 20;
    uint8_t *b = random_bytes(n, &rs);
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        size_t K = Ks[ki];
        uint8_t code[256];
        random_code(code, K, &rs);
        uint64_t *ref = zeros(K * K), *got = zeros(K * K);
        scalar_count(ref, b, n, code, K);
        for (int trial = 0; trial < 2; trial++) {
            memset(got, 0, K * K * sizeof *got);
            const mm_counter *c = auto_count(got, b, n, code, K, NULL, 0, &rs, NULL);
            char what[128];
            snprintf(what, sizeof what, "auto K %zu trial %d (chose %s)", K, trial,
                     c ? c->name : "nothing");
            mm_assert_counts_equal(ref, got, K * K, what);
            assert_non_null(c);
            assert_true(is_builtin(c));
            assert_true(c->supported());
        }
        free(ref);
        free(got);
    }
    free(b);
}

/* Long enough for the later timed rounds (the first after MM_AUTO_RECHECK pieces):
 * still scalar's counts, and a choice is reported after them. */
static void test_auto_recheck(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x7ec4;
    const size_t K = 28, piece = MM_AUTO_MIN_PIECE;
    const size_t pieces = 2 + MM_AUTO_ROUNDS * MM_AUTO_MAX + 2 * MM_AUTO_RECHECK + 3;
    const size_t n = pieces * piece + 1;
    uint8_t *b = random_bytes(n, &rs);
    uint8_t code[256];
    random_code(code, K, &rs);
    uint64_t *ref = zeros(K * K), *got = zeros(K * K);
    scalar_count(ref, b, n, code, K);
    void *w = alloc_work(mm_counter_auto.count_work_size(K));
    mm_counter_auto.count_begin(w, code, K);
    mm_count_feed_pieces(&mm_counter_auto, w, b, n, piece);
    mm_counter_auto.count_end(w, got);
    mm_assert_counts_equal(ref, got, K * K, "auto with later timed rounds");
    assert_non_null(mm_count_auto_chosen(w));
    assert_true(is_builtin(mm_count_auto_chosen(w)));
    free(w);
    free(ref);
    free(got);
    free(b);
}

/* The later rounds come after MM_AUTO_RECHECK pieces, then twice as many
 * each time, and a candidate far slower than the best is left out of them.
 * A spy (the pair table, counting its feeds and making the fake clock run
 * g_spy_ns per feed) against scalar (1 ns a piece): as fast as scalar
 * (g_spy_ns 0: a tie, which scalar, first, wins), it is fed the check piece,
 * its trial pieces and one piece per later round; 1000 times slower, it is
 * out once timed MM_AUTO_KEEP_AFTER times: the rest of the trial and the
 * later rounds go without it. */
static int g_spy_feeds;
static double g_fake_ns, g_spy_ns;
static double fake_clock(void)
{
    return g_fake_ns += 1;
}
static void spy_feed(void *work, const uint8_t *b, size_t n)
{
    g_spy_feeds++;
    g_fake_ns += g_spy_ns;
    mm_counter_pairs.count_feed(work, b, n);
}

/* The slow spy first in the order (so it also counts the first piece), a
 * second spy (0.5 ns per feed: two thirds of scalar's rate, so in the race
 * but never chosen) and scalar: once the first is out, the others go on
 * being timed, in the trial and in every later round. */
static int g_spy2_feeds;
static void spy2_feed(void *work, const uint8_t *b, size_t n)
{
    g_spy2_feeds++;
    g_fake_ns += 0.5;
    mm_counter_pairs.count_feed(work, b, n);
}

/* Random bytes in MM_AUTO_MIN_PIECE pieces (the first, the check, the
 * trial, then `later` more) through an auto stream of the candidates on the
 * fake clock, g_spy_ns per spy feed: scalar's counts, and scalar chosen
 * (no spy is faster).  The spies' feeds are left in g_spy_feeds and
 * g_spy2_feeds. */
static void spied_run(const mm_counter *const *cands, int nc, double spy_ns, size_t later,
                      const char *what)
{
    uint64_t rs = g_seed ^ 0x5ba ^ (uint64_t)nc;
    const size_t K = 28, piece = MM_AUTO_MIN_PIECE;
    const size_t pieces = 2 + MM_AUTO_ROUNDS * (size_t)nc + later;
    const size_t n = pieces * piece + 1;
    uint8_t *b = random_bytes(n, &rs);
    uint8_t code[256];
    random_code(code, K, &rs);
    uint64_t *ref = zeros(K * K), *got = zeros(K * K);
    scalar_count(ref, b, n, code, K);
    void *w = alloc_work(mm_count_auto_work_size_with(K, cands, nc));
    mm_count_auto_begin_with(w, code, K, cands, nc);
    g_spy_feeds = g_spy2_feeds = 0;
    g_spy_ns = spy_ns;
    mm_count_auto_clock_ns = fake_clock;
    mm_count_feed_pieces(&mm_counter_auto, w, b, n, piece);
    mm_count_auto_clock_ns = NULL;
    mm_count_auto_end(w, got);
    mm_assert_counts_equal(ref, got, K * K, what);
    assert_ptr_equal(mm_count_auto_chosen(w), &mm_counter_scalar);
    free(w);
    free(ref);
    free(got);
    free(b);
}

/* Rounds after 128, 256 and 512 more pieces, and 100 pieces short of the
 * next (after 1024 more). */
static void recheck_spacing(double spy_ns, int want_feeds)
{
    mm_counter spy = mm_counter_pairs;
    spy.name = "spy";
    spy.count_feed = spy_feed;
    const mm_counter *cands[] = {&mm_counter_scalar, &spy};
    const size_t R = MM_AUTO_RECHECK;
    spied_run(cands, 2, spy_ns, R + 2 * R + 4 * R + 8 * R - 100, "auto, spaced rounds");
    assert_int_equal(g_spy_feeds, want_feeds);
}

static void test_auto_recheck_spacing(void **state)
{
    (void)state;
    /* check piece 1, trial MM_AUTO_ROUNDS, later rounds 3 */
    recheck_spacing(0, 1 + MM_AUTO_ROUNDS + 3);
}

/* The spacing of the later rounds: twice the last each time, never past its
 * cap (min(2 x cur, max)), and the auto stream's reaches MM_AUTO_RECHECK_MAX
 * from MM_AUTO_RECHECK and stays there.  The walk in recheck_spacing stops
 * before the cap (reaching it takes 8,064 pieces, 528 MB); this checks the
 * rule itself, shared by count_read.c and count_stream.c. */
static void test_recheck_next_caps(void **state)
{
    (void)state;
    static const uint64_t maxes[] = {1, 2, 7, 100, 4096, (uint64_t)1 << 40};
    for (size_t mi = 0; mi < sizeof maxes / sizeof maxes[0]; mi++) {
        uint64_t max = maxes[mi];
        for (uint64_t cur = 1; cur <= max && cur <= 5000; cur++) {
            uint64_t want = 2 * cur < max ? 2 * cur : max;
            assert_int_equal(mm_recheck_next(cur, max), want);
        }
    }
    uint64_t r = MM_AUTO_RECHECK;
    for (int step = 0; step < 64 && r < MM_AUTO_RECHECK_MAX; step++) {
        r = mm_recheck_next(r, MM_AUTO_RECHECK_MAX);
    }
    assert_int_equal(r, MM_AUTO_RECHECK_MAX);
    assert_int_equal(mm_recheck_next(r, MM_AUTO_RECHECK_MAX), MM_AUTO_RECHECK_MAX);
}

static void test_auto_slow_candidate_out(void **state)
{
    (void)state;
    /* check piece 1, a warm-up and MM_AUTO_KEEP_AFTER timed pieces, no rounds */
    recheck_spacing(1000, 1 + 1 + MM_AUTO_KEEP_AFTER);
}

static void test_auto_slow_first_candidate_out(void **state)
{
    (void)state;
    mm_counter slow = mm_counter_pairs, mid = mm_counter_pairs;
    slow.name = "slow-spy";
    slow.count_feed = spy_feed;
    mid.name = "mid-spy";
    mid.count_feed = spy2_feed;
    const mm_counter *cands[] = {&slow, &mid, &mm_counter_scalar};
    const size_t R = MM_AUTO_RECHECK;
    /* later rounds after 128, 256 and 512 more pieces */
    spied_run(cands, 3, 1000, R + 2 * R + 4 * R + 100, "auto, slow candidate first");
    /* first piece, check, warm-up, MM_AUTO_KEEP_AFTER timed; nothing after */
    assert_int_equal(g_spy_feeds, 1 + 1 + 1 + MM_AUTO_KEEP_AFTER);
    /* check, the whole trial, one piece in each of the 3 later rounds */
    assert_int_equal(g_spy2_feeds, 1 + MM_AUTO_ROUNDS + 3);
}

/* A counter that counts nothing would win every timing: it must be refused
 * by the check, so it is never timed and its stream never added; the same
 * for one that is wrong only in its last step.  Each is given as the second
 * candidate (the first counts the first piece unchecked, by design). */
static void test_auto_refuses_wrong_counters(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xbad;
    const size_t n = 3u << 20, K = 28;
    uint8_t *b = random_bytes(n, &rs);
    uint8_t code[256];
    for (int i = 0; i < 256; i++) {
        code[i] = (uint8_t)(i % K);
    }
    uint64_t *ref = zeros(K * K), *got = zeros(K * K);
    scalar_count(ref, b, n, code, K);
    const mm_counter *wrong[] = {&fast_wrong, &g_off_by_one};
    for (size_t i = 0; i < 2; i++) {
        const mm_counter *cands[] = {&mm_counter_pairs, wrong[i]};
        memset(got, 0, K * K * sizeof *got);
        double rate = -1;
        const mm_counter *c = auto_count(got, b, n, code, K, cands, 2, &rs, &rate);
        assert_non_null(c);
        assert_true(c != wrong[i]);
        assert_true(rate == 0.0); /* never timed */
        mm_assert_counts_equal(ref, got, K * K, wrong[i]->name);
    }
    free(ref);
    free(got);
    free(b);
}

/* ---- followers (rule 5) ------------------------------------------------------------ */

/* A clock that counts its readings (a follower must make none). */
static int g_clock_calls;
static double counting_clock(void)
{
    g_clock_calls++;
    return g_fake_ns += 1;
}

/* A leader and a follower stream of the same candidates (the slow spy
 * first, scalar): the follower gives its first piece to the first
 * candidate, checks it on its next, counts with it until the leader has
 * chosen (scalar: the spy is 1000 times slower) and with the leader's
 * choice after; it never reads the clock, and both give scalar's counts. */
static void test_auto_follower(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xf011;
    mm_counter spy = mm_counter_pairs;
    spy.name = "spy";
    spy.count_feed = spy_feed;
    const mm_counter *cands[] = {&spy, &mm_counter_scalar};
    const size_t K = 28, piece = MM_AUTO_MIN_PIECE;
    const size_t lead_pieces = 2 + MM_AUTO_ROUNDS * 2 + 3, follow_pieces = 12;
    uint8_t *lb = random_bytes(lead_pieces * piece + 1, &rs);
    uint8_t *fb = random_bytes(follow_pieces * piece + 1, &rs);
    uint8_t code[256];
    random_code(code, K, &rs);
    uint64_t *lref = zeros(K * K), *fref = zeros(K * K), *got = zeros(K * K);
    scalar_count(lref, lb, lead_pieces * piece + 1, code, K);
    scalar_count(fref, fb, follow_pieces * piece + 1, code, K);
    const size_t ws = mm_count_auto_work_size_with(K, cands, 2);
    void *lw = alloc_work(ws), *fw = alloc_work(ws);
    mm_count_auto_share share;
    mm_count_auto_share_init(&share);
    mm_count_auto_begin_with(lw, code, K, cands, 2);
    mm_count_auto_lead(lw, &share);
    mm_count_auto_begin_with(fw, code, K, cands, 2);
    mm_count_auto_follow(fw, &share);
    g_spy_ns = 1000;
    mm_count_auto_clock_ns = counting_clock;
    g_clock_calls = 0;
    g_spy_feeds = 0;
    /* the follower's first 6 pieces: first, check (the spy counts it again
     * there), then 4 with the spy: the leader has not chosen */
    for (size_t i = 0; i < 6; i++) {
        mm_count_auto_feed(fw, fb + i * piece, piece + 1);
    }
    assert_int_equal(g_spy_feeds, 6);
    assert_int_equal(g_clock_calls, 0);
    assert_null(mm_count_auto_chosen(fw));
    /* the leader's whole stream: it chooses scalar and publishes it */
    mm_count_feed_pieces(&mm_counter_auto, lw, lb, lead_pieces * piece + 1, piece);
    assert_ptr_equal(mm_count_auto_chosen(lw), &mm_counter_scalar);
    assert_int_equal(share.chosen, 1);
    /* the follower's other pieces: scalar's, untimed */
    g_spy_feeds = 0;
    g_clock_calls = 0;
    mm_count_feed_pieces(&mm_counter_auto, fw, fb + 6 * piece, (follow_pieces - 6) * piece + 1,
                         piece);
    assert_int_equal(g_spy_feeds, 0);
    assert_int_equal(g_clock_calls, 0);
    assert_ptr_equal(mm_count_auto_chosen(fw), &mm_counter_scalar);
    assert_true(mm_count_auto_rate(fw, &spy) == 0.0 &&
                mm_count_auto_rate(fw, &mm_counter_scalar) == 0.0);
    mm_count_auto_clock_ns = NULL;
    mm_count_auto_end(lw, got);
    mm_assert_counts_equal(lref, got, K * K, "leader");
    memset(got, 0, K * K * sizeof *got);
    mm_count_auto_end(fw, got);
    mm_assert_counts_equal(fref, got, K * K, "follower");
    free(lw);
    free(fw);
    free(lref);
    free(fref);
    free(got);
    free(lb);
    free(fb);
}

/* The pair table, plus one count in its first cell when it was fed a piece
 * of MM_AUTO_MIN_PIECE or more: right on small pieces, wrong on big ones. */
static size_t big_wrong_work_size(size_t K)
{
    return ((mm_counter_pairs.count_work_size(K) + 63) & ~(size_t)63) + sizeof(int);
}
static int *big_wrong_flag(void *work)
{
    size_t K = 28; /* the test's */
    return (int *)((uint8_t *)work + ((mm_counter_pairs.count_work_size(K) + 63) & ~(size_t)63));
}
static void big_wrong_begin(void *work, const uint8_t code[256], size_t K)
{
    mm_counter_pairs.count_begin(work, code, K);
    *big_wrong_flag(work) = 0;
}
static void big_wrong_feed(void *work, const uint8_t *b, size_t n)
{
    *big_wrong_flag(work) |= n >= MM_AUTO_MIN_PIECE;
    mm_counter_pairs.count_feed(work, b, n);
}
static void big_wrong_end(void *work, uint64_t *counts)
{
    mm_counter_pairs.count_end(work, counts);
    counts[0] += (uint64_t)*big_wrong_flag(work);
}

/* A follower whose own check refuses its first candidate (right on the
 * small first piece, wrong on big ones) counts with the reference instead,
 * before the leader's choice and after it, even when the leader's choice
 * is that candidate: its counts stay exact. */
static void test_auto_follower_refuses(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x4ef0;
    const mm_counter big_wrong = {
        .name = "big-wrong",
        .supported = mm_cpu_always,
        .count_work_size = big_wrong_work_size,
        .count_begin = big_wrong_begin,
        .count_feed = big_wrong_feed,
        .count_end = big_wrong_end,
    };
    const mm_counter *cands[] = {&big_wrong, &mm_counter_pairs};
    const size_t K = 28, piece = MM_AUTO_MIN_PIECE, n = 10 * piece + 100;
    uint8_t *b = random_bytes(n, &rs);
    uint8_t code[256];
    random_code(code, K, &rs);
    uint64_t *ref = zeros(K * K), *got = zeros(K * K);
    scalar_count(ref, b, n, code, K);
    void *w = alloc_work(mm_count_auto_work_size_with(K, cands, 2));
    mm_count_auto_share share;
    mm_count_auto_share_init(&share);
    mm_count_auto_begin_with(w, code, K, cands, 2);
    mm_count_auto_follow(w, &share);
    mm_count_auto_feed(w, b, 101); /* the first piece: small */
    size_t at = 100;
    for (int i = 0; at + 1 < n; i++) {
        if (i == 4) {
            share.chosen = 0; /* a leader that chose the big-wrong counter */
        }
        size_t len = n - at < piece + 1 ? n - at : piece + 1;
        mm_count_auto_feed(w, b + at, len);
        at += len - 1;
    }
    mm_count_auto_end(w, got);
    mm_assert_counts_equal(ref, got, K * K, "follower, first candidate refused");
    free(w);
    free(ref);
    free(got);
    free(b);
}

/* ---- the pair table -------------------------------------------------------------- */

/* Sizes around the table's threshold, in one piece and in pieces that
 * switch the table on part way. */
static void test_pairs_threshold(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x9a125;
    const size_t thr = MM_PAIRS_THRESHOLD;
    const size_t sizes[] = {0, 1, 2, 3, thr - 2, thr - 1, thr, thr + 1, thr + 2, 2 * thr + 7};
    uint8_t *b = random_bytes(3 * thr, &rs);
    static const size_t Ks[] = {1, 27, 256};
    for (size_t ki = 0; ki < 3; ki++) {
        size_t K = Ks[ki];
        uint8_t code[256];
        random_code(code, K, &rs);
        uint64_t *ref = zeros(K * K), *got = zeros(K * K);
        void *sw = alloc_work(mm_counter_scalar.count_work_size(K));
        void *pw = alloc_work(mm_counter_pairs.count_work_size(K));
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
            size_t n = sizes[si];
            memset(ref, 0, K * K * sizeof *ref);
            memset(got, 0, K * K * sizeof *got);
            mm_count_pairs(&mm_counter_scalar, ref, b, n, code, K, sw);
            mm_count_pairs(&mm_counter_pairs, got, b, n, code, K, pw);
            char what[96];
            snprintf(what, sizeof what, "pairs K %zu n %zu, one piece", K, n);
            mm_assert_counts_equal(ref, got, K * K, what);
            /* a small piece first (direct), then the rest (table) */
            if (n > 100) {
                memset(got, 0, K * K * sizeof *got);
                mm_counter_pairs.count_begin(pw, code, K);
                mm_counter_pairs.count_feed(pw, b, 101);
                mm_counter_pairs.count_feed(pw, b + 100, n - 100);
                mm_counter_pairs.count_end(pw, got);
                snprintf(what, sizeof what, "pairs K %zu n %zu, 101 + rest", K, n);
                mm_assert_counts_equal(ref, got, K * K, what);
            }
        }
        free(sw);
        free(pw);
        free(ref);
        free(got);
    }
    free(b);
}

/* ---- the drivers with auto, 1-3 threads ---------------------------------------------- */

static char g_dir[512];

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return mm_test_scratch_make(g_dir, sizeof g_dir, "test_count_auto");
}

static int teardown(void **state)
{
    (void)state;
    mm_count_auto_clock_ns = NULL; /* even if a test failed with its fake one set */
    return mm_test_scratch_remove(g_dir);
}

/* Names from a-z, one a line; crlf: every line ends in CR LF. */
static uint8_t *make_names(size_t n, int crlf, uint64_t *rs)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t i = 0;
    while (i < n) {
        size_t len = 1 + mm_test_rand(rs) % 9;
        for (size_t j = 0; j < len && i < n; j++) {
            b[i++] = (uint8_t)('a' + mm_test_rand(rs) % 26);
        }
        if (crlf && i < n) {
            b[i++] = '\r';
        }
        if (i < n) {
            b[i++] = '\n';
        }
    }
    return b;
}

/* The streaming reader (pieces of 64 KiB here) runs the trial on thread 0
 * alone (1 + 1 + 4 x 5 pieces), but hands the pieces out as the threads
 * ask, so thread 0 gets about a third of them at 3 threads, fewer while
 * it runs the trial or when the machine holds it up: 32 MiB (512 pieces)
 * leave it room (5 MiB did not on a loaded machine).  The mapped driver's
 * pieces are 512 KiB, one range per thread, so its trial needs about
 * 30 MiB at 3 threads: the CRLF corpus (which takes the mapped path) is
 * that large. */
static void test_drivers_with_auto(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0xd71e;
    for (int crlf = 0; crlf < 2; crlf++) {
        size_t n = crlf ? (size_t)34 << 20 : (size_t)32 << 20;
        uint8_t *b = make_names(n, crlf, &rs);
        char path[600];
        snprintf(path, sizeof path, "%s/names%d.txt", g_dir, crlf);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(b, 1, n, f), n);
        assert_int_equal(fclose(f), 0);
        free(b);

        mm_corpus *c = NULL;
        assert_int_equal(mm_corpus_open(&c, path), MM_OK);
        const mm_vocab *v = mm_corpus_get_vocab(c);
        size_t V = v->size;
        uint64_t *ref = calloc(V * V, sizeof *ref);
        uint64_t *got = calloc(V * V, sizeof *got);
        assert_non_null(ref);
        assert_non_null(got);
        mm_count_opts o1 = {.threads = 1};
        assert_int_equal(mm_count_bigrams_with(c, v, &o1, &mm_counter_scalar, ref), MM_OK);
        mm_counter_set_active(NULL);
        for (int T = 1; T <= 3; T++) {
            mm_count_opts o = {.threads = T};
            char what[128];
            assert_int_equal(mm_count_bigrams_with(c, v, &o, &mm_counter_auto, got), MM_OK);
            snprintf(what, sizeof what, "mapped driver, auto, crlf %d, %d threads", crlf, T);
            mm_assert_counts_equal(ref, got, V * V, what);

            mm_vocab fv;
            uint64_t *fc = NULL;
            mm_corpus_info info = {0};
            assert_int_equal(mm_count_file_sized(path, &o, (size_t)1 << 20, (size_t)64 << 10,
                                                 &fv, &fc, &info),
                             MM_OK);
            assert_int_equal(fv.size, V);
            snprintf(what, sizeof what, "mm_count_file, auto, crlf %d, %d threads (%s)", crlf,
                     T, info.counter ? info.counter : "?");
            mm_assert_counts_equal(ref, fc, V * V, what);
            assert_int_equal(info.streamed, !crlf);
            if (!crlf) {
                /* the trial finished: a built-in counter's name */
                assert_non_null(info.counter);
                assert_non_null(mm_counter_find(info.counter));
                assert_true(mm_counter_find(info.counter) != &mm_counter_auto);
            }
            free(fc);
        }
        free(ref);
        free(got);
        mm_corpus_close(c);
    }
}

/* ---- forcing ---------------------------------------------------------------------- */

static void test_forcing(void **state)
{
    (void)state;
    unsetenv("MM_ISA");
    unsetenv("MM_COUNT_KERNEL");
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    assert_ptr_equal(mm_counter_active(), &mm_counter_auto);
    assert_int_equal(mm_dispatch_init("auto"), MM_OK);
    assert_ptr_equal(mm_counter_active(), &mm_counter_auto);
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s: this CPU cannot run it\n", (*k)->name);
            assert_int_equal(mm_dispatch_init((*k)->name), MM_ERR_UNSUPPORTED_ISA);
            continue;
        }
        /* --isa forces the table's own counter */
        assert_int_equal(mm_dispatch_init((*k)->name), MM_OK);
        assert_ptr_equal(mm_counter_active(), (*k)->counter);
        /* MM_ISA too */
        setenv("MM_ISA", (*k)->name, 1);
        assert_int_equal(mm_dispatch_init(NULL), MM_OK);
        assert_ptr_equal(mm_kernels_active(), *k);
        assert_ptr_equal(mm_counter_active(), (*k)->counter);
        unsetenv("MM_ISA");
    }
    /* MM_COUNT_KERNEL names any counter, with or without a table named */
    for (const mm_counter *const *c = mm_counters_all(); *c; c++) {
        setenv("MM_COUNT_KERNEL", (*c)->name, 1);
        if (!(*c)->supported()) {
            assert_int_equal(mm_dispatch_init(NULL), MM_ERR_UNSUPPORTED_ISA);
            continue;
        }
        assert_int_equal(mm_dispatch_init(NULL), MM_OK);
        assert_ptr_equal(mm_counter_active(), *c);
        assert_int_equal(mm_dispatch_init("scalar"), MM_OK);
        assert_ptr_equal(mm_kernels_active(), &mm_kernels_scalar);
        assert_ptr_equal(mm_counter_active(), *c);
    }
    setenv("MM_COUNT_KERNEL", "auto", 1);
    assert_int_equal(mm_dispatch_init("scalar"), MM_OK);
    assert_ptr_equal(mm_counter_active(), &mm_counter_auto);
    setenv("MM_COUNT_KERNEL", "sse", 1);
    assert_int_equal(mm_dispatch_init(NULL), MM_ERR_UNSUPPORTED_ISA);
    assert_non_null(strstr(mm_errmsg(), "MM_COUNT_KERNEL=sse"));
    unsetenv("MM_COUNT_KERNEL");

    /* the forced counter is the one that runs: mm_count_file says so */
    uint64_t rs = g_seed ^ 0xf0ce;
    size_t n = (size_t)2 << 20;
    uint8_t *b = make_names(n, 0, &rs);
    char path[600];
    snprintf(path, sizeof path, "%s/forced.txt", g_dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    free(b);
    for (const mm_counter *const *c = mm_counters_all(); *c; c++) {
        if (!(*c)->supported()) {
            continue;
        }
        setenv("MM_COUNT_KERNEL", (*c)->name, 1);
        assert_int_equal(mm_dispatch_init(NULL), MM_OK);
        mm_vocab fv;
        uint64_t *fc = NULL;
        mm_corpus_info info = {0};
        mm_count_opts o = {.threads = 2};
        assert_int_equal(mm_count_file(path, &o, &fv, &fc, &info), MM_OK);
        assert_string_equal(info.counter, (*c)->name);
        free(fc);
    }
    unsetenv("MM_COUNT_KERNEL");
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
}

int main(void)
{
    g_off_by_one = off_by_one;
    g_off_by_one.count_work_size = mm_counter_pairs.count_work_size;
    g_off_by_one.count_begin = mm_counter_pairs.count_begin;
    g_off_by_one.count_feed = mm_counter_pairs.count_feed;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auto_stream_exact),
        cmocka_unit_test(test_auto_recheck),
        cmocka_unit_test(test_auto_recheck_spacing),
        cmocka_unit_test(test_recheck_next_caps),
        cmocka_unit_test(test_auto_slow_candidate_out),
        cmocka_unit_test(test_auto_slow_first_candidate_out),
        cmocka_unit_test(test_auto_refuses_wrong_counters),
        cmocka_unit_test(test_auto_follower),
        cmocka_unit_test(test_auto_follower_refuses),
        cmocka_unit_test(test_pairs_threshold),
        cmocka_unit_test(test_drivers_with_auto),
        cmocka_unit_test(test_forcing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
