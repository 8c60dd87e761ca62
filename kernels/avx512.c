/*
 * avx512.c - AVX-512 (F, BW, VL, DQ, VBMI) variants of the kernels (compiled
 * with those flags for this file only; reached only after
 * mm_cpu_has_avx512()).
 *
 * The neural kernels work on rows of 16-float vectors; the last vector of a
 * row goes through a k-mask (masked loads read zeros, masked stores leave
 * the pad lanes alone), so NaN pads never reach a sum.
 */
#include <stdalign.h>
#include <string.h>
#include <immintrin.h>

#include "kernels.h"
#include "triples.h"
#include "walk.h"
#include "vmath.h"

static size_t count_work_size_avx512(size_t K)
{
    return mm_tri_work_size(K);
}

static void count_begin_avx512(void *work, const uint8_t code[256], size_t K)
{
    mm_tri_begin(work, code, K);
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

/* Triples (see triples.h): the 32 window indices of each 64-byte block are
 * computed in 16-bit lanes (a K^2 + b K + c < 2^16 for K <= 40) and stored
 * to a small ring; the scalar increments read the ring two blocks behind.
 * Why the lag: an increment that reads its index straight after the vector
 * store waits for store-to-load forwarding from a 64-byte store, which
 * halved the rate (2.6 vs 4 GB/s measured); two blocks later the indices
 * are plain L1 hits. */
#define MM_TRI_LAG 2
static void tri_bulk16_avx512(mm_tri *t, const uint8_t *b, size_t n)
{
    const uint8_t *code = t->code;
    const __m512i q0 = _mm512_loadu_si512(code), q1 = _mm512_loadu_si512(code + 64);
    const __m512i q2 = _mm512_loadu_si512(code + 128), q3 = _mm512_loadu_si512(code + 192);
    const __m512i lowbyte = _mm512_set1_epi16(0xff);
    const __m512i kk = _mm512_set1_epi16((short)(t->K * t->K));
    const __m512i k1 = _mm512_set1_epi16((short)t->K);
    uint16_t ring[4][32] __attribute__((aligned(64)));
    uint16_t *T = t->T16;
    /* block j: windows at 64 j + 0, 2, ..., 62, reading bytes [64 j, 64 j + 66) */
    size_t blocks = n >= 66 ? (n - 2) / 64 : 0;
    for (size_t j = 0; j < blocks + MM_TRI_LAG; j++) {
        if (j < blocks) {
            const uint8_t *p = b + 64 * j;
            mm_count_prefetch(p);
            __m512i c0 = classify64(_mm512_loadu_si512(p), q0, q1, q2, q3);
            __m512i c2 = classify64(_mm512_loadu_si512(p + 2), q0, q1, q2, q3);
            __m512i x = _mm512_and_si512(c0, lowbyte); /* class of byte 2i */
            __m512i y = _mm512_srli_epi16(c0, 8);      /* byte 2i + 1 */
            __m512i z = _mm512_and_si512(c2, lowbyte); /* byte 2i + 2 */
            __m512i w = _mm512_add_epi16(_mm512_mullo_epi16(x, kk),
                                         _mm512_add_epi16(_mm512_mullo_epi16(y, k1), z));
            _mm512_store_si512(ring[j & 3], w);
        }
        if (j >= MM_TRI_LAG) {
            const uint16_t *idx = ring[(j - MM_TRI_LAG) & 3];
            for (int l = 0; l < 32; l += 4) {
                T[idx[l]]++;
                T[idx[l + 1]]++;
                T[idx[l + 2]]++;
                T[idx[l + 3]]++;
            }
        }
    }
    mm_tri_windows16_c(t, b, n, 64 * blocks);
}

static void tri_flush16_avx512(mm_tri *t)
{
    for (size_t i = 0; i < t->cells; i += 32) {
        __m512i x = _mm512_load_si512(t->T16 + i);
        __m512i lo = _mm512_cvtepu16_epi32(_mm512_castsi512_si256(x));
        __m512i hi = _mm512_cvtepu16_epi32(_mm512_extracti64x4_epi64(x, 1));
        uint32_t *d = t->T32 + i;
        _mm512_store_si512(d, _mm512_add_epi32(_mm512_load_si512(d), lo));
        _mm512_store_si512(d + 16, _mm512_add_epi32(_mm512_load_si512(d + 16), hi));
        _mm512_store_si512(t->T16 + i, _mm512_setzero_si512());
    }
}

static void count_feed_avx512(void *work, const uint8_t *b, size_t n)
{
    mm_tri_feed(work, b, n, tri_bulk16_avx512, tri_flush16_avx512);
}

static void count_end_avx512(void *work, uint64_t *counts)
{
    mm_tri_end(work, counts, tri_flush16_avx512);
}

/* ---- neural bigram kernels ------------------------------------------------ */

/* loadu(mm_onehot + 256 - t + j) holds 1.0 exactly in the lane j + l == t:
 * the one-hot target row as a sliding window, one load instead of a
 * compare and a masked subtract per vector. */
static const float mm_onehot[512] = {[256] = 1.0f};

/* Lanes [0, k) of a 16-lane vector, k in 0..16. */
static inline __mmask16 lanes16(size_t k)
{
    return k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << k) - 1u);
}

