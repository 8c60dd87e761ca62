/*
 * count_read.c - choose, by measurement, how count_file.c reads the file:
 * pread into a buffer that sits in L2, or in place from a mapping.
 *
 * Why a choice: the cost of each way depends on the machine, not the code.
 * pread copies every byte once, in the kernel (about 0.14 s of system time
 * per GiB on the Intel Xeon VM of 2026-12-04), and the counter then reads
 * L2.  A mapping copies nothing, but each first touch of a page costs a
 * minor fault (about 15,000 per GiB with the kernel's fault-around), and the
 * counter streams from DRAM (its prefetch hint, kernels.h, keeps that cheap):
 * on that Intel VM `makemore count` of 1 GiB took 0.26 s mapped vs 0.35 s
 * with pread on one thread.  But on the Zen 4 VM this file was first written
 * on, a first access to a mapped page cost about 1 us even with the page
 * tables populated (0.2-0.35 s per GiB) while pread copied at 12 GB/s.
 *
 * The rule, per counting thread (under MM_COUNT_READ=auto, the default):
 *  0. The thread's first piece: pread, untimed, as the auto counter gives
 *     its first piece to its first candidate untimed.  Why: a mapping's
 *     page faults pay only over many pieces, and a file of one piece per
 *     thread (a small one) should not pay them at all: on the Zen 5 of
 *     2026-12-05 (family 26 model 2) a forced counter, settled at once,
 *     began its trial on names.txt's only piece, from the mapping, and took
 *     0.267 ms where pread took 0.116 (results/2026-12-05-amd-epyc.json,
 *     count_file/avx512/t1/names).  count_file.c does not even map a file
 *     in which no thread has a second piece to time.
 *  1. pread, until the counter has settled (the auto counter's own trial is
 *     over; at once for a forced one): two trials at the same time would
 *     time neither.  For the same reason a piece met while the counter runs
 *     one of its later timed rounds is read the current way, untimed, and
 *     a round of ours that falls due then waits for the counter's to end.
 *  2. MM_READ_ROUNDS pieces each way, alternating (map first), each timed by
 *     the thread's CPU time (CLOCK_THREAD_CPUTIME_ID: it holds pread's copy
 *     and the mapping's faults, and not the time the thread waits for the
 *     CPU on a shared machine).
 *  3. The way of the lower mean cost reads on: per way, the CPU time of
 *     every piece it was timed on but the dearest, over their bytes (the
 *     trial's pieces and every later round's).  After MM_READ_RECHECK
 *     pieces one more piece each way is timed and the choice made again;
 *     the next round comes after twice as many pieces if the way stayed,
 *     after MM_READ_RECHECK again if it changed or if the round's piece of
 *     either way was that way's dearest yet.  Why the mean: what a mapped piece costs varies
 *     far more than what a pread one does, with the part of the file and how
 *     the page cache holds it.  On the Zen 5 of 2026-12-06 (family 26 model
 *     2, AVX-512) one mapped piece cost from 0.19 to 1.6 ns per byte of CPU
 *     time, one read by pread from 0.24 to 1.4 (most under 0.5); the
 *     mapping was the slower on average (`makemore count` of 1 GiB forced to
 *     it: 0.244 s against 0.195 s on two threads, results/2026-12-06-amd-
 *     epyc-alternate-3.json), yet a choice by the best piece, or by one
 *     round's piece alone (as until then), went to the mapping on its lucky
 *     pieces: in two runs of three a fifth of the file was read from it
 *     (docs/notes/2026-12-06/s23.md).  Judged by the best piece, the way
 *     that varies more wins.  Earlier (2026-12-05, the same VM) one thread's
 *     trial pieces read from the mapping at 5.3 bytes/ns against 4.0 by
 *     pread while the rest of its half read from it at under 1; kept as the
 *     best, that fast stretch held the thread on the mapping for 1,001 of
 *     1,024 pieces and doubled the time of a two-thread count (0.39 s
 *     against 0.18-0.20 s; docs/notes/2026-12-05/s21.md); the mean takes
 *     one such dear piece to turn.  Why soon (8 pieces) and again after a
 *     change: a wrong choice costs every piece until the next round, while
 *     a round costs one piece read the slower way.
 *     Why the dearest piece is left out: a piece's CPU time holds what the
 *     VM bills the thread while the host runs something else.  With 128
 *     KiB pieces on that Zen 5 (2026-12-06) one pread piece of the trial
 *     took 0.074 bytes/ns, the others 2.6-3.0; with it pread's mean fell
 *     under the mapping's (0.9) and the mapping read on for the rest of the
 *     file (docs/notes/2026-12-06/s24.md).  A way that truly turns dear
 *     shows it again in the next round, which comes MM_READ_RECHECK pieces
 *     on after a new dearest piece, so leaving one out delays that turn by
 *     8 pieces at most.
 *     The mapping is chosen only once MM_READ_MAP_EVIDENCE (8) mapped
 *     pieces were timed; while it is the cheaper on fewer, pread reads on
 *     and the rounds stay MM_READ_RECHECK pieces apart.  Why: the trial's
 *     pieces all come from one part of the file, and the mapping's cost
 *     goes with the part: on that Zen 5 (2026-12-06) stretches of several
 *     MiB read from it at about 4.8 bytes/ns of CPU time and others at 1.5,
 *     while pread read at 3.5-4 everywhere; the trial's part was often a
 *     fast one, and in 11 of 30 traced two-thread counts of 1 GiB the
 *     mapping read 96% of the file; two such runs in
 *     results/2026-12-06-amd-epyc-alternate-5.json (whose runs keep the
 *     pieces read each way) took 0.235 s, the runs that kept pread
 *     0.159-0.171 s.  The risk is not even: a wrong mapping cost
 *     2.5x per piece there, a wrong pread at most 1.3x; and eight rounds
 *     8 pieces apart sample the mapping over tens of MiB.
 *  4. On two threads or more only the first chooses (the leader, the
 *     calling thread): the others read each piece the way it last chose,
 *     pread before its first choice, and time nothing.  Why: the trial's
 *     cost (its pieces read the slower way) is per chooser, and count_file.c
 *     hands the pieces out as the threads ask for them, so what the leader
 *     spends choosing the others spend counting; the leader's pieces are
 *     spread over the whole file like everyone's, so its rates are the
 *     file's.
 * Pieces under MM_READ_MIN_PIECE (a thread's last) are read the current
 * way, untimed.
 * Both ways give the same bytes, so the counts cannot depend on the choice.
 * $MM_COUNT_TRACE=1 prints each timed piece's rate and each choice with the
 * means it was made on, on stderr ("count trace: read ..."; only the
 * choosing thread times): what the rule saw, without a debugger.
 * $MM_COUNT_READ=pread|map|auto forces a way (map needs the SIGBUS guard,
 * mm_sigbus_guard_install: a file truncated under a mapping must give an
 * error, not kill the process, so without it only pread is offered).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "count_auto.h"
#include "count_read.h"
#include "internal.h"

enum mm_read_phase { MM_READ_PHASE_WAIT, MM_READ_PHASE_TRIAL, MM_READ_PHASE_RUN };

static const char *const mm_read_names[] = {"pread", "map", "auto"};

const char *mm_read_way_name(mm_read_way way)
{
    return mm_read_names[way];
}

mm_status mm_read_way_from_env(mm_read_way *way)
{
    const char *s = getenv("MM_COUNT_READ");
    *way = MM_READ_AUTO;
    if (s == NULL || *s == '\0') {
        return MM_OK;
    }
    for (int w = 0; w < (int)(sizeof mm_read_names / sizeof *mm_read_names); w++) {
        if (strcmp(s, mm_read_names[w]) == 0) {
            *way = (mm_read_way)w;
            return MM_OK;
        }
    }
    return mm_fail(MM_ERR_INVALID_ARG, "MM_COUNT_READ=%s: unknown way (pread, map or auto)", s);
}

void mm_read_pick_begin(mm_read_pick *r, mm_read_way way)
{
    memset(r, 0, sizeof *r);
    r->forced = way;
    r->phase = MM_READ_PHASE_WAIT;
    r->way = way == MM_READ_MAP ? MM_READ_MAP : MM_READ_PREAD;
    r->recheck = MM_READ_RECHECK;
    r->first = 1;
    r->trace = mm_count_trace_on();
}

double (*mm_read_clock_ns)(void);

static double mm_read_now_ns(void)
{
    return mm_thread_cpu_ns(mm_read_clock_ns);
}

/* Bytes per ns over every timed piece read the way w but its dearest (rule
 * 3), 0 if none. */
