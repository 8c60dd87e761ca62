/*
 * test_count_read.c - how mm_count_file reads the file (src/count_read.c):
 * pread or in place from a mapping, chosen by measurement per thread.
 *
 * - The chooser's rule, step by step, on a fake clock: a thread's first
 *   piece is read by pread, untimed, and nothing is timed until the
 *   counter has settled, nor while it times again; then pieces
 *   alternate map, pread, ...; the way of the lower mean cost over every
 *   timed piece is kept (a way whose pieces vary widely is not chosen for
 *   its lucky ones); later rounds add a piece each way, can change the
 *   way, and come
 *   after MM_READ_RECHECK pieces, then twice as many while the way stays,
 *   up to MM_READ_RECHECK_MAX, and MM_READ_RECHECK after a change; small
 *   pieces and forced ways are never timed.
 * - Counts are bit-exact whatever the way: every counter x pread, map, auto
 *   (on a fake clock that makes the choices random) x 1, 2, 3 threads
 *   equals the general path (mm_corpus_open + mm_count_bigrams), for pieces
 *   from 1 byte to 64 KiB; and on a file long enough for the later rounds,
 *   whose random choices switch the way between pieces now and then.
 * - On two threads or more the first thread chooses and the others follow
 *   its choice, timing nothing.
 * - A file of one piece per thread is never mapped under auto, whatever
 *   the counter (a forced one is settled from the first piece); with two
 *   pieces per thread it is, and on one thread the second piece starts the
 *   trial, from the mapping.
 * - Forcing: $MM_COUNT_READ=pread|map|auto; an unknown value and a forced
 *   map without the SIGBUS guard are errors naming the cause.
 * - A file truncated while it is counted from its mapping gives MM_ERR_IO
 *   "shrank" and no counts, not a SIGBUS, also when it loses less than a
 *   page (no SIGBUS there: zeros are read).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "count.h"
#include "count_auto.h"
#include "count_read.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

#define KIB ((size_t)1 << 10)
#define PIECE (64 * KIB)

static char g_dir[512];
static uint64_t g_seed;

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return mm_test_scratch_make(g_dir, sizeof g_dir, "test_count_read");
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("MM_COUNT_READ");
    mm_read_clock_ns = NULL;
    return mm_test_scratch_remove(g_dir);
}

/* cmocka installs its own SIGBUS handler around each test: ours goes back
 * on at the start of every test that maps. */
static void guard(void)
{
    assert_int_equal(mm_sigbus_guard_install(), MM_OK);
}

/* ---- the rule, on a fake clock ---------------------------------------------
 * Reading a piece the way w takes g_cost[w] ns of the fake clock. */
static double g_now, g_cost[2];
static int g_calls;
/* When g_map_costs is set, the n-th piece read from the mapping costs
 * g_map_costs[n % g_map_ncosts] instead of g_cost[MM_READ_MAP]. */
static const double *g_map_costs;
static int g_map_ncosts, g_map_n;
/* When g_pread_hiccup >= 0, the piece read by pread whose index (from 0,
 * counting every piece read by pread) is g_pread_hiccup costs
 * g_hiccup_cost instead. */
static int g_pread_hiccup = -1, g_pread_n;
static double g_hiccup_cost;

static double fake_clock(void)
{
    g_calls++;
    return g_now;
}

/* Reads one piece of `bytes`; returns its way and whether it was timed. */
static mm_read_way read_piece(mm_read_pick *r, size_t bytes, int settled, int *timed)
{
    int before = g_calls;
    mm_read_way w = mm_read_pick_next(r, bytes, settled);
    if (w == MM_READ_PREAD && g_pread_n++ == g_pread_hiccup) {
        g_now += g_hiccup_cost;
    } else {
        g_now += w == MM_READ_MAP && g_map_costs != NULL
                     ? g_map_costs[g_map_n++ % g_map_ncosts]
                     : g_cost[w];
    }
    mm_read_pick_done(r, bytes);
    *timed = g_calls != before;
    return w;
}

/* n pieces read untimed, each the way w. */
static void read_untimed(mm_read_pick *r, int n, mm_read_way w)
{
    for (int i = 0; i < n; i++) {
        int timed;
        if (read_piece(r, PIECE, 1, &timed) != w || timed) {
            fail_msg("piece %d of %d after a choice: not the way %d, untimed", i + 1, n, w);
        }
    }
}

/* A later round: one piece each way, timed, map first. */
static void later_round(mm_read_pick *r)
{
    int timed;
    assert_int_equal(read_piece(r, PIECE, 1, &timed), MM_READ_MAP);
    assert_true(timed);
    assert_int_equal(read_piece(r, PIECE, 1, &timed), MM_READ_PREAD);
    assert_true(timed);
}

