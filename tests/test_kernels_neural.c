/*
 * test_kernels_neural.c - the neural bigram kernels (softmax_rows,
 * example_pass, counts_grad, weight_update) of every supported table against
 * mm_kernels_scalar, a finite-difference check of the gradient they make,
 * and the error of the vector exp/log (kernels/vmath.h) against libm.
 *
 * Cases: V in {1, 2, 7, 8, 9, 27, 31, 32, 33, 59, 256}; seeded random
 * logits; logits +-80; one huge logit (1e30, with a -1e30 beside it); all
 * logits equal; some real logits -inf (with -inf pads); rows wider than
 * needed (ld = round_up(V, 32) + 32); every pointer off by one element (the
 * contract in kernels.h asks no alignment beyond the element's own); random
 * (x, y) and one repeated pair; n = 0, 1, 7, 17 and 1003 examples (not a
 * multiple of any block).  Pad lanes of inputs hold NaN (or -inf), pad lanes
 * the kernels must leave alone hold a NaN sentinel checked bit for bit.
 *
 * Tolerances (STYLE.md section 5), |got - ref| <= atol + rtol * |ref|:
 * - probabilities: atol 1e-7, rtol 1e-5;
 * - lse (float): atol 2e-6, rtol 1e-6.  Looser atol than a probability: lse
 *   = m + log s is rounded at the magnitude of m and log s (up to 5.5 for
 *   V = 256), and the two nearly cancel when m ~ -log s; 2e-6 is 4 ulp there;
 * - gradients (example_pass grad, counts_grad G): atol 1e-6 * max|ref|,
 *   rtol 1e-5.  example_pass accumulates in float, as its contract says, and
 *   the variants' p differ in the last bits, so each float addition into an
 *   element may round the other way: k additions drift apart by up to
 *   k * 2^-23 relative (a repeated pair adds the same p k times, so the
 *   drift is systematic; 1003 of them measured 3e-5).  The test therefore
 *   does what the driver does: calls on chunks of EP_CHUNK = 61 examples and
 *   flushes grad into double after each, which keeps the drift near 1e-6.
 *   And atol gets 2.5e-7 per example of the row: the SIMD kernels form p
 *   in float (exp, 1/s, p - onehot: a few 2^-24 absolute), and where p_t
 *   nears 1 the element p_t - 1 cancels down to that absolute error, which
 *   the scalar reference (double, one rounding) does not make;
 * - the updated weights: as gradients, but with max|ref| taken over the
 *   update's two terms (W and lr * step), which can cancel far below either
 *   while float rounds at their magnitude;
 * - NLL sums (double): rtol 1e-6, plus atol 2.5e-7 per example.  The atol
 *   is needed because the SIMD kernels form each row sum s in float: log s
 *   then carries an absolute error of about one float ulp of s / s (2^-23)
 *   however small the example's NLL is (a certain prediction has NLL ~ 0);
 * - exp: relative error <= EXP_MAX_REL for results >= 1.7e-38
 *   (x in [-86.98, 88.72]); smaller results within 1.7e-38 absolute (AVX2
 *   flushes them to 0, AVX-512 rounds them as subnormals);
 * - log: relative error <= LOG_MAX_REL over every positive finite float.
 *   Both bounds are the maxima measured over every float in the range
 *   (exhaustive run, the same for AVX2 and AVX-512: exp 1.64e-7 = 1.4 ulp,
 *   log 8.2e-8 = 0.69 ulp, relative to libm's double exp/log); this test
 *   re-measures a 1-in-97 sample of the floats;
 * - finite differences: |analytic - fd| <= 1e-7 + 1e-5 * |fd| (central
 *   differences in double with h = 1e-4: truncation h^2/6 |f'''| < 1e-9; the
 *   analytic side carries the float rounding of G, below 1e-8 after / N).
 */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernels.h"
#include "testutil.h"

#define SOFTMAX_ATOL 1e-7
#define SOFTMAX_RTOL 1e-5
#define LSE_ATOL 2e-6
#define LSE_RTOL 1e-6
#define GRAD_ATOL_REL 1e-6 /* times max|ref| */
#define GRAD_RTOL 1e-5
#define GRAD_ATOL_PER_EXAMPLE 2.5e-7 /* example_pass: per example of the row */
#define NLL_RTOL 1e-6
#define NLL_ATOL_PER_EXAMPLE 2.5e-7
#define EXP_MAX_REL 1.7e-7
#define LOG_MAX_REL 8.5e-8
#define EXP_SMALL_ATOL 1.7e-38
#define FD_ATOL 1e-7
#define FD_RTOL 1e-5

#define PAD_SENTINEL 0x7fa0beefu /* a signalling NaN: any arithmetic on it shows */

