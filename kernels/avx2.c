/*
 * avx2.c - AVX2+FMA variants of the kernels (compiled with -mavx2 -mfma for
 * this file only; reached only after mm_cpu_has_avx2_fma()).
 *
 * The neural kernels work on rows of 8-float vectors; the last vector of a
 * row is masked with a lane mask (and for sums, blend for stores), because
 * pad lanes may hold NaN and must stay untouched where the contract says so.
 * Reading whole vectors up to round_up(V, 8) is safe: rows are ld >= that.
 */
#include <stdalign.h>
#include <string.h>
#include <immintrin.h>

#include "kernels.h"
#include "triples.h"
#include "walk.h"
#include "vmath.h"

static size_t count_work_size_avx2(size_t K)
{
    return mm_tri_work_size(K);
}

static void count_begin_avx2(void *work, const uint8_t code[256], size_t K)
{
    mm_tri_begin(work, code, K);
}

/* Triples (see triples.h): the window indices come from three byte-table
 * lookups in general registers, so the plain unrolled loop is the kernel. */
static void tri_bulk16_avx2(mm_tri *t, const uint8_t *b, size_t n)
{
    mm_tri_windows16_c(t, b, n, 0);
}

static void tri_flush16_avx2(mm_tri *t)
{
    for (size_t i = 0; i < t->cells; i += 16) {
        __m256i x = _mm256_load_si256((const __m256i *)(t->T16 + i));
        __m256i lo = _mm256_cvtepu16_epi32(_mm256_castsi256_si128(x));
        __m256i hi = _mm256_cvtepu16_epi32(_mm256_extracti128_si256(x, 1));
        __m256i *d = (__m256i *)(t->T32 + i);
        _mm256_store_si256(d, _mm256_add_epi32(_mm256_load_si256(d), lo));
        _mm256_store_si256(d + 1, _mm256_add_epi32(_mm256_load_si256(d + 1), hi));
        _mm256_store_si256((__m256i *)(t->T16 + i), _mm256_setzero_si256());
    }
}

static void count_feed_avx2(void *work, const uint8_t *b, size_t n)
{
    mm_tri_feed(work, b, n, tri_bulk16_avx2, tri_flush16_avx2);
}

static void count_end_avx2(void *work, uint64_t *counts)
{
    mm_tri_end(work, counts, tri_flush16_avx2);
}

/* ---- neural bigram kernels ------------------------------------------------ */

/* loadu(mm_lanes + 8 - k) is -1 in lanes [0, k), 0 in [k, 8), for k in 1..8. */
static const int32_t mm_lanes[16] = {-1, -1, -1, -1, -1, -1, -1, -1};

/* loadu(mm_onehot + 256 - t + j) holds 1.0 exactly in the lane j + l == t:
 * the one-hot target row as a sliding window, one load instead of a
 * compare and an and per vector. */
static const float mm_onehot[512] = {[256] = 1.0f};

static inline __m256 lane_mask(size_t k)
{
    return _mm256_castsi256_ps(_mm256_loadu_si256((const __m256i *)(mm_lanes + 8 - k)));
}

static inline float hsum8(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float hmax8(__m256 v)
{
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* The 8 sums of 8 vectors a[0..7] (a is 8 rows of 8) in one vector, in
 * order: a transpose-and-add tree, 9 instructions for all 8 where 8
 * separate horizontal sums take 48. */
static inline __m256 hsum8x8(const float *a)
{
    __m256 t0 = _mm256_hadd_ps(_mm256_load_ps(a), _mm256_load_ps(a + 8));
    __m256 t1 = _mm256_hadd_ps(_mm256_load_ps(a + 16), _mm256_load_ps(a + 24));
    __m256 t2 = _mm256_hadd_ps(_mm256_load_ps(a + 32), _mm256_load_ps(a + 40));
    __m256 t3 = _mm256_hadd_ps(_mm256_load_ps(a + 48), _mm256_load_ps(a + 56));
    __m256 u0 = _mm256_hadd_ps(t0, t1); /* [v0 v1 v2 v3 | v0 v1 v2 v3] halves */
    __m256 u1 = _mm256_hadd_ps(t2, t3); /* [v4 v5 v6 v7 | v4 v5 v6 v7] */
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20),
                         _mm256_permute2f128_ps(u0, u1, 0x31));
}

