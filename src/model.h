/*
 * model.h - the model object's insides, shared by the model code, the
 * model file reader/writer and the trainers.
 */
#ifndef MM_MODEL_H
#define MM_MODEL_H

#include "makemore.h"

/* Hyper-parameters and progress of a neural model (checkpointed). */
typedef struct mm_neural_state {
    uint64_t step;        /* completed gradient steps */
    double lr;
    double reg;
    uint64_t seed;
    uint32_t driver;      /* mm_train_driver the run used */
    uint32_t batch;       /* 0 = full batch */
    mm_rng rng;           /* generator state after `step` steps */
} mm_neural_state;

struct mm_model {
    mm_model_kind kind;
    mm_vocab vocab;
    uint64_t *counts;     /* V*V (count models) */
    double smoothing;     /* k of add-k smoothing (count models) */
    float *W;             /* V*V weights (neural models) */
    mm_neural_state neural;
    float *probs;         /* V*V row-stochastic P, float32 */
    float *cum;           /* V rows of stride cum_ld: each row of P as
                             torch.multinomial's normalised cumulative
                             distribution; pads 2.0 (the sample_walk
                             kernels compare whole vectors); 64-byte aligned */
    size_t cum_ld;        /* V rounded up to MM_VPAD */
    uint8_t *guide;       /* V rows of MM_GUIDE_SIZE: the sample_walk
                             kernels' shortcut (kernels/kernels.h); valid
                             once mm_model_guide() has returned it */
    int guide_state;      /* 0 stale, 1 being built, 2 built */
    /* Order-K count models (K > 2, ngram_model.c): only the n-grams seen,
     * sorted by key, grouped by context (key / V); counts, probs, cum and
     * guide above are NULL then. */
    int order;            /* K; 2 for bigram and neural models */
    size_t ng_n;          /* distinct n-grams */
    uint64_t *ng_keys;
    uint64_t *ng_counts;
    size_t nctx;          /* distinct contexts */
    uint64_t *ctx_keys;   /* nctx contexts, ascending */
    size_t *ctx_start;    /* nctx + 1: context i owns n-grams [start[i], start[i+1]) */
    float *ctx_sum;       /* float32 sum of the smoothed row, as torch sums it */
};

/* Allocate an empty model of the given kind and vocabulary (zeroed). */
mm_status mm_model_alloc(mm_model **out, mm_model_kind kind, const mm_vocab *v);
/* The sample_walk guide of m, built on the first call (thread-safe; not
 * while mm_model_update_probs runs on m). */
const uint8_t *mm_model_guide(const mm_model *m);
/* Recompute probs from counts+smoothing or from W (softmax of each row). */
mm_status mm_model_update_probs(mm_model *m);
/* The first row of P that is not a distribution (not finite, or not
 * summing to 1 because its float32 sum overflowed), or -1. */
long mm_model_bad_row(const mm_model *m);
/* Parse a model file image (untrusted) from memory. */
mm_status mm_model_parse(mm_model **out, const uint8_t *data, size_t len,
                         const char *name);
/* The neural trigram (train_ngram.c): an empty order-3 neural model (W is
 * 2V x V, probs V^3; mm_train_model_create fills it), its probabilities
 * from W, and its training. */
/* p = softmax(w) over V logits, in float32 with a double sum (model.c). */
void mm_softmax_row(float *p, const float *w, size_t V);
mm_status mm_neural3_alloc(mm_model **out, const mm_vocab *v);
void mm_neural3_update_probs(mm_model *m);
mm_status mm_neural3_train(mm_model *m, const mm_corpus *c, const mm_train_config *cfg);
/* Check a vocabulary read from an untrusted source. */
mm_status mm_vocab_validate(const mm_vocab *v, const char *name);

#endif /* MM_MODEL_H */