static const size_t test_V[] = {1, 2, 7, 8, 9, 27, 31, 32, 33, 59, 256};
#define N_V (sizeof test_V / sizeof test_V[0])

enum {
    CASE_RANDOM,
    CASE_PM80,
    CASE_HUGE,
    CASE_EQUAL,
    CASE_NEGINF,
    CASE_WIDE,
    CASE_MISALIGNED,
    N_CASES
};
static const char *const case_name[N_CASES] = {"random", "+-80", "huge", "equal",
                                               "-inf", "wide-ld", "misaligned"};

static uint64_t g_seed;

/* ---- helpers ---------------------------------------------------------------- */

static size_t round_up(size_t v, size_t m)
{
    return (v + m - 1) / m * m;
}

static void *xalloc(size_t bytes)
{
    void *p = aligned_alloc(64, round_up(bytes + 64, 64));
    assert_non_null(p);
    return p;
}

static double urand(uint64_t *s)
{
    return (double)(mm_test_rand(s) >> 11) * 0x1p-53;
}

static double nrand(uint64_t *s)
{
    double u1 = 1.0 - urand(s), u2 = urand(s);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static float f_of_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t bits_of(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static size_t case_ld(int c, size_t V)
{
    return round_up(V, MM_VPAD) + (c == CASE_WIDE ? MM_VPAD : 0);
}

/* rows x ld logits for case c; pads NaN (-inf in CASE_NEGINF). */
static void make_logits(float *l, size_t rows, size_t V, size_t ld, int c, uint64_t *s)
{
    for (size_t r = 0; r < rows; r++) {
        float *row = l + r * ld;
        for (size_t j = 0; j < V; j++) {
            switch (c) {
            case CASE_PM80:
                row[j] = (mm_test_rand(s) & 1) ? 80.0f : -80.0f;
                break;
            case CASE_EQUAL:
                row[j] = 0.3f;
                break;
            case CASE_NEGINF:
                row[j] = (j % 3 == 1) ? -INFINITY : (float)(2.0 * nrand(s));
                break;
            default:
                row[j] = (float)(2.0 * nrand(s));
                break;
            }
        }
        if (c == CASE_HUGE) {
            size_t h = (size_t)(mm_test_rand(s) % V);
            row[h] = 1e30f;
            if (V > 1) {
                row[(h + 1) % V] = -1e30f;
            }
        }
        for (size_t j = V; j < ld; j++) {
            row[j] = c == CASE_NEGINF ? -INFINITY : NAN;
        }
    }
}

static void fill_pads_bits(float *a, size_t rows, size_t V, size_t ld, uint32_t bits)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = V; j < ld; j++) {
            a[r * ld + j] = f_of_bits(bits);
        }
    }
}

static void assert_pads_bits(const float *a, size_t rows, size_t V, size_t ld, uint32_t bits,
                             const char *what)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = V; j < ld; j++) {
            if (bits_of(a[r * ld + j]) != bits) {
                fail_msg("%s: pad row %zu lane %zu changed: 0x%08x, want 0x%08x", what, r, j,
                         (unsigned)bits_of(a[r * ld + j]), (unsigned)bits);
            }
        }
    }
}

static void assert_rows_close(const float *ref, const float *got, size_t rows, size_t n,
                              size_t ld, double atol, double rtol, const char *what)
{
    char buf[200];
    for (size_t r = 0; r < rows; r++) {
        snprintf(buf, sizeof buf, "%s row %zu", what, r);
        mm_assert_close_f32(ref + r * ld, got + r * ld, n, atol, rtol, buf);
    }
}

static double max_abs_rows(const float *a, size_t rows, size_t V, size_t ld)
{
    double m = 0.0;
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < V; j++) {
            m = fmax(m, fabs((double)a[r * ld + j]));
        }
    }
    return m;
}

static void row_max(float *rowmax, const float *W, size_t V, size_t ld)
{
    for (size_t r = 0; r < V; r++) {
        float m = W[r * ld];
        for (size_t j = 1; j < V; j++) {
            m = W[r * ld + j] > m ? W[r * ld + j] : m;
        }
        rowmax[r] = m;
    }
}

/* ---- softmax_rows ------------------------------------------------------------- */

