/*
 * ngram_model.c - order-K count models (K = 3..6): probabilities, evaluation
 * and sampling from the n-grams seen, never from a V^K table.
 *
 * The model keeps the sorted n-gram list of the counter and, per distinct
 * context, where its n-grams start and the float32 sum of its smoothed row.
 * A row of P is then built on demand exactly as the notebook's PyTorch code
 * builds it: p[j] = float(C + k), divided in float32 by the row's sum, so
 * sampling with torch's multinomial on that row gives torch's names.  K = 2
 * stays the dense bigram model of model.c (mm_model_from_ngrams converts).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model.h"
#include "ngram.h"

mm_status mm_ngram_model_create(mm_model **out, const mm_vocab *v, int order,
                                const uint64_t *keys, const uint64_t *counts, size_t n,
                                double smoothing, const char *name)
{
    *out = NULL;
    const size_t V = v->size;
    const uint64_t cells = mm_ngram_cells(V, order);
    if (!(smoothing >= 0.0) || !isfinite(smoothing)) {
        return mm_fail(MM_ERR_INVALID_ARG, "smoothing must be a finite number >= 0 (got %g)",
                       smoothing);
    }
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (keys[i] >= cells || (i > 0 && keys[i] <= keys[i - 1]) || counts[i] == 0) {
            return mm_fail(MM_ERR_FORMAT, "%s: n-gram %zu (key %llu) is out of range, out of "
                           "order or has a zero count", name, i, (unsigned long long)keys[i]);
        }
        if (__builtin_add_overflow(total, counts[i], &total)) {
            return mm_fail(MM_ERR_FORMAT, "%s: the n-gram counts add up past 2^64", name);
        }
    }
    mm_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    m->kind = MM_MODEL_COUNTS;
    m->vocab = *v;
    m->order = order;
    m->smoothing = smoothing;
    m->ng_n = n;
    size_t nctx = 0;
    for (size_t i = 0; i < n; i++) {
        nctx += i == 0 || keys[i] / V != keys[i - 1] / V;
    }
    m->nctx = nctx;
    m->ng_keys = malloc((n ? n : 1) * sizeof *m->ng_keys);
    m->ng_counts = malloc((n ? n : 1) * sizeof *m->ng_counts);
    m->ctx_keys = malloc((nctx ? nctx : 1) * sizeof *m->ctx_keys);
    m->ctx_start = malloc((nctx + 1) * sizeof *m->ctx_start);
    m->ctx_sum = malloc((nctx ? nctx : 1) * sizeof *m->ctx_sum);
    if (m->ng_keys == NULL || m->ng_counts == NULL || m->ctx_keys == NULL ||
        m->ctx_start == NULL || m->ctx_sum == NULL) {
        mm_model_destroy(m);
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    if (n > 0) {
        memcpy(m->ng_keys, keys, n * sizeof *keys);
        memcpy(m->ng_counts, counts, n * sizeof *counts);
    }
    const float kf = (float)smoothing;
    size_t c = 0;
    for (size_t i = 0; i < n; c++) {
        size_t j = i;
        /* The float32 row (C + k) summed in double: exact for integral
         * counts below 2^24, as torch's float32 sum is (model.c does the
         * same for bigrams). */
        double sum = 0.0;
        while (j < n && keys[j] / V == keys[i] / V) {
            sum += (double)(float)((double)counts[j] + smoothing);
            j++;
        }
        sum += (double)(V - (j - i)) * (double)kf;
        m->ctx_keys[c] = keys[i] / V;
        m->ctx_start[c] = i;
        m->ctx_sum[c] = (float)sum;
        if (!isfinite(m->ctx_sum[c])) {
            mm_model_destroy(m);
            return mm_fail(MM_ERR_INVALID_ARG, "smoothing %g is too large: the probabilities "
                           "overflow float32", smoothing);
        }
        i = j;
    }
    m->ctx_start[nctx] = n;
    *out = m;
    return MM_OK;
}

long mm_ngram_find_context(const mm_model *m, uint64_t ctx)
{
    size_t lo = 0, hi = m->nctx;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->ctx_keys[mid] < ctx) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < m->nctx && m->ctx_keys[lo] == ctx ? (long)lo : -1;
}

