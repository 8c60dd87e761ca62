/*
 * count_auto.c - the "auto" counter: a counting stream (kernels.h contract)
 * that picks, by measurement, which exact counter runs the rest of it.
 *
 * Why: the fastest counter depends on the CPU, not on its ISA rank.  The
 * AVX-512 triples win on Zen 5; on an AVX2-only Zen 3 the AVX2 triples lost
 * to the scalar reference and the plain pair table beat both.  Every counter
 * gives bit-identical counts for any split of the input into pieces, so a
 * stream may hand each piece to a different counter: each candidate keeps
 * its own stream open, and the totals of all of them are added at the end.
 *
 * The rule (per stream, that is per counting thread):
 *  1. The first piece goes to the first candidate (the best ISA's counter),
 *     untimed: an input of one piece per thread (a small file) pays nothing.
 *  2. The next piece of MM_AUTO_MIN_PIECE bytes or more is counted by the
 *     scalar reference and, separately, by every candidate (scalar is one
 *     of them); a candidate whose counts differ is never used (the tests
 *     prove every counter exact; this keeps a counter that misbehaves on a
 *     CPU nobody tested from ever being chosen).  The reference's counts
 *     are kept (scalar, being the reference, is not counted twice).
 *  3. The next MM_AUTO_ROUNDS pieces per candidate (each >= the minimum)
 *     go to the candidates in turn; the first of each is a warm-up (cold
 *     tables, lazy zeroing), the others are timed, and a candidate's rate is
 *     its best one.  A candidate timed MM_AUTO_KEEP_AFTER times whose rate
 *     is under MM_AUTO_KEEP (half) of the best candidate's is out: it gets
 *     no more pieces, in this trial or a later round.  Why: the slow
 *     counters' pieces are what a trial costs (scalar is 3x slower than the
 *     AVX-512 triples on the Intel Xeon 6/167, results/2026-12-05-intel-
 *     xeon-processor-2.json; the AVX2 triples 3.6x slower than the pair
 *     table on the Zen 3 of issue 11, family 25 model 1), and that cost is per thread, so it weighs
 *     twice as much on two threads; a rate measured by CPU time twice is
 *     not off by 2x.  Out is for the rest of the stream (the later rounds
 *     cannot bring a counter back): a burst that halved the fastest
 *     counter's rate on both of its timed pieces would cost this stream its
 *     best counter, a risk taken for the trial's cost.  The clock is the
 *     thread's CPU time (CLOCK_THREAD_CPUTIME_ID): on a shared machine a
 *     piece during which the thread was descheduled would otherwise look
 *     slow, and the best of three would not always hide it.
 *  4. The fastest candidate counts what follows.  After MM_AUTO_RECHECK
 *     pieces one more timed round runs (a piece per candidate), after which
 *     the fastest by best rate so far counts on; the next round comes after
 *     twice as many pieces, and so on (up to MM_AUTO_RECHECK_MAX).  Why
 *     rounds: a rate can only be too low (the thread's caches trashed by
 *     another process, memory contention), and a burst of it lasting the
 *     whole trial (a few ms) once made the slower counter win; later rounds
 *     correct that.  Why spaced out: each round gives a piece to every
 *     counter still in, the slower ones included, so a round's cost is
 *     paid again with every round; doubling the spacing keeps the rounds
 *     of a stream of P pieces to about log2(P / MM_AUTO_RECHECK) until the
 *     spacing reaches MM_AUTO_RECHECK_MAX (2 GiB of 512 KiB pieces), then
 *     one per that many pieces.  A
 *     round's rates are those of the pieces as the driver reads them then:
 *     after count_file.c chose to read from a mapping, page faults and DRAM
 *     are in them, which the first trial (fed by pread) did not have, so a
 *     round seldom beats a first trial's best; rates are kept per counter,
 *     so the comparison between counters stays fair.
 *  5. Followers (count_file.c on two threads or more): one stream, the
 *     leader, runs 1-4 and publishes each choice it makes (mm_count_auto_
 *     share); the others give their first piece to the first candidate, as
 *     in 1, and check that candidate alone against the reference on their
 *     next piece of MM_AUTO_MIN_PIECE or more (the reference's counts kept,
 *     as in 2), then count with it until the leader has chosen, and from
 *     then on with the leader's latest choice (which the leader checked).
 *     They time nothing.  Why: the trial's cost (the check, the slower
 *     counters' pieces, the first touch of their work areas: about 10 ms
 *     of CPU time per stream on the Zen 5 of 2026-12-05, family 26 model 2)
 *     was paid by every thread, and on two threads the default ran 4-8%
 *     behind the fastest counter forced (docs/notes/2026-12-05/s21.md);
 *     count_file.c hands pieces out as the threads ask for them, so while
 *     the leader chooses the followers count, and the cost is paid once.
 *     A follower whose own check refused the first candidate counts with
 *     the reference until the leader has chosen, and never with that
 *     candidate.
 * Smaller pieces met during 2-3 go to the first candidate that agreed,
 * untimed.  Only the first piece is counted by a counter not yet checked:
 * the one the ISA rank picks, as before this chooser existed.  With four
 * counters the trial is at most 1 + 1 + 4 x 4 pieces (9 MiB of 512 KiB
 * pieces) per thread, then rounds of at most 4 pieces after 64 MiB, 128
 * more, 256 more, ...
 *
 * $MM_COUNT_TRACE=1 prints each choice with every candidate's best rate on
 * stderr ("count trace: counter ..."): what the rule saw.
 *
 * Not a kernel (it reads the clock), so it lives beside dispatch.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "count_auto.h"

enum { MM_AUTO_FIRST, MM_AUTO_CHECK, MM_AUTO_TRIAL, MM_AUTO_RUN, MM_AUTO_FOLLOW };

typedef struct mm_auto {
    size_t K;
    int n;                               /* candidates */
    int phase;
    int trial;                           /* pieces given out in the trial */
    int since_trial;                     /* pieces counted since the last choice */
    int recheck;                         /* pieces between the last round and the next */
    int chosen;                          /* index into cand, -1 before the first choice */
    const mm_counter *cand[MM_AUTO_MAX];
    void *work[MM_AUTO_MAX];
    int exact[MM_AUTO_MAX];              /* agreed with scalar in step 2 */
    int fed[MM_AUTO_MAX];                /* counted a piece of the stream */
    double rate[MM_AUTO_MAX];            /* best bytes/ns, 0 if untimed */
    int timed[MM_AUTO_MAX];              /* pieces timed */
    int order[MM_AUTO_MAX];              /* exact candidates, trial order */
    int nexact;
    mm_count_auto_share *lead;           /* a leader's: where it publishes its choice */
    const mm_count_auto_share *follow;   /* a follower's: where it reads the leader's */
    int checked;                         /* a follower: its own check is done */
    int trace;                           /* $MM_COUNT_TRACE: each choice on stderr */
    int scalar;                          /* index of the reference among the candidates */
    uint64_t *acc;                       /* K*K: the reference's counts */
    uint64_t *ref;                       /* K*K scratch */
    uint64_t *got;                       /* K*K scratch */
    void *scratch;                       /* work for the one-shot counts */
    uint8_t code[256];
} mm_auto;