static void test_softmax_rows(void **state)
{
    (void)state;
    const size_t rows_max = 37;
    const size_t ldmax = 256 + 2 * MM_VPAD;
    float *lbase = xalloc((rows_max * ldmax + 1) * sizeof(float));
    float *rbase = xalloc((rows_max * ldmax + 1) * sizeof(float));
    float *gbase = xalloc((rows_max * ldmax + 1) * sizeof(float));
    float *lse_ref = xalloc((rows_max + 1) * sizeof(float));
    float *lse_base = xalloc((rows_max + 1) * sizeof(float));
    char what[160];

    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        uint64_t s = g_seed;
        for (size_t vi = 0; vi < N_V; vi++) {
            const size_t V = test_V[vi];
            for (int c = 0; c < N_CASES; c++) {
                const size_t ld = case_ld(c, V);
                const size_t rows = c == CASE_RANDOM ? rows_max : 5;
                const size_t off = c == CASE_MISALIGNED ? 1 : 0;
                float *l = lbase + off, *got = gbase + off, *lse_got = lse_base + off;
                make_logits(l, rows, V, ld, c, &s);
                mm_kernels_scalar.softmax_rows(rbase, lse_ref, l, rows, V, ld);
                for (size_t i = 0; i < rows * ld; i++) {
                    got[i] = NAN;
                }
                for (size_t r = 0; r < rows; r++) {
                    lse_got[r] = NAN;
                }
                (*k)->softmax_rows(got, lse_got, l, rows, V, ld);
                snprintf(what, sizeof what, "%s softmax_rows V=%zu case=%s probs", (*k)->name,
                         V, case_name[c]);
                /* whole rows: the pad lanes must come out 0 like the reference's */
                assert_rows_close(rbase, got, rows, ld, ld, SOFTMAX_ATOL, SOFTMAX_RTOL, what);
                snprintf(what, sizeof what, "%s softmax_rows V=%zu case=%s lse", (*k)->name, V,
                         case_name[c]);
                mm_assert_close_f32(lse_ref, lse_got, rows, LSE_ATOL, LSE_RTOL, what);
                for (size_t r = 0; r < rows; r++) {
                    for (size_t j = V; j < ld; j++) {
                        assert_true(rbase[r * ld + j] == 0.0f);
                    }
                }
                /* lse == NULL is allowed and changes nothing else */
                (*k)->softmax_rows(got, NULL, l, rows, V, ld);
                snprintf(what, sizeof what, "%s softmax_rows V=%zu case=%s (lse NULL)",
                         (*k)->name, V, case_name[c]);
                assert_rows_close(rbase, got, rows, ld, ld, SOFTMAX_ATOL, SOFTMAX_RTOL, what);
            }
        }
        /* rows = 0 touches nothing */
        gbase[0] = 42.0f;
        (*k)->softmax_rows(gbase, lse_base, lbase, 0, 27, 32);
        assert_true(gbase[0] == 42.0f);
    }
    free(lbase);
    free(rbase);
    free(gbase);
    free(lse_ref);
    free(lse_base);
}

/* ---- example_pass ------------------------------------------------------------- */

enum { PAIRS_RANDOM, PAIRS_REPEATED };

/* Like the examples driver: example_pass on chunks of EP_CHUNK examples, the
 * float grad flushed into double after each.  EP_CHUNK is not a multiple of
 * 8 or 16, so every call ends in a partial block. */
#define EP_CHUNK 61