static void test_rule(void **state)
{
    (void)state;
    mm_read_clock_ns = fake_clock;
    for (int map_faster = 0; map_faster <= 1; map_faster++) {
        mm_read_pick r;
        int timed;
        g_cost[MM_READ_MAP] = map_faster ? 100 : 300;
        g_cost[MM_READ_PREAD] = 200;
        mm_read_pick_begin(&r, MM_READ_AUTO);
        for (int i = 0; i < 10; i++) { /* the counter is still choosing */
            assert_int_equal(read_piece(&r, PIECE, 0, &timed), MM_READ_PREAD);
            assert_false(timed);
        }
        for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) { /* the trial alternates */
            assert_int_equal(read_piece(&r, PIECE, 1, &timed),
                             i % 2 == 0 ? MM_READ_MAP : MM_READ_PREAD);
            assert_true(timed);
            /* a small piece in between: the current way, untimed, not counted */
            read_piece(&r, MM_READ_MIN_PIECE - 1, 1, &timed);
            assert_false(timed);
            /* so is a piece met while the counter times again */
            if (i + 1 < 2 * MM_READ_ROUNDS) {
                mm_read_way w = read_piece(&r, PIECE, 0, &timed);
                assert_int_equal(w, i % 2 == 0 ? MM_READ_MAP : MM_READ_PREAD);
                assert_false(timed);
            }
        }
        mm_read_way won = map_faster ? MM_READ_MAP : MM_READ_PREAD;
        mm_read_way lost = (mm_read_way)!won;
        /* the model: each way's timed pieces (equal counts each way, of
         * equal size) by the sum of their costs less the dearest's */
        double sum[2] = {MM_READ_ROUNDS * g_cost[MM_READ_PREAD],
                         MM_READ_ROUNDS * g_cost[MM_READ_MAP]};
        double worst[2] = {g_cost[MM_READ_PREAD], g_cost[MM_READ_MAP]};
        int nmap = MM_READ_ROUNDS; /* timed mapped pieces */
#define MODEL_ROUND()                                                         \
    for (int w_ = MM_READ_PREAD; w_ <= MM_READ_MAP; w_++) {                   \
        sum[w_] += g_cost[w_];                                                \
        worst[w_] = g_cost[w_] > worst[w_] ? g_cost[w_] : worst[w_];          \
    }
#define MODEL_MAP_CHEAPER() \
    (sum[MM_READ_MAP] - worst[MM_READ_MAP] < sum[MM_READ_PREAD] - worst[MM_READ_PREAD])
        if (map_faster) {
            /* the mapping is the cheaper, on too few pieces: pread reads on,
             * and rounds come every MM_READ_RECHECK pieces until the mapping
             * has MM_READ_MAP_EVIDENCE timed pieces; then it is chosen */
            for (; nmap < MM_READ_MAP_EVIDENCE; nmap++) {
                assert_int_equal(r.way, MM_READ_PREAD);
                read_untimed(&r, MM_READ_RECHECK - 1, MM_READ_PREAD);
                later_round(&r);
                MODEL_ROUND();
            }
        }
        assert_int_equal(r.way, won);
        read_untimed(&r, MM_READ_RECHECK - 1, won);
        /* later rounds, one piece each way: `lost` now costs 1 a piece, but
         * the way follows the mean cost of every timed piece but the
         * dearest (the trial's included), so it changes only in the round where lost's mean
         * falls under won's (and for the mapping, only once it has
         * MM_READ_MAP_EVIDENCE timed pieces); until then the spacing
         * doubles (stays MM_READ_RECHECK while the mapping is the cheaper
         * on too few), and after the change the next round comes
         * MM_READ_RECHECK pieces on */
        g_cost[lost] = 1;
        int rounds = 0;
        for (int gap = MM_READ_RECHECK;;) {
            later_round(&r);
            rounds++;
            nmap++;
            MODEL_ROUND();
            int map_cheaper = MODEL_MAP_CHEAPER();
            int thin = nmap < MM_READ_MAP_EVIDENCE;
            mm_read_way expect = map_cheaper && !thin ? MM_READ_MAP : MM_READ_PREAD;
            assert_int_equal(r.way, expect);
            if (expect == lost) {
                break;
            }
            gap = map_cheaper && thin ? MM_READ_RECHECK
                  : gap < MM_READ_RECHECK_MAX ? 2 * gap
                                              : MM_READ_RECHECK_MAX;
            read_untimed(&r, gap - 1, won);
        }
        assert_true(rounds > 1); /* one cheap piece does not outweigh three dear ones */
        read_untimed(&r, MM_READ_RECHECK - 1, lost);
        /* a round that keeps the way: the next after twice as many pieces */
        later_round(&r);
        assert_int_equal(r.way, lost);
        MODEL_ROUND();
        read_untimed(&r, 2 * MM_READ_RECHECK - 1, lost);
        /* `lost` turns dear (its part of the file costs more).  The first
         * dear piece is its dearest, left out of the mean (a hiccup would
         * be, too): the way stays, but the next round comes MM_READ_RECHECK
         * pieces on, not twice as many; the second dear piece counts and
         * moves the mean past won's, so the way goes back, and the spacing
         * starts over */
        g_cost[lost] = g_cost[won] * 40;
        later_round(&r);
        MODEL_ROUND();
        assert_true(sum[lost] - worst[lost] < sum[won] - worst[won]);
        assert_int_equal(r.way, lost);
        read_untimed(&r, MM_READ_RECHECK - 1, lost);
        later_round(&r);
        MODEL_ROUND();
        assert_true(sum[lost] - worst[lost] > sum[won] - worst[won]);
        assert_int_equal(r.way, won);
#undef MODEL_ROUND
#undef MODEL_MAP_CHEAPER
        /* the next rounds after twice as many pieces each time, up to the
         * cap; a round that falls due while the counter times waits */
        for (int gap = MM_READ_RECHECK, k = 0; k < 12; k++) {
            for (int i = 2; i < gap; i++) {
                read_piece(&r, PIECE, 1, &timed);
                assert_false(timed);
            }
            read_piece(&r, PIECE, 0, &timed);
            assert_false(timed);
            read_piece(&r, PIECE, 1, &timed);
            assert_true(timed);
            read_piece(&r, PIECE, 1, &timed);
            assert_true(timed);
            gap = gap < MM_READ_RECHECK_MAX ? 2 * gap : MM_READ_RECHECK_MAX;
        }
    }
    /* settled from the first piece (a forced counter): that piece is still
     * read by pread, untimed; the trial starts with the second */
    {
        mm_read_pick r;
        int timed;
        g_cost[MM_READ_MAP] = 100;
        g_cost[MM_READ_PREAD] = 200;
        mm_read_pick_begin(&r, MM_READ_AUTO);
        assert_int_equal(read_piece(&r, PIECE, 1, &timed), MM_READ_PREAD);
        assert_false(timed);
        for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) {
            assert_int_equal(read_piece(&r, PIECE, 1, &timed),
                             i % 2 == 0 ? MM_READ_MAP : MM_READ_PREAD);
            assert_true(timed);
        }
        /* the mapping, the cheaper on too few pieces: pread */
        assert_int_equal(read_piece(&r, PIECE, 1, &timed), MM_READ_PREAD);
        assert_false(timed);
    }
    /* forced ways are never timed */
    for (int w = MM_READ_PREAD; w <= MM_READ_MAP; w++) {
        mm_read_pick r;
        mm_read_pick_begin(&r, (mm_read_way)w);
        int calls = g_calls, timed;
        for (int i = 0; i < 3 * MM_READ_RECHECK; i++) {
            assert_int_equal(read_piece(&r, PIECE, 1, &timed), (mm_read_way)w);
        }
        assert_int_equal(g_calls, calls);
    }
    mm_read_clock_ns = NULL;
}