/* Rows are independent, so the loop overlaps them; the log of each row sum
 * would be a 60-cycle chain per row, so the sums and maxima of 8 rows are
 * kept and their lse computed with one vector log. */
static void softmax_rows_avx2(float *probs, float *lse, const float *logits, size_t rows,
                              size_t V, size_t ld)
{
    const size_t nv = (V + 7) / 8, tail = 8 * (nv - 1);
    const __m256 last = lane_mask(V - tail);
    const __m256 ninf = _mm256_set1_ps(-__builtin_inff());
    alignas(32) float mbuf[8], sbuf[8];
    for (size_t r0 = 0; r0 < rows; r0 += 8) {
        size_t nb = rows - r0 < 8 ? rows - r0 : 8;
        for (size_t b = 0; b < nb; b++) {
            const float *l = logits + (r0 + b) * ld;
            float *p = probs + (r0 + b) * ld;
            __m256 mx = _mm256_blendv_ps(ninf, _mm256_loadu_ps(l + tail), last);
            for (size_t j = 0; j < tail; j += 8) {
                mx = _mm256_max_ps(mx, _mm256_loadu_ps(l + j));
            }
            float m = hmax8(mx);
            const __m256 mv = _mm256_set1_ps(m);
            __m256 sv = _mm256_setzero_ps();
            for (size_t j = 0; j < tail; j += 8) {
                __m256 e = mm_vexp_avx2(_mm256_sub_ps(_mm256_loadu_ps(l + j), mv));
                _mm256_storeu_ps(p + j, e);
                sv = _mm256_add_ps(sv, e);
            }
            __m256 e = _mm256_and_ps(
                mm_vexp_avx2(_mm256_sub_ps(_mm256_loadu_ps(l + tail), mv)), last);
            sv = _mm256_add_ps(sv, e);
            float s = hsum8(sv);
            const __m256 inv = _mm256_set1_ps(1.0f / s);
            for (size_t j = 0; j < tail; j += 8) {
                _mm256_storeu_ps(p + j, _mm256_mul_ps(_mm256_loadu_ps(p + j), inv));
            }
            _mm256_storeu_ps(p + tail, _mm256_mul_ps(e, inv)); /* pads: 0 */
            for (size_t j = tail + 8; j < ld; j += 8) {
                _mm256_storeu_ps(p + j, _mm256_setzero_ps());
            }
            mbuf[b] = m;
            sbuf[b] = s;
        }
        if (lse != NULL) {
            for (size_t b = nb; b < 8; b++) {
                mbuf[b] = 0.0f;
                sbuf[b] = 1.0f;
            }
            __m256 l = _mm256_add_ps(_mm256_load_ps(mbuf), mm_vlog_avx2(_mm256_load_ps(sbuf)));
            _mm256_store_ps(sbuf, l);
            for (size_t b = 0; b < nb; b++) {
                lse[r0 + b] = sbuf[b];
            }
        }
    }
}

/* Blocks of 8 examples: (1) exp of each example's row into ebuf and its
 * lane sums into accbuf; (2) the 8 sums at once: one division, one vector
 * log, the block's NLL into double; (3) grad += e / s - onehot(t).  Rows may
 * repeat within a block: phase 3 updates grad in example order. */
#define MM_AVX2_BLOCK 8