static void check_example_pass(const mm_kernels *k, size_t V, int c, int pairs, size_t n,
                               uint64_t *s)
{
    const size_t ld = case_ld(c, V);
    const size_t off = c == CASE_MISALIGNED ? 1 : 0;
    float *Wb = xalloc((V * ld + 1) * sizeof(float));
    float *refb = xalloc((V * ld + 1) * sizeof(float));
    float *gotb = xalloc((V * ld + 1) * sizeof(float));
    float *rmb = xalloc((V + 1) * sizeof(float));
    double *sum_ref = xalloc(V * ld * sizeof(double));
    double *sum_got = xalloc(V * ld * sizeof(double));
    uint8_t *x = xalloc(n + 1), *y = xalloc(n + 1);
    float *W = Wb + off, *ref = refb + off, *got = gotb + off, *rowmax = rmb + off;
    char what[200];

    make_logits(W, V, V, ld, c, s);
    row_max(rowmax, W, V, ld);
    size_t xr = (size_t)(mm_test_rand(s) % V), yr = (size_t)(mm_test_rand(s) % V);
    for (size_t i = 0; i < n; i++) {
        size_t xi = pairs == PAIRS_REPEATED ? xr : (size_t)(mm_test_rand(s) % V);
        size_t yi = pairs == PAIRS_REPEATED ? yr : (size_t)(mm_test_rand(s) % V);
        if (c == CASE_NEGINF && yi % 3 == 1) {
            yi--; /* a target at a -inf logit has infinite NLL: keep the sum finite */
        }
        x[i] = (uint8_t)xi;
        y[i] = (uint8_t)yi;
    }
    /* grad starts non-zero: the kernel adds to it */
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            ref[r * ld + j] = (float)(urand(s) - 0.5);
            got[r * ld + j] = ref[r * ld + j];
        }
    }
    fill_pads_bits(ref, V, V, ld, PAD_SENTINEL);
    fill_pads_bits(got, V, V, ld, PAD_SENTINEL);
    memset(sum_ref, 0, V * ld * sizeof(double));
    memset(sum_got, 0, V * ld * sizeof(double));

    double nll_ref = 0.0, nll_got = 0.0;
    size_t i0 = 0;
    do {
        size_t m = n - i0 < EP_CHUNK ? n - i0 : EP_CHUNK;
        nll_ref += mm_kernels_scalar.example_pass(ref, W, rowmax, V, ld, x + i0, y + i0, m);
        nll_got += k->example_pass(got, W, rowmax, V, ld, x + i0, y + i0, m);
        for (size_t r = 0; r < V; r++) {
            for (size_t j = 0; j < V; j++) {
                sum_ref[r * ld + j] += ref[r * ld + j];
                sum_got[r * ld + j] += got[r * ld + j];
                ref[r * ld + j] = 0.0f;
                got[r * ld + j] = 0.0f;
            }
        }
        i0 += m;
    } while (i0 < n);

    const char *pn = pairs == PAIRS_REPEATED ? "repeated" : "random";
    snprintf(what, sizeof what, "%s example_pass V=%zu case=%s pairs=%s n=%zu nll", k->name, V,
             case_name[c], pn, n);
    mm_assert_close_f64(nll_ref, nll_got, NLL_ATOL_PER_EXAMPLE * (double)n, NLL_RTOL, what);
    double gmax = 0.0;
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            gmax = fmax(gmax, fabs(sum_ref[r * ld + j]));
        }
    }
    for (size_t r = 0; r < V; r++) {
        size_t kr = 0; /* examples of row r */
        for (size_t i = 0; i < n; i++) {
            kr += x[i] == r;
        }
        double atol = GRAD_ATOL_REL * gmax + GRAD_ATOL_PER_EXAMPLE * (double)kr;
        for (size_t j = 0; j < V; j++) {
            snprintf(what, sizeof what,
                     "%s example_pass V=%zu case=%s pairs=%s n=%zu grad[%zu][%zu]", k->name, V,
                     case_name[c], pn, n, r, j);
            mm_assert_close_f64(sum_ref[r * ld + j], sum_got[r * ld + j], atol, GRAD_RTOL, what);
        }
    }
    snprintf(what, sizeof what, "%s example_pass V=%zu case=%s pairs=%s n=%zu grad", k->name, V,
             case_name[c], pn, n);
    assert_pads_bits(got, V, V, ld, PAD_SENTINEL, what);
    assert_pads_bits(ref, V, V, ld, PAD_SENTINEL, "scalar example_pass grad");

    free(Wb);
    free(refb);
    free(gotb);
    free(rmb);
    free(sum_ref);
    free(sum_got);
    free(x);
    free(y);
}

static void test_example_pass(void **state)
{
    (void)state;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        uint64_t s = g_seed;
        for (size_t vi = 0; vi < N_V; vi++) {
            for (int c = 0; c < N_CASES; c++) {
                check_example_pass(*k, test_V[vi], c, PAIRS_RANDOM, 1003, &s);
            }
            check_example_pass(*k, test_V[vi], CASE_RANDOM, PAIRS_REPEATED, 1003, &s);
            check_example_pass(*k, test_V[vi], CASE_PM80, PAIRS_REPEATED, 1003, &s);
        }
        static const size_t small_n[] = {0, 1, 7, 17};
        for (size_t i = 0; i < sizeof small_n / sizeof small_n[0]; i++) {
            check_example_pass(*k, 27, CASE_RANDOM, PAIRS_RANDOM, small_n[i], &s);
            check_example_pass(*k, 33, CASE_MISALIGNED, PAIRS_RANDOM, small_n[i], &s);
        }
    }
}

/* ---- counts_grad -------------------------------------------------------------- */

