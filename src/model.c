/*
 * model.c - count and neural models: ownership, smoothing and the float32
 * probability matrix P, computed as the notebook's PyTorch code does
 * (P = (N + k).float(); P /= P.sum(1, keepdims=True)), so that sampling with
 * the same generator reproduces torch's names exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "model.h"
#include "stream.h"

mm_status mm_model_alloc(mm_model **out, mm_model_kind kind, const mm_vocab *v)
{
    *out = NULL;
    if (v == NULL || v->size == 0 || v->size > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_INVALID_ARG, "invalid vocabulary size");
    }
    size_t V = v->size;
    mm_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    m->kind = kind;
    m->vocab = *v;
    m->order = 2;
    m->probs = calloc(V * V, sizeof *m->probs);
    m->cum_ld = mm_round_up(V, MM_VPAD);
    m->cum = mm_alloc64(V * m->cum_ld * sizeof *m->cum);
    for (size_t i = 0; m->cum != NULL && i < V * m->cum_ld; i++) {
        m->cum[i] = 2.0f;
    }
    m->guide = malloc(V * MM_GUIDE_SIZE);
    if (kind == MM_MODEL_COUNTS) {
        m->counts = calloc(V * V, sizeof *m->counts);
    } else {
        m->W = calloc(V * V, sizeof *m->W);
    }
    if (m->probs == NULL || m->cum == NULL || m->guide == NULL ||
        (m->counts == NULL && m->W == NULL)) {
        mm_model_destroy(m);
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return MM_OK;
}

void mm_model_destroy(mm_model *m)
{
    if (m == NULL) {
        return;
    }
    free(m->counts);
    free(m->W);
    free(m->probs);
    free(m->cum);
    free(m->guide);
    free(m->ng_keys);
    free(m->ng_counts);
    free(m->ctx_keys);
    free(m->ctx_start);
    free(m->ctx_sum);
    free(m);
}

/* The sample_walk guide of one row (kernels/kernels.h).  With
 * lo[b] = #{j : cum[j] < b / B}, the draws u in [b, b + 1) / B give
 * ix = #{j : cum[j] < u} between lo[b] and lo[b + 1]; equal bounds mean one
 * answer for the whole bucket.  cum[j] < b / B iff b > cum[j] B (exact: B
 * is a power of two) iff b >= s_j = floor(cum[j] B) + 1: lo steps up by one
 * at each s_j.  cum is non-decreasing (mm_rng_cumdist), so the s_j come in
 * order and the row is a few runs of memset: a model is built in
 * microseconds, not the tens a per-bucket loop took. */
static void mm_guide_row(uint8_t *guide, const float *cum, size_t V)
{
    size_t j = 0, below = 0, b = 0;
    while (b < MM_GUIDE_SIZE) {
        /* s_j <= b: counted in lo[b] */
        while (j < V && (double)cum[j] * MM_GUIDE_SIZE < (double)b) {
            below++;
            j++;
        }
        /* lo is constant up to the next step, at bucket edge `next` */
        double x = j < V ? (double)cum[j] * MM_GUIDE_SIZE : 2.0 * MM_GUIDE_SIZE;
        size_t next = x >= MM_GUIDE_SIZE ? MM_GUIDE_SIZE + 1 : (size_t)x + 1;
        size_t end = next - 1 < MM_GUIDE_SIZE ? next - 1 : MM_GUIDE_SIZE;
        memset(guide + b, below < MM_GUIDE_ANY ? (int)below : MM_GUIDE_ANY, end - b);
        if (end < MM_GUIDE_SIZE) {
            guide[end] = MM_GUIDE_ANY; /* lo[end] != lo[end + 1] */
        }
        b = end + 1;
    }
}

const uint8_t *mm_model_guide(const mm_model *m)
{
    /* Built on first use, not with the model: only sampling needs it, and
     * at 27 x 1,024 bytes it would cost more than the rest of a small
     * model's construction (training builds two).  Once: the thread that
     * moves the state 0 -> 1 builds it, then publishes 2. */
    mm_model *w = (mm_model *)m; /* a cache: logically const */
    int state = __atomic_load_n(&w->guide_state, __ATOMIC_ACQUIRE);
    if (state == 2) {
        return w->guide;
    }
    int expect = 0;
    if (__atomic_compare_exchange_n(&w->guide_state, &expect, 1, 0, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
        size_t V = m->vocab.size;
        for (size_t i = 0; i < V; i++) {
            mm_guide_row(w->guide + i * MM_GUIDE_SIZE, m->cum + i * m->cum_ld, V);
        }
        __atomic_store_n(&w->guide_state, 2, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&w->guide_state, __ATOMIC_ACQUIRE) != 2) {
            /* another thread is building it: microseconds */
        }
    }
    return w->guide;
}

void mm_softmax_row(float *p, const float *w, size_t V)
{
    float mx = -INFINITY;
    for (size_t j = 0; j < V; j++) {
        mx = w[j] > mx ? w[j] : mx;
    }
    double sum = 0.0;
    for (size_t j = 0; j < V; j++) {
        p[j] = expf(w[j] - mx);
        sum += p[j];
    }
    for (size_t j = 0; j < V; j++) {
        p[j] = (float)(p[j] / sum);
    }
}