/* A way whose cost per piece varies widely is judged by its mean cost, not
 * its best piece nor one round's piece: on the Zen 5 of 2026-12-06 (family
 * 26 model 2) one piece read from the mapping cost from 0.19 to 1.6 ns per
 * byte of CPU time, one read by pread from 0.24 to 1.4 (most under 0.5);
 * the mapping was the slower on average (a whole count forced to it took
 * 25% longer on two threads), yet in two runs of three the rounds' lucky
 * mapped pieces sent a fifth of the file there.
 * Here a mapped piece costs 1000 or 50 in turn (mean 525), pread 300: pread
 * is kept through the trial and every later round. */
static void test_heavy_tail(void **state)
{
    (void)state;
    static const double tail[] = {1000, 50};
    mm_read_clock_ns = fake_clock;
    g_map_costs = tail;
    g_map_ncosts = 2;
    g_map_n = 0;
    g_cost[MM_READ_PREAD] = 300;
    mm_read_pick r;
    int timed;
    mm_read_pick_begin(&r, MM_READ_AUTO);
    read_piece(&r, PIECE, 1, &timed); /* the first piece: pread, untimed */
    for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) {
        read_piece(&r, PIECE, 1, &timed);
        assert_true(timed);
    }
    assert_int_equal(r.way, MM_READ_PREAD);
    for (int gap = MM_READ_RECHECK, k = 0; k < 10; k++) {
        read_untimed(&r, gap - 1, MM_READ_PREAD);
        later_round(&r);
        if (r.way != MM_READ_PREAD) {
            fail_msg("round %d: a mapped piece of cost %g moved the way to map (mean 525 "
                     "against pread's 300)", k + 1, tail[(g_map_n - 1) % 2]);
        }
        gap = gap < MM_READ_RECHECK_MAX ? 2 * gap : MM_READ_RECHECK_MAX;
    }
    g_map_costs = NULL;
    mm_read_clock_ns = NULL;
}

/* The mapping is chosen only on MM_READ_MAP_EVIDENCE timed mapped pieces:
 * until then pread reads on and the rounds stay MM_READ_RECHECK pieces
 * apart.  Why: the cost of a mapped piece depends on the part of the file
 * (on the Zen 5 of 2026-12-06, family 26 model 2, stretches of several MiB
 * read from the mapping at 4.8 bytes/ns of CPU time, others at 1.5, while
 * pread read at 3.5-4 everywhere), and the trial's pieces all come from one
 * part: its mapped pieces won there, and 11 of 30 traced two-thread counts
 * read 96% of the file from the mapping (0.235 s against 0.159-0.171 s by
 * pread in results/2026-12-06-amd-epyc-alternate-5.json).  Here
 * mapped pieces cost 100 in the first 6 timed ones (a fast part), 1000
 * after; pread costs 200: the mapping is never chosen. */