/* The 16 sums of 16 vectors a[0..15] (a is 16 rows of 16) in one vector, in
 * order: a transpose-and-add tree, 30 shuffles and 15 adds for all 16 where
 * separate horizontal sums cost 128. */
static inline __m512 hsum16x16(const float *a)
{
    __m512 s1[8], s2[4], s3[2];
    for (int p = 0; p < 8; p++) {
        /* lanes 0-7: partials of a[2p], lanes 8-15: of a[2p+1] */
        __m512 u = _mm512_load_ps(a + 32 * p), v = _mm512_load_ps(a + 32 * p + 16);
        s1[p] = _mm512_add_ps(_mm512_shuffle_f32x4(u, v, _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm512_shuffle_f32x4(u, v, _MM_SHUFFLE(3, 2, 3, 2)));
    }
    for (int p = 0; p < 4; p++) {
        /* quarter q: 4 partials of a[4p+q] */
        __m512 u = s1[2 * p], v = s1[2 * p + 1];
        s2[p] = _mm512_add_ps(_mm512_shuffle_f32x4(u, v, _MM_SHUFFLE(2, 0, 2, 0)),
                              _mm512_shuffle_f32x4(u, v, _MM_SHUFFLE(3, 1, 3, 1)));
    }
    for (int p = 0; p < 2; p++) {
        /* quarter q: [a[8p+q], a[8p+4+q], a[8p+q], a[8p+4+q]] halves */
        s3[p] = _mm512_add_ps(_mm512_unpacklo_ps(s2[2 * p], s2[2 * p + 1]),
                              _mm512_unpackhi_ps(s2[2 * p], s2[2 * p + 1]));
    }
    /* quarter q: [a[q], a[4+q], a[8+q], a[12+q]]: lane 4q+k holds a[4k+q] */
    __m512 s4 = _mm512_add_ps(_mm512_shuffle_ps(s3[0], s3[1], _MM_SHUFFLE(1, 0, 1, 0)),
                              _mm512_shuffle_ps(s3[0], s3[1], _MM_SHUFFLE(3, 2, 3, 2)));
    const __m512i idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(idx, s4);
}

/* Rows are independent, so the loop overlaps them; the log of each row sum
 * would be a 60-cycle chain per row, so the sums and maxima of 16 rows are
 * kept and their lse computed with one vector log. */
static void softmax_rows_avx512(float *probs, float *lse, const float *logits, size_t rows,
                                size_t V, size_t ld)
{
    const size_t tail = 16 * ((V + 15) / 16 - 1);
    const __mmask16 last = lanes16(V - tail);
    const __m512 ninf = _mm512_set1_ps(-__builtin_inff());
    alignas(64) float mbuf[16], sbuf[16];
    for (size_t r0 = 0; r0 < rows; r0 += 16) {
        size_t nb = rows - r0 < 16 ? rows - r0 : 16;
        for (size_t b = 0; b < nb; b++) {
            const float *l = logits + (r0 + b) * ld;
            float *p = probs + (r0 + b) * ld;
            __m512 mx = _mm512_mask_loadu_ps(ninf, last, l + tail);
            for (size_t j = 0; j < tail; j += 16) {
                mx = _mm512_max_ps(mx, _mm512_loadu_ps(l + j));
            }
            float m = _mm512_reduce_max_ps(mx);
            const __m512 mv = _mm512_set1_ps(m);
            __m512 sv = _mm512_setzero_ps();
            for (size_t j = 0; j < tail; j += 16) {
                __m512 e = mm_vexp_avx512(_mm512_sub_ps(_mm512_loadu_ps(l + j), mv));
                _mm512_storeu_ps(p + j, e);
                sv = _mm512_add_ps(sv, e);
            }
            __m512 e = mm_vexp_maskz_avx512(
                last, _mm512_sub_ps(_mm512_maskz_loadu_ps(last, l + tail), mv));
            sv = _mm512_add_ps(sv, e);
            float s = _mm512_reduce_add_ps(sv);
            const __m512 inv = _mm512_set1_ps(1.0f / s);
            for (size_t j = 0; j < tail; j += 16) {
                _mm512_storeu_ps(p + j, _mm512_mul_ps(_mm512_loadu_ps(p + j), inv));
            }
            _mm512_storeu_ps(p + tail, _mm512_mul_ps(e, inv)); /* pads: 0 */
            for (size_t j = tail + 16; j < ld; j += 16) {
                _mm512_storeu_ps(p + j, _mm512_setzero_ps());
            }
            mbuf[b] = m;
            sbuf[b] = s;
        }
        if (lse != NULL) {
            __mmask16 k = lanes16(nb);
            __m512 l = _mm512_add_ps(_mm512_maskz_load_ps(k, mbuf),
                                     mm_vlog_avx512(_mm512_mask_load_ps(_mm512_set1_ps(1.0f), k,
                                                                        sbuf)));
            _mm512_mask_storeu_ps(lse + r0, k, l);
        }
    }
}

/* Blocks of 16 examples: (1) exp of each example's row into ebuf and its
 * lane sums into accbuf; (2) the 16 sums at once: one division, one vector
 * log, the block's NLL into double; (3) grad += e / s - onehot(t).  Rows may
 * repeat within a block: phase 3 updates grad in example order. */
#define MM_AVX512_BLOCK 16

static double example_pass_avx512(float *grad, const float *W, const float *rowmax, size_t V,
                                  size_t ld, const uint8_t *x, const uint8_t *y, size_t n)
{
    const size_t nv = (V + 15) / 16, tail = 16 * (nv - 1), le = 16 * nv;
    const __mmask16 last = lanes16(V - tail);
    alignas(64) float ebuf[MM_AVX512_BLOCK * 256];
    alignas(64) float accbuf[MM_AVX512_BLOCK * 16];
    alignas(64) float invbuf[MM_AVX512_BLOCK];
    __m512d nll = _mm512_setzero_pd();
    double nll_d = 0.0; /* sum of rowmax - W[r][t]; nll holds the log s */

    for (size_t i0 = 0; i0 < n; i0 += MM_AVX512_BLOCK) {
        size_t nb = n - i0 < MM_AVX512_BLOCK ? n - i0 : MM_AVX512_BLOCK;
        for (size_t b = 0; b < nb; b++) {
            size_t r = x[i0 + b];
            const float *w = W + r * ld;
            const __m512 mv = _mm512_set1_ps(rowmax[r]);
            float *e = ebuf + b * le;
            __m512 acc = _mm512_setzero_ps();
            for (size_t j = 0; j < tail; j += 16) {
                __m512 ej = mm_vexp_avx512(_mm512_sub_ps(_mm512_loadu_ps(w + j), mv));
                _mm512_store_ps(e + j, ej);
                acc = _mm512_add_ps(acc, ej);
            }
            __m512 ej = mm_vexp_maskz_avx512(
                last, _mm512_sub_ps(_mm512_maskz_loadu_ps(last, w + tail), mv));
            _mm512_store_ps(e + tail, ej);
            _mm512_store_ps(accbuf + 16 * b, _mm512_add_ps(acc, ej));
            nll_d += (double)rowmax[r] - (double)w[y[i0 + b]];
        }
        for (size_t b = nb; b < MM_AVX512_BLOCK; b++) {
            /* s = 1, log s = 0: unused lanes add exactly nothing. */
            _mm512_store_ps(accbuf + 16 * b, _mm512_maskz_mov_ps(1, _mm512_set1_ps(1.0f)));
        }
        __m512 s = hsum16x16(accbuf);
        _mm512_store_ps(invbuf, _mm512_div_ps(_mm512_set1_ps(1.0f), s));
        __m512 nl = mm_vlog_avx512(s);
        nll = _mm512_add_pd(nll, _mm512_cvtps_pd(_mm512_castps512_ps256(nl)));
        nll = _mm512_add_pd(nll, _mm512_cvtps_pd(_mm512_extractf32x8_ps(nl, 1)));

        for (size_t b = 0; b < nb; b++) {
            size_t r = x[i0 + b], t = y[i0 + b];
            float *g = grad + r * ld;
            const float *e = ebuf + b * le;
            const float *oh = mm_onehot + 256 - t;
            const __m512 inv = _mm512_set1_ps(invbuf[b]);
            for (size_t j = 0; j < tail; j += 16) {
                __m512 d = _mm512_fmsub_ps(_mm512_load_ps(e + j), inv, _mm512_loadu_ps(oh + j));
                _mm512_storeu_ps(g + j, _mm512_add_ps(_mm512_loadu_ps(g + j), d));
            }
            __m512 d = _mm512_fmsub_ps(_mm512_load_ps(e + tail), inv, _mm512_loadu_ps(oh + tail));
            /* A full store keeping the pad lanes' bits, not a masked store:
             * the next example of the same row must get it by forwarding. */
            __m512 gj = _mm512_loadu_ps(g + tail);
            _mm512_storeu_ps(g + tail, _mm512_mask_add_ps(gj, last, gj, d));
        }
    }
    return nll_d + _mm512_reduce_add_pd(nll);
}

static double counts_grad_avx512(float *G, const float *P, const float *lse, const float *W,
                                 const double *C, const double *n, size_t V, size_t ld)
{
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    for (size_t r = 0; r < V; r++) {
        const __m512d nr = _mm512_set1_pd(n[r]);
        const __m512d lr = _mm512_set1_pd((double)lse[r]);
        const size_t o = r * ld;
        for (size_t j = 0; j < ld; j += 16) {
            /* Masked loads zero the pad lanes: 0 * n - 0 = 0 is the pad
             * value G wants, and 0 * (lse - 0) adds nothing. */
            __mmask16 k = lanes16(j < V ? V - j : 0);
            __m512 p = _mm512_maskz_loadu_ps(k, P + o + j);
            __m512 w = _mm512_maskz_loadu_ps(k, W + o + j);
            __m512d c0 = _mm512_maskz_loadu_pd((__mmask8)k, C + o + j);
            __m512d c1 = _mm512_maskz_loadu_pd((__mmask8)(k >> 8), C + o + j + 8);
            __m512d g0 = _mm512_fmsub_pd(nr, _mm512_cvtps_pd(_mm512_castps512_ps256(p)), c0);
            __m512d g1 = _mm512_fmsub_pd(nr, _mm512_cvtps_pd(_mm512_extractf32x8_ps(p, 1)), c1);
            __m512 gv = _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(g0)),
                                           _mm512_cvtpd_ps(g1), 1);
            _mm512_storeu_ps(G + o + j, gv);
            acc0 = _mm512_fmadd_pd(
                c0, _mm512_sub_pd(lr, _mm512_cvtps_pd(_mm512_castps512_ps256(w))), acc0);
            acc1 = _mm512_fmadd_pd(
                c1, _mm512_sub_pd(lr, _mm512_cvtps_pd(_mm512_extractf32x8_ps(w, 1))), acc1);
        }
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

static void weight_update_avx512(float *W, const float *G, size_t rows, size_t V, size_t ld,
                                 float lr, float g_scale, float w_scale)
{
    const __m512 vlr = _mm512_set1_ps(lr), vgs = _mm512_set1_ps(g_scale);
    const __m512 vws = _mm512_set1_ps(w_scale);
    for (size_t r = 0; r < rows; r++) {
        float *w = W + r * ld;
        const float *g = G + r * ld;
        for (size_t j = 0; j < V; j += 16) {
            __mmask16 k = lanes16(V - j);
            __m512 wj = _mm512_maskz_loadu_ps(k, w + j);
            __m512 gj = _mm512_maskz_loadu_ps(k, g + j);
            __m512 d = _mm512_fmadd_ps(gj, vgs, _mm512_mul_ps(vws, wj));
            _mm512_mask_storeu_ps(w + j, k, _mm512_fnmadd_ps(vlr, d, wj));
        }
    }
}

static void exp_f32_avx512(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = lanes16(n - i);
        _mm512_mask_storeu_ps(dst + i, k, mm_vexp_avx512(_mm512_maskz_loadu_ps(k, src + i)));
    }
}

