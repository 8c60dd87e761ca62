/*
 * count_auto.h - the "auto" counter (kernels/count_auto.c): a counting stream
 * that times the exact counters on its first pieces and keeps the fastest.
 * The _with functions take the candidates explicitly (tests give it a
 * counter that is fast and wrong, to see it refused).
 */
#ifndef MM_COUNT_AUTO_H
#define MM_COUNT_AUTO_H

#include "kernels.h"

#define MM_AUTO_MAX 8                         /* candidates, scalar included */
#define MM_AUTO_MIN_PIECE ((size_t)64 << 10)  /* smaller pieces are not timed */
#define MM_AUTO_ROUNDS 4                      /* trial pieces per candidate */
#define MM_AUTO_RECHECK 128                   /* pieces before the first later round */
#define MM_AUTO_RECHECK_MAX 4096              /* the spacing stops doubling here */
#define MM_AUTO_KEEP 0.5                      /* slower than this x the best: out... */
#define MM_AUTO_KEEP_AFTER 2                  /* ...once timed this many times */

extern const mm_counter mm_counter_auto;
/* The clock candidates are timed by, in ns: NULL means the thread's CPU
 * time.  Tests set a fake one to steer the choice (it must be thread-safe). */
extern double (*mm_count_auto_clock_ns)(void);

size_t mm_count_auto_work_size_with(size_t K, const mm_counter *const *cands, int n);
void mm_count_auto_begin_with(void *work, const uint8_t code[256], size_t K,
                              const mm_counter *const *cands, int n);
void mm_count_auto_feed(void *work, const uint8_t *b, size_t n);
void mm_count_auto_end(void *work, uint64_t *counts);
/* After the trial: the counter the stream chose (NULL before); a
 * candidate's best measured rate in bytes/ns (0 if never timed).  Valid
 * until the work is reused (count_end does not clear them). */
const mm_counter *mm_count_auto_chosen(const void *work);
double mm_count_auto_rate(const void *work, const mm_counter *c);
/* 1 if k is an auto stream (mm_counter_auto, or a test's counter built on
 * mm_count_auto_begin_with and mm_count_auto_feed): its work answers
 * mm_count_auto_chosen. */
int mm_counter_is_auto(const mm_counter *k);
/* 1 if the auto stream counts with its choice: no timed round under way
 * (a driver timing something of its own waits for that). */
int mm_count_auto_settled(const void *work);

/* One stream chooses for all (count_file.c on two threads or more; rule 5
 * at the top of count_auto.c): the leader's stream publishes its choice
 * here, the followers count with it.  Initialised before the streams start;
 * every stream of one share has the same candidates. */
typedef struct mm_count_auto_share {
    int chosen; /* index of the leader's choice among the candidates, -1 before */
} mm_count_auto_share;
void mm_count_auto_share_init(mm_count_auto_share *s);
/* After count_begin, in the stream's own thread, before its first feed. */
void mm_count_auto_lead(void *work, mm_count_auto_share *s);
void mm_count_auto_follow(void *work, const mm_count_auto_share *s);

/* Shared by every choice made by measurement (this file, src/count_read.c,
 * src/count_stream.c): the clock, the thread's CPU time in ns, or `hook`
 * when it is not NULL (tests steer choices with a fake one), and the
 * spacing of later timed rounds, twice the last, up to max: min(2 cur, max),
 * written so that 2 cur cannot overflow. */
double mm_thread_cpu_ns(double (*hook)(void));
/* 1 if $MM_COUNT_TRACE asks for the choosers' trace on stderr (set, not
 * empty, not "0"): the auto counter's and count_read.c's. */
int mm_count_trace_on(void);
static inline uint64_t mm_recheck_next(uint64_t cur, uint64_t max)
{
    return cur <= max / 2 ? 2 * cur : max;
}

/* Pieces (each >= MM_AUTO_MIN_PIECE) a stream of mm_counter_auto takes at
 * most before its first choice, with the candidates of this CPU (fewer when
 * a slow one is put out early). */
int mm_count_auto_trial_pieces(void);

#endif /* MM_COUNT_AUTO_H */