static void test_map_needs_evidence(void **state)
{
    (void)state;
    static double map_costs[MM_READ_MAP_EVIDENCE - 2 + 1];
    for (int i = 0; i < MM_READ_MAP_EVIDENCE - 2 + 1; i++) {
        map_costs[i] = i < MM_READ_MAP_EVIDENCE - 2 ? 100 : 1000;
    }
    mm_read_clock_ns = fake_clock;
    g_cost[MM_READ_PREAD] = 200;
    /* the fast part, then the slow: 3,000 pieces, none read from the
     * mapping but the timed ones */
    g_map_costs = map_costs;
    g_map_ncosts = MM_READ_MAP_EVIDENCE - 2 + 1;
    g_map_n = 0;
    mm_read_pick r;
    int timed;
    mm_read_pick_begin(&r, MM_READ_AUTO);
    for (int i = 0; i < 3000; i++) {
        if (g_map_n >= MM_READ_MAP_EVIDENCE - 2) {
            g_map_n = MM_READ_MAP_EVIDENCE - 2; /* every later mapped piece is dear */
        }
        mm_read_way w = read_piece(&r, PIECE, 1, &timed);
        if (!timed && w == MM_READ_MAP) {
            fail_msg("piece %d: read from the mapping, chosen on %d timed mapped pieces, %d "
                     "of them from the fast part", i + 1, r.timed_n[MM_READ_MAP],
                     MM_READ_MAP_EVIDENCE - 2);
        }
    }
    g_map_costs = NULL;
    /* the mapping cheaper everywhere: chosen after the round that gives it
     * its MM_READ_MAP_EVIDENCE-th timed piece, the rounds MM_READ_RECHECK
     * pieces apart until then */
    g_cost[MM_READ_MAP] = 100;
    mm_read_pick_begin(&r, MM_READ_AUTO);
    read_piece(&r, PIECE, 1, &timed);
    for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) {
        read_piece(&r, PIECE, 1, &timed);
    }
    for (int n = MM_READ_ROUNDS; n < MM_READ_MAP_EVIDENCE; n++) {
        assert_int_equal(r.way, MM_READ_PREAD);
        read_untimed(&r, MM_READ_RECHECK - 1, MM_READ_PREAD);
        later_round(&r);
    }
    assert_int_equal(r.way, MM_READ_MAP);
    mm_read_clock_ns = NULL;
}

/* One hiccup does not hand the file to the dearer way: each way's mean
 * leaves out its dearest timed piece.  Why: a piece's CPU time holds what
 * the VM bills the thread while the host runs something else; with 128 KiB
 * pieces on the Zen 5 of 2026-12-06 (family 26 model 2) one pread piece of
 * the trial took 0.074 bytes/ns against 2.6-3.0 for the others, and the
 * mean with it went to the mapping (0.9 bytes/ns) for the rest of the file
 * (MM_COUNT_TRACE, docs/notes/2026-12-06/s24.md).  Here pread costs 200 a
 * piece but one trial piece costs 100 times that, the mapping 300: no
 * piece but the timed ones is read from the mapping.  And a hiccup on the
 * way in use brings the next round in MM_READ_RECHECK pieces: a second
 * look, not twice the spacing. */
static void test_hiccup(void **state)
{
    (void)state;
    mm_read_clock_ns = fake_clock;
    g_cost[MM_READ_PREAD] = 200;
    g_cost[MM_READ_MAP] = 300;
    for (int hiccup = 1; hiccup <= MM_READ_ROUNDS; hiccup++) { /* each trial pread piece */
        g_pread_n = 0;
        g_pread_hiccup = hiccup; /* piece 0 is the first, untimed */
        g_hiccup_cost = 100 * g_cost[MM_READ_PREAD];
        mm_read_pick r;
        int timed;
        mm_read_pick_begin(&r, MM_READ_AUTO);
        for (int i = 0; i < 3000; i++) {
            mm_read_way w = read_piece(&r, PIECE, 1, &timed);
            if (!timed && w == MM_READ_MAP) {
                fail_msg("hiccup on trial pread piece %d: piece %d read from the mapping "
                         "(mean pread %g ns a piece, %d pieces; map %g, %d)",
                         hiccup, i + 1, r.ns[MM_READ_PREAD] / r.timed_n[MM_READ_PREAD],
                         r.timed_n[MM_READ_PREAD], r.ns[MM_READ_MAP] / r.timed_n[MM_READ_MAP],
                         r.timed_n[MM_READ_MAP]);
            }
        }
    }
    /* a hiccup in a later round, on pread, the way in use: the next round
     * MM_READ_RECHECK pieces on, then the spacing doubles again */
    g_pread_n = 0;
    g_pread_hiccup = -1;
    mm_read_pick r;
    int timed;
    mm_read_pick_begin(&r, MM_READ_AUTO);
    read_piece(&r, PIECE, 1, &timed);
    for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) {
        read_piece(&r, PIECE, 1, &timed);
    }
    read_untimed(&r, MM_READ_RECHECK - 1, MM_READ_PREAD);
    later_round(&r); /* the spacing doubles: 16 */
    read_untimed(&r, 2 * MM_READ_RECHECK - 1, MM_READ_PREAD);
    g_pread_hiccup = g_pread_n; /* the round's pread piece (after its mapped one) */
    later_round(&r);
    assert_int_equal(r.way, MM_READ_PREAD);
    read_untimed(&r, MM_READ_RECHECK - 1, MM_READ_PREAD);
    later_round(&r); /* a second look, MM_READ_RECHECK pieces on */
    assert_int_equal(r.way, MM_READ_PREAD);
    read_untimed(&r, 2 * MM_READ_RECHECK - 1, MM_READ_PREAD);
    later_round(&r);
    g_pread_hiccup = -1;
    mm_read_clock_ns = NULL;
}