static void check_counts_grad(const mm_kernels *k, size_t V, int c, uint64_t *s)
{
    const size_t ld = case_ld(c, V);
    const size_t off = c == CASE_MISALIGNED ? 1 : 0;
    float *Wb = xalloc((V * ld + 1) * sizeof(float));
    float *Pb = xalloc((V * ld + 1) * sizeof(float));
    float *lseb = xalloc((V + 1) * sizeof(float));
    double *Cb = xalloc((V * ld + 1) * sizeof(double));
    double *nb = xalloc((V + 1) * sizeof(double));
    float *refb = xalloc((V * ld + 1) * sizeof(float));
    float *gotb = xalloc((V * ld + 1) * sizeof(float));
    float *W = Wb + off, *P = Pb + off, *lse = lseb + off, *ref = refb + off, *got = gotb + off;
    double *C = Cb + off, *n = nb + off;
    char what[160];

    make_logits(W, V, V, ld, c == CASE_NEGINF ? CASE_RANDOM : c, s);
    mm_kernels_scalar.softmax_rows(P, lse, W, V, V, ld);
    double N = 0.0;
    for (size_t r = 0; r < V; r++) {
        n[r] = 0.0;
        for (size_t j = 0; j < V; j++) {
            uint64_t u = mm_test_rand(s);
            /* names.txt-like: many zeros, a few large counts */
            double cnt = (u & 3) == 0 ? 0.0 : (double)((u >> 8) % ((u & 4) ? 5000 : 40));
            C[r * ld + j] = cnt;
            n[r] += cnt;
        }
        N += n[r];
        for (size_t j = V; j < ld; j++) {
            C[r * ld + j] = NAN;
            P[r * ld + j] = NAN;
        }
    }
    for (size_t i = 0; i < V * ld; i++) {
        got[i] = NAN;
    }
    double nll_ref = mm_kernels_scalar.counts_grad(ref, P, lse, W, C, n, V, ld);
    double nll_got = k->counts_grad(got, P, lse, W, C, n, V, ld);
    snprintf(what, sizeof what, "%s counts_grad V=%zu case=%s nll", k->name, V, case_name[c]);
    mm_assert_close_f64(nll_ref, nll_got, NLL_ATOL_PER_EXAMPLE * N, NLL_RTOL, what);
    snprintf(what, sizeof what, "%s counts_grad V=%zu case=%s G", k->name, V, case_name[c]);
    /* whole rows: the pads must come out 0 like the reference's */
    assert_rows_close(ref, got, V, ld, ld, GRAD_ATOL_REL * max_abs_rows(ref, V, V, ld),
                      GRAD_RTOL, what);
    for (size_t r = 0; r < V; r++) {
        for (size_t j = V; j < ld; j++) {
            assert_true(ref[r * ld + j] == 0.0f);
        }
    }
    free(Wb);
    free(Pb);
    free(lseb);
    free(Cb);
    free(nb);
    free(refb);
    free(gotb);
}

static void test_counts_grad(void **state)
{
    (void)state;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        uint64_t s = g_seed;
        for (size_t vi = 0; vi < N_V; vi++) {
            for (int c = 0; c < N_CASES; c++) {
                check_counts_grad(*k, test_V[vi], c, &s);
            }
        }
    }
}

/* ---- weight_update ------------------------------------------------------------ */

static void check_weight_update(const mm_kernels *k, size_t V, int c, uint64_t *s)
{
    const size_t ld = case_ld(c, V);
    const size_t off = c == CASE_MISALIGNED ? 1 : 0;
    float *Gb = xalloc((V * ld + 1) * sizeof(float));
    float *refb = xalloc((V * ld + 1) * sizeof(float));
    float *gotb = xalloc((V * ld + 1) * sizeof(float));
    float *G = Gb + off, *ref = refb + off, *got = gotb + off;
    char what[160];

    /* names.txt scale: N ~ 2.3e5 examples, gradient sums up to ~1e4, lr 50 */
    const double N = 228146.0, reg = 0.01;
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            ref[r * ld + j] = (float)nrand(s);
            got[r * ld + j] = ref[r * ld + j];
            G[r * ld + j] = (float)(3000.0 * nrand(s));
        }
        for (size_t j = V; j < ld; j++) {
            G[r * ld + j] = NAN;
        }
    }
    fill_pads_bits(ref, V, V, ld, PAD_SENTINEL);
    fill_pads_bits(got, V, V, ld, PAD_SENTINEL);
    const float lr = 50.0f, gs = (float)(1.0 / N), ws = (float)(2.0 * reg / (double)(V * V));
    /* W - lr * step can cancel far below both terms, and float rounds at the
     * terms' magnitude: scale atol by the larger of them, not by the result. */
    double mag = 0.0;
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            double w = ref[r * ld + j], g = G[r * ld + j];
            mag = fmax(mag, fmax(fabs(w), fabs(lr * (g * gs + ws * w))));
        }
    }
    mm_kernels_scalar.weight_update(ref, G, V, V, ld, lr, gs, ws);
    k->weight_update(got, G, V, V, ld, lr, gs, ws);
    snprintf(what, sizeof what, "%s weight_update V=%zu case=%s", k->name, V, case_name[c]);
    assert_rows_close(ref, got, V, V, ld, GRAD_ATOL_REL * mag, GRAD_RTOL, what);
    assert_pads_bits(got, V, V, ld, PAD_SENTINEL, what);
    free(Gb);
    free(refb);
    free(gotb);
}

