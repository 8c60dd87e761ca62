/*
 * train.c - the training driver of the neural bigram: W (V x V float32) by
 * gradient descent on loss = mean NLL + reg * mean(W^2), with three ways to
 * get the loss and gradient of one step (see mm_train_driver):
 *
 *   counts    The full-batch loss depends on the data only through the
 *             bigram counts C: NLL sum = sum_rj C[r][j] (lse[r] - W[r][j]),
 *             gradient G[r][j] = n[r] P[r][j] - C[r][j].  C is counted once;
 *             a step is then O(V^2) (softmax_rows, counts_grad kernels).
 *   examples  (x, y) pairs streamed straight from the corpus bytes through
 *             the vocabulary table into a small per-thread symbol buffer
 *             (no xs/ys of the whole corpus), handed to the example_pass
 *             kernel a chunk at a time.  OpenMP over byte ranges split at
 *             line starts, as src/count.c does; each thread has its own
 *             gradient, and the per-thread results are merged in thread
 *             order, so a thread count gives one bit pattern.
 *   onehot    The notebook's dense product: each chunk is one-hot encoded
 *             (rows x V floats), logits = xenc @ W and dW = xenc^T @ dlogits
 *             as plain dense loops, O(N V^2).  The baseline that shows what
 *             the structure of the other two buys; it streams the same
 *             chunks, so its memory stays bounded too.
 *
 * Precision: the kernels accumulate gradient rows in float; float sums over
 * hundreds of thousands of examples lose up to 5% of the gradient near the
 * optimum, where G is a small difference of large sums.  So every chunk of
 * at most a chunk of examples (src/train_pass.c, shared with the MPI
 * trainer) is flushed into a double gradient; the flush costs V^2 adds per
 * chunk, under 1% for V = 27.
 *
 * Memory: every buffer is sized once when training starts; a step allocates
 * nothing.  W is kept with rows padded to MM_VPAD floats (pads held at 0)
 * and copied back into the model (unpadded) at the end.
 *
 * Divergence: the two latest states (W and generator) are kept in a ring of
 * two, so a NaN or infinite loss can hand back the last model whose loss was
 * finite.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "corpus.h"
#include "count.h"
#include "internal.h"
#include "kernels.h"
#include "model.h"
#include "stream.h"
#include "train.h"
#include "train_pass.h"


static double mm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *mm_train_driver_name(mm_train_driver d)
{
    switch (d) {
    case MM_DRIVER_COUNTS: return "counts";
    case MM_DRIVER_EXAMPLES: return "examples";
    case MM_DRIVER_ONEHOT: return "onehot";
    }
    return NULL;
}

mm_status mm_train_driver_parse(const char *name, mm_train_driver *out)
{
    static const mm_train_driver all[] = {MM_DRIVER_COUNTS, MM_DRIVER_EXAMPLES,
                                          MM_DRIVER_ONEHOT};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (name != NULL && strcmp(name, mm_train_driver_name(all[i])) == 0) {
            *out = all[i];
            return MM_OK;
        }
    }
    return mm_fail(MM_ERR_INVALID_ARG, "unknown driver '%s' (counts, examples, onehot)",
                   name ? name : "(null)");
}

void mm_train_config_init(mm_train_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->steps = 100;
    cfg->lr = 50.0;
    cfg->reg = 0.01;
    cfg->seed = 2147483647ULL;
    cfg->driver = MM_DRIVER_COUNTS;
    cfg->batch = 0;
    cfg->threads = 0;
}

static mm_status mm_train_check_config(const mm_train_config *cfg)
{
    if (cfg == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "no training configuration given");
    }
    /* The step is taken in float32: lr and reg must survive the conversion
     * (1e39 would become inf, 1e-50 zero). */
    if (!isfinite(cfg->lr) || !(cfg->lr > 0.0) || !isfinite((float)cfg->lr) ||
        (float)cfg->lr == 0.0f) {
        return mm_fail(MM_ERR_INVALID_ARG, "learning rate must be a number > 0 that "
                       "float32 can hold, 1.4e-45 to 3.4e38 (got %g)", cfg->lr);
    }
    if (!isfinite(cfg->reg) || !(cfg->reg >= 0.0) || !isfinite((float)cfg->reg)) {
        return mm_fail(MM_ERR_INVALID_ARG, "regularisation must be a number >= 0 that "
                       "float32 can hold, up to 3.4e38 (got %g)", cfg->reg);
    }
    if (mm_train_driver_name(cfg->driver) == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "unknown training driver %d", (int)cfg->driver);
    }
    if (cfg->driver == MM_DRIVER_COUNTS && cfg->batch > 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "the counts driver is full-batch only; "
                       "minibatches need the examples (or onehot) driver");
    }
    if (cfg->threads < 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "thread count must be >= 0 (got %d)",
                       cfg->threads);
    }
    if (cfg->order != 0 && cfg->order != 2 && cfg->order != 3) {
        return mm_fail(MM_ERR_INVALID_ARG, "the neural model has order 2 or 3 (got %d)",
                       cfg->order);
    }
    return MM_OK;
}

