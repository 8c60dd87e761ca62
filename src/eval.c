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
#include <unistd.h>

#include "corpus.h"
#include "count.h"
#include "internal.h"
#include "model.h"
#include "ngram.h"

/* The result from counts in the model's vocabulary (V*V), summed in index
 * order: one summation order for every way of counting.  oov_bigrams were
 * skipped (MM_UNK_SKIP). */
static mm_status mm_eval_from_counts(const mm_model *m, const uint64_t *counts,
                                     uint64_t oov, uint64_t oov_bigrams, const char *name,
                                     mm_eval_result *out)
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
    mm_status st = mm_require_names(n + oov_bigrams, name, MM_NAMES_EVAL);
    if (st != MM_OK) {
        return st;
    }
    out->examples = n;
    out->log_likelihood = ll;
    out->nll = n > 0 ? -ll / (double)n : NAN;
    out->perplexity = exp(out->nll);
    out->oov = oov;
    out->oov_bigrams = oov_bigrams;
    if (oov_bigrams == 0) {
        out->nll_with_oov = out->nll;
    } else {
        double ll_all = ll - (double)oov_bigrams * log((double)V);
        out->nll_with_oov = -ll_all / (double)(n + oov_bigrams);
    }
    out->perplexity_with_oov = exp(out->nll_with_oov);
    return MM_OK;
}

mm_status mm_eval_counts(const mm_model *m, const uint64_t *counts, const char *name,
                         mm_eval_result *out)
{
    return mm_eval_from_counts(m, counts, 0, 0, name, out);
}

/* Order K > 2: the corpus's n-grams in the model's vocabulary, scored one
 * distinct n-gram at a time (ngram_model.c). */
static mm_status mm_eval_ngram_corpus(const mm_model *m, const mm_corpus *c,
                                      const mm_eval_opts *opts, mm_eval_result *out)
{
    mm_ngrams *g = NULL;
    mm_count_opts copts = {.threads = opts ? opts->threads : 0};
    mm_status st = mm_count_ngrams(c, &m->vocab, m->order, &copts, &g);
    if (st == MM_OK) {
        st = mm_ngram_eval(m, g, c->name, out);
    }
    mm_ngrams_destroy(g);
    return st;
}