/* Count of n-gram (context index c, next symbol). */
static uint64_t mm_ngram_count_in(const mm_model *m, size_t c, size_t next)
{
    uint64_t key = m->ctx_keys[c] * m->vocab.size + next;
    size_t lo = m->ctx_start[c], hi = m->ctx_start[c + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->ng_keys[mid] < key) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo < m->ctx_start[c + 1] && m->ng_keys[lo] == key ? m->ng_counts[lo] : 0;
}

/* The float32 P(next | ctx), as the notebook's P[ctx][next]. */
static float mm_ngram_prob(const mm_model *m, uint64_t ctx, size_t next)
{
    if (m->kind == MM_MODEL_NEURAL) { /* every context's row is kept */
        return m->probs[ctx * m->vocab.size + next];
    }
    long c = mm_ngram_find_context(m, ctx);
    if (c < 0) {
        float kf = (float)m->smoothing;
        return kf / (float)((double)m->vocab.size * (double)kf);
    }
    uint64_t n = mm_ngram_count_in(m, (size_t)c, next);
    return (float)((double)n + m->smoothing) / m->ctx_sum[c];
}

double mm_ngram_logprob(const mm_model *m, uint64_t ctx, size_t next)
{
    float p = mm_ngram_prob(m, ctx, next);
    return p > 0.0f ? log((double)p) : -INFINITY; /* 0, or 0/0 with k = 0 */
}

/* Row of P for context ctx (V floats). */
static void mm_ngram_row(const mm_model *m, uint64_t ctx, float *row)
{
    const size_t V = m->vocab.size;
    if (m->kind == MM_MODEL_NEURAL) {
        memcpy(row, m->probs + ctx * V, V * sizeof *row);
        return;
    }
    long c = mm_ngram_find_context(m, ctx);
    float kf = (float)m->smoothing;
    float total = c < 0 ? (float)((double)V * (double)kf) : m->ctx_sum[c];
    for (size_t j = 0; j < V; j++) {
        row[j] = kf;
    }
    if (c >= 0) {
        for (size_t i = m->ctx_start[c]; i < m->ctx_start[c + 1]; i++) {
            row[m->ng_keys[i] % V] = (float)((double)m->ng_counts[i] + m->smoothing);
        }
    }
    for (size_t j = 0; j < V; j++) {
        row[j] = row[j] / total;
    }
}

mm_status mm_ngram_eval(const mm_model *m, const mm_ngrams *g, const char *name,
                        mm_eval_result *out)
{
    const size_t V = m->vocab.size;
    uint64_t n = 0;
    double ll = 0.0;
    /* key order: the same summation order as the bigram eval */
    for (size_t i = 0; i < g->n; i++) {
        n += g->counts[i];
        ll += (double)g->counts[i] * mm_ngram_logprob(m, g->keys[i] / V, g->keys[i] % V);
    }
    mm_status st = mm_require_names(n, name, MM_NAMES_EVAL); /* as the bigram eval */
    if (st != MM_OK) {
        return st;
    }
    memset(out, 0, sizeof *out);
    out->examples = n;
    out->log_likelihood = ll;
    out->nll = -ll / (double)n;
    out->perplexity = exp(out->nll);
    out->nll_with_oov = out->nll; /* no --unk skip for order K: no skipped n-grams */
    out->perplexity_with_oov = out->perplexity;
    return MM_OK;
}

size_t mm_ngram_sample(const mm_model *m, mm_rng *g, uint8_t *out, size_t max_len)
{
    const size_t V = m->vocab.size;
    const uint64_t nctx = mm_ngram_cells(V, m->order - 1);
    float row[MM_MAX_VOCAB], cum[MM_MAX_VOCAB];
    uint64_t ctx = 0;
    size_t n = 0;
    while (n < max_len) {
        /* torch.multinomial(P[ctx], 1, replacement=True, generator=g) */
        mm_ngram_row(m, ctx, row);
        size_t ix = mm_rng_multinomial(g, row, V, cum);
        if (ix == 0) {
            break;
        }
        out[n++] = (uint8_t)ix;
        ctx = (ctx * V + ix) % nctx;
    }
    return n;
}