/* A follower (another thread's chooser) reads every piece the way its
 * leader last chose, pread before the leader's first choice, and never
 * reads the clock, whether its counter has settled or not; a follower whose
 * way is forced keeps it. */
static void test_follower(void **state)
{
    (void)state;
    mm_read_clock_ns = fake_clock;
    g_cost[MM_READ_MAP] = 100;
    g_cost[MM_READ_PREAD] = 200;
    mm_read_pick lead, f, forced[2];
    int timed;
    mm_read_pick_begin(&lead, MM_READ_AUTO);
    mm_read_pick_begin(&f, MM_READ_AUTO);
    mm_read_pick_follow(&f, &lead);
    for (int w = MM_READ_PREAD; w <= MM_READ_MAP; w++) {
        mm_read_pick_begin(&forced[w], (mm_read_way)w);
        mm_read_pick_follow(&forced[w], &lead);
    }
    int calls = g_calls;
    for (int i = 0; i < 3 * MM_READ_RECHECK; i++) { /* before the leader's choice */
        assert_int_equal(read_piece(&f, PIECE, i % 2, &timed), MM_READ_PREAD);
        assert_false(timed);
    }
    assert_int_equal(g_calls, calls);
    /* the leader: its first piece, then its trial (map is the faster) */
    read_piece(&lead, PIECE, 1, &timed);
    for (int i = 0; i < 2 * MM_READ_ROUNDS; i++) {
        read_piece(&lead, PIECE, 1, &timed);
        assert_true(timed);
        /* during the trial the follower still reads by pread */
        calls = g_calls;
        assert_int_equal(read_piece(&f, PIECE, 1, &timed), MM_READ_PREAD);
        assert_int_equal(g_calls, calls);
    }
    /* the leader keeps pread until the mapping has enough timed pieces, and
     * so does the follower; then both map */
    for (int n = MM_READ_ROUNDS; n < MM_READ_MAP_EVIDENCE; n++) {
        assert_int_equal(lead.way, MM_READ_PREAD);
        read_untimed(&lead, MM_READ_RECHECK - 1, MM_READ_PREAD);
        calls = g_calls;
        assert_int_equal(read_piece(&f, PIECE, 1, &timed), MM_READ_PREAD);
        assert_int_equal(g_calls, calls);
        later_round(&lead);
    }
    assert_int_equal(lead.way, MM_READ_MAP);
    calls = g_calls;
    for (int i = 0; i < 3 * MM_READ_RECHECK; i++) {
        assert_int_equal(read_piece(&f, PIECE, 1, &timed), MM_READ_MAP);
        assert_false(timed);
    }
    assert_int_equal(g_calls, calls);
    /* the mapping turns dear: the leader's first dear mapped piece is its
     * dearest, left out of the mean, so the way stays (and so does the
     * follower's) and the next round comes MM_READ_RECHECK pieces on; the
     * second changes the way (pread's mean cost is now the lower): the
     * follower follows */
    read_untimed(&lead, MM_READ_RECHECK - 1, MM_READ_MAP);
    g_cost[MM_READ_MAP] = 1000;
    g_cost[MM_READ_PREAD] = 25;
    later_round(&lead);
    assert_int_equal(lead.way, MM_READ_MAP);
    calls = g_calls;
    assert_int_equal(read_piece(&f, PIECE, 1, &timed), MM_READ_MAP);
    assert_int_equal(g_calls, calls);
    read_untimed(&lead, MM_READ_RECHECK - 1, MM_READ_MAP);
    later_round(&lead);
    assert_int_equal(lead.way, MM_READ_PREAD);
    calls = g_calls;
    assert_int_equal(read_piece(&f, PIECE, 1, &timed), MM_READ_PREAD);
    assert_int_equal(g_calls, calls);
    for (int w = MM_READ_PREAD; w <= MM_READ_MAP; w++) {
        for (int i = 0; i < 3; i++) {
            assert_int_equal(read_piece(&forced[w], PIECE, 1, &timed), (mm_read_way)w);
        }
    }
    assert_int_equal(g_calls, calls);
    mm_read_clock_ns = NULL;
}

/* ---- exact counts whatever the way ------------------------------------------ */

static const char *write_file(const char *name, const uint8_t *data, size_t n)
{
    return mm_test_write_file(g_dir, name, data, n);
}

/* n bytes of names over alphabet, one per line, every 40th line empty. */
static uint8_t *make_names(size_t n, const char *alphabet, uint64_t *rs)
{
    uint8_t *b = malloc(n);
    assert_non_null(b);
    size_t na = strlen(alphabet), i = 0, line = 0;
    while (i < n) {
        size_t len = (line++ % 40 == 39) ? 0 : 2 + mm_test_rand(rs) % 9;
        for (size_t j = 0; j < len && i < n; j++) {
            b[i++] = (uint8_t)alphabet[mm_test_rand(rs) % na];
        }
        if (i < n) {
            b[i++] = '\n';
        }
    }
    return b;
}

