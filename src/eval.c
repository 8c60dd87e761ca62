/*
 * eval.c - average negative log-likelihood of a corpus under a model.
 *
 * The corpus is counted with the same parallel driver, in the model's
 * vocabulary; then log L = sum over bigrams of C[i][j] * log P[i][j], summed
 * in double.  The notebook sums float32 log-probabilities one bigram at a
 * time; summing counts times logs in double is both faster (O(V^2) after the
 * count) and more accurate.  With k = 0 a seen-in-eval, unseen-in-training
 * bigram has P = 0: the NLL is +inf, as the math says.
 */
#include <math.h>
#include <stdlib.h>

#include "corpus.h"
#include "internal.h"
#include "model.h"

mm_status mm_eval_corpus(const mm_model *m, const mm_corpus *c,
                         const mm_count_opts *opts, mm_eval_result *out)
{
    size_t V = m->vocab.size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    if (counts == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_status st = mm_count_bigrams(c, &m->vocab, opts, counts);
    if (st != MM_OK) {
        free(counts);
        return st;
    }
    uint64_t n = 0;
    double ll = 0.0;
    for (size_t i = 0; i < V * V; i++) {
        if (counts[i] != 0) {
            n += counts[i];
            ll += (double)counts[i] * log((double)m->probs[i]);
        }
    }
    free(counts);
    if (n == 0) {
        return mm_fail(MM_ERR_CORPUS, "%s: no names to evaluate (the file is empty or "
                       "has only blank lines)", c->name);
    }
    out->examples = n;
    out->log_likelihood = ll;
    out->nll = n ? -ll / (double)n : 0.0;
    out->perplexity = exp(out->nll);
    return MM_OK;
}