/* ---- public API ------------------------------------------------------------ */

mm_status mm_model_from_ngrams(mm_model **out, const mm_ngrams *g, double smoothing)
{
    *out = NULL;
    if (g == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_model_from_ngrams: no counts");
    }
    if (g->order > 2) {
        return mm_ngram_model_create(out, &g->vocab, g->order, g->keys, g->counts, g->n,
                                     smoothing, "n-gram counts");
    }
    size_t V = g->vocab.size;
    uint64_t *dense = malloc(V * V * sizeof *dense);
    if (dense == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_status st = mm_ngrams_get_dense(g, dense, V * V);
    if (st == MM_OK) {
        st = mm_model_from_counts(out, &g->vocab, dense, smoothing);
    }
    free(dense);
    return st;
}

int mm_model_get_order(const mm_model *m)
{
    return m->order;
}

size_t mm_model_get_ngram_size(const mm_model *m)
{
    return m->order > 2 ? m->ng_n : 0;
}

size_t mm_model_get_context_count(const mm_model *m)
{
    return m->order > 2 && m->kind == MM_MODEL_COUNTS ? m->nctx : 0;
}

const uint64_t *mm_model_get_ngram_keys(const mm_model *m)
{
    return m->order > 2 ? m->ng_keys : NULL;
}

const uint64_t *mm_model_get_ngram_values(const mm_model *m)
{
    return m->order > 2 ? m->ng_counts : NULL;
}

static uint64_t mm_context_key(const mm_model *m, const uint8_t *context)
{
    uint64_t ctx = 0;
    for (int i = 0; i < m->order - 1; i++) {
        ctx = ctx * m->vocab.size + context[i];
    }
    return ctx;
}

mm_status mm_model_get_row(const mm_model *m, const uint8_t *context, float *row)
{
    const size_t V = m->vocab.size;
    for (int i = 0; context == NULL || i < m->order - 1; i++) {
        if (context == NULL || context[i] >= V) {
            return mm_fail(MM_ERR_INVALID_ARG, "mm_model_get_row: context symbol out of range");
        }
    }
    if (m->order > 2) {
        mm_ngram_row(m, mm_context_key(m, context), row);
    } else {
        memcpy(row, m->probs + (size_t)context[0] * V, V * sizeof *row);
    }
    return MM_OK;
}

/* cells must be V^K of m. */
static mm_status mm_check_cells(const mm_model *m, size_t cells, const char *fn)
{
    uint64_t want = mm_ngram_cells(m->vocab.size, m->order);
    if ((uint64_t)cells != want) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: the model has V^K = %llu cells (got room for "
                       "%zu)", fn, (unsigned long long)want, cells);
    }
    return MM_OK;
}

mm_status mm_model_get_dense_counts(const mm_model *m, uint64_t *out, size_t cells)
{
    mm_status st = mm_check_cells(m, cells, "mm_model_get_dense_counts");
    if (st != MM_OK) {
        return st;
    }
    if (m->kind != MM_MODEL_COUNTS) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_model_get_dense_counts: a neural model has no "
                       "counts");
    }
    if (m->order == 2) {
        memcpy(out, m->counts, cells * sizeof *out);
        return MM_OK;
    }
    memset(out, 0, cells * sizeof *out);
    for (size_t i = 0; i < m->ng_n; i++) {
        out[m->ng_keys[i]] = m->ng_counts[i];
    }
    return MM_OK;
}

mm_status mm_model_get_dense_probs(const mm_model *m, float *out, size_t cells)
{
    mm_status st = mm_check_cells(m, cells, "mm_model_get_dense_probs");
    if (st != MM_OK) {
        return st;
    }
    if (m->order == 2 || m->kind == MM_MODEL_NEURAL) {
        memcpy(out, m->probs, cells * sizeof *out);
        return MM_OK;
    }
    const size_t V = m->vocab.size;
    for (size_t ctx = 0; ctx < cells / V; ctx++) {
        mm_ngram_row(m, ctx, out + ctx * V);
    }
    return MM_OK;
}
