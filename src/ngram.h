/*
 * ngram.h - insides of the order-K n-gram counts and models (ngram.c,
 * ngram_model.c), shared with the model file, eval and sampling code.
 */
#ifndef MM_NGRAM_H
#define MM_NGRAM_H

#include "makemore.h"

/* Per-thread dense tables up to this many cells (8 MiB of uint64 per
 * thread; 27^4 = 531,441 fits, 27^5 does not); hash tables beyond. */
#define MM_NGRAM_DENSE_MAX ((uint64_t)1 << 20)

struct mm_ngrams {
    int order;
    mm_vocab vocab;
    size_t n;          /* distinct n-grams seen */
    uint64_t *keys;    /* n keys (base V, first symbol most significant), ascending */
    uint64_t *counts;  /* n counts, all > 0 */
};

typedef enum mm_ngram_table {
    MM_NGRAM_AUTO = 0,
    MM_NGRAM_DENSE = 1,
    MM_NGRAM_SPARSE = 2
} mm_ngram_table;

/* mm_count_ngrams with the per-thread table forced (tests, benchmarks). */
mm_status mm_count_ngrams_with(const mm_corpus *c, const mm_vocab *v, int order,
                               const mm_count_opts *opts, mm_ngram_table table,
                               mm_ngrams **out);

/* V^order, or UINT64_MAX if it overflows. */
uint64_t mm_ngram_cells(size_t V, int order);

/* An order-K count model (K > 2) from sorted keys and counts (copied). */
mm_status mm_ngram_model_create(mm_model **out, const mm_vocab *v, int order,
                                const uint64_t *keys, const uint64_t *counts, size_t n,
                                double smoothing, const char *name);
/* Index of context ctx in m's context table, or -1. */
long mm_ngram_find_context(const mm_model *m, uint64_t ctx);
/* log P of next after context ctx (natural log; -inf when P is 0 or 0/0). */
double mm_ngram_logprob(const mm_model *m, uint64_t ctx, size_t next);
/* Order-K eval from the corpus's n-gram counts in m's vocabulary. */
mm_status mm_ngram_eval(const mm_model *m, const mm_ngrams *g, const char *name,
                        mm_eval_result *out);
size_t mm_ngram_sample(const mm_model *m, mm_rng *g, uint8_t *out, size_t max_len);

#endif /* MM_NGRAM_H */
