/*
 * train_ngram.c - the neural trigram of the lecture's exercise E01: logits
 * of the context (x1, x2) are W1[x1] + W2[x2], with W = [W1; W2] a 2V x V
 * float32 matrix (the notebook's cat(one_hot(x1), one_hot(x2)) @ W), loss =
 * mean NLL + reg * mean(W^2) over the 2V^2 weights, W -= lr * grad.
 *
 * Full batch from the trigram counts (the counts driver of the bigram): the
 * loss depends on the data only through C[x1, x2, y], so a step visits each
 * context seen once, O(contexts x V), gradients summed in double.  The
 * model keeps P for every one of the V^2 contexts (V^3 floats: 20k for
 * V = 27), so eval, sample and export read rows as for the count models.
 * W starts as torch.randn((2V, V), generator=manual_seed(seed)).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "corpus.h"
#include "internal.h"
#include "model.h"
#include "ngram.h"

static double mm_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Softmax of W1[x1] + W2[x2] for every context into m->probs. */
void mm_neural3_update_probs(mm_model *m)
{
    const size_t V = m->vocab.size;
    for (size_t x1 = 0; x1 < V; x1++) {
        for (size_t x2 = 0; x2 < V; x2++) {
            const float *a = m->W + x1 * V, *b = m->W + (V + x2) * V;
            float *p = m->probs + (x1 * V + x2) * V;
            float logit[MM_MAX_VOCAB];
            for (size_t j = 0; j < V; j++) {
                logit[j] = a[j] + b[j]; /* the float32 logit of xenc @ W */
            }
            mm_softmax_row(p, logit, V);
        }
    }
}

mm_status mm_neural3_alloc(mm_model **out, const mm_vocab *v)
{
    *out = NULL;
    const size_t V = v->size;
    mm_model *m = calloc(1, sizeof *m);
    if (m == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    m->kind = MM_MODEL_NEURAL;
    m->vocab = *v;
    m->order = 3;
    m->W = calloc(2 * V * V, sizeof *m->W);
    m->probs = calloc(V * V * V, sizeof *m->probs);
    if (m->W == NULL || m->probs == NULL) {
        mm_model_destroy(m);
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    *out = m;
    return MM_OK;
}

mm_status mm_neural3_train(mm_model *m, const mm_corpus *c, const mm_train_config *cfg)
{
    if (cfg->driver != MM_DRIVER_COUNTS || cfg->batch != 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "the neural trigram trains full-batch from the "
                       "trigram counts: the counts driver, no --batch");
    }
    const size_t V = m->vocab.size;
    mm_count_opts copts = {.threads = cfg->threads};
    mm_ngrams *g = NULL;
    mm_status st = mm_count_ngrams(c, &m->vocab, 3, &copts, &g);
    if (st != MM_OK) {
        return st;
    }
    const double N = (double)mm_ngrams_get_total(g);
    const size_t nw = 2 * V * V;
    double *G = malloc(nw * sizeof *G);
    float *Wprev = malloc(nw * sizeof *Wprev);
    double *logit = malloc(V * sizeof *logit);
    if (G == NULL || Wprev == NULL || logit == NULL || N == 0) {
        st = N == 0 ? mm_require_names(0, c->name, MM_NAMES_TRAIN)
                    : mm_fail(MM_ERR_NOMEM, "out of memory");
        goto cleanup;
    }
    m->neural.lr = cfg->lr;
    m->neural.reg = cfg->reg;
    m->neural.driver = (uint32_t)cfg->driver;
    m->neural.batch = 0;
    const uint64_t first = m->neural.step;
    double last_loss = NAN;
    while (m->neural.step < cfg->steps) {
        const double t0 = mm_seconds();
        memset(G, 0, nw * sizeof *G);
        double nll = 0.0;
        for (size_t i = 0; i < g->n;) {
            /* one context: its n-grams are contiguous in key order */
            const uint64_t ctx = g->keys[i] / V;
            const size_t x1 = (size_t)(ctx / V), x2 = (size_t)(ctx % V);
            size_t e = i;
            double n_ctx = 0.0;
            while (e < g->n && g->keys[e] / V == ctx) {
                n_ctx += (double)g->counts[e];
                e++;
            }
            const float *a = m->W + x1 * V, *b = m->W + (V + x2) * V;
            double mx = -INFINITY, sum = 0.0;
            for (size_t j = 0; j < V; j++) {
                logit[j] = (double)(a[j] + b[j]); /* the float32 logit of xenc @ W */
                mx = logit[j] > mx ? logit[j] : mx;
            }
            for (size_t j = 0; j < V; j++) {
                sum += exp(logit[j] - mx);
            }
            const double lse = mx + log(sum);
            double *g1 = G + x1 * V, *g2 = G + (V + x2) * V;
            for (size_t j = 0; j < V; j++) {
                double gj = n_ctx * exp(logit[j] - lse);
                g1[j] += gj;
                g2[j] += gj;
            }
            for (size_t q = i; q < e; q++) {
                const size_t y = (size_t)(g->keys[q] % V);
                const double cy = (double)g->counts[q];
                nll += cy * (lse - logit[y]);
                g1[y] -= cy;
                g2[y] -= cy;
            }
            i = e;
        }
        double reg = 0.0;
        for (size_t i = 0; i < nw; i++) {
            reg += (double)m->W[i] * (double)m->W[i];
        }
        const double loss = nll / N + cfg->reg * reg / (double)nw;
        if (!isfinite(loss)) {
            const uint64_t bad = m->neural.step;
            if (bad > first) { /* back to the step before, whose loss was finite */
                memcpy(m->W, Wprev, nw * sizeof *Wprev);
                m->neural.step--;
            }
            st = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the loss is %s "
                         "(learning rate %g is probably too large); the model is the one of "
                         "step %llu, loss %.6g", (unsigned long long)bad,
                         isnan(loss) ? "NaN" : "infinite", cfg->lr,
                         (unsigned long long)m->neural.step, last_loss);
            break;
        }
        last_loss = loss;
        memcpy(Wprev, m->W, nw * sizeof *Wprev);
        const double w_scale = 2.0 * cfg->reg / (double)nw;
        for (size_t i = 0; i < nw; i++) {
            double grad = G[i] / N + w_scale * (double)m->W[i];
            m->W[i] = (float)((double)m->W[i] - cfg->lr * grad);
        }
        m->neural.step++;
        if (cfg->on_step != NULL) {
            mm_train_progress p = {
                .step = m->neural.step - 1, .steps = cfg->steps, .loss = loss,
                .nll = nll / N, .examples = (uint64_t)N, .seconds = mm_seconds() - t0,
            };
            if (cfg->on_step(&p, cfg->user) != 0) {
                break;
            }
        }
    }
    mm_neural3_update_probs(m);
cleanup:
    mm_ngrams_destroy(g);
    free(G);
    free(Wprev);
    free(logit);
    return st;
}
