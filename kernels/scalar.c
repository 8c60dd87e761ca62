/*
 * scalar.c - the reference kernels: plain C, no intrinsics.  Every other
 * variant is tested against these; keep them obviously correct.  The neural
 * kernels compute in double (libm exp/log) and round once at the store, so
 * they are the most accurate variant as well as the simplest.
 */
#if defined(__AVX2__) || defined(__AVX512F__)
#error "kernels/scalar.c must be compiled without ISA flags: it is the reference"
#endif

#include <math.h>

#include "kernels.h"

/* The reference stream: one uint64 counter per pair, one increment per pair. */
typedef struct scalar_count {
    size_t K;
    uint8_t code[256];
    uint64_t counts[];
} scalar_count;

static size_t count_work_size_scalar(size_t K)
{
    return sizeof(scalar_count) + K * K * sizeof(uint64_t);
}

static void count_begin_scalar(void *work, const uint8_t code[256], size_t K)
{
    scalar_count *s = work;
    s->K = K;
    for (int i = 0; i < 256; i++) {
        s->code[i] = code[i];
    }
    for (size_t i = 0; i < K * K; i++) {
        s->counts[i] = 0;
    }
}

static void count_feed_scalar(void *work, const uint8_t *b, size_t n)
{
    scalar_count *s = work;
    /* locals: a store through counts could alias the fields of *s */
    const size_t K = s->K;
    const uint8_t *code = s->code;
    uint64_t *counts = s->counts;
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

static void count_end_scalar(void *work, uint64_t *counts)
{
    scalar_count *s = work;
    for (size_t i = 0; i < s->K * s->K; i++) {
        counts[i] += s->counts[i];
    }
}

static void softmax_rows_scalar(float *probs, float *lse, const float *logits, size_t rows,
                                size_t V, size_t ld)
{
    for (size_t r = 0; r < rows; r++) {
        const float *l = logits + r * ld;
        float *p = probs + r * ld;
        double m = l[0];
        for (size_t j = 1; j < V; j++) {
            if (l[j] > m) {
                m = l[j];
            }
        }
        double s = 0.0;
        for (size_t j = 0; j < V; j++) {
            s += exp((double)l[j] - m);
        }
        for (size_t j = 0; j < V; j++) {
            p[j] = (float)(exp((double)l[j] - m) / s);
        }
        for (size_t j = V; j < ld; j++) {
            p[j] = 0.0f;
        }
        if (lse != NULL) {
            lse[r] = (float)(m + log(s));
        }
    }
}

static double example_pass_scalar(float *grad, const float *W, const float *rowmax, size_t V,
                                  size_t ld, const uint8_t *x, const uint8_t *y, size_t n)
{
    double e[256];
    double nll = 0.0;
    for (size_t i = 0; i < n; i++) {
        size_t r = x[i], t = y[i];
        const float *w = W + r * ld;
        float *g = grad + r * ld;
        double m = rowmax[r];
        double s = 0.0;
        for (size_t j = 0; j < V; j++) {
            e[j] = exp((double)w[j] - m);
            s += e[j];
        }
        for (size_t j = 0; j < V; j++) {
            g[j] += (float)(e[j] / s - (j == t ? 1.0 : 0.0));
        }
        nll += m + log(s) - (double)w[t];
    }
    return nll;
}

static double counts_grad_scalar(float *G, const float *P, const float *lse, const float *W,
                                 const double *C, const double *n, size_t V, size_t ld)
{
    double nll = 0.0;
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            size_t k = r * ld + j;
            G[k] = (float)(n[r] * (double)P[k] - C[k]);
            nll += C[k] * ((double)lse[r] - (double)W[k]);
        }
        for (size_t j = V; j < ld; j++) {
            G[r * ld + j] = 0.0f;
        }
    }
    return nll;
}

static void weight_update_scalar(float *W, const float *G, size_t rows, size_t V, size_t ld,
                                 float lr, float g_scale, float w_scale)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < V; j++) {
            size_t k = r * ld + j;
            W[k] -= lr * (G[k] * g_scale + w_scale * W[k]);
        }
    }
}

static void exp_f32_scalar(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = expf(src[i]);
    }
}

static void log_f32_scalar(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dst[i] = logf(src[i]);
    }
}

static size_t scan_ascii_scalar(uint8_t seen[256], const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (b[i] >= 0x80) {
            return i;
        }
        seen[b[i]] = 1;
    }
    return n;
}

static size_t sample_walk_scalar(mm_walk *w, uint8_t *out, const float *cum,
                                 const uint8_t *guide, size_t V, size_t ld, const uint64_t *r,
                                 size_t n, size_t max_len)
{
    (void)guide;
    size_t k = 0, e = 0;
    uint32_t row = w->row, run = w->run;
    uint64_t names = w->names;
    while (k < n && names > 0) {
        const float *c = cum + (size_t)row * ld;
        double u = (double)r[k] * 0x1p-53;
        uint32_t ix = 0;
        for (size_t j = 0; j < V; j++) {
            ix += (double)c[j] < u;
        }
        k++;
        out[e++] = (uint8_t)ix;
        if (ix != 0 && ++run == max_len) {
            out[e++] = 0;
            ix = 0;
        }
        if (ix == 0) {
            run = 0;
            names--;
        }
        row = ix;
    }
    w->row = row;
    w->run = run;
    w->names = names;
    w->emitted += e;
    return k;
}

const mm_counter mm_counter_scalar = {
    .name = "scalar",
    .supported = mm_cpu_always,
    .count_work_size = count_work_size_scalar,
    .count_begin = count_begin_scalar,
    .count_feed = count_feed_scalar,
    .count_end = count_end_scalar,
};

const mm_kernels mm_kernels_scalar = {
    .name = "scalar",
    .supported = mm_cpu_always,
    .counter = &mm_counter_scalar,
    .scan_ascii = scan_ascii_scalar,
    .sample_walk = sample_walk_scalar,
    .softmax_rows = softmax_rows_scalar,
    .example_pass = example_pass_scalar,
    .counts_grad = counts_grad_scalar,
    .weight_update = weight_update_scalar,
    .exp_f32 = exp_f32_scalar,
    .log_f32 = log_f32_scalar,
};