static double example_pass_avx2(float *grad, const float *W, const float *rowmax, size_t V,
                                size_t ld, const uint8_t *x, const uint8_t *y, size_t n)
{
    const size_t nv = (V + 7) / 8, tail = 8 * (nv - 1), le = 8 * nv;
    const __m256 last = lane_mask(V - tail);
    alignas(32) float ebuf[MM_AVX2_BLOCK * 256];
    alignas(32) float accbuf[MM_AVX2_BLOCK * 8];
    alignas(32) float invbuf[MM_AVX2_BLOCK];
    __m256d nll0 = _mm256_setzero_pd(), nll1 = _mm256_setzero_pd(); /* the log s */
    double nll_d = 0.0; /* sum of rowmax - W[r][t] */

    for (size_t i0 = 0; i0 < n; i0 += MM_AVX2_BLOCK) {
        size_t nb = n - i0 < MM_AVX2_BLOCK ? n - i0 : MM_AVX2_BLOCK;
        for (size_t b = 0; b < nb; b++) {
            size_t r = x[i0 + b];
            const float *w = W + r * ld;
            const __m256 mv = _mm256_set1_ps(rowmax[r]);
            float *e = ebuf + b * le;
            __m256 acc = _mm256_setzero_ps();
            for (size_t j = 0; j < tail; j += 8) {
                __m256 ej = mm_vexp_avx2(_mm256_sub_ps(_mm256_loadu_ps(w + j), mv));
                _mm256_store_ps(e + j, ej);
                acc = _mm256_add_ps(acc, ej);
            }
            __m256 ej = _mm256_and_ps(mm_vexp_avx2(_mm256_sub_ps(_mm256_loadu_ps(w + tail), mv)),
                                      last);
            _mm256_store_ps(e + tail, ej);
            _mm256_store_ps(accbuf + 8 * b, _mm256_add_ps(acc, ej));
            nll_d += (double)rowmax[r] - (double)w[y[i0 + b]];
        }
        for (size_t b = nb; b < MM_AVX2_BLOCK; b++) {
            /* s = 1, log s = 0: unused lanes add exactly nothing. */
            _mm256_store_ps(accbuf + 8 * b, _mm256_setr_ps(1.0f, 0, 0, 0, 0, 0, 0, 0));
        }
        __m256 s = hsum8x8(accbuf);
        _mm256_store_ps(invbuf, _mm256_div_ps(_mm256_set1_ps(1.0f), s));
        __m256 nl = mm_vlog_avx2(s);
        nll0 = _mm256_add_pd(nll0, _mm256_cvtps_pd(_mm256_castps256_ps128(nl)));
        nll1 = _mm256_add_pd(nll1, _mm256_cvtps_pd(_mm256_extractf128_ps(nl, 1)));

        for (size_t b = 0; b < nb; b++) {
            size_t r = x[i0 + b], t = y[i0 + b];
            float *g = grad + r * ld;
            const float *e = ebuf + b * le;
            const float *oh = mm_onehot + 256 - t;
            const __m256 inv = _mm256_set1_ps(invbuf[b]);
            for (size_t j = 0; j < tail; j += 8) {
                __m256 d = _mm256_fmsub_ps(_mm256_load_ps(e + j), inv, _mm256_loadu_ps(oh + j));
                _mm256_storeu_ps(g + j, _mm256_add_ps(_mm256_loadu_ps(g + j), d));
            }
            __m256 d = _mm256_fmsub_ps(_mm256_load_ps(e + tail), inv, _mm256_loadu_ps(oh + tail));
            /* The blend keeps the pad lanes' bits; a full store (not
             * vmaskmovps) lets the next example of this row forward it. */
            __m256 gj = _mm256_loadu_ps(g + tail);
            _mm256_storeu_ps(g + tail, _mm256_blendv_ps(gj, _mm256_add_ps(gj, d), last));
        }
    }
    __m256d t = _mm256_add_pd(nll0, nll1);
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return nll_d + _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

static double counts_grad_avx2(float *G, const float *P, const float *lse, const float *W,
                               const double *C, const double *n, size_t V, size_t ld)
{
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    for (size_t r = 0; r < V; r++) {
        const __m256d nr = _mm256_set1_pd(n[r]);
        const __m256d lr = _mm256_set1_pd((double)lse[r]);
        const size_t o = r * ld;
        for (size_t j = 0; j < ld; j += 8) {
            if (j >= V) {
                _mm256_storeu_ps(G + o + j, _mm256_setzero_ps());
                continue;
            }
            /* Zero the pad lanes of every input: 0 * n - 0 = 0 is the pad
             * value G wants, and 0 * (lse - 0) adds nothing. */
            __m256 mk = lane_mask(V - j < 8 ? V - j : 8);
            __m256d mlo = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
                _mm_castps_si128(_mm256_castps256_ps128(mk))));
            __m256d mhi = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
                _mm_castps_si128(_mm256_extractf128_ps(mk, 1))));
            __m256 p = _mm256_and_ps(_mm256_loadu_ps(P + o + j), mk);
            __m256 w = _mm256_and_ps(_mm256_loadu_ps(W + o + j), mk);
            __m256d c0 = _mm256_and_pd(_mm256_loadu_pd(C + o + j), mlo);
            __m256d c1 = _mm256_and_pd(_mm256_loadu_pd(C + o + j + 4), mhi);
            __m256d g0 = _mm256_fmsub_pd(nr, _mm256_cvtps_pd(_mm256_castps256_ps128(p)), c0);
            __m256d g1 = _mm256_fmsub_pd(nr, _mm256_cvtps_pd(_mm256_extractf128_ps(p, 1)), c1);
            _mm256_storeu_ps(G + o + j, _mm256_set_m128(_mm256_cvtpd_ps(g1), _mm256_cvtpd_ps(g0)));
            acc0 = _mm256_fmadd_pd(
                c0, _mm256_sub_pd(lr, _mm256_cvtps_pd(_mm256_castps256_ps128(w))), acc0);
            acc1 = _mm256_fmadd_pd(
                c1, _mm256_sub_pd(lr, _mm256_cvtps_pd(_mm256_extractf128_ps(w, 1))), acc1);
        }
    }
    __m256d t = _mm256_add_pd(acc0, acc1);
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(t), _mm256_extractf128_pd(t, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

static void weight_update_avx2(float *W, const float *G, size_t rows, size_t V, size_t ld,
                               float lr, float g_scale, float w_scale)
{
    const size_t tail = 8 * ((V + 7) / 8 - 1);
    const __m256 last = lane_mask(V - tail);
    const __m256 vlr = _mm256_set1_ps(lr), vgs = _mm256_set1_ps(g_scale);
    const __m256 vws = _mm256_set1_ps(w_scale);
    for (size_t r = 0; r < rows; r++) {
        float *w = W + r * ld;
        const float *g = G + r * ld;
        for (size_t j = 0; j <= tail; j += 8) {
            __m256 wj = _mm256_loadu_ps(w + j);
            __m256 d = _mm256_fmadd_ps(_mm256_loadu_ps(g + j), vgs, _mm256_mul_ps(vws, wj));
            __m256 nw = _mm256_fnmadd_ps(vlr, d, wj);
            if (j == tail) {
                nw = _mm256_blendv_ps(wj, nw, last); /* pads keep their bits */
            }
            _mm256_storeu_ps(w + j, nw);
        }
    }
}

static void exp_f32_avx2(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(dst + i, mm_vexp_avx2(_mm256_loadu_ps(src + i)));
    }
    if (i < n) {
        alignas(32) float buf[8] = {0};
        memcpy(buf, src + i, (n - i) * sizeof *buf);
        _mm256_store_ps(buf, mm_vexp_avx2(_mm256_load_ps(buf)));
        memcpy(dst + i, buf, (n - i) * sizeof *buf);
    }
}