mm_status mm_model_update_probs(mm_model *m)
{
    m->guide_state = 0; /* rebuilt from the new rows on first use */
    size_t V = m->vocab.size;
    for (size_t i = 0; i < V; i++) {
        float *p = m->probs + i * V;
        if (m->kind == MM_MODEL_COUNTS) {
            const uint64_t *c = m->counts + i * V;
            double sum = 0.0;
            for (size_t j = 0; j < V; j++) {
                p[j] = (float)((double)c[j] + m->smoothing);
                sum += p[j];
            }
            /* torch sums the float32 row; for integral counts below 2^24
             * every order gives the same exact sum, which double reproduces. */
            float total = (float)sum;
            for (size_t j = 0; j < V; j++) {
                p[j] = p[j] / total;
            }
        } else {
            mm_softmax_row(p, m->W + i * V, V);
        }
        /* Sampling draws from a row thousands of times: normalise once. */
        mm_rng_cumdist(p, V, m->cum + i * m->cum_ld);
    }
    return MM_OK;
}

long mm_model_bad_row(const mm_model *m)
{
    /* Each row of P must be a distribution: finite entries summing to 1.  A
     * row sum that overflows float32 (k = 1e38 with V = 27) gives finite
     * zeros, not NaN, so the sum is what is checked. */
    size_t V = m->vocab.size;
    for (size_t i = 0; i < V; i++) {
        double sum = 0.0;
        for (size_t j = 0; j < V; j++) {
            sum += m->probs[i * V + j];
        }
        if (!(sum > 0.5 && sum < 1.5)) {
            return (long)i;
        }
    }
    return -1;
}

mm_status mm_model_from_counts(mm_model **out, const mm_vocab *v,
                               const uint64_t *counts, double smoothing)
{
    *out = NULL;
    if (counts == NULL || !(smoothing >= 0.0) || !isfinite(smoothing)) {
        return mm_fail(MM_ERR_INVALID_ARG,
                       "smoothing must be a finite number >= 0 (got %g)", smoothing);
    }
    mm_model *m = NULL;
    mm_status st = mm_model_alloc(&m, MM_MODEL_COUNTS, v);
    if (st != MM_OK) {
        return st;
    }
    size_t V = v->size;
    memcpy(m->counts, counts, V * V * sizeof *counts);
    m->smoothing = smoothing;
    mm_model_update_probs(m);
    /* P must be a float32 distribution, as the file reader demands (else a
     * saved model would not load, and sampling would draw from NaN): with
     * k = 0 a row without counts is 0/0, and a k near FLT_MAX / V makes
     * count + k or the row sum overflow to inf. */
    long bad = mm_model_bad_row(m);
    if (bad >= 0) {
        char sym[5];
        mm_vocab_utf8(v, (size_t)bad, sym);
        if (smoothing == 0.0) {
            st = mm_fail(MM_ERR_INVALID_ARG, "row '%s' has no counts and the "
                         "smoothing is 0: its probabilities would be 0/0", sym);
        } else {
            st = mm_fail(MM_ERR_INVALID_ARG, "smoothing %g is too large: the "
                         "probabilities overflow float32", smoothing);
        }
        mm_model_destroy(m);
        return st;
    }
    *out = m;
    return MM_OK;
}

mm_model_kind mm_model_get_kind(const mm_model *m)
{
    return m->kind;
}

const mm_vocab *mm_model_get_vocab(const mm_model *m)
{
    return &m->vocab;
}

const uint64_t *mm_model_get_counts(const mm_model *m)
{
    return m->counts;
}

double mm_model_get_smoothing(const mm_model *m)
{
    return m->smoothing;
}

const float *mm_model_get_probs(const mm_model *m)
{
    return m->probs;
}

const float *mm_model_get_weights(const mm_model *m)
{
    return m->kind == MM_MODEL_NEURAL ? m->W : NULL;
}

uint64_t mm_model_get_steps(const mm_model *m)
{
    return m->kind == MM_MODEL_NEURAL ? m->neural.step : 0;
}

mm_status mm_model_get_train_state(const mm_model *m, mm_train_state *out)
{
    if (m == NULL || out == NULL || m->kind != MM_MODEL_NEURAL) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_model_get_train_state: not a neural model");
    }
    const mm_neural_state *n = &m->neural;
    out->step = n->step;
    out->lr = n->lr;
    out->reg = n->reg;
    out->seed = n->seed;
    out->driver = (mm_train_driver)n->driver;
    out->batch = n->batch;
    return MM_OK;
}

mm_status mm_vocab_validate(const mm_vocab *v, const char *name)
{
    if (v->size == 0 || v->size > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_FORMAT, "%s: vocabulary size %u out of range 1..%d", name,
                       (unsigned)v->size, MM_MAX_VOCAB);
    }
    if (v->cp[0] != MM_BOUNDARY) {
        return mm_fail(MM_ERR_FORMAT, "%s: vocabulary does not start with '.'", name);
    }
    for (uint32_t i = 1; i < v->size; i++) {
        uint32_t cp = v->cp[i];
        int bad = cp == 0 || cp == '\n' || cp == '\r' || cp == MM_BOUNDARY ||
                  cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
                  (i > 1 && cp <= v->cp[i - 1]);
        if (bad) {
            return mm_fail(MM_ERR_FORMAT, "%s: vocabulary entry %u (U+%04X) is invalid "
                           "or out of order", name, (unsigned)i, (unsigned)cp);
        }
    }
    return MM_OK;
}
