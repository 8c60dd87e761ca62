/*
 * vmath.h - vector exp and log for the neural kernels, one pair per ISA.
 * Included by kernels/avx2.c and kernels/avx512.c; every function is static
 * inline so that each ISA file compiles its own copy with its own flags (a
 * plain inline could let the linker keep the AVX-512 copy for AVX2 callers).
 *
 * Why our own polynomials rather than SLEEF or glibc's libmvec: the softmax
 * needs exp only on (-inf, 0] (the row max is subtracted) and log only on the
 * row sums in [1, V]; a Cody-Waite reduction and a degree-5 polynomial is a
 * dozen instructions that inline into the example loop (a library call per
 * vector would spill the loop's registers and cost more than the work), and
 * its error, under 1.5 ulp, is far inside the 1e-5 relative tolerance of the
 * probabilities.  No extra dependency, no -ffast-math.
 *
 * exp(x): x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2, ln2 split in
 *   two (Cody-Waite: n * MM_LN2_HI is exact for |n| < 2^15, so r loses
 *   nothing to cancellation); exp(r) by a degree-5 polynomial, five FMAs,
 *   whose constant term is 1 (so exp(0) = 1 exactly: the row max's own term
 *   adds nothing to log s) and whose other coefficients are the minimax for
 *   relative error on [-ln2/2, ln2/2] (Lawson iteration: 9.2e-8 before
 *   rounding to float; degree 4 would give 3.6e-6, degree 6 costs one more
 *   FMA per vector for error the float result cannot hold anyway).
 *   Whole range: NaN -> NaN; x > 88.7228 (the true overflow point) and
 *   +inf -> +inf; -inf -> 0, so -inf pads never give NaN.  Tiny results:
 *   AVX2 returns 0 for x < MM_EXP_FLUSH = -86.98 (results below 1.7e-38,
 *   where its exponent-field scaling ends); AVX-512 scales with vscalefps,
 *   which rounds subnormal results correctly and gives 0 below -103.3.
 * log(x): x = 2^e m with m in [sqrt(1/2), sqrt(2)) taken from the bits
 *   (subnormals scaled by 2^23 first), f = m - 1, log(1 + f) =
 *   f + f^2 q(f) with q the degree-8 minimax for relative error (Remez,
 *   4.1e-9 before rounding), plus e ln2 in two parts.  log(0) = -inf,
 *   log(x < 0) = NaN, log(+inf) = +inf, log(NaN) = NaN.
 * The measured maximum relative errors against libm are stated, and
 * checked, in tests/test_kernels_neural.c.
 */
#ifndef MM_VMATH_H
#define MM_VMATH_H

#include <immintrin.h>
#include <stdint.h>

#define MM_LOG2E 1.44269504f
#define MM_LN2_HI 0.693359375f        /* 355/512: 9 significant bits */
#define MM_LN2_LO -2.12194442e-4f     /* ln 2 - MM_LN2_HI */
#define MM_EXP_C0 1.0f                /* exact: exp(0) = 1 */
#define MM_EXP_C1 0.999999702f
#define MM_EXP_C2 0.499991506f
#define MM_EXP_C3 0.166676357f
#define MM_EXP_C4 0.0418979526f
#define MM_EXP_C5 0.00829032436f
#define MM_EXP_ROUND 12582912.0f      /* 1.5 * 2^23: adding it rounds to int */
/* Above this every result overflows: clamping here keeps n at 128 for +inf. */
#define MM_EXP_HI 88.8f
/* AVX2 builds 2^(n-1) in the exponent field, valid for n >= -125. */
#define MM_EXP_FLUSH -86.98f
/* AVX-512: below this scalef gives 0 exactly (2^-159 * 1.42 rounds to 0). */
#define MM_EXP_LO -110.0f

#define MM_LOG_Q0 -0.499999881f
#define MM_LOG_Q1 0.333333254f
#define MM_LOG_Q2 -0.250015974f
#define MM_LOG_Q3 0.20002088f
#define MM_LOG_Q4 -0.166087955f
#define MM_LOG_Q5 0.141792566f
#define MM_LOG_Q6 -0.132427201f
#define MM_LOG_Q7 0.129219383f
#define MM_LOG_Q8 -0.0764497891f
#define MM_SQRT_HALF_BITS 0x3f3504f3  /* sqrt(1/2) as float bits */
#define MM_FLT_MIN_F 1.17549435e-38f

#if defined(__AVX2__) && defined(__FMA__)

static inline __m256 mm_vexp_avx2(__m256 x)
{
    /* min(HI, x) returns x when x is NaN, so NaN reaches the result. */
    x = _mm256_min_ps(_mm256_set1_ps(MM_EXP_HI), x);
    /* Unordered-true: NaN is kept, -inf and x < FLUSH are zeroed at the end
     * (whatever garbage the reduction made of them). */
    __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(MM_EXP_FLUSH), _CMP_NLT_UQ);
    /* t's low mantissa bits hold n + 126, so t << 23 is the float 2^(n-1):
     * no conversion instruction, and n = 128 (x near the overflow
     * threshold) still has an exponent field; the polynomial carries the
     * factor 2 (doubling its coefficients is exact). */
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(MM_LOG2E),
                               _mm256_set1_ps(MM_EXP_ROUND + 126.0f));
    __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(MM_EXP_ROUND + 126.0f));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(MM_LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(MM_LN2_LO), r);
    __m256 p = _mm256_set1_ps(2.0f * MM_EXP_C5);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.0f * MM_EXP_C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.0f * MM_EXP_C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.0f * MM_EXP_C2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.0f * MM_EXP_C1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(2.0f * MM_EXP_C0));
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(t), 23));
    return _mm256_and_ps(_mm256_mul_ps(p, scale), keep);
}