static double mm_read_rate(const mm_read_pick *r, mm_read_way w)
{
    double ns = r->ns[w], bytes = r->bytes[w];
    if (r->timed_n[w] >= 2) {
        ns -= r->worst_ns[w];
        bytes -= r->worst_bytes[w];
    }
    return ns > 0 ? bytes / ns : 0;
}

static void mm_read_choose(mm_read_pick *r)
{
    int map_cheaper = mm_read_rate(r, MM_READ_MAP) > mm_read_rate(r, MM_READ_PREAD);
    int thin = r->timed_n[MM_READ_MAP] < MM_READ_MAP_EVIDENCE; /* rule 3: too few to map */
    mm_read_way w = map_cheaper && !thin ? MM_READ_MAP : MM_READ_PREAD;
    if (r->later) { /* a later round: the spacing starts over if the way changed, and
                       stays short while the mapping looks cheaper on too few pieces */
        r->recheck = w != r->chosen || (map_cheaper && thin) || r->new_worst
                         ? MM_READ_RECHECK
                         : (int)mm_recheck_next((uint64_t)r->recheck, MM_READ_RECHECK_MAX);
    }
    if (r->trace) {
        fprintf(stderr,
                "count trace: read %s: mean pread %.3f bytes/ns (%d pieces), map %.3f (%d): %s\n",
                r->later ? "round" : "trial", mm_read_rate(r, MM_READ_PREAD),
                r->timed_n[MM_READ_PREAD], mm_read_rate(r, MM_READ_MAP), r->timed_n[MM_READ_MAP],
                mm_read_way_name(w));
    }
    r->way = w;
    __atomic_store_n(&r->chosen, w, __ATOMIC_RELAXED); /* followers read it */
    r->phase = MM_READ_PHASE_RUN;
    r->since = 0;
    r->new_worst = 0;
}