static void test_weight_update(void **state)
{
    (void)state;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        uint64_t s = g_seed;
        for (size_t vi = 0; vi < N_V; vi++) {
            check_weight_update(*k, test_V[vi], CASE_RANDOM, &s);
            check_weight_update(*k, test_V[vi], CASE_WIDE, &s);
            check_weight_update(*k, test_V[vi], CASE_MISALIGNED, &s);
        }
    }
}

/* ---- NaN is never hidden ------------------------------------------------------- */

/* A NaN in a real lane (a diverged W) must reach the NLL and the lse, so the
 * drivers can stop; the pads' NaN must not. */
static void test_nan_propagates(void **state)
{
    (void)state;
    const size_t V = 27, ld = 32;
    float *W = xalloc(V * ld * sizeof(float));
    float *P = xalloc(V * ld * sizeof(float));
    float *grad = xalloc(V * ld * sizeof(float));
    float *lse = xalloc(V * sizeof(float));
    float *rowmax = xalloc(V * sizeof(float));
    uint8_t x[4] = {3, 3, 5, 3}, y[4] = {1, 2, 3, 4};
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        uint64_t s = g_seed;
        make_logits(W, V, V, ld, CASE_RANDOM, &s);
        W[3 * ld + 11] = NAN;
        row_max(rowmax, W, V, ld);
        memset(grad, 0, V * ld * sizeof(float));
        (*k)->softmax_rows(P, lse, W, V, V, ld);
        assert_true(isnan(lse[3]));
        assert_false(isnan(lse[5]));
        assert_true(isnan((*k)->example_pass(grad, W, rowmax, V, ld, x, y, 4)));
        assert_false(isnan((*k)->example_pass(grad, W, rowmax, V, ld, x + 2, y + 2, 1)));
    }
    free(W);
    free(P);
    free(grad);
    free(lse);
    free(rowmax);
}

/* ---- finite differences --------------------------------------------------------- */

/* loss = mean NLL + reg * mean(W^2), in double, straight from the definition. */
static double fd_loss(const double *W, size_t V, size_t ld, const uint8_t *x, const uint8_t *y,
                      size_t n, double reg)
{
    double nll = 0.0, w2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double *w = W + x[i] * ld;
        double m = w[0];
        for (size_t j = 1; j < V; j++) {
            m = fmax(m, w[j]);
        }
        double s = 0.0;
        for (size_t j = 0; j < V; j++) {
            s += exp(w[j] - m);
        }
        nll += m + log(s) - w[y[i]];
    }
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            w2 += W[r * ld + j] * W[r * ld + j];
        }
    }
    return nll / (double)n + reg * w2 / (double)(V * V);
}