mm_status mm_train_model_create(mm_model **out, const mm_vocab *v,
                                const mm_train_config *cfg, const float *W0)
{
    *out = NULL;
    mm_status st = mm_train_check_config(cfg);
    if (st != MM_OK) {
        return st;
    }
    mm_model *m = NULL;
    /* the neural trigram's W is [W1; W2], 2V x V (src/train_ngram.c) */
    st = cfg->order == 3 ? mm_neural3_alloc(&m, v) : mm_model_alloc(&m, MM_MODEL_NEURAL, v);
    if (st != MM_OK) {
        return st;
    }
    size_t VV = (size_t)(cfg->order == 3 ? 2 : 1) * v->size * v->size;
    mm_neural_state *n = &m->neural;
    n->step = 0;
    n->lr = cfg->lr;
    n->reg = cfg->reg;
    n->seed = cfg->seed;
    n->driver = (uint32_t)cfg->driver;
    n->batch = cfg->batch;
    mm_rng_seed(&n->rng, cfg->seed);
    if (W0 != NULL) {
        for (size_t i = 0; i < VV; i++) {
            if (!isfinite(W0[i])) {
                mm_model_destroy(m);
                return mm_fail(MM_ERR_INVALID_ARG, "initial weight %zu is not finite", i);
            }
        }
        memcpy(m->W, W0, VV * sizeof *m->W);
    } else {
        /* torch.randn((V, V), generator=g): one call of V*V values
         * (order 3: torch.randn((2V, V))). */
        mm_rng_randn(&n->rng, m->W, VV);
    }
    if (cfg->order == 3) {
        mm_neural3_update_probs(m);
    } else {
        mm_model_update_probs(m);
    }
    *out = m;
    return MM_OK;
}

/* ---- the trainer: workspace and one pass ---------------------------------- */

typedef struct mm_trainer {
    const mm_kernels *k;
    const mm_corpus *c;       /* the corpus, or this worker's part of it */
    const mm_train_hooks *h;  /* NULL: one process */
    mm_train_driver driver;
    uint32_t batch;           /* B, the whole batch (0 = full batch) */
    uint32_t my_batch;        /* this worker's share of B (B alone) */
    uint64_t seed;
    size_t V, ld;
    int T;                    /* threads requested (slices allocated) */
    mm_symmap map;
    uint64_t N;               /* examples of the corpus */
    uint64_t positions;       /* minibatch positions */
    float *W;                 /* V x ld, the weights being trained */
    float *Wsave[2];          /* ring of the two latest states */
    mm_rng rngsave[2];
    float *probs;             /* V x ld probabilities (counts driver) */
    float *lse;               /* V */
    float *rowmax;            /* V */
    float *G;                 /* V x ld gradient sum, float */
    double *C;                /* V x ld counts (counts driver) */
    double *n;                /* V row sums of C */
    double *Gd;               /* V x ld gradient sum, double (merge), then the
                                 NLL sum, the examples and a failure flag:
                                 what the workers sum each step */
    uint8_t *bx, *by;         /* batch examples */
    /* per-thread slices of one allocation, laid out by pass */
    mm_pass pass;
    uint8_t *tbase;
    double *tnll;             /* per-thread NLL sums */
    uint64_t *tcount;         /* per-thread example counts */
    /* results of the last pass */
    double nll;               /* NLL sum */
    uint64_t examples;
} mm_trainer;