void mm_read_pick_follow(mm_read_pick *r, const mm_read_pick *lead)
{
    r->lead = lead;
}

mm_read_way mm_read_pick_next(mm_read_pick *r, size_t bytes, int settled)
{
    r->timed = 0;
    if (r->lead != NULL && r->forced == MM_READ_AUTO) {
        r->first = 0;
        r->way = __atomic_load_n(&r->lead->chosen, __ATOMIC_RELAXED);
        return r->way;
    }
    if (r->forced != MM_READ_AUTO || bytes < MM_READ_MIN_PIECE || r->first) {
        r->first = 0;
        return r->way;
    }
    if (r->phase == MM_READ_PHASE_RUN) {
        r->since++;
    }
    if (!settled) {
        return r->way;
    }
    if (r->phase == MM_READ_PHASE_WAIT) {
        r->phase = MM_READ_PHASE_TRIAL;
        r->trial = 0;
    } else if (r->phase == MM_READ_PHASE_RUN && r->since >= r->recheck) {
        r->phase = MM_READ_PHASE_TRIAL;
        r->later = 1;
        r->trial = 2 * (MM_READ_ROUNDS - 1); /* one more piece each way */
    }
    if (r->phase == MM_READ_PHASE_TRIAL) {
        r->way = (r->trial & 1) ? MM_READ_PREAD : MM_READ_MAP;
        r->timed = 1;
        r->t0 = mm_read_now_ns();
    }
    return r->way;
}

void mm_read_pick_done(mm_read_pick *r, size_t bytes)
{
    if (!r->timed) {
        return;
    }
    double ns = mm_read_now_ns() - r->t0;
    if (ns > 0) {
        const mm_read_way w = r->way;
        if (r->timed_n[w] == 0 || ns / (double)bytes > r->worst_ns[w] / r->worst_bytes[w]) {
            r->worst_ns[w] = ns;
            r->worst_bytes[w] = (double)bytes;
            r->new_worst |= r->timed_n[w] > 0;
        }
        r->ns[w] += ns;
        r->bytes[w] += (double)bytes;
        r->timed_n[w]++;
    }
    if (r->trace) {
        fprintf(stderr, "count trace: read piece %s %zu bytes %.3f bytes/ns\n",
                mm_read_way_name(r->way), bytes, ns > 0 ? (double)bytes / ns : 0.0);
    }
    r->timed = 0;
    if (++r->trial >= 2 * MM_READ_ROUNDS) {
        mm_read_choose(r);
    }
}
