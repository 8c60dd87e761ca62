/*
 * util.c - the helpers of util.h, shared by the counting and training
 * drivers, the model and the MPI engine.
 */
#define _GNU_SOURCE /* MADV_HUGEPAGE */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "makemore.h" /* mm_threads_used is public */
#include "util.h"

size_t mm_round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

void *mm_alloc64(size_t bytes)
{
    void *p = aligned_alloc(64, mm_round_up(bytes ? bytes : 1, 64));
    if (p != NULL) {
        memset(p, 0, mm_round_up(bytes ? bytes : 1, 64));
    }
    return p;
}

void *mm_alloc_huge_pages(size_t bytes)
{
    void *p = aligned_alloc(MM_HUGE_PAGE, bytes);
    if (p != NULL) {
        madvise(p, bytes, MADV_HUGEPAGE); /* a hint: its failure changes nothing */
    }
    return p;
}

void *mm_alloc_huge(size_t bytes)
{
    return bytes < MM_HUGE_MIN ? malloc(bytes ? bytes : 1)
                               : mm_alloc_huge_pages(mm_round_up(bytes, MM_HUGE_PAGE));
}

void mm_range(size_t size, size_t t, size_t T, size_t *lo, size_t *hi)
{
    size_t q = size / T, r = size % T;
    *lo = q * t + (t < r ? t : r);
    *hi = *lo + q + (t < r ? 1 : 0);
}

int mm_threads_used(int threads)
{
    return threads > 0 ? threads : omp_get_max_threads();
}

void mm_omp_team(size_t *t, size_t *T)
{
    *t = (size_t)omp_get_thread_num();
    *T = (size_t)omp_get_num_threads();
}