static void mm_trainer_close(mm_trainer *tr)
{
    if (tr == NULL) {
        return;
    }
    free(tr->W);
    free(tr->Wsave[0]);
    free(tr->Wsave[1]);
    free(tr->probs);
    free(tr->lse);
    free(tr->rowmax);
    free(tr->G);
    free(tr->C);
    free(tr->n);
    free(tr->Gd);
    free(tr->bx);
    free(tr->by);
    free(tr->tbase);
    free(tr->tnll);
    free(tr->tcount);
    free(tr);
}

/* With hooks, the status every worker agrees on; alone, st. */
static mm_status mm_trainer_agree(const mm_train_hooks *h, mm_status st)
{
    return h != NULL ? h->agree(st, h->user) : st;
}

static mm_status mm_trainer_open(mm_trainer **out, const mm_model *m, const mm_corpus *c,
                                 const mm_train_config *cfg, const mm_kernels *k)
{
    *out = NULL;
    mm_status st = mm_train_check_config(cfg);
    if (st != MM_OK) {
        return st;
    }
    if (m == NULL || c == NULL || k == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_train: invalid argument");
    }
    if (m->kind != MM_MODEL_NEURAL) {
        return mm_fail(MM_ERR_INVALID_ARG, "only a neural model can be trained (this is "
                       "a count model)");
    }
    if (k->softmax_rows == NULL || k->example_pass == NULL || k->counts_grad == NULL ||
        k->weight_update == NULL) {
        return mm_fail(MM_ERR_UNSUPPORTED_ISA, "the %s kernel set has no training kernels",
                       k->name);
    }
    mm_trainer *tr = calloc(1, sizeof *tr);
    uint64_t *counts = NULL;
    if (tr == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    tr->k = k;
    tr->c = c;
    tr->h = cfg->hooks;
    tr->driver = cfg->driver;
    tr->batch = cfg->batch;
    tr->seed = cfg->seed;
    tr->V = m->vocab.size;
    tr->ld = mm_round_up(tr->V, MM_VPAD);
    tr->T = mm_threads_used(cfg->threads);
    const size_t V = tr->V, ld = tr->ld, VL = V * ld;
    mm_symmap_init(&tr->map, &m->vocab);

    /* Counting first: it checks every character against the vocabulary
     * (naming the first one missing) and gives N and, for the counts
     * driver, C. */
    counts = malloc(V * V * sizeof *counts);
    if (counts == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "out of memory");
    } else {
        mm_count_opts copts = {.threads = cfg->threads};
        st = mm_count_bigrams_with(c, &m->vocab, &copts, k->counter, counts);
    }
    st = mm_trainer_agree(tr->h, st); /* a part may lack a character */
    if (st != MM_OK) {
        goto cleanup;
    }
    uint64_t mine = 0; /* this worker's examples */
    for (size_t i = 0; i < V * V; i++) {
        mine += counts[i];
    }
    if (tr->h != NULL) {
        /* Integers: the sum is exact, so any number of workers gives the
         * single-process counts (and the counts driver its model). */
        tr->h->sum_u64(counts, V * V, tr->h->user);
    }
    for (size_t i = 0; i < V * V; i++) {
        tr->N += counts[i];
    }
    st = mm_require_names(tr->N, c->name, MM_NAMES_TRAIN);
    if (st != MM_OK) {
        goto cleanup;
    }
    tr->positions = mm_positions(c);
    tr->my_batch = tr->batch;
    if (tr->h != NULL && tr->batch > 0) {
        tr->my_batch = tr->h->batch_share(tr->batch, mine, tr->h->user);
    }

    tr->W = mm_alloc64(VL * sizeof(float));
    tr->Wsave[0] = mm_alloc64(VL * sizeof(float));
    tr->Wsave[1] = mm_alloc64(VL * sizeof(float));
    tr->lse = mm_alloc64(V * sizeof(float));
    tr->rowmax = mm_alloc64(V * sizeof(float));
    tr->G = mm_alloc64(VL * sizeof(float));
    if (!tr->W || !tr->Wsave[0] || !tr->Wsave[1] || !tr->lse || !tr->rowmax || !tr->G) {
        st = mm_fail(MM_ERR_NOMEM, "out of memory");
        goto agree;
    }
    for (size_t r = 0; r < V; r++) {
        memcpy(tr->W + r * ld, m->W + r * V, V * sizeof(float));
    }
    if (tr->driver == MM_DRIVER_COUNTS) {
        tr->probs = mm_alloc64(VL * sizeof(float));
        tr->C = mm_alloc64(VL * sizeof(double));
        tr->n = mm_alloc64(V * sizeof(double));
        if (!tr->probs || !tr->C || !tr->n) {
            st = mm_fail(MM_ERR_NOMEM, "out of memory");
            goto agree;
        }
        for (size_t r = 0; r < V; r++) {
            double sum = 0.0;
            for (size_t j = 0; j < V; j++) {
                tr->C[r * ld + j] = (double)counts[r * V + j];
                sum += (double)counts[r * V + j];
            }
            tr->n[r] = sum;
        }
    } else {
        const size_t T = (size_t)tr->T;
        tr->Gd = mm_alloc64((VL + 3) * sizeof(double));
        tr->tnll = calloc(T, sizeof *tr->tnll);
        tr->tcount = calloc(T, sizeof *tr->tcount);
        if (!tr->Gd || !tr->tnll || !tr->tcount) {
            st = mm_fail(MM_ERR_NOMEM, "out of memory");
            goto agree;
        }
        if (tr->batch > 0) {
            tr->bx = malloc(tr->my_batch + 1);
            tr->by = malloc(tr->my_batch + 1);
            if (!tr->bx || !tr->by) {
                st = mm_fail(MM_ERR_NOMEM, "out of memory for a batch of %u",
                             (unsigned)tr->my_batch);
                goto agree;
            }
        }
        tr->pass = (mm_pass){.k = k, .c = c, .map = &tr->map, .driver = tr->driver,
                             .V = V, .ld = ld, .W = tr->W, .rowmax = tr->rowmax};
        mm_pass_layout(&tr->pass);
        tr->tbase = aligned_alloc(4096, mm_round_up(tr->pass.stride * T, 4096));
        if (tr->tbase == NULL) {
            st = mm_fail(MM_ERR_NOMEM, "out of memory for %d gradient buffers", tr->T);
            goto agree;
        }
        memset(tr->tbase, 0, mm_round_up(tr->pass.stride * T, 4096));
    }
agree:
    st = mm_trainer_agree(tr->h, st);
cleanup:
    free(counts);
    if (st != MM_OK) {
        mm_trainer_close(tr);
        return st;
    }
    *out = tr;
    return MM_OK;
}

