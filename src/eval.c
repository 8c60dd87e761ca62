/*
 * eval.c - average negative log-likelihood of a corpus under a model.
 *
 * The corpus is counted with the same parallel driver, in the model's
 * vocabulary (mm_eval_file: the one-pass file counter, then the counts
 * moved into the model's vocabulary); then log L = sum over bigrams of C[i][j] * log P[i][j], summed
 * in double.  The notebook sums float32 log-probabilities one bigram at a
 * time; summing counts times logs in double is both faster (O(V^2) after the
 * count) and more accurate.  With k = 0 a seen-in-eval, unseen-in-training
 * bigram has P = 0: the NLL is +inf, as the math says.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "internal.h"
#include "model.h"

/* The result from counts in the model's vocabulary (V*V), summed in index
 * order: one summation order for every way of counting. */
static mm_status mm_eval_from_counts(const mm_model *m, const uint64_t *counts,
                                     const char *name, mm_eval_result *out)
{
    size_t V = m->vocab.size;
    uint64_t n = 0;
    double ll = 0.0;
    for (size_t i = 0; i < V * V; i++) {
        if (counts[i] != 0) {
            n += counts[i];
            ll += (double)counts[i] * log((double)m->probs[i]);
        }
    }
    if (n == 0) {
        return mm_fail(MM_ERR_CORPUS, "%s: no names to evaluate (the file is empty or "
                       "has only blank lines)", name);
    }
    out->examples = n;
    out->log_likelihood = ll;
    out->nll = -ll / (double)n;
    out->perplexity = exp(out->nll);
    return MM_OK;
}

mm_status mm_eval_counts(const mm_model *m, const uint64_t *counts, const char *name,
                         mm_eval_result *out)
{
    return mm_eval_from_counts(m, counts, name != NULL ? name : "the counts", out);
}

mm_status mm_eval_corpus(const mm_model *m, const mm_corpus *c,
                         const mm_eval_opts *opts, mm_eval_result *out)
{
    size_t V = m->vocab.size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    if (counts == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_count_opts copts = {.threads = opts ? opts->threads : 0};
    mm_status st = mm_count_bigrams(c, &m->vocab, &copts, counts);
    if (st == MM_OK) {
        st = mm_eval_from_counts(m, counts, c->name, out);
    }
    free(counts);
    return st;
}

mm_status mm_eval_file(const mm_model *m, const char *path, const mm_eval_opts *opts,
                       mm_eval_result *out)
{
    /* One streaming pass (mm_count_file), then the counts moved into the
     * model's vocabulary.  A character the model lacks goes to the mapped
     * path, whose message names where it first occurs. */
    mm_vocab cv;
    uint64_t *cc = NULL;
    if (path != NULL && strcmp(path, "-") == 0) {
        /* Standard input can be read once only: no streaming pass, whose
         * fallback would find the input consumed. */
        mm_corpus *c = NULL;
        mm_status st = mm_corpus_open(&c, path);
        if (st == MM_OK) {
            st = mm_eval_corpus(m, c, opts, out);
        }
        mm_corpus_close(c);
        return st;
    }
    mm_count_opts copts = {.threads = opts ? opts->threads : 0};
    mm_status st = mm_count_file(path, &copts, &cv, &cc, NULL);
    if (st != MM_OK) {
        return st;
    }
    size_t V = m->vocab.size, Vc = cv.size;
    int map[MM_MAX_VOCAB];
    int missing = 0;
    for (size_t i = 0; i < Vc; i++) {
        map[i] = mm_vocab_index(&m->vocab, cv.cp[i]);
        missing |= map[i] < 0;
    }
    uint64_t *counts = missing ? NULL : calloc(V * V, sizeof *counts);
    if (!missing && counts == NULL) {
        free(cc);
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    if (missing) {
        free(cc);
        mm_corpus *c = NULL;
        st = mm_corpus_open(&c, path);
        if (st == MM_OK) {
            st = mm_eval_corpus(m, c, opts, out);
        }
        mm_corpus_close(c);
        return st;
    }
    for (size_t i = 0; i < Vc; i++) {
        for (size_t j = 0; j < Vc; j++) {
            counts[(size_t)map[i] * V + (size_t)map[j]] = cc[i * Vc + j];
        }
    }
    free(cc);
    st = mm_eval_from_counts(m, counts, strcmp(path, "-") == 0 ? "<stdin>" : path, out);
    free(counts);
    return st;
}
