/*
 * avx512.c - AVX-512 (F, BW, VL, DQ, VBMI) variants of the kernels (compiled
 * with those flags for this file only; reached only after
 * mm_cpu_has_avx512()).
 */
#include <immintrin.h>

#include "kernels.h"
#include "triples.h"

static size_t count_work_size_avx512(size_t K)
{
    return mm_tri_work_size(K);
}

/* 64 byte classes at once: VBMI's two-table permutes look up all 256 byte
 * values in registers (bit 7 picks the table pair). */
static inline __m512i classify64(__m512i x, __m512i q0, __m512i q1, __m512i q2,
                                 __m512i q3)
{
    __m512i lo = _mm512_permutex2var_epi8(q0, x, q1);
    __m512i hi = _mm512_permutex2var_epi8(q2, x, q3);
    return _mm512_mask_blend_epi8(_mm512_movepi8_mask(x), lo, hi);
}

/* Triples (see triples.h) with the window indices computed 32 at a time in
 * 16-bit lanes (S <= 32 keeps S^3 below 2^16), written to a small buffer and
 * incremented by a tight scalar loop. */
static void count_pairs_avx512(uint64_t *counts, const uint8_t *b, size_t n,
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
    const __m512i q0 = _mm512_loadu_si512(code), q1 = _mm512_loadu_si512(code + 64);
    const __m512i q2 = _mm512_loadu_si512(code + 128), q3 = _mm512_loadu_si512(code + 192);
    const __m512i lowbyte = _mm512_set1_epi16(0xff);
    const __m128i s1 = _mm_cvtsi32_si128((int)p.s), s2 = _mm_cvtsi32_si128((int)(2 * p.s));
    uint16_t idx[32] __attribute__((aligned(64)));

    size_t start = 0;
    while (start + 1 < n) {
        size_t len = n - start < MM_TRI_BLOCK ? n - start : MM_TRI_BLOCK;
        const uint8_t *blk = b + start;
        memset(T, 0, p.cells * sizeof *T);
        size_t i = 0;
        if (p.s <= 5) {
            for (; i + 66 <= len; i += 64) {
                __m512i c0 = classify64(_mm512_loadu_si512(blk + i), q0, q1, q2, q3);
                __m512i c2 = classify64(_mm512_loadu_si512(blk + i + 2), q0, q1, q2, q3);
                __m512i a = _mm512_and_si512(c0, lowbyte);
                __m512i bb = _mm512_srli_epi16(c0, 8);
                __m512i c = _mm512_and_si512(c2, lowbyte);
                __m512i w = _mm512_or_si512(_mm512_sll_epi16(a, s2),
                                            _mm512_or_si512(_mm512_sll_epi16(bb, s1), c));
                _mm512_store_si512(idx, w);
                for (int j = 0; j < 32; j += 4) {
                    T[idx[j]]++;
                    T[idx[j + 1]]++;
                    T[idx[j + 2]]++;
                    T[idx[j + 3]]++;
                }
            }
        }
        i = mm_tri_windows_c(T, blk, len, t2, t1, t0, i);
        mm_tri_fold(counts, T, K, &p);
        if (i + 1 < len) {
            counts[(size_t)code[blk[i]] * K + code[blk[i + 1]]]++;
        }
        start += len - 1;
    }
}

const mm_kernels mm_kernels_avx512 = {
    .name = "avx512",
    .supported = mm_cpu_has_avx512,
    .count_work_size = count_work_size_avx512,
    .count_pairs = count_pairs_avx512,
};
