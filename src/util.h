/*
 * util.h - small helpers every driver needs (util.c): 64-byte aligned
 * zeroed allocation, rounding, an even split of a range across threads, and
 * the calling thread's place in its OpenMP team.  Not public.
 */
#ifndef MM_UTIL_H
#define MM_UTIL_H

#include <stddef.h>

/* x rounded up to a multiple of a (a > 0). */
size_t mm_round_up(size_t x, size_t a);

/* Zeroed memory aligned to 64 bytes and rounded up to a multiple of 64
 * (so whole vectors may be read past the last element); free() it.
 * bytes == 0 still gives a valid pointer; NULL when out of memory. */
void *mm_alloc64(size_t bytes);

/* Memory for a buffer filled once and read (not zeroed): of MM_HUGE_MIN
 * bytes or more, in 2 MiB regions marked for transparent huge pages, so
 * its first touch is a few faults, not one per 4 KiB page (on the Zen 5 VM
 * of 2026-12-06, family 26 model 2, each cost ~10 us: `makemore count names.txt` took 53
 * faults and 0.52 ms of CPU time more with the 228 KB probe from malloc,
 * results/2026-12-06-amd-epyc-faults-3.json; see mm_count_ws_alloc in
 * count.c for the threads' slices); smaller, malloc.  free() it. */
#define MM_HUGE_MIN ((size_t)128 << 10)
void *mm_alloc_huge(size_t bytes);
/* `bytes` (a multiple of MM_HUGE_PAGE) aligned to MM_HUGE_PAGE and marked for
 * transparent huge pages (a hint: the kernel may ignore it); free() it.
 * mm_alloc_huge and the counting threads' slices (count.c) use it. */
#define MM_HUGE_PAGE ((size_t)2 << 20)
void *mm_alloc_huge_pages(size_t bytes);

/* [lo, hi) of part t of T even parts of [0, size): the first size % T parts
 * are one longer. */
void mm_range(size_t size, size_t t, size_t T, size_t *lo, size_t *hi);

/* Inside an OpenMP parallel region: this thread's index and the team size. */
void mm_omp_team(size_t *t, size_t *T);

#endif /* MM_UTIL_H */