static uint64_t *general_counts(const char *path, mm_vocab *v)
{
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_open(&c, path), MM_OK);
    *v = *mm_corpus_get_vocab(c);
    uint64_t *counts = malloc((size_t)v->size * v->size * sizeof *counts);
    assert_non_null(counts);
    mm_count_opts o = {.threads = 1};
    mm_counter_set_active(&mm_counter_scalar);
    assert_int_equal(mm_count_bigrams(c, v, &o, counts), MM_OK);
    mm_counter_set_active(NULL);
    mm_corpus_close(c);
    return counts;
}

/* A clock whose every reading jumps by a random amount: the choices and
 * the later rounds' switches fall at random, differently in each thread. */
static _Thread_local uint64_t t_rs, t_now;
static double random_clock(void)
{
    if (t_rs == 0) {
        t_rs = g_seed ^ (uint64_t)(uintptr_t)&t_rs;
    }
    t_now += 1 + mm_test_rand(&t_rs) % 1000;
    return (double)t_now;
}

static void test_exact_every_way(void **state)
{
    (void)state;
    guard();
    static const char *const ways[] = {"pread", "map", "auto"};
    static const size_t pieces[] = {PIECE, PIECE + 3, 4099};
    uint64_t rs = g_seed ^ 0x4ead;
    const size_t n = 3 * 1024 * KIB + 777; /* probe 1 MiB: later pieces cross it */
    uint8_t *b = make_names(n, "abcdefghijklmnopqrstuvwxyz", &rs);
    const char *path = write_file("names.txt", b, n);
    mm_vocab rv;
    uint64_t *ref = general_counts(path, &rv);
    mm_read_clock_ns = random_clock;
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        mm_counter_set_active(*k);
        for (size_t w = 0; w < 3; w++) {
            setenv("MM_COUNT_READ", ways[w], 1);
            for (int t = 1; t <= 3; t++) {
                size_t piece = pieces[(size_t)t - 1];
                mm_count_opts o = {.threads = t};
                mm_corpus_info info = {0};
                mm_vocab v;
                uint64_t *got = NULL;
                char what[128];
                snprintf(what, sizeof what, "counter %s, read %s, %d threads, piece %zu",
                         (*k)->name, ways[w], t, piece);
                mm_status st =
                    mm_count_file_sized(path, &o, 1024 * KIB, piece, &v, &got, &info);
                if (st != MM_OK) {
                    fail_msg("%s: %s", what, mm_errmsg());
                }
                assert_int_equal(info.streamed, 1);
                assert_non_null(info.read_way);
                if (w < 2) {
                    assert_string_equal(info.read_way, ways[w]);
                }
                /* every piece read once, a forced way's by that way */
                uint64_t total = (n - 1 + piece - 1) / piece;
                assert_int_equal(info.pieces_pread + info.pieces_map, total);
                if (w < 2) {
                    assert_int_equal(w == 0 ? info.pieces_pread : info.pieces_map, total);
                }
                assert_int_equal(v.size, rv.size);
                assert_memory_equal(v.cp, rv.cp, v.size * sizeof v.cp[0]);
                mm_assert_counts_equal(ref, got, (size_t)v.size * v.size, what);
                free(got);
            }
        }
    }
    mm_counter_set_active(NULL);
    mm_read_clock_ns = NULL;
    unsetenv("MM_COUNT_READ");
    free(ref);
    free(b);
}

/* Long enough for later rounds (one thread, 64 KiB pieces: the trial, then
 * a round after MM_READ_RECHECK pieces, and more), each choice random: the
 * way switches between pieces (4 times over the counters on seed 20261125);
 * the counts stay the general path's. */
static void test_exact_later_rounds(void **state)
{
    (void)state;
    guard();
    uint64_t rs = g_seed ^ 0x1a7e;
    const size_t n = (2 * MM_READ_ROUNDS + 3 * MM_READ_RECHECK + 40) * PIECE + 123;
    uint8_t *b = make_names(n, "abcdefghijklmnopqrstuvwxyz", &rs);
    const char *path = write_file("long.txt", b, n);
    mm_vocab rv, v;
    uint64_t *ref = general_counts(path, &rv);
    mm_read_clock_ns = random_clock;
    setenv("MM_COUNT_READ", "auto", 1);
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported() || *k == &mm_counter_auto) { /* a forced one settles at once */
            continue;
        }
        mm_counter_set_active(*k);
        mm_count_opts o = {.threads = 1};
        uint64_t *got = NULL;
        assert_int_equal(mm_count_file_sized(path, &o, 1024 * KIB, PIECE, &v, &got, NULL),
                         MM_OK);
        mm_assert_counts_equal(ref, got, (size_t)v.size * v.size, (*k)->name);
        free(got);
    }
    mm_counter_set_active(NULL);
    mm_read_clock_ns = NULL;
    unsetenv("MM_COUNT_READ");
    free(ref);
    free(b);
}

