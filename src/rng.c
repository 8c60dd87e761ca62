/*
 * rng.c - MT19937 and the samplers built on it, reproducing PyTorch's CPU
 * generator (torch.Generator().manual_seed(seed)) draw for draw.
 *
 * Why bit-compatibility: the notebook's results (the names sampled with seed
 * 2147483647, the initial weights of the neural model) are reproducible only
 * if every 32-bit draw, every conversion to double or float and every
 * multinomial search step is the one torch performs.  Each function below
 * names the ATen code it mirrors (PyTorch 1.13); tests/test_rng.c checks them
 * against values printed by torch itself (tests/ref/make_rng_ref.py).
 *
 * Facts checked against torch 1.13.1 (Debian) rather than assumed:
 * - manual_seed keeps the 64-bit seed (initial_seed()) but seeds MT19937 with
 *   its low 32 bits only: seeds 5 and 2^32 + 5 give the same stream.
 * - A 64-bit draw is (first << 32) | second.
 * - torch.multinomial(p, 1, replacement=True) on the CPU uses the cumulative
 *   sum kernel (one double per sample), not the exponential/argmax trick,
 *   which 1.13 applies only without replacement.
 * - torch.randn(n) with n >= 16 on an AVX2 CPU uses the cephes-style float
 *   log/sincos of ATen's avx_mathfun.h, compiled with FMA contraction; the
 *   scalar port below matches it bit for bit (2^20 values checked).
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define MM_MT_N 624
#define MM_MT_M 397

void mm_rng_seed(mm_rng *g, uint64_t seed)
{
    /* at::mt19937(seed) -> init_with_uint32(seed): the seed is truncated. */
    uint32_t s = (uint32_t)seed;
    g->seed = seed;
    g->state[0] = s;
    for (uint32_t i = 1; i < MM_MT_N; i++) {
        s = 1812433253u * (s ^ (s >> 30)) + i;
        g->state[i] = s;
    }
    g->index = MM_MT_N;
    mm_rng_temper_all(g);
}