static size_t mm_auto_round(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

static size_t mm_auto_scratch_size(size_t K, const mm_counter *const *cands, int n)
{
    size_t s = mm_counter_scalar.count_work_size(K);
    for (int i = 0; i < n; i++) {
        size_t w = cands[i]->count_work_size(K);
        s = w > s ? w : s;
    }
    return mm_auto_round(s);
}

/* The candidates as given, with the scalar reference added at the end if
 * absent: something always agrees with it. */
static int mm_auto_list(const mm_counter *const *cands, int n, const mm_counter **out)
{
    int m = 0, has_scalar = 0;
    for (int i = 0; i < n && m < MM_AUTO_MAX - 1; i++) {
        out[m++] = cands[i];
        has_scalar |= cands[i] == &mm_counter_scalar;
    }
    if (!has_scalar) {
        out[m++] = &mm_counter_scalar;
    }
    return m;
}

size_t mm_count_auto_work_size_with(size_t K, const mm_counter *const *given, int ngiven)
{
    const mm_counter *cands[MM_AUTO_MAX];
    int n = mm_auto_list(given, ngiven, cands);
    size_t s = mm_auto_round(sizeof(mm_auto)) + 3 * mm_auto_round(K * K * sizeof(uint64_t));
    s += mm_auto_scratch_size(K, cands, n);
    for (int i = 0; i < n; i++) {
        s += mm_auto_round(cands[i]->count_work_size(K));
    }
    return s;
}

void mm_count_auto_begin_with(void *work, const uint8_t code[256], size_t K,
                              const mm_counter *const *given, int ngiven)
{
    const mm_counter *cands[MM_AUTO_MAX];
    int n = mm_auto_list(given, ngiven, cands);
    mm_auto *a = work;
    uint8_t *p = (uint8_t *)work + mm_auto_round(sizeof(mm_auto));
    const size_t kk = mm_auto_round(K * K * sizeof(uint64_t));
    memset(a, 0, sizeof *a);
    a->K = K;
    a->n = n;
    a->phase = MM_AUTO_FIRST;
    a->chosen = -1;
    a->recheck = MM_AUTO_RECHECK;
    a->trace = mm_count_trace_on();
    memcpy(a->code, code, 256);
    a->acc = (uint64_t *)p;
    a->ref = (uint64_t *)(p + kk);
    a->got = (uint64_t *)(p + 2 * kk);
    p += 3 * kk;
    a->scratch = p;
    p += mm_auto_scratch_size(K, cands, n);
    memset(a->acc, 0, K * K * sizeof *a->acc);
    for (int i = 0; i < n; i++) {
        a->cand[i] = cands[i];
        a->work[i] = p;
        p += mm_auto_round(cands[i]->count_work_size(K));
        cands[i]->count_begin(a->work[i], code, K);
        if (cands[i] == &mm_counter_scalar) {
            a->scalar = i;
        }
    }
}

void mm_count_auto_share_init(mm_count_auto_share *s)
{
    s->chosen = -1;
}

void mm_count_auto_lead(void *work, mm_count_auto_share *s)
{
    ((mm_auto *)work)->lead = s;
}

void mm_count_auto_follow(void *work, const mm_count_auto_share *s)
{
    ((mm_auto *)work)->follow = s;
}

/* The reference's counts of the piece into a->ref, and kept (added to acc). */
static void mm_auto_reference(mm_auto *a, const uint8_t *b, size_t n)
{
    const size_t KK = a->K * a->K;
    memset(a->ref, 0, KK * sizeof *a->ref);
    mm_count_pairs(&mm_counter_scalar, a->ref, b, n, a->code, a->K, a->scratch);
    for (size_t i = 0; i < KK; i++) {
        a->acc[i] += a->ref[i];
    }
}

/* 1 if candidate i counts the piece as the reference did (a->ref). */
static int mm_auto_agrees(mm_auto *a, int i, const uint8_t *b, size_t n)
{
    if (a->cand[i] == &mm_counter_scalar) {
        return 1; /* the reference itself: counting again proves nothing */
    }
    const size_t KK = a->K * a->K;
    memset(a->got, 0, KK * sizeof *a->got);
    mm_count_pairs(a->cand[i], a->got, b, n, a->code, a->K, a->scratch);
    return memcmp(a->got, a->ref, KK * sizeof *a->got) == 0;
}

/* Step 2: the reference and every candidate count the piece on their own. */
static void mm_auto_check(mm_auto *a, const uint8_t *b, size_t n)
{
    mm_auto_reference(a, b, n);
    for (int i = 0; i < a->n; i++) {
        a->exact[i] = mm_auto_agrees(a, i, b, n);
        if (a->exact[i]) {
            a->order[a->nexact++] = i;
        }
    }
}

double (*mm_count_auto_clock_ns)(void);

int mm_count_trace_on(void)
{
    const char *t = getenv("MM_COUNT_TRACE");
    return t != NULL && *t != '\0' && strcmp(t, "0") != 0;
}

double mm_thread_cpu_ns(double (*hook)(void))
{
    if (hook != NULL) {
        return hook();
    }
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double mm_auto_now_ns(void)
{
    return mm_thread_cpu_ns(mm_count_auto_clock_ns);
}

/* The agreeing candidate with the best rate so far (the first on a tie). */
static int mm_auto_fastest(const mm_auto *a)
{
    int best = -1;
    for (int j = 0; j < a->nexact; j++) {
        int i = a->order[j];
        if (best < 0 || a->rate[i] > a->rate[best]) {
            best = i;
        }
    }
    return best;
}

/* Out of the race: timed MM_AUTO_KEEP_AFTER times and its best rate under
 * MM_AUTO_KEEP of the best candidate's (see the top of the file). */
static int mm_auto_is_out(const mm_auto *a, int i)
{
    return a->timed[i] >= MM_AUTO_KEEP_AFTER &&
           a->rate[i] < MM_AUTO_KEEP * a->rate[mm_auto_fastest(a)];
}

static void mm_auto_choose(mm_auto *a)
{
    const int later = a->chosen >= 0;
    a->chosen = mm_auto_fastest(a); /* scalar is a candidate: something agreed */
    if (a->trace) {
        char line[512];
        int len = snprintf(line, sizeof line, "count trace: counter %s:", later ? "round" : "trial");
        for (int i = 0; i < a->n && len > 0 && (size_t)len < sizeof line; i++) {
            len += snprintf(line + len, sizeof line - (size_t)len, " %s %.3f bytes/ns%s%s",
                            a->cand[i]->name, a->rate[i], !a->exact[i] ? " (refused)"
                                                         : mm_auto_is_out(a, i) ? " (out)" : "",
                            i + 1 < a->n ? "," : "");
        }
        fprintf(stderr, "%s: %s\n", line, a->cand[a->chosen]->name);
    }
    a->phase = MM_AUTO_RUN;
    a->since_trial = 0;
    if (a->lead != NULL) {
        __atomic_store_n(&a->lead->chosen, a->chosen, __ATOMIC_RELAXED);
    }
}

/* Candidate i counts the piece in its own stream. */
static void mm_auto_give(mm_auto *a, int i, const uint8_t *b, size_t n)
{
    a->cand[i]->count_feed(a->work[i], b, n);
    a->fed[i] = 1;
}

static void mm_auto_trial(mm_auto *a, const uint8_t *b, size_t n)
{
    int i = a->order[a->trial % a->nexact];
    /* the fastest so far is never out, so this ends within one round */
    while (mm_auto_is_out(a, i)) {
        if (++a->trial == MM_AUTO_ROUNDS * a->nexact) {
            mm_auto_choose(a);
            mm_auto_give(a, a->chosen, b, n);
            return;
        }
        i = a->order[a->trial % a->nexact];
    }
    int round = a->trial / a->nexact;
    double t0 = mm_auto_now_ns();
    mm_auto_give(a, i, b, n);
    double dt = mm_auto_now_ns() - t0;
    if (round > 0 && dt > 0) {
        double r = (double)n / dt;
        a->timed[i]++;
        if (r > a->rate[i]) {
            a->rate[i] = r;
        }
    }
    if (++a->trial == MM_AUTO_ROUNDS * a->nexact) {
        mm_auto_choose(a);
    }
}

/* Rule 5: a follower's piece after its first. */
static void mm_auto_follow_feed(mm_auto *a, const uint8_t *b, size_t n)
{
    int c = __atomic_load_n(&a->follow->chosen, __ATOMIC_RELAXED);
    if (c >= 0 && (c != 0 || !a->checked || a->exact[0])) {
        a->chosen = c; /* the leader checked it */
        mm_auto_give(a, c, b, n);
        return;
    }
    if (!a->checked && n >= MM_AUTO_MIN_PIECE) {
        /* the first candidate alone against the reference, whose counts are kept */
        mm_auto_reference(a, b, n);
        a->exact[0] = mm_auto_agrees(a, 0, b, n);
        a->checked = 1;
        return;
    }
    /* before the leader's choice: the first candidate unless refused (a
     * small piece before the check goes to it, as in the leader's stream) */
    mm_auto_give(a, a->checked && !a->exact[0] ? a->scalar : 0, b, n);
}

void mm_count_auto_feed(void *work, const uint8_t *b, size_t n)
{
    mm_auto *a = work;
    if (n < 2) {
        return;
    }
    switch (a->phase) {
    case MM_AUTO_FIRST:
        mm_auto_give(a, 0, b, n);
        a->phase = a->follow != NULL ? MM_AUTO_FOLLOW : MM_AUTO_CHECK;
        return;
    case MM_AUTO_FOLLOW:
        mm_auto_follow_feed(a, b, n);
        return;
    case MM_AUTO_CHECK:
        if (n < MM_AUTO_MIN_PIECE) {
            break;
        }
        mm_auto_check(a, b, n);
        a->phase = MM_AUTO_TRIAL;
        return;
    case MM_AUTO_TRIAL:
        if (n < MM_AUTO_MIN_PIECE) {
            break;
        }
        mm_auto_trial(a, b, n);
        return;
    default:
        if (n >= MM_AUTO_MIN_PIECE && ++a->since_trial >= a->recheck) {
            /* one more round, every piece timed (see the top of the file) */
            a->recheck = (int)mm_recheck_next((uint64_t)a->recheck, MM_AUTO_RECHECK_MAX);
            a->trial = (MM_AUTO_ROUNDS - 1) * a->nexact;
            a->phase = MM_AUTO_TRIAL;
            mm_auto_trial(a, b, n);
            return;
        }
        mm_auto_give(a, a->chosen, b, n);
        return;
    }
    /* a small piece before the choice: the first candidate, if it agreed */
    mm_auto_give(a, a->nexact > 0 ? a->order[0] : 0, b, n);
}

void mm_count_auto_end(void *work, uint64_t *counts)
{
    mm_auto *a = work;
    for (int i = 0; i < a->n; i++) {
        if (a->fed[i]) {
            a->cand[i]->count_end(a->work[i], counts);
        }
    }
    for (size_t i = 0; i < a->K * a->K; i++) {
        counts[i] += a->acc[i];
    }
}

const mm_counter *mm_count_auto_chosen(const void *work)
{
    const mm_auto *a = work;
    return a->chosen < 0 ? NULL : a->cand[a->chosen];
}

double mm_count_auto_rate(const void *work, const mm_counter *c)
{
    const mm_auto *a = work;
    for (int i = 0; i < a->n; i++) {
        if (a->cand[i] == c) {
            return a->rate[i];
        }
    }
    return 0.0;
}

/* The candidates: every supported counter, the best ISA's own first. */
static int mm_auto_default_cands(const mm_counter *cands[MM_AUTO_MAX])
{
    const mm_counter *first = mm_counter_scalar.supported() ? &mm_counter_scalar : NULL;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if ((*k)->supported()) {
            first = (*k)->counter;
        }
    }
    int n = 0;
    cands[n++] = first;
    for (const mm_counter *const *c = mm_counters_all(); *c && n < MM_AUTO_MAX; c++) {
        if (*c != first && (*c)->supported()) {
            cands[n++] = *c;
        }
    }
    return n;
}

static size_t mm_count_auto_work_size(size_t K)
{
    const mm_counter *cands[MM_AUTO_MAX];
    int n = mm_auto_default_cands(cands);
    return mm_count_auto_work_size_with(K, cands, n);
}

static void mm_count_auto_begin(void *work, const uint8_t code[256], size_t K)
{
    const mm_counter *cands[MM_AUTO_MAX];
    int n = mm_auto_default_cands(cands);
    mm_count_auto_begin_with(work, code, K, cands, n);
}

const mm_counter mm_counter_auto = {
    .name = "auto",
    .supported = mm_cpu_always,
    .count_work_size = mm_count_auto_work_size,
    .count_begin = mm_count_auto_begin,
    .count_feed = mm_count_auto_feed,
    .count_end = mm_count_auto_end,
};

/* ---- queries for a driver that runs auto on part of its input ----------------
 * (src/count_stream.c: a stream read in chunks runs auto on one chunk now
 * and then and the counter it chose on the others.) */

int mm_counter_is_auto(const mm_counter *k)
{
    /* the feed is what makes a stream auto's: tests build their own auto
     * counter, with candidates of their choice, around it */
    return k != NULL && k->count_feed == mm_count_auto_feed;
}

int mm_count_auto_settled(const void *work)
{
    const mm_auto *a = work;
    return a->phase == MM_AUTO_RUN || (a->phase == MM_AUTO_FOLLOW && a->checked);
}

int mm_count_auto_trial_pieces(void)
{
    const mm_counter *given[MM_AUTO_MAX], *cands[MM_AUTO_MAX];
    int n = mm_auto_list(given, mm_auto_default_cands(given), cands);
    return 2 + MM_AUTO_ROUNDS * n; /* steps 1 and 2, then the rounds of step 3 */
}
