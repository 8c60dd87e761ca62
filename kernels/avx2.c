/*
 * avx2.c - AVX2+FMA variants of the kernels (compiled with -mavx2 -mfma for
 * this file only; reached only after mm_cpu_has_avx2_fma()).
 */
#include <immintrin.h>

#include "kernels.h"
#include "triples.h"

static size_t count_work_size_avx2(size_t K)
{
    return mm_tri_work_size(K);
}

/* Triples (see triples.h); the windows are independent increments that the
 * out-of-order core overlaps, so the plain unrolled loop is the kernel. */
static void count_pairs_avx2(uint64_t *counts, const uint8_t *b, size_t n,
                             const uint8_t *code, size_t K, void *work)
{
    if (!mm_tri_pays(n, K)) {
        mm_pairs_direct(counts, b, n, code, K);
        return;
    }
    mm_tri_plan p = mm_tri_plan_for(K);
    uint32_t *T = work;
    uint32_t *t2 = T + p.cells, *t1 = t2 + 256, *t0 = t1 + 256;
    mm_tri_tables(t2, t1, t0, code, &p);
    size_t start = 0;
    while (start + 1 < n) {
        size_t len = n - start < MM_TRI_BLOCK ? n - start : MM_TRI_BLOCK;
        const uint8_t *blk = b + start;
        memset(T, 0, p.cells * sizeof *T);
        size_t i = mm_tri_windows_c(T, blk, len, t2, t1, t0, 0);
        mm_tri_fold(counts, T, K, &p);
        if (i + 1 < len) {
            counts[(size_t)code[blk[i]] * K + code[blk[i + 1]]]++;
        }
        start += len - 1;
    }
}

const mm_kernels mm_kernels_avx2 = {
    .name = "avx2",
    .supported = mm_cpu_has_avx2_fma,
    .count_work_size = count_work_size_avx2,
    .count_pairs = count_pairs_avx2,
};