static void test_gradient_finite_difference(void **state)
{
    (void)state;
    enum { V = 5, LD = 32, N = 60 };
    const double reg = 0.01, h = 1e-4;
    float W[V * LD], G[V * LD], G2[V * LD], P[V * LD], lse[V], rowmax[V], Wn[V * LD];
    double Wd[V * LD], C[V * LD], cnt[V], fd[V * LD];
    uint8_t x[N], y[N];
    char what[160];
    uint64_t s = g_seed;

    for (size_t i = 0; i < V * LD; i++) {
        W[i] = (size_t)(i % LD) < V ? (float)nrand(&s) : NAN;
        Wd[i] = W[i];
        C[i] = (size_t)(i % LD) < V ? 0.0 : NAN;
    }
    for (size_t i = 0; i < N; i++) {
        x[i] = (uint8_t)(mm_test_rand(&s) % V);
        y[i] = (uint8_t)(mm_test_rand(&s) % V);
        C[x[i] * LD + y[i]] += 1.0;
    }
    for (size_t r = 0; r < V; r++) {
        cnt[r] = 0.0;
        for (size_t j = 0; j < V; j++) {
            cnt[r] += C[r * LD + j];
        }
    }
    double loss = fd_loss(Wd, V, LD, x, y, N, reg);
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            size_t q = r * LD + j;
            double w0 = Wd[q];
            Wd[q] = w0 + h;
            double lp = fd_loss(Wd, V, LD, x, y, N, reg);
            Wd[q] = w0 - h;
            double lm = fd_loss(Wd, V, LD, x, y, N, reg);
            Wd[q] = w0;
            fd[q] = (lp - lm) / (2.0 * h);
        }
    }
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        /* examples route */
        memset(G, 0, sizeof G);
        row_max(rowmax, W, V, LD);
        double nll = (*k)->example_pass(G, W, rowmax, V, LD, x, y, N);
        double wmean = 0.0;
        for (size_t r = 0; r < V; r++) {
            for (size_t j = 0; j < V; j++) {
                wmean += (double)W[r * LD + j] * W[r * LD + j];
            }
        }
        wmean /= (double)(V * V);
        snprintf(what, sizeof what, "%s loss from example_pass", (*k)->name);
        mm_assert_close_f64(loss, nll / N + reg * wmean, NLL_ATOL_PER_EXAMPLE, NLL_RTOL, what);
        /* counts route */
        (*k)->softmax_rows(P, lse, W, V, V, LD);
        double nll2 = (*k)->counts_grad(G2, P, lse, W, C, cnt, V, LD);
        snprintf(what, sizeof what, "%s loss from counts_grad", (*k)->name);
        mm_assert_close_f64(loss, nll2 / N + reg * wmean, NLL_ATOL_PER_EXAMPLE, NLL_RTOL, what);

        double maxerr = 0.0;
        for (size_t r = 0; r < V; r++) {
            for (size_t j = 0; j < V; j++) {
                size_t q = r * LD + j;
                double wterm = 2.0 * reg * (double)W[q] / (double)(V * V);
                double an = (double)G[q] / N + wterm;
                double an2 = (double)G2[q] / N + wterm;
                snprintf(what, sizeof what, "%s d loss / d W[%zu][%zu] (example_pass)",
                         (*k)->name, r, j);
                mm_assert_close_f64(fd[q], an, FD_ATOL, FD_RTOL, what);
                snprintf(what, sizeof what, "%s d loss / d W[%zu][%zu] (counts_grad)",
                         (*k)->name, r, j);
                mm_assert_close_f64(fd[q], an2, FD_ATOL, FD_RTOL, what);
                maxerr = fmax(maxerr, fabs(an - fd[q]));
            }
        }
        print_message("%s: max |analytic - finite difference| = %.3g\n", (*k)->name, maxerr);

        /* weight_update with g_scale = 1/N, w_scale = 2 reg / V^2 steps along
         * the same gradient: W' = W - lr * dloss/dW */
        const float lr = 0.5f;
        memcpy(Wn, W, sizeof W);
        (*k)->weight_update(Wn, G, V, V, LD, lr, 1.0f / N, (float)(2.0 * reg / (V * V)));
        for (size_t r = 0; r < V; r++) {
            for (size_t j = 0; j < V; j++) {
                size_t q = r * LD + j;
                snprintf(what, sizeof what, "%s weight_update W[%zu][%zu]", (*k)->name, r, j);
                /* W ~ 1, lr * grad ~ 0.01: the float W carries 6e-8 */
                mm_assert_close_f64((double)W[q] - lr * fd[q], (double)Wn[q], 1e-6, 1e-6, what);
            }
            for (size_t j = V; j < LD; j++) {
                assert_true(isnan(Wn[r * LD + j]));
            }
        }
    }
}

/* ---- vector exp and log -------------------------------------------------------- */

#define VM_BATCH 4096
#define VM_STRIDE 97 /* sample one float in 97 (a prime: every exponent, all mantissa bits) */

/* Floats in [lo, hi] (same sign, |lo| <= |hi| in bits order) one in stride;
 * returns the maximum relative error of fn against ref over them, or checks
 * the absolute error when abs_only. */
static double scan_error(mm_vmath_fn fn, double (*ref)(double), uint32_t b0, uint32_t b1,
                         uint32_t stride, double abs_tol, const char *what)
{
    float *in = xalloc(VM_BATCH * sizeof(float)), *out = xalloc(VM_BATCH * sizeof(float));
    double maxrel = 0.0;
    uint64_t b = b0;
    while (b <= b1) {
        size_t m = 0;
        for (; m < VM_BATCH && b <= b1; m++, b += stride) {
            in[m] = f_of_bits((uint32_t)b);
        }
        fn(out, in, m);
        for (size_t i = 0; i < m; i++) {
            double r = ref((double)in[i]), d = fabs((double)out[i] - r);
            if (abs_tol > 0.0) {
                if (!(d <= abs_tol)) {
                    fail_msg("%s(%.9g): ref %.9g got %.9g |diff| %.3g > %.3g", what, in[i], r,
                             out[i], d, abs_tol);
                }
            } else {
                double rel = d / fabs(r);
                if (!(rel <= maxrel)) {
                    maxrel = rel; /* NaN sticks and fails the caller's bound */
                }
            }
        }
    }
    free(in);
    free(out);
    return maxrel;
}