static void log_f32_avx2(float *dst, const float *src, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(dst + i, mm_vlog_avx2(_mm256_loadu_ps(src + i)));
    }
    if (i < n) {
        alignas(32) float buf[8] = {0};
        memcpy(buf, src + i, (n - i) * sizeof *buf);
        _mm256_store_ps(buf, mm_vlog_avx2(_mm256_load_ps(buf)));
        memcpy(dst + i, buf, (n - i) * sizeof *buf);
    }
}


static size_t scan_ascii_avx2(uint8_t seen[256], const uint8_t *b, size_t n)
{
    uint8_t lutb[16];
    scan_lut_bytes(lutb, seen);
    __m256i lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)lutb));
    const __m256i hibit = _mm256_setr_epi8(1, 2, 4, 8, 16, 32, 64, (char)128, 0, 0, 0, 0,
                                           0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, (char)128,
                                           0, 0, 0, 0, 0, 0, 0, 0);
    const __m256i nib = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
    size_t i = 0;
    while (i + 128 <= n) {
        __m256i miss = zero;
        for (int k = 0; k < 4; k++) {
            __m256i v = _mm256_loadu_si256((const __m256i *)(b + i + 32 * k));
            __m256i lo = _mm256_and_si256(v, nib);
            __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib);
            __m256i m = _mm256_and_si256(_mm256_shuffle_epi8(lut, lo),
                                         _mm256_shuffle_epi8(hibit, hi));
            miss = _mm256_or_si256(miss, _mm256_cmpeq_epi8(m, zero));
        }
        if (!_mm256_testz_si256(miss, miss)) {
            size_t at = scan_bytes_slow(seen, b, i, 128);
            if (at != SIZE_MAX) {
                return at;
            }
            scan_lut_bytes(lutb, seen);
            lut = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)lutb));
        }
        i += 128;
    }
    size_t at = scan_bytes_slow(seen, b, i, n - i);
    return at == SIZE_MAX ? n : at;
}