/* One pass at tr->W: the NLL sum into tr->nll, the gradient sum into tr->G
 * (float, pads 0), the number of examples into tr->examples; with hooks,
 * the sums of every worker's pass.  g draws the minibatch (batch > 0; a
 * worker's own generator comes from the batch_rng hook, which step names).
 * Fails when the draws find no example or the mapped corpus shrank (its
 * zeros are no data). */
static mm_status mm_trainer_pass(mm_trainer *tr, mm_rng *g, uint64_t step)
{
    const size_t V = tr->V, ld = tr->ld, VL = V * ld;
    const mm_kernels *k = tr->k;
    const mm_train_hooks *h = tr->h;
    if (tr->driver == MM_DRIVER_COUNTS) {
        k->softmax_rows(tr->probs, tr->lse, tr->W, V, V, ld);
        tr->nll = k->counts_grad(tr->G, tr->probs, tr->lse, tr->W, tr->C, tr->n, V, ld);
        tr->examples = tr->N;
        return MM_OK;
    }
    for (size_t r = 0; r < V; r++) {
        float mx = -INFINITY;
        for (size_t j = 0; j < V; j++) {
            mx = tr->W[r * ld + j] > mx ? tr->W[r * ld + j] : mx;
        }
        tr->rowmax[r] = mx;
    }
    mm_status st = MM_OK;
    if (tr->batch > 0 && tr->my_batch > 0) {
        /* Draws stay on one thread, in order: the batch is a function of
         * the generator state only.  N of the P positions start an example,
         * so a draw misses with probability 1 - N/P; 64 (P/N + 1) misses in
         * a row happen with probability below e^-64 from a sound generator,
         * and forever from a degenerate one (a crafted all-zero state). */
        mm_rng *gen = h != NULL ? h->batch_rng(g, tr->seed, step, h->user) : g;
        const double most = 64.0 * ((double)tr->positions / (double)tr->N + 1.0);
        const uint64_t limit = most < 1e18 ? (uint64_t)most : (uint64_t)1e18;
        for (uint32_t i = 0; i < tr->my_batch && st == MM_OK; i++) {
            uint64_t p, tries = 0;
            do {
                if (tries++ == limit) {
                    st = mm_corpus_check_intact(tr->c); /* the zeros of a truncated file */
                    if (st == MM_OK) {
                        st = mm_fail(MM_ERR_INVALID_ARG, "%s: %llu minibatch draws in a "
                                     "row found no example: the generator state is "
                                     "degenerate", tr->c->name, (unsigned long long)limit);
                    }
                    break;
                }
                p = mm_draw_position(gen, tr->positions);
            } while (!mm_example_at(&tr->map, tr->c, p, &tr->bx[i], &tr->by[i]));
        }
    }
    int used = 0;
    if (st == MM_OK) {
        used = tr->T;
#pragma omp parallel num_threads(tr->T)
        {
            size_t t, Tn;
            mm_omp_team(&t, &Tn);
            if (t == 0) {
                used = (int)Tn;
            }
            const mm_pass *ps = &tr->pass;
            uint8_t *ws = tr->tbase + t * ps->stride;
            memset(ws, 0, V * ld * sizeof(double));
            double nll = 0.0;
            uint64_t count = 0;
            if (tr->batch > 0) {
                size_t lo, hi;
                mm_range(tr->my_batch, t, Tn, &lo, &hi);
                for (size_t i = lo; i < hi; i += ps->chunk) {
                    size_t n = hi - i < ps->chunk ? hi - i : ps->chunk;
                    nll += mm_pass_chunk(ps, ws, tr->bx + i, tr->by + i, n);
                    count += n;
                }
            } else {
                count = mm_pass_range(ps, ws, t, Tn, &nll);
            }
            tr->tnll[t] = nll;
            tr->tcount[t] = count;
        }
        st = mm_corpus_check_intact(tr->c);
    }
    /* Merge in thread order: one thread count, one result. */
    double nll = 0.0;
    uint64_t count = 0;
    memset(tr->Gd, 0, (VL + 3) * sizeof *tr->Gd);
    for (int t = 0; t < used; t++) {
        const double *gd = (const double *)(tr->tbase + (size_t)t * tr->pass.stride);
        for (size_t i = 0; i < VL; i++) {
            tr->Gd[i] += gd[i];
        }
        nll += tr->tnll[t];
        count += tr->tcount[t];
    }
    if (h != NULL) {
        /* The all-reduce of the step: gradients, NLL sums, example counts
         * (exact in a double below 2^53) and whether any worker failed. */
        tr->Gd[VL] = nll;
        tr->Gd[VL + 1] = (double)count;
        tr->Gd[VL + 2] = st != MM_OK;
        h->sum_f64(tr->Gd, VL + 3, h->user);
        if (tr->Gd[VL + 2] != 0.0) {
            return h->agree(st, h->user); /* every worker takes this branch */
        }
        nll = tr->Gd[VL];
        count = (uint64_t)tr->Gd[VL + 1];
    } else if (st != MM_OK) {
        return st;
    }
    for (size_t i = 0; i < VL; i++) {
        tr->G[i] = (float)tr->Gd[i];
    }
    tr->nll = nll;
    tr->examples = count;
    return MM_OK;
}