static void log_f32_avx512(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        __mmask16 k = lanes16(n - i);
        _mm512_mask_storeu_ps(dst + i, k, mm_vlog_avx512(_mm512_maskz_loadu_ps(k, src + i)));
    }
}


static size_t scan_ascii_avx512(uint8_t seen[256], const uint8_t *b, size_t n)
{
    uint8_t lutb[16];
    scan_lut_bytes(lutb, seen);
    __m512i lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lutb));
    const __m512i hibit = _mm512_broadcast_i32x4(
        _mm_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0, 0, 0, 0, 0));
    const __m512i nib = _mm512_set1_epi8(0x0f);
    size_t i = 0;
    while (i + 256 <= n) {
        __mmask64 miss = 0;
        for (int k = 0; k < 4; k++) {
            __m512i v = _mm512_loadu_si512(b + i + 64 * k);
            __m512i lo = _mm512_and_si512(v, nib);
            __m512i hi = _mm512_and_si512(_mm512_srli_epi16(v, 4), nib);
            miss |= _mm512_testn_epi8_mask(_mm512_shuffle_epi8(lut, lo),
                                           _mm512_shuffle_epi8(hibit, hi));
        }
        if (miss) {
            size_t at = scan_bytes_slow(seen, b, i, 256);
            if (at != SIZE_MAX) {
                return at;
            }
            scan_lut_bytes(lutb, seen);
            lut = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)lutb));
        }
        i += 256;
    }
    size_t at = scan_bytes_slow(seen, b, i, n - i);
    return at == SIZE_MAX ? n : at;
}