/* ---- sample_walk ------------------------------------------------------------ */

static inline uint32_t below_any_avx2(const float *r, float t, size_t ld)
{
    __m256 tt = _mm256_set1_ps(t);
    uint32_t ix = 0;
    for (size_t j = 0; j < ld; j += 8) {
        ix += (uint32_t)__builtin_popcount(
            (uint32_t)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_load_ps(r + j), tt, _CMP_LT_OQ)));
    }
    return ix;
}

/* The guide answers most draws (kernels/walk.h); the vector count is the
 * rare fallback, so one loop over the row's ld lanes serves every V. */
static size_t sample_walk_avx2(mm_walk *w, uint8_t *out, const float *cum,
                               const uint8_t *guide, size_t V, size_t ld, const uint64_t *r,
                               size_t n, size_t max_len)
{
    (void)V; /* whole rows of ld lanes are compared: pads never count */
#define MM_BELOW_ANY(row, t) below_any_avx2(row, t, ld)
    MM_WALK_BODY(MM_BELOW_ANY);
#undef MM_BELOW_ANY
}

const mm_counter mm_counter_avx2 = {
    .name = "avx2",
    .supported = mm_cpu_has_avx2_fma,
    .count_work_size = count_work_size_avx2,
    .count_begin = count_begin_avx2,
    .count_feed = count_feed_avx2,
    .count_end = count_end_avx2,
};

const mm_kernels mm_kernels_avx2 = {
    .name = "avx2",
    .supported = mm_cpu_has_avx2_fma,
    .counter = &mm_counter_avx2,
    .scan_ascii = scan_ascii_avx2,
    .sample_walk = sample_walk_avx2,
    .softmax_rows = softmax_rows_avx2,
    .example_pass = example_pass_avx2,
    .counts_grad = counts_grad_avx2,
    .weight_update = weight_update_avx2,
    .exp_f32 = exp_f32_avx2,
    .log_f32 = log_f32_avx2,
};