/* Mean NLL of dev counts C (V*V, n bigrams) at tr->W: per row with counts,
 * log-sum-exp in double, then sum_j C[r][j] (lse - W[r][j]).  O(V^2). */
static double mm_dev_nll(const mm_trainer *tr, const uint64_t *C)
{
    const size_t V = tr->V, ld = tr->ld;
    double sum = 0.0;
    uint64_t n = 0;
    for (size_t r = 0; r < V; r++) {
        const float *w = tr->W + r * ld;
        const uint64_t *c = C + r * V;
        uint64_t rn = 0;
        for (size_t j = 0; j < V; j++) {
            rn += c[j];
        }
        if (rn == 0) {
            continue;
        }
        double mx = -HUGE_VAL, z = 0.0;
        for (size_t j = 0; j < V; j++) {
            mx = (double)w[j] > mx ? (double)w[j] : mx;
        }
        for (size_t j = 0; j < V; j++) {
            z += exp((double)w[j] - mx);
        }
        double lse = mx + log(z);
        for (size_t j = 0; j < V; j++) {
            if (c[j] != 0) {
                sum += (double)c[j] * (lse - (double)w[j]);
            }
        }
        n += rn;
    }
    return n > 0 ? sum / (double)n : NAN;
}

/* reg * mean(W^2), in double.  Pads are 0, so the padded buffer is summed
 * whole.  Eight partial sums in a fixed order (four SSE2 add chains) hide
 * the add latency that a single chain pays 729 times, which would cost more
 * than the counts driver's kernels, and keep one fixed bit pattern.  (Sixteen
 * spill registers and are slower.) */
