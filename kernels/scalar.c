/*
 * scalar.c - the reference kernels: plain C, no intrinsics.  Every other
 * variant is tested against these; keep them obviously correct.
 */
#if defined(__AVX2__) || defined(__AVX512F__)
#error "kernels/scalar.c must be compiled without ISA flags: it is the reference"
#endif

#include "kernels.h"

static size_t count_work_size_scalar(size_t K)
{
    (void)K;
    return 0;
}

static void count_pairs_scalar(uint64_t *counts, const uint8_t *b, size_t n,
                               const uint8_t *code, size_t K, void *work)
{
    (void)work;
    if (n < 2) {
        return;
    }
    size_t prev = code[b[0]];
    for (size_t i = 1; i < n; i++) {
        size_t cur = code[b[i]];
        counts[prev * K + cur]++;
        prev = cur;
    }
}

const mm_kernels mm_kernels_scalar = {
    .name = "scalar",
    .supported = mm_cpu_always,
    .count_work_size = count_work_size_scalar,
    .count_pairs = count_pairs_scalar,
};