static inline uint32_t mm_temper(uint32_t y)
{
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

void mm_rng_temper_all(mm_rng *g)
{
    for (uint32_t i = 0; i < MM_MT_N; i++) {
        g->out[i] = mm_temper(g->state[i]);
    }
}

static inline uint32_t mm_mt_mix(uint32_t a, uint32_t b, uint32_t far)
{
    uint32_t y = (a & 0x80000000u) | (b & 0x7fffffffu);
    return far ^ (y >> 1) ^ ((0u - (y & 1u)) & 0x9908b0dfu);
}

/* Regenerate all 624 words at once (at::mt19937::next_state), then temper
 * them all.  The loop is split where i + 397 wraps, so each part is a plain
 * loop without modulo or branches that the compiler vectorises: sampling
 * spends half its time here otherwise. */
static void mm_rng_twist(mm_rng *g)
{
    uint32_t *mt = g->state;
    uint32_t i = 0;
    for (; i < MM_MT_N - MM_MT_M; i++) {
        mt[i] = mm_mt_mix(mt[i], mt[i + 1], mt[i + MM_MT_M]);
    }
    for (; i < MM_MT_N - 1; i++) {
        mt[i] = mm_mt_mix(mt[i], mt[i + 1], mt[i + MM_MT_M - MM_MT_N]);
    }
    mt[MM_MT_N - 1] = mm_mt_mix(mt[MM_MT_N - 1], mt[0], mt[MM_MT_M - 1]);
    mm_rng_temper_all(g);
    g->index = 0;
}

uint32_t mm_rng_u32(mm_rng *g)
{
    if (g->index >= MM_MT_N) {
        mm_rng_twist(g);
    }
    return g->out[g->index++];
}

/* CPUGeneratorImpl::random64, then the low 53 bits that
 * transformation::uniform_real<double> keeps. */
static inline uint64_t mm_r53_of(uint32_t hi, uint32_t lo)
{
    return (((uint64_t)hi << 32) | lo) & ((UINT64_C(1) << 53) - 1);
}

uint64_t mm_rng_r53(mm_rng *g)
{
    uint32_t hi = mm_rng_u32(g);
    uint32_t lo = mm_rng_u32(g);
    return mm_r53_of(hi, lo);
}

double mm_rng_double(mm_rng *g)
{
    /* CPUGeneratorImpl::random64, then transformation::uniform_real<double>:
     * the low 53 bits of the 64-bit draw, scaled by 2^-53. */
    return (double)mm_rng_r53(g) * 0x1p-53;
}

void mm_rng_refill(mm_rng *g)
{
    if (g->index >= MM_MT_N) {
        mm_rng_twist(g);
    }
}

void mm_rng_peek_r53(const mm_rng *g, uint64_t *r, size_t n)
{
    const uint32_t *w = g->out + g->index;
    for (size_t k = 0; k < n; k++) {
        r[k] = mm_r53_of(w[2 * k], w[2 * k + 1]);
    }
}

/* uniform_real_distribution<float>: the low 24 bits of one draw. */
static float mm_rng_float(mm_rng *g)
{
    return (float)(mm_rng_u32(g) & 0xffffffu) * 0x1p-24f;
}

size_t mm_rng_multinomial(mm_rng *g, const float *p, size_t n, float *cum)
{
    /* multinomial_with_replacement_apply (cpu/MultinomialKernel.cpp).  torch
     * rejects n == 0, negative, non-finite and all-zero rows; this function
     * cannot report errors, so it documents what it does instead: n == 0
     * returns 0 without drawing, and any other row still draws one double and
     * returns an index below n, because the last bucket is forced to 1 and
     * every u is < 1. */
    if (n == 0) {
        return 0;
    }
    mm_rng_cumdist(p, n, cum);
    return mm_rng_draw_cum(g, cum, n);
}

void mm_rng_cumdist(const float *p, size_t n, float *cum)
{
    if (n == 0) {
        return;
    }
    float sum = 0.0f;
    for (size_t j = 0; j < n; j++) {
        sum += p[j];
        cum[j] = sum;
    }
    for (size_t j = 0; j < n; j++) {
        cum[j] /= sum;
    }
    cum[n - 1] = 1.0f;
}

size_t mm_rng_draw_cum(mm_rng *g, const float *cum, size_t n)
{
    if (n == 0) {
        return 0;
    }
    double u = mm_rng_double(g);
    /* torch's search finds the first i with !(cum[i] < u), the float bucket
     * compared with the double u.  cum is non-decreasing, so a branch-free
     * lower bound finds the same i without torch's unpredictable branches
     * (they cost more than the rest of a draw). */
    const float *base = cum;
    size_t len = n;
    while (len > 1) {
        size_t half = len / 2;
        base = ((double)base[half - 1] < u) ? base + half : base;
        len -= half;
    }
    return (size_t)(base - cum) + ((double)base[0] < u);
}

/*
 * Scalar ports of log256_ps and sincos256_ps (ATen cpu/avx_mathfun.h, cephes
 * polynomials).  Constants are written as torch spells them, double literals
 * converted to float.  torch's AVX2 build lets GCC contract mul+add into FMA;
 * fmaf() marks exactly the operations it fused, which is what makes the
 * results bit-identical.  Everything else must stay unfused: CMakeLists.txt
 * compiles this file with -ffp-contract=off, so no compiler, flag or target
 * with FMA (aarch64, -march=x86-64-v3) may contract the plain expressions.
 */

/* x in [2^-24, 1]: the denormal clamp and the x <= 0 NaN mask of the vector
 * code can never fire here, so they are left out. */
static float mm_logf_cephes(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    float e = (float)((int32_t)(bits >> 23) - 0x7f) + 1.0f;
    bits = (bits & ~0x7f800000u) | 0x3f000000u; /* mantissa, scaled to [0.5, 1) */
    memcpy(&x, &bits, sizeof x);

    if (x < (float)0.707106781186547524) {
        e -= 1.0f;
        x = (x - 1.0f) + x;
    } else {
        x = x - 1.0f;
    }
    float z = x * x;
    float y = (float)7.0376836292E-2;
    y = fmaf(y, x, (float)-1.1514610310E-1);
    y = fmaf(y, x, (float)1.1676998740E-1);
    y = fmaf(y, x, (float)-1.2420140846E-1);
    y = fmaf(y, x, (float)1.4249322787E-1);
    y = fmaf(y, x, (float)-1.6668057665E-1);
    y = fmaf(y, x, (float)2.0000714765E-1);
    y = fmaf(y, x, (float)-2.4999993993E-1);
    y = fmaf(y, x, (float)3.3333331174E-1);
    y = y * x;
    y = fmaf(y, z, e * (float)-2.12194440e-4);
    y = fmaf(-z, 0.5f, y);
    x = x + y;
    return fmaf(e, 0.693359375f, x);
}

/* x in [0, 2*pi): the sign handling of negative arguments is left out. */
static void mm_sincosf_cephes(float x, float *s, float *c)
{
    /* j = (int(x * 4/pi) + 1) & ~1 picks the octant pair, as cephes does. */
    int32_t j = (int32_t)(x * (float)1.27323954473516);
    j = (j + 1) & ~1;
    float y = (float)j;
    int sin_neg = (j & 4) != 0;
    int sin_poly = (j & 2) == 0;
    int cos_neg = ((j - 2) & 4) == 0;

    /* Extended-precision reduction x - j*pi/4 in three parts. */
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, (float)-2.4187564849853515625e-4, x);
    x = fmaf(y, (float)-3.77489497744594108e-8, x);
    float z = x * x;

    float yc = fmaf((float)2.443315711809948E-005, z, (float)-1.388731625493765E-003);
    yc = fmaf(yc, z, (float)4.166664568298827E-002);
    yc = yc * z;
    yc = fmaf(yc, z, -(z * 0.5f));
    yc = yc + 1.0f;

    float ys = fmaf((float)-1.9515295891E-4, z, (float)8.3321608736E-3);
    ys = fmaf(ys, z, (float)-1.6666654611E-1);
    ys = ys * z;
    ys = fmaf(ys, x, x);

    float sv = sin_poly ? ys : yc;
    float cv = sin_poly ? yc : ys;
    *s = sin_neg ? -sv : sv;
    *c = cos_neg ? -cv : cv;
}