static double mm_reg_term(const mm_trainer *tr, double reg)
{
    const size_t n = tr->V * tr->ld; /* a multiple of MM_VPAD */
    const float *W = tr->W;
    double acc[8] = {0};
    for (size_t i = 0; i < n; i += 8) {
        for (size_t l = 0; l < 8; l++) {
            double w = W[i + l];
            acc[l] += w * w;
        }
    }
    double s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    return reg * s / (double)(tr->V * tr->V);
}

static int mm_all_finite(const float *w, size_t n)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        ok &= isfinite(w[i]) != 0;
    }
    return ok;
}

static void mm_trainer_store(const mm_trainer *tr, mm_model *m, const float *W)
{
    const size_t V = tr->V, ld = tr->ld;
    for (size_t r = 0; r < V; r++) {
        memcpy(m->W + r * V, W + r * ld, V * sizeof(float));
    }
}

mm_status mm_train_with(mm_model *m, const mm_corpus *c, const mm_train_config *cfg,
                        const mm_kernels *k)
{
    mm_trainer *tr = NULL;
    mm_status st = mm_trainer_open(&tr, m, c, cfg, k);
    if (st != MM_OK) {
        return st;
    }
    const size_t V = tr->V, ld = tr->ld;
    const float lr = (float)cfg->lr;
    const float w_scale = (float)(2.0 * cfg->reg / (double)(V * V));
    mm_rng rng = m->neural.rng;
    uint64_t step = m->neural.step;
    const uint64_t first = step;
    double last_loss = NAN;
    m->neural.lr = cfg->lr;
    m->neural.reg = cfg->reg;
    m->neural.driver = (uint32_t)cfg->driver;
    m->neural.batch = cfg->batch;
    const int timed = cfg->on_step != NULL;
    while (step < cfg->steps) {
        double t0 = timed ? mm_now() : 0.0;
        /* S_step = (W, generator) before this step's draws. */
        memcpy(tr->Wsave[step & 1], tr->W, V * ld * sizeof(float));
        if (tr->batch > 0) {
            tr->rngsave[step & 1] = rng;
        }
        st = mm_trainer_pass(tr, &rng, step);
        if (st != MM_OK) {
            /* the model stays at this step's start (for a truncated corpus:
             * trained on the file as it was) */
            if (tr->batch > 0) {
                rng = tr->rngsave[step & 1];
            }
            break;
        }
        double nll = tr->nll / (double)tr->examples;
        double loss = nll + mm_reg_term(tr, cfg->reg);
        /* at the W the loss is taken at, before the update; its time is not
         * the step's */
        double dev = NAN, dev_seconds = 0.0;
        if (cfg->dev_counts != NULL && timed) {
            double d0 = mm_now();
            dev = mm_dev_nll(tr, cfg->dev_counts);
            dev_seconds = mm_now() - d0;
        }
        if (!isfinite(loss)) {
            const uint64_t bad = step;
            if (step > first) {
                step--; /* back to S_(step-1), whose loss was finite */
                memcpy(tr->W, tr->Wsave[step & 1], V * ld * sizeof(float));
            }
            if (tr->batch > 0) {
                rng = tr->rngsave[step & 1];
            }
            if (bad > first) {
                st = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the loss is "
                             "%s (learning rate %g is probably too large); the model is "
                             "the one of step %llu, loss %.6g",
                             (unsigned long long)bad, isnan(loss) ? "NaN" : "infinite",
                             cfg->lr, (unsigned long long)step, last_loss);
            } else {
                st = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the loss of "
                             "the starting weights is %s", (unsigned long long)bad,
                             isnan(loss) ? "NaN" : "infinite");
            }
            break;
        }
        last_loss = loss;
        const float g_scale = (float)(1.0 / (double)tr->examples);
        k->weight_update(tr->W, tr->G, V, V, ld, lr, g_scale, w_scale);
        step++;
        if (timed) {
            double t1 = mm_now();
            mm_train_progress p = {
                .step = step - 1, .steps = cfg->steps, .loss = loss, .nll = nll,
                .examples = tr->examples, .seconds = t1 - t0 - dev_seconds,
                .dev_nll = dev,
            };
            if (cfg->on_step(&p, cfg->user) != 0) {
                break;
            }
        }
    }
    if (st == MM_OK && step > first && !mm_all_finite(tr->W, V * ld)) {
        /* The last update (whose loss is never computed) overflowed: back
         * to the state before it, whose loss was finite. */
        const uint64_t bad = step--;
        memcpy(tr->W, tr->Wsave[step & 1], V * ld * sizeof(float));
        if (tr->batch > 0) {
            rng = tr->rngsave[step & 1];
        }
        st = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the update gave "
                     "weights that are not finite (learning rate %g is probably too "
                     "large); the model is the one of step %llu, loss %.6g",
                     (unsigned long long)bad, cfg->lr, (unsigned long long)step, last_loss);
    }
    mm_trainer_store(tr, m, tr->W);
    m->neural.step = step;
    m->neural.rng = rng;
    mm_model_update_probs(m);
    mm_trainer_close(tr);
    return st;
}