static void test_vector_exp_log(void **state)
{
    (void)state;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        char what[64];
        snprintf(what, sizeof what, "%s exp", (*k)->name);
        /* x in [-86.98, 0] (negative floats: bits grow with |x|) and [0, 88.72] */
        double e1 = scan_error((*k)->exp_f32, exp, bits_of(-0.0f), bits_of(-86.98f), VM_STRIDE,
                               0.0, what);
        double e2 = scan_error((*k)->exp_f32, exp, 0, bits_of(88.72f), VM_STRIDE, 0.0, what);
        double emax = fmax(e1, e2);
        /* results below 1.7e-38: flushed (AVX2) or subnormal (AVX-512, libm) */
        scan_error((*k)->exp_f32, exp, bits_of(-86.98f), bits_of(-120.0f), 7, EXP_SMALL_ATOL,
                   what);
        snprintf(what, sizeof what, "%s log", (*k)->name);
        double lmax = scan_error((*k)->log_f32, log, 1, bits_of(FLT_MAX), VM_STRIDE, 0.0, what);
        print_message("%s: max relative error vs libm: exp %.3g (bound %.3g), log %.3g (bound "
                      "%.3g)\n",
                      (*k)->name, emax, EXP_MAX_REL, lmax, LOG_MAX_REL);
        if (!(emax <= EXP_MAX_REL) || !(lmax <= LOG_MAX_REL)) {
            fail_msg("%s: exp error %.3g (bound %.3g) or log error %.3g (bound %.3g)",
                     (*k)->name, emax, EXP_MAX_REL, lmax, LOG_MAX_REL);
        }

        /* the whole input range: specials, and every tail length */
        static const float ein[] = {-INFINITY, -1e30f, -200.0f, -110.0f, -0.0f, 0.0f,
                                    88.72f,    88.73f, 89.0f,   1e30f,   INFINITY, NAN};
        float eout[sizeof ein / sizeof ein[0]];
        (*k)->exp_f32(eout, ein, sizeof ein / sizeof ein[0]);
        for (size_t i = 0; i < 4; i++) {
            assert_true(eout[i] == 0.0f);
        }
        assert_true(eout[4] == 1.0f && eout[5] == 1.0f); /* exact, as libm */
        assert_true(isfinite(eout[6]));
        for (size_t i = 7; i < 11; i++) {
            assert_true(isinf(eout[i]) && eout[i] > 0);
        }
        assert_true(isnan(eout[11]));
        static const float lin[] = {0.0f, -0.0f, -1.0f, -INFINITY, INFINITY, NAN, 1.0f,
                                    FLT_TRUE_MIN};
        float lout[sizeof lin / sizeof lin[0]];
        (*k)->log_f32(lout, lin, sizeof lin / sizeof lin[0]);
        assert_true(isinf(lout[0]) && lout[0] < 0);
        assert_true(isinf(lout[1]) && lout[1] < 0);
        assert_true(isnan(lout[2]) && isnan(lout[3]));
        assert_true(isinf(lout[4]) && lout[4] > 0);
        assert_true(isnan(lout[5]));
        assert_true(lout[6] == 0.0f);
        assert_true(fabs(lout[7] - log((double)FLT_TRUE_MIN)) <= 1e-6 * 103.3);

        float in[40], out[40];
        for (size_t n = 0; n <= 33; n++) {
            for (size_t i = 0; i < 40; i++) {
                in[i] = 0.25f * (float)i - 4.0f;
                out[i] = -7.0f;
            }
            (*k)->exp_f32(out, in, n);
            for (size_t i = 0; i < 40; i++) {
                if (i < n) {
                    assert_true(fabs(out[i] - exp(in[i])) <= EXP_MAX_REL * exp(in[i]));
                } else {
                    assert_true(out[i] == -7.0f);
                }
            }
            for (size_t i = 0; i < 40; i++) {
                in[i] = 0.37f * (float)(i + 1);
                out[i] = -7.0f;
            }
            (*k)->log_f32(out, in, n);
            for (size_t i = 0; i < 40; i++) {
                if (i < n) {
                    assert_true(fabs(out[i] - log(in[i])) <= LOG_MAX_REL * fabs(log(in[i])));
                } else {
                    assert_true(out[i] == -7.0f);
                }
            }
        }
        /* in place */
        for (size_t i = 0; i < 40; i++) {
            in[i] = 0.5f * (float)i;
        }
        (*k)->log_f32(in, in, 40);
        assert_true(fabs(in[2] - log(1.0)) <= 1e-7);
    }
}

int main(void)
{
    g_seed = mm_test_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_softmax_rows),
        cmocka_unit_test(test_example_pass),
        cmocka_unit_test(test_counts_grad),
        cmocka_unit_test(test_weight_update),
        cmocka_unit_test(test_nan_propagates),
        cmocka_unit_test(test_gradient_finite_difference),
        cmocka_unit_test(test_vector_exp_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
