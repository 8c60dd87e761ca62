/*
 * count_read.h - how mm_count_file (count_file.c) gets each piece of a file
 * to the counter: copied into a buffer by pread, or read in place from a
 * mapping of the file.  Chosen by measurement per counting thread, or
 * forced with $MM_COUNT_READ (see count_read.c for the rule and the why).
 */
#ifndef MM_COUNT_READ_H
#define MM_COUNT_READ_H

#include <stddef.h>

#include "makemore.h"

typedef enum mm_read_way { MM_READ_PREAD = 0, MM_READ_MAP = 1, MM_READ_AUTO = 2 } mm_read_way;

#define MM_READ_ROUNDS 3    /* timed pieces per way in the first trial */
#define MM_READ_RECHECK 8   /* pieces before the first later round (one piece per way),
                               and after a round that changed the way */
#define MM_READ_RECHECK_MAX 4096 /* the spacing stops doubling here */
#define MM_READ_MAP_EVIDENCE 8 /* timed mapped pieces before the mapping may be chosen */
#define MM_READ_MIN_PIECE ((size_t)64 << 10) /* smaller pieces are not timed */

typedef struct mm_read_pick {
    mm_read_way forced;  /* MM_READ_AUTO: choose */
    int phase;           /* enum mm_read_phase in count_read.c */
    int trial;           /* pieces given out in the current trial */
    int since;           /* pieces read since the last choice */
    int recheck;         /* pieces between the last choice and the next round */
    mm_read_way way;     /* the way of the piece being read */
    int timed;           /* that piece is timed */
    int first;           /* no piece read yet: the first goes by pread */
    int later;           /* the trial under way is a later round */
    mm_read_way chosen;  /* the way the last choice made (read by followers) */
    const struct mm_read_pick *lead; /* a follower's leader, NULL if it chooses */
    double ns[2];        /* CPU time (ns) of every timed piece read each way */
    double bytes[2];     /* and their bytes */
    int timed_n[2];      /* and how many they were */
    double worst_ns[2];  /* the dearest of them (ns per byte), left out of the mean */
    double worst_bytes[2];
    int new_worst;       /* the round's piece was its way's dearest yet: look again soon */
    int trace;           /* $MM_COUNT_TRACE: each timed piece and choice on stderr */
    double t0;           /* thread CPU time (ns) when the timed piece began */
} mm_read_pick;

/* Files mm_count_file has mapped so far (tests: whether a file was). */
extern int mm_count_file_maps;

/* The clock pieces are timed by, in ns: NULL means the thread's CPU time.
 * Tests set a fake one to steer the choice; it must be thread-safe. */
extern double (*mm_read_clock_ns)(void);

/* The way $MM_COUNT_READ asks for (MM_READ_AUTO when unset); an unknown
 * value is MM_ERR_INVALID_ARG naming it. */
mm_status mm_read_way_from_env(mm_read_way *way);
const char *mm_read_way_name(mm_read_way way);

/* One thread's chooser.  `way` is MM_READ_PREAD when the file cannot be
 * mapped (no SIGBUS guard, mmap failed): then it is the only way. */
void mm_read_pick_begin(mm_read_pick *r, mm_read_way way);
/* Make r a follower of `lead` (another thread's chooser, begun first):
 * from now on r reads every piece the way `lead` last chose (pread before
 * its first choice) and times nothing, unless r's way is forced. */
void mm_read_pick_follow(mm_read_pick *r, const mm_read_pick *lead);
/* The way to read the next piece of `bytes` bytes; `settled`: the counter
 * has made its own choice (a trial of both at once would time neither). */
mm_read_way mm_read_pick_next(mm_read_pick *r, size_t bytes, int settled);
/* After that piece is counted. */
void mm_read_pick_done(mm_read_pick *r, size_t bytes);

#endif /* MM_COUNT_READ_H */