mm_status mm_eval_corpus(const mm_model *m, const mm_corpus *c,
                         const mm_eval_opts *opts, mm_eval_result *out)
{
    if (m->order > 2) {
        return mm_eval_ngram_corpus(m, c, opts, out);
    }
    size_t V = m->vocab.size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    if (counts == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_count_opts copts = {.threads = opts ? opts->threads : 0};
    mm_status st = mm_count_bigrams(c, &m->vocab, &copts, counts);
    if (st == MM_OK) {
        st = mm_eval_from_counts(m, counts, 0, 0, c->name, out);
    }
    free(counts);
    return st;
}


/* The lowest code point of the stream's vocabulary that the model lacks,
 * where it first occurs: the message mm_count_bigrams gives for a file. */
static mm_status mm_eval_missing(const mm_vocab *cv, const int *map, const mm_cp_pos *first,
                                 const char *name)
{
    for (size_t i = 0; i < cv->size; i++) {
        if (map[i] < 0) {
            char u[5];
            u[mm_utf8_encode(cv->cp[i], u)] = '\0';
            return mm_fail(MM_ERR_VOCAB, "%s:%llu:%llu: character '%s' (U+%04X) is not in "
                           "the model's vocabulary", name, (unsigned long long)first[i].line,
                           (unsigned long long)first[i].col, u, (unsigned)cv->cp[i]);
        }
    }
    return MM_OK;
}

/* The counts of the file at path in vocabulary v (V*V into counts): every
 * bigram with a character v lacks on either side is skipped and counted in
 * *oov_bigrams (MM_UNK_SKIP), or is an error naming where it first occurs
 * (MM_UNK_ERROR; a file goes to the mapped path for that message). */
static mm_status mm_counts_in_vocab(const char *path, const mm_count_opts *opts,
                                    const mm_vocab *v, mm_unk_policy unk, uint64_t *counts,
                                    uint64_t *oov, uint64_t *oov_bigrams)
{
    const int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "<stdin>" : path;
    mm_vocab cv;
    uint64_t *cc = NULL;
    mm_cp_pos *first = NULL;
    mm_status st;
    if (is_stdin) {
        first = malloc(MM_MAX_VOCAB * sizeof *first);
        if (first == NULL) {
            return mm_fail(MM_ERR_NOMEM, "out of memory");
        }
        st = mm_count_stream(STDIN_FILENO, name, opts, &cv, &cc, NULL, first);
    } else {
        st = mm_count_file(path, opts, &cv, &cc, NULL);
    }
    if (st != MM_OK) {
        goto done;
    }
    size_t V = v->size, Vc = cv.size;
    int map[MM_MAX_VOCAB];
    int missing = 0;
    for (size_t i = 0; i < Vc; i++) {
        map[i] = mm_vocab_index(v, cv.cp[i]);
        missing |= map[i] < 0;
    }
    if (missing && unk == MM_UNK_ERROR) {
        if (is_stdin) {
            st = mm_eval_missing(&cv, map, first, name);
            goto done;
        }
        mm_corpus *c = NULL;
        st = mm_corpus_open(&c, path);
        if (st == MM_OK) {
            st = mm_count_bigrams(c, v, opts, counts); /* fails, naming it */
        }
        mm_corpus_close(c);
        if (st == MM_OK) { /* the file changed in between */
            st = mm_fail(MM_ERR_IO, "%s: the file changed while being read", path);
        }
        goto done;
    }
    memset(counts, 0, V * V * sizeof *counts);
    *oov = *oov_bigrams = 0;
    for (size_t i = 0; i < Vc; i++) {
        for (size_t j = 0; j < Vc; j++) {
            uint64_t n = cc[i * Vc + j];
            if (map[i] < 0 || map[j] < 0) {
                *oov_bigrams += n;
                *oov += map[i] < 0 ? n : 0; /* each occurrence begins one bigram */
            } else {
                counts[(size_t)map[i] * V + (size_t)map[j]] = n;
            }
        }
    }
done:
    free(cc);
    free(first);
    return st;
}

mm_status mm_count_file_in_vocab(const char *path, const mm_count_opts *opts,
                                 const mm_vocab *v, uint64_t *counts)
{
    if (path == NULL || v == NULL || counts == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_count_file_in_vocab: invalid argument");
    }
    uint64_t oov = 0, oov_bigrams = 0;
    return mm_counts_in_vocab(path, opts, v, MM_UNK_ERROR, counts, &oov, &oov_bigrams);
}

mm_status mm_eval_file(const mm_model *m, const char *path, const mm_eval_opts *opts,
                       mm_eval_result *out)
{
    mm_unk_policy unk = opts != NULL ? opts->unk : MM_UNK_ERROR;
    mm_count_opts copts = {.threads = opts != NULL ? opts->threads : 0,
                           .on_progress = opts != NULL ? opts->on_progress : NULL,
                           .user = opts != NULL ? opts->user : NULL};
    /* One streaming pass (mm_count_file, or mm_count_stream for standard
     * input), then the counts moved into the model's vocabulary. */
    if (m == NULL || path == NULL || out == NULL ||
        (unk != MM_UNK_ERROR && unk != MM_UNK_SKIP)) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_eval_file: invalid argument");
    }
    if (m->order > 2) { /* n-grams: a character the model lacks is an error */
        mm_corpus *c = NULL;
        mm_status st = mm_corpus_open(&c, path);
        if (st == MM_OK) {
            st = mm_eval_ngram_corpus(m, c, opts, out);
        }
        mm_corpus_close(c);
        return st;
    }
    size_t V = m->vocab.size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    uint64_t oov = 0, oov_bigrams = 0;
    if (counts == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_status st = mm_counts_in_vocab(path, &copts, &m->vocab, unk, counts, &oov,
                                      &oov_bigrams);
    if (st == MM_OK) {
        st = mm_eval_from_counts(m, counts, oov, oov_bigrams,
                                 strcmp(path, "-") == 0 ? "<stdin>" : path, out);
    }
    free(counts);
    return st;
}

mm_status mm_eval_ngrams(const mm_model *m, const mm_ngrams *g, mm_eval_result *out)
{
    if (m == NULL || g == NULL || g->order != m->order || g->vocab.size != m->vocab.size ||
        memcmp(g->vocab.cp, m->vocab.cp, g->vocab.size * sizeof g->vocab.cp[0]) != 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_eval_ngrams: the counts are not in the "
                       "model's vocabulary and order");
    }
    if (m->order > 2) {
        return mm_ngram_eval(m, g, NULL, out);
    }
    /* the bigram sum: index order, as mm_eval_from_counts */
    const size_t V = m->vocab.size;
    uint64_t *dense = malloc(V * V * sizeof *dense);
    if (dense == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    mm_status st = mm_ngrams_get_dense(g, dense, V * V);
    if (st == MM_OK) {
        st = mm_eval_from_counts(m, dense, 0, 0, NULL, out);
    }
    free(dense);
    return st;
}