/* Tiny files and pieces read from the mapping: every carry across pieces,
 * characters first seen after the probe (the general path then answers). */
static void test_tiny_pieces_mapped(void **state)
{
    (void)state;
    guard();
    uint64_t rs = g_seed ^ 0x71e5;
    setenv("MM_COUNT_READ", "map", 1);
    int mapped = 0; /* counts read from the mapping, not the general path */
    for (int iter = 0; iter < 200; iter++) {
        size_t n = 2 + (size_t)(mm_test_rand(&rs) % 300);
        uint8_t *b = make_names(n, "abcde", &rs);
        const char *path = write_file("tiny.txt", b, n);
        mm_vocab rv, v;
        uint64_t *ref = general_counts(path, &rv);
        for (int t = 1; t <= 3; t++) {
            size_t probe = 1 + (size_t)(mm_test_rand(&rs) % 40);
            size_t piece = 1 + (size_t)(mm_test_rand(&rs) % 70);
            mm_count_opts o = {.threads = t};
            mm_corpus_info info = {0};
            uint64_t *got = NULL;
            assert_int_equal(mm_count_file_sized(path, &o, probe, piece, &v, &got, &info),
                             MM_OK);
            mapped += info.streamed && info.read_way && strcmp(info.read_way, "map") == 0;
            assert_int_equal(v.size, rv.size);
            mm_assert_counts_equal(ref, got, (size_t)v.size * v.size, "tiny, mapped");
            free(got);
        }
        free(ref);
        free(b);
    }
    assert_true(mapped > 100); /* of 600: most probes see all five letters */
    unsetenv("MM_COUNT_READ");
}

/* Under a piece and a half per thread: mapping a file costs page faults
 * that pay only over many pieces, the first piece of every thread is read
 * by pread and a piece under MM_READ_MIN_PIECE is never timed, so under auto
 * a file of less than one piece per thread and MM_READ_MIN_PIECE is not
 * mapped at all (read_way "pread"), for the auto counter and a forced one
 * alike.  Two full pieces per thread: it is mapped; on one thread the second
 * piece is the trial's first, read from the mapping (on more, which thread
 * gets which piece depends on which asks first). */
static void test_small_file_not_mapped(void **state)
{
    (void)state;
    guard();
    uint64_t rs = g_seed ^ 0x5a11;
    static const char *const unset_or_auto[] = {NULL, "auto"};
    const mm_counter *const counters[] = {&mm_counter_auto, &mm_counter_scalar,
                                          &mm_counter_pairs};
    for (int e = 0; e < 2; e++) {
        if (unset_or_auto[e] == NULL) {
            unsetenv("MM_COUNT_READ");
        } else {
            setenv("MM_COUNT_READ", unset_or_auto[e], 1);
        }
        for (int t = 1; t <= 3; t++) {
            for (int per = 1; per <= 2; per++) {
                /* per 1: t - 1 pieces, less t bytes (mm_count_file gives each
                 * thread one whole piece at least, so t - 1 threads or one);
                 * per 2: every thread's range is two full pieces */
                size_t n = per == 1 ? (size_t)t * (PIECE - 1) : (size_t)t * 2 * PIECE;
                uint8_t *b = make_names(n, "abcdefgh", &rs);
                const char *path = write_file("small.txt", b, n);
                mm_vocab rv, v;
                uint64_t *ref = general_counts(path, &rv);
                for (size_t c = 0; c < sizeof counters / sizeof counters[0]; c++) {
                    mm_counter_set_active(counters[c]);
                    mm_count_opts o = {.threads = t};
                    mm_corpus_info info = {0};
                    uint64_t *got = NULL;
                    int maps = __atomic_load_n(&mm_count_file_maps, __ATOMIC_RELAXED);
                    assert_int_equal(mm_count_file_sized(path, &o, 1024 * KIB, PIECE, &v, &got,
                                                         &info), MM_OK);
                    mm_counter_set_active(NULL);
                    maps = __atomic_load_n(&mm_count_file_maps, __ATOMIC_RELAXED) - maps;
                    if (maps != (per == 1 ? 0 : 1)) {
                        fail_msg("%d threads, %d pieces each: mapped %d times", t, per, maps);
                    }
                    assert_true(info.streamed);
                    mm_assert_counts_equal(ref, got, (size_t)v.size * v.size, "small file");
                    /* per 2, a forced counter (settled at once): piece 1 by
                     * pread, piece 2 (the last) the trial's first, from the
                     * mapping; the auto counter is still choosing then */
                    const char *want = per == 1                        ? "pread"
                                       : counters[c] == &mm_counter_auto || t > 1 ? NULL
                                                                                  : "map";
                    if (want != NULL && strcmp(info.read_way, want) != 0) {
                        fail_msg("MM_COUNT_READ=%s, %d threads, %d pieces each, counter %s: "
                                 "read by %s, want %s", unset_or_auto[e] ? unset_or_auto[e]
                                 : "(unset)", t, per, counters[c]->name, info.read_way, want);
                    }
                    free(got);
                }
                free(ref);
                free(b);
            }
        }
    }
    /* the edge, T threads: mapped only when, after a piece per thread, a
     * piece of at least MM_READ_MIN_PIECE is left */
    unsetenv("MM_COUNT_READ");
    for (int t = 1; t <= 3; t++) {
        const size_t edge = (size_t)t * PIECE + MM_READ_MIN_PIECE;
        for (size_t n = edge - 1; n <= edge; n++) {
            uint8_t *b = make_names(n, "abcdefgh", &rs);
            const char *path = write_file("edge.txt", b, n);
            mm_count_opts o = {.threads = t};
            mm_corpus_info info = {0};
            mm_vocab v;
            uint64_t *got = NULL;
            int maps = __atomic_load_n(&mm_count_file_maps, __ATOMIC_RELAXED);
            assert_int_equal(mm_count_file_sized(path, &o, 1024 * KIB, PIECE, &v, &got, &info),
                             MM_OK);
            assert_int_equal(info.threads, t);
            maps = __atomic_load_n(&mm_count_file_maps, __ATOMIC_RELAXED) - maps;
            if (maps != (n == edge ? 1 : 0)) {
                fail_msg("%zu bytes, pieces of %zu, %d threads: mapped %d times", n, PIECE, t,
                         maps);
            }
            free(got);
            free(b);
        }
    }
}