/* ---- sample_walk ------------------------------------------------------------ */

static inline uint32_t below_any_avx512(const float *r, float t, size_t ld)
{
    __m512 tt = _mm512_set1_ps(t);
    uint32_t ix = 0;
    for (size_t j = 0; j < ld; j += 16) {
        ix += (uint32_t)__builtin_popcount(_mm512_cmp_ps_mask(_mm512_load_ps(r + j), tt,
                                                              _CMP_LT_OQ));
    }
    return ix;
}

/* The guide answers most draws (kernels/walk.h); the vector count is the
 * rare fallback, so one loop over the row's ld lanes serves every V. */
static size_t sample_walk_avx512(mm_walk *w, uint8_t *out, const float *cum,
                                 const uint8_t *guide, size_t V, size_t ld, const uint64_t *r,
                                 size_t n, size_t max_len)
{
    (void)V; /* whole rows of ld lanes are compared: pads never count */
#define MM_BELOW_ANY(row, t) below_any_avx512(row, t, ld)
    MM_WALK_BODY(MM_BELOW_ANY);
#undef MM_BELOW_ANY
}

const mm_counter mm_counter_avx512 = {
    .name = "avx512",
    .supported = mm_cpu_has_avx512,
    .count_work_size = count_work_size_avx512,
    .count_begin = count_begin_avx512,
    .count_feed = count_feed_avx512,
    .count_end = count_end_avx512,
};

const mm_kernels mm_kernels_avx512 = {
    .name = "avx512",
    .supported = mm_cpu_has_avx512,
    .counter = &mm_counter_avx512,
    .scan_ascii = scan_ascii_avx512,
    .sample_walk = sample_walk_avx512,
    .softmax_rows = softmax_rows_avx512,
    .example_pass = example_pass_avx512,
    .counts_grad = counts_grad_avx512,
    .weight_update = weight_update_avx512,
    .exp_f32 = exp_f32_avx512,
    .log_f32 = log_f32_avx512,
};