mm_status mm_train(mm_model *m, const mm_corpus *c, const mm_train_config *cfg)
{
    if (m->order == 3) {
        mm_status st = mm_train_check_config(cfg);
        if (st == MM_OK && cfg->hooks != NULL) {
            /* every worker fails alike: the same model and config */
            st = mm_fail(MM_ERR_INVALID_ARG, "the neural trigram trains in one process: "
                         "data-parallel training (mm_train_hooks) trains the bigram");
        }
        return st != MM_OK ? st : mm_neural3_train(m, c, cfg);
    }
    return mm_train_with(m, c, cfg, mm_kernels_active());
}

mm_status mm_train_loss_grad(const mm_model *m, const mm_corpus *c,
                             const mm_train_config *cfg, const mm_kernels *k,
                             double *loss, float *grad, uint64_t *examples)
{
    mm_trainer *tr = NULL;
    mm_status st = mm_trainer_open(&tr, m, c, cfg, k);
    if (st != MM_OK) {
        return st;
    }
    const size_t V = tr->V, ld = tr->ld;
    mm_rng rng = m->neural.rng;
    st = mm_trainer_pass(tr, &rng, m->neural.step);
    if (st != MM_OK) {
        mm_trainer_close(tr);
        return st;
    }
    double N = (double)tr->examples;
    *loss = tr->nll / N + mm_reg_term(tr, cfg->reg);
    double w_scale = 2.0 * cfg->reg / (double)(V * V);
    for (size_t r = 0; r < V; r++) {
        for (size_t j = 0; j < V; j++) {
            grad[r * V + j] = (float)((double)tr->G[r * ld + j] / N +
                                      w_scale * (double)tr->W[r * ld + j]);
        }
    }
    if (examples != NULL) {
        *examples = tr->examples;
    }
    mm_trainer_close(tr);
    return MM_OK;
}