/* normal_fill_16_AVX2 with mean 0, std 1, on 16 uniforms in place. */
static void mm_normal_fill_16(float *d)
{
    const float two_pi = (float)(2.0 * 3.14159265358979323846);
    for (int t = 0; t < 8; t++) {
        float u1 = 1.0f - d[t]; /* [0, 1) -> (0, 1] for the log */
        float u2 = d[t + 8];
        float radius = sqrtf(-2.0f * mm_logf_cephes(u1));
        float s, c;
        mm_sincosf_cephes(two_pi * u2, &s, &c);
        d[t] = radius * c;
        d[t + 8] = radius * s;
    }
}

void mm_rng_randn(mm_rng *g, float *out, size_t n)
{
    if (n >= 16) {
        /* normal_fill_AVX2: all n uniforms first, Box-Muller per block of
         * 16, then the last 16 slots refilled with fresh uniforms and
         * transformed again if n is not a multiple of 16. */
        for (size_t i = 0; i < n; i++) {
            out[i] = mm_rng_float(g);
        }
        for (size_t i = 0; i + 16 <= n; i += 16) {
            mm_normal_fill_16(out + i);
        }
        if (n % 16 != 0) {
            float *tail = out + n - 16;
            for (size_t i = 0; i < 16; i++) {
                tail[i] = mm_rng_float(g);
            }
            mm_normal_fill_16(tail);
        }
        return;
    }

    /* Fewer than 16: the serial kernel, at::normal_distribution<double> per
     * value.  Each pair of doubles gives r*cos for this value and r*sin,
     * which torch caches in the generator for the next normal draw.  Within
     * one call that is the next value here.  Across calls torch keeps the
     * spare (until manual_seed), but mm_rng has no field for it: after an
     * odd n < 16 the spare is dropped, so a later n < 16 call starts from a
     * fresh pair where torch would first return the cached value. */
    for (size_t i = 0; i < n; i += 2) {
        double u1 = mm_rng_double(g);
        double u2 = mm_rng_double(g);
        double r = sqrt(-2.0 * log1p(-u2));
        double theta = 2.0 * 3.14159265358979323846 * u1;
        out[i] = (float)(r * cos(theta));
        if (i + 1 < n) {
            out[i + 1] = (float)(r * sin(theta));
        }
    }
}