/* ---- forcing ---------------------------------------------------------------- */

static void test_forcing_errors(void **state)
{
    (void)state;
    guard();
    uint64_t rs = g_seed ^ 0xf0;
    uint8_t *b = make_names(300 * KIB, "abc", &rs);
    const char *path = write_file("force.txt", b, 300 * KIB);
    mm_vocab v;
    uint64_t *got = NULL;
    mm_corpus_info info = {0};

    setenv("MM_COUNT_READ", "mmap", 1);
    assert_int_equal(mm_count_file(path, NULL, &v, &got, NULL), MM_ERR_INVALID_ARG);
    assert_non_null(strstr(mm_errmsg(), "MM_COUNT_READ=mmap"));
    assert_null(got);

    /* without the SIGBUS guard: map refused when forced, pread under auto */
    struct sigaction dfl = {.sa_handler = SIG_DFL}, old;
    assert_int_equal(sigaction(SIGBUS, &dfl, &old), 0);
    setenv("MM_COUNT_READ", "map", 1);
    assert_int_equal(mm_count_file(path, NULL, &v, &got, NULL), MM_ERR_INVALID_ARG);
    assert_non_null(strstr(mm_errmsg(), "SIGBUS guard"));
    assert_null(got);
    setenv("MM_COUNT_READ", "auto", 1);
    assert_int_equal(mm_count_file(path, NULL, &v, &got, &info), MM_OK);
    assert_string_equal(info.read_way, "pread");
    free(got);
    got = NULL;
    assert_int_equal(mm_sigbus_guard_install(), MM_OK);

    setenv("MM_COUNT_READ", "map", 1);
    assert_int_equal(mm_count_file(path, NULL, &v, &got, &info), MM_OK);
    assert_string_equal(info.read_way, "map");
    free(got);
    unsetenv("MM_COUNT_READ");
    free(b);
}

/* ---- truncated under the mapping -------------------------------------------- */

static const char *g_trunc_path;
static off_t g_trunc_to;
static void truncate_on_progress(uint64_t done, uint64_t total, void *user)
{
    (void)done;
    (void)total;
    int *once = user;
    if (!*once) {
        *once = 1;
        assert_int_equal(truncate(g_trunc_path, g_trunc_to), 0);
    }
}

static void test_truncated_while_mapped(void **state)
{
    (void)state;
    guard();
    uint64_t rs = g_seed ^ 0x7c;
    const size_t n = 8 * 1024 * KIB;
    uint8_t *b = make_names(n, "abcdefgh", &rs);
    setenv("MM_COUNT_READ", "map", 1);
    /* to one page; by less than a page (zeros, no SIGBUS); by more */
    static const size_t cut[] = {0, 100, 5000};
    for (int t = 1; t <= 2; t++) {
        for (size_t c = 0; c < 3; c++) {
            g_trunc_path = write_file("shrinks.txt", b, n);
            g_trunc_to = (off_t)(cut[c] == 0 ? 4096 : n - cut[c]);
            int once = 0;
            mm_count_opts o = {
                .threads = t, .on_progress = truncate_on_progress, .user = &once};
            mm_vocab v;
            uint64_t *got = NULL;
            assert_int_equal(
                mm_count_file_sized(g_trunc_path, &o, 1024 * KIB, PIECE, &v, &got, NULL),
                MM_ERR_IO);
            assert_true(once);
            assert_non_null(strstr(mm_errmsg(), "shrank"));
            assert_null(got);
        }
    }
    unsetenv("MM_COUNT_READ");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_heavy_tail),
        cmocka_unit_test(test_map_needs_evidence),
        cmocka_unit_test(test_hiccup),
        cmocka_unit_test(test_follower),
        cmocka_unit_test(test_exact_every_way),
        cmocka_unit_test(test_exact_later_rounds),
        cmocka_unit_test(test_tiny_pieces_mapped),
        cmocka_unit_test(test_small_file_not_mapped),
        cmocka_unit_test(test_forcing_errors),
        cmocka_unit_test(test_truncated_while_mapped),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