static inline __m256 mm_vlog_avx2(__m256 x)
{
    const __m256 fltmin = _mm256_set1_ps(MM_FLT_MIN_F);
    __m256 sub = _mm256_cmp_ps(x, fltmin, _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(8388608.0f)), sub);
    /* Subtracting the bits of sqrt(1/2) puts the exponent of x / sqrt(1/2)
     * in the top bits and m = x / 2^e in [sqrt(1/2), sqrt(2)). */
    __m256i u = _mm256_sub_epi32(_mm256_castps_si256(xs), _mm256_set1_epi32(MM_SQRT_HALF_BITS));
    __m256 e = _mm256_cvtepi32_ps(_mm256_srai_epi32(u, 23));
    e = _mm256_sub_ps(e, _mm256_and_ps(sub, _mm256_set1_ps(23.0f)));
    __m256i mb = _mm256_add_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x007fffff)),
                                  _mm256_set1_epi32(MM_SQRT_HALF_BITS));
    __m256 f = _mm256_sub_ps(_mm256_castsi256_ps(mb), _mm256_set1_ps(1.0f));
    __m256 q = _mm256_set1_ps(MM_LOG_Q8);
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q7));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q6));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q5));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q4));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q3));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q2));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q1));
    q = _mm256_fmadd_ps(q, f, _mm256_set1_ps(MM_LOG_Q0));
    __m256 y = _mm256_fmadd_ps(_mm256_mul_ps(f, f), q, f);
    y = _mm256_fmadd_ps(e, _mm256_set1_ps(MM_LN2_LO), y);
    y = _mm256_fmadd_ps(e, _mm256_set1_ps(MM_LN2_HI), y);
    /* The bit manipulation means nothing for these; patch them as libm. */
    __m256 zero = _mm256_setzero_ps();
    __m256 inf = _mm256_set1_ps(__builtin_inff());
    y = _mm256_blendv_ps(y, inf, _mm256_cmp_ps(x, inf, _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, _mm256_sub_ps(zero, inf), _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(__builtin_nanf("")),
                         _mm256_cmp_ps(x, zero, _CMP_NGE_UQ));
    return y;
}

#endif /* AVX2 && FMA */

#if defined(__AVX512F__)

/* exp(x) in the lanes of k, 0 in the others (free: the mask rides on the
 * last instruction). */
static inline __m512 mm_vexp_maskz_avx512(__mmask16 k, __m512 x)
{
    /* max/min return the second operand when either is NaN: NaN survives.
     * The clamps keep r finite for +-inf; scalef then gives 0 or +inf. */
    x = _mm512_max_ps(_mm512_set1_ps(MM_EXP_LO), x);
    x = _mm512_min_ps(_mm512_set1_ps(MM_EXP_HI), x);
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(MM_LOG2E), _mm512_set1_ps(MM_EXP_ROUND));
    __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(MM_EXP_ROUND));
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(MM_LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(MM_LN2_LO), r);
    __m512 p = _mm512_set1_ps(MM_EXP_C5);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MM_EXP_C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MM_EXP_C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MM_EXP_C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MM_EXP_C1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MM_EXP_C0));
    return _mm512_maskz_scalef_ps(k, p, n);
}

static inline __m512 mm_vexp_avx512(__m512 x)
{
    return mm_vexp_maskz_avx512((__mmask16)0xffff, x);
}

static inline __m512 mm_vlog_avx512(__m512 x)
{
    const __m512 zero = _mm512_setzero_ps();
    __mmask16 sub = _mm512_cmp_ps_mask(x, _mm512_set1_ps(MM_FLT_MIN_F), _CMP_LT_OQ);
    __m512 xs = _mm512_mask_mul_ps(x, sub, x, _mm512_set1_ps(8388608.0f));
    __m512i u = _mm512_sub_epi32(_mm512_castps_si512(xs), _mm512_set1_epi32(MM_SQRT_HALF_BITS));
    __m512 e = _mm512_cvtepi32_ps(_mm512_srai_epi32(u, 23));
    e = _mm512_mask_sub_ps(e, sub, e, _mm512_set1_ps(23.0f));
    __m512i mb = _mm512_add_epi32(_mm512_and_si512(u, _mm512_set1_epi32(0x007fffff)),
                                  _mm512_set1_epi32(MM_SQRT_HALF_BITS));
    __m512 f = _mm512_sub_ps(_mm512_castsi512_ps(mb), _mm512_set1_ps(1.0f));
    __m512 q = _mm512_set1_ps(MM_LOG_Q8);
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q7));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q6));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q5));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q4));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q3));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q2));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q1));
    q = _mm512_fmadd_ps(q, f, _mm512_set1_ps(MM_LOG_Q0));
    __m512 y = _mm512_fmadd_ps(_mm512_mul_ps(f, f), q, f);
    y = _mm512_fmadd_ps(e, _mm512_set1_ps(MM_LN2_LO), y);
    y = _mm512_fmadd_ps(e, _mm512_set1_ps(MM_LN2_HI), y);
    const __m512 inf = _mm512_set1_ps(__builtin_inff());
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, inf, _CMP_EQ_OQ), inf);
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ), _mm512_sub_ps(zero, inf));
    y = _mm512_mask_mov_ps(y, _mm512_cmp_ps_mask(x, zero, _CMP_NGE_UQ),
                           _mm512_set1_ps(__builtin_nanf("")));
    return y;
}

#endif /* AVX512F */

#endif /* MM_VMATH_H */
