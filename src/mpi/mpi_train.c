/*
 * mpi_train.c - `makemore-mpi train`: the neural bigram trained with the
 * corpus split across the ranks, with makemore train's options and output.
 *
 * The step is src/train.c's (same kernels, same padded W, same loss and
 * update); what differs is where the data of a step comes from:
 *
 *   counts    The ranks count their parts and sum the counts (one exact
 *             MPI_Allreduce); then every rank runs the identical O(V^2)
 *             steps on the identical C, and rank 0 writes.  No communication
 *             per step; the model file is makemore's, byte for byte.
 *   examples  Each rank streams the (x, y) pairs of its part (OpenMP inside,
 *   onehot    as train.c does over the whole file) into a double gradient;
 *             one MPI_Allreduce (MPI_DOUBLE, MPI_SUM) per step sums the
 *             ranks' gradients and NLL sums, then every rank applies the same
 *             update.  Only the order of the double sums differs from one
 *             process: the loss agrees within 1e-5 relative (tests/mpi).
 *   --batch B Minibatch SGD: rank r draws B_r of the B examples, all from its
 *             own part, B_r proportional to the examples E_r of the part
 *             (largest remainders, ties to the lower rank), so each example of
 *             the file is in a step's batch with probability ~ B / N, as with
 *             one process.  Draws are makemore's (a position u = u32 % P_r of
 *             the part, drawn again if it starts no example), from per-rank
 *             generator streams:
 *               rank 0      the model's generator, continued step to step and
 *                           saved in the model (so K = 1 is makemore exactly,
 *                           and --resume continues a run exactly);
 *               rank r > 0  at step s, MT19937 (mm_rng_seed) seeded with
 *                           h = sm(sm(sm(seed) ^ r) ^ s), sm = SplitMix64's
 *                           output function; the generator keeps h's low 32
 *                           bits, as torch's manual_seed does.
 *             The batches of K > 1 ranks are therefore not one process's:
 *             the run is reproducible for a given K (and resumable), and
 *             statistically the same as one process, not bit-equal to it.
 *
 * The corpus stream (symbol lookups, line-aligned ranges, minibatch
 * positions) is src/stream.c, shared with train.c.  The chunk and pass
 * functions marked "as train.c" still mirror train.c's, over this file's
 * trainer struct.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "cli.h"
#include "corpus.h"
#include "internal.h"
#include "kernels.h"
#include "model.h"
#include "mm_mpi.h"
#include "stream.h"
#include "train_pass.h"

/* ---- per-rank generator streams ------------------------------------------- */

static uint64_t mmp_splitmix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The seed of rank r's stream at step s (r > 0; see the top of the file). */
static uint64_t mmp_stream_seed(uint64_t seed, uint64_t r, uint64_t s)
{
    return mmp_splitmix64(mmp_splitmix64(mmp_splitmix64(seed) ^ r) ^ s);
}

/* ---- the trainer of one rank ---------------------------------------------- */

typedef struct mmp_trainer {
    const mm_kernels *k;
    const mm_corpus *c;       /* this rank's part */
    mm_train_driver driver;
    uint32_t batch;           /* B, the whole batch (0 = full batch) */
    uint32_t my_batch;        /* B_r, this rank's share */
    uint64_t seed;
    size_t V, ld;
    int T;
    mm_symmap map;
    uint64_t N;               /* examples of the whole file */
    uint64_t positions;       /* minibatch positions of the part */
    float *W;
    float *Wsave[2];
    mm_rng rngsave[2];
    float *probs, *lse, *rowmax, *G;
    double *C, *n;
    double *Gd;               /* V x ld gradient sum, then the NLL sum: reduced */
    uint8_t *bx, *by;
    mm_pass pass;             /* the per-example work, as train.c does it */
    uint8_t *tbase;
    double *tnll;
    double nll;
    uint64_t examples;
} mmp_trainer;

static void mmp_trainer_close(mmp_trainer *tr)
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
    free(tr);
}

/* B_r of the B examples for each rank, proportional to its examples E_r:
 * floor(B E_r / N), then one more to the largest remainders (ties: the
 * lower rank). */
static uint32_t mmp_share(uint32_t B, const uint64_t *E, int K, int me)
{
    uint64_t N = 0;
    for (int r = 0; r < K; r++) {
        N += E[r];
    }
    uint64_t given = 0;
    uint64_t *rem = malloc((size_t)K * sizeof *rem);
    uint32_t mine = 0;
    for (int r = 0; r < K; r++) {
        unsigned __int128 x = (unsigned __int128)B * E[r];
        uint64_t q = (uint64_t)(x / N);
        if (rem != NULL) {
            rem[r] = (uint64_t)(x % N);
        }
        given += q;
        if (r == me) {
            mine = (uint32_t)q;
        }
    }
    if (rem != NULL) {
        /* me gets one more if fewer than B - given ranks beat it. */
        uint64_t ahead = 0;
        for (int r = 0; r < K; r++) {
            if (rem[r] > rem[me] || (rem[r] == rem[me] && r < me)) {
                ahead++;
            }
        }
        if (ahead < B - given) {
            mine++;
        }
        free(rem);
    }
    return mine;
}

/* Collective: the trainer of this rank, after counting the file in m's
 * vocabulary (which names a character m lacks). */
static mm_status mmp_trainer_open(mmp_trainer **out, const mm_model *m,
                                  const mmp_corpus *corpus, const mm_train_config *cfg,
                                  const mm_kernels *k)
{
    *out = NULL;
    mm_status st = MM_OK;
    if (k->softmax_rows == NULL || k->example_pass == NULL || k->counts_grad == NULL ||
        k->weight_update == NULL) {
        st = mm_fail(MM_ERR_UNSUPPORTED_ISA, "the %s kernel set has no training kernels",
                     k->name);
    }
    mmp_trainer *tr = st == MM_OK ? calloc(1, sizeof *tr) : NULL;
    uint64_t *counts = NULL, *local = NULL, *E = NULL;
    const size_t V = m->vocab.size;
    if (st == MM_OK) {
        counts = malloc(V * V * sizeof *counts);
        local = malloc(V * V * sizeof *local);
        E = malloc((size_t)mmp_size * sizeof *E);
        if (tr == NULL || counts == NULL || local == NULL || E == NULL) {
            st = mm_fail(MM_ERR_NOMEM, "out of memory");
        }
    }
    st = mmp_agree(st);
    if (st != MM_OK) {
        goto cleanup;
    }
    const mm_corpus *c = corpus->part;
    tr->k = k;
    tr->c = c;
    tr->driver = cfg->driver;
    tr->batch = cfg->batch;
    tr->seed = cfg->seed;
    tr->V = V;
    tr->ld = mm_round_up(V, MM_VPAD);
#ifdef _OPENMP
    tr->T = cfg->threads > 0 ? cfg->threads : omp_get_max_threads();
#else
    tr->T = 1;
#endif
    const size_t ld = tr->ld, VL = V * ld;
    mm_symmap_init(&tr->map, &m->vocab);

    mm_count_opts copts = {.threads = cfg->threads};
    st = mmp_count(corpus, &m->vocab, &copts, counts, local, NULL);
    if (st != MM_OK) {
        goto cleanup;
    }
    uint64_t mine = 0;
    for (size_t i = 0; i < V * V; i++) {
        tr->N += counts[i];
        mine += local[i];
    }
    if (tr->N == 0) {
        st = mm_fail(MM_ERR_CORPUS, "%s: no names to train on (the file is empty or has "
                     "only blank lines)", c->name);
        goto cleanup; /* the same on every rank */
    }
    MPI_Allgather(&mine, 1, MPI_UINT64_T, E, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    tr->positions = mm_positions(c);
    if (tr->batch > 0) {
        tr->my_batch = mmp_share(tr->batch, E, mmp_size, mmp_rank);
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
        tr->Gd = mm_alloc64((VL + 1) * sizeof(double));
        tr->tnll = calloc(T, sizeof *tr->tnll);
        if (!tr->Gd || !tr->tnll) {
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
    st = mmp_agree(st);
cleanup:
    free(counts);
    free(local);
    free(E);
    if (st != MM_OK) {
        mmp_trainer_close(tr);
        return st;
    }
    *out = tr;
    return MM_OK;
}

/* Collective (examples, onehot): one pass at tr->W over every rank's data;
 * tr->nll, tr->G and tr->examples are the whole job's, the same on every
 * rank.  g is rank 0's generator (the model's); step names the other ranks'
 * streams. */
static void mmp_trainer_pass(mmp_trainer *tr, mm_rng *g, uint64_t step)
{
    const size_t V = tr->V, ld = tr->ld, VL = V * ld;
    const mm_kernels *k = tr->k;
    if (tr->driver == MM_DRIVER_COUNTS) {
        k->softmax_rows(tr->probs, tr->lse, tr->W, V, V, ld);
        tr->nll = k->counts_grad(tr->G, tr->probs, tr->lse, tr->W, tr->C, tr->n, V, ld);
        tr->examples = tr->N;
        return;
    }
    for (size_t r = 0; r < V; r++) {
        float mx = -INFINITY;
        for (size_t j = 0; j < V; j++) {
            mx = tr->W[r * ld + j] > mx ? tr->W[r * ld + j] : mx;
        }
        tr->rowmax[r] = mx;
    }
    if (tr->batch > 0 && tr->my_batch > 0) {
        mm_rng own;
        mm_rng *gen = g;
        if (mmp_rank > 0) {
            mm_rng_seed(&own, mmp_stream_seed(tr->seed, (uint64_t)mmp_rank, step));
            gen = &own;
        }
        for (uint32_t i = 0; i < tr->my_batch; i++) {
            uint64_t p;
            do {
                p = mm_draw_position(gen, tr->positions);
            } while (!mm_example_at(&tr->map, tr->c, p, &tr->bx[i], &tr->by[i]));
        }
    }
    int used = tr->T;
#pragma omp parallel num_threads(tr->T)
    {
        size_t t, Tn;
        mm_omp_team(&t, &Tn);
        if (t == 0) {
            used = (int)Tn;
        }
        const mm_pass *ps = &tr->pass;
        uint8_t *ws = tr->tbase + t * ps->stride;
        memset(ws, 0, VL * sizeof(double));
        double nll = 0.0;
        if (tr->batch > 0) {
            size_t lo, hi;
            mm_range(tr->my_batch, t, Tn, &lo, &hi);
            for (size_t i = lo; i < hi; i += ps->chunk) {
                size_t n = hi - i < ps->chunk ? hi - i : ps->chunk;
                nll += mm_pass_chunk(ps, ws, tr->bx + i, tr->by + i, n);
            }
        } else {
            (void)mm_pass_range(ps, ws, t, Tn, &nll);
        }
        tr->tnll[t] = nll;
    }
    /* This rank's sum in thread order, then the ranks' sum. */
    double nll = 0.0;
    memset(tr->Gd, 0, (VL + 1) * sizeof *tr->Gd);
    for (int t = 0; t < used; t++) {
        const double *gd = (const double *)(tr->tbase + (size_t)t * tr->pass.stride);
        for (size_t i = 0; i < VL; i++) {
            tr->Gd[i] += gd[i];
        }
        nll += tr->tnll[t];
    }
    tr->Gd[VL] = nll;
    MPI_Allreduce(MPI_IN_PLACE, tr->Gd, (int)(VL + 1), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (size_t i = 0; i < VL; i++) {
        tr->G[i] = (float)tr->Gd[i];
    }
    tr->nll = tr->Gd[VL];
    tr->examples = tr->batch > 0 ? tr->batch : tr->N;
}

/* As train.c. */
static double mm_reg_term(const mmp_trainer *tr, double reg)
{
    const size_t n = tr->V * tr->ld;
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

/* ---- the command --------------------------------------------------------- */

static const char train_usage[] =
    "usage: mpirun -np K makemore-mpi train CORPUS -o MODEL [--steps N] [--lr LR] [--reg R]\n"
    "                      [--seed S] [--init W0.npy] [--driver counts|examples|onehot]\n"
    "                      [--batch B] [--threads N] [--isa NAME] [--log FILE.csv]\n"
    "                      [--resume MODEL] [--every K]\n"
    "\n"
    "makemore train over K ranks, each reading one part of CORPUS (a file); rank 0\n"
    "writes MODEL and the log.  The counts driver reduces the counts once and gives\n"
    "makemore's model exactly; examples and onehot reduce the gradient every step\n"
    "(the loss within 1e-5 relative of makemore's).  With --batch B, rank r draws\n"
    "its share of B from its own part with its own generator stream (rank 0: the\n"
    "model's generator; docs/MPI.md), so K > 1 draws other batches than makemore.\n"
    "\n"
    "  -o, --output MODEL   model file to write (atomically); it is a checkpoint\n"
    "      --steps N        train until N steps are done in total (default 100)\n"
    "      --lr LR          learning rate (default 50)\n"
    "      --reg R          weight of mean(W^2) in the loss (default 0.01)\n"
    "      --seed S         generator seed (default 2147483647)\n"
    "      --init W0.npy    start from this V x V float32 array instead\n"
    "      --driver NAME    counts (default), examples or onehot\n"
    "      --batch B        minibatch SGD with B examples a step (implies --driver\n"
    "                       examples)\n"
    "  -t, --threads N      OpenMP threads per rank\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512 (default: best; or MM_ISA)\n"
    "      --log FILE.csv   write step,loss per step (atomically, at the end)\n"
    "      --resume MODEL   continue training a neural model file (with the same K\n"
    "                       for --batch runs to continue them exactly)\n"
    "      --every K        print progress every K steps (default 1)\n"
    "  -h, --help           this text\n";

typedef struct train_opts {
    const char *out, *init, *driver, *isa, *log, *resume;
    mm_train_config cfg;
    int have_lr, have_reg, have_seed, have_batch, have_driver;
    uint64_t every;
} train_opts;

/* As src/cli_train.c's train_parse. */
static int train_parse(int argc, char **argv, train_opts *o)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"steps", required_argument, NULL, 'n'},
        {"lr", required_argument, NULL, 'l'},     {"reg", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},   {"init", required_argument, NULL, 'i'},
        {"driver", required_argument, NULL, 'd'}, {"batch", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"log", required_argument, NULL, 'L'},    {"resume", required_argument, NULL, 'R'},
        {"every", required_argument, NULL, 'e'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long u = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'n':
            if (!mm_cli_parse_u64(optarg, &u)) {
                return mm_cli_usage_error("train", "--steps takes a whole number >= 0 "
                                          "(got '%s')", optarg);
            }
            o->cfg.steps = u;
            break;
        case 'l':
            if (!mm_cli_parse_double(optarg, &o->cfg.lr) || !(o->cfg.lr > 0)) {
                return mm_cli_usage_error("train", "--lr takes a number > 0 (got '%s')",
                                          optarg);
            }
            o->have_lr = 1;
            break;
        case 'r':
            if (!mm_cli_parse_double(optarg, &o->cfg.reg) || !(o->cfg.reg >= 0)) {
                return mm_cli_usage_error("train", "--reg takes a number >= 0 (got '%s')",
                                          optarg);
            }
            o->have_reg = 1;
            break;
        case 's':
            if (!mm_cli_parse_u64(optarg, &u)) {
                return mm_cli_usage_error("train", "--seed takes a whole number >= 0 "
                                          "(got '%s')", optarg);
            }
            o->cfg.seed = u;
            o->have_seed = 1;
            break;
        case 'i': o->init = optarg; break;
        case 'd':
            if (mm_train_driver_parse(optarg, &o->cfg.driver) != MM_OK) {
                return mm_cli_usage_error("train", "--driver takes counts, examples or "
                                          "onehot (got '%s')", optarg);
            }
            o->have_driver = 1;
            break;
        case 'b':
            if (!mm_cli_parse_u64(optarg, &u) || u < 1 || u > UINT32_MAX) {
                return mm_cli_usage_error("train", "--batch takes a whole number from 1 "
                                          "to %u (got '%s')", (unsigned)UINT32_MAX, optarg);
            }
            o->cfg.batch = (uint32_t)u;
            o->have_batch = 1;
            break;
        case 't':
            if (!mm_cli_parse_threads("train", optarg, &o->cfg.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': o->isa = optarg; break;
        case 'L': o->log = optarg; break;
        case 'R': o->resume = optarg; break;
        case 'e':
            if (!mm_cli_parse_u64(optarg, &u) || u < 1) {
                return mm_cli_usage_error("train", "--every takes a whole number >= 1 "
                                          "(got '%s')", optarg);
            }
            o->every = u;
            break;
        case 'h': fputs(train_usage, stdout); return -1;
        case ':': return mm_cli_usage_error("train", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("train", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("train", optind == argc ? "missing CORPUS"
                                                          : "expected one CORPUS");
    }
    if (o->out == NULL) {
        return mm_cli_usage_error("train", "missing -o MODEL");
    }
    if (o->resume != NULL && (o->have_seed || o->init != NULL)) {
        return mm_cli_usage_error("train", "--resume continues a model: it takes neither "
                                  "--seed nor --init");
    }
    if (o->have_batch && o->have_driver && o->cfg.driver == MM_DRIVER_COUNTS) {
        return mm_cli_usage_error("train", "--driver counts is full-batch only; --batch "
                                  "needs --driver examples (or onehot)");
    }
    if (o->have_batch && !o->have_driver) {
        o->cfg.driver = MM_DRIVER_EXAMPLES;
        o->have_driver = 1;
    }
    return MM_EXIT_OK;
}

/* Collective, as src/cli_train.c's train_start_model: every rank builds the
 * same starting model (resumed, from --init, or drawn from the seed). */
static mm_status train_start_model(train_opts *o, const mm_vocab *v, mm_model **out)
{
    mm_model *m = NULL;
    mm_status st = MM_OK;
    *out = NULL;
    if (o->resume != NULL) {
        st = mmp_agree(mm_model_load(&m, o->resume));
        if (st != MM_OK) {
            return st;
        }
        if (mm_model_get_kind(m) != MM_MODEL_NEURAL) {
            mm_model_destroy(m);
            return mm_fail(MM_ERR_INVALID_ARG, "%s: a count model cannot be resumed; "
                           "--resume takes a model written by 'makemore train'", o->resume);
        }
        if (mm_model_get_order(m) != 2) { /* every rank read the same file */
            mm_model_destroy(m);
            return mm_fail(MM_ERR_INVALID_ARG, "%s: the neural trigram trains with "
                           "'makemore train' only; makemore-mpi trains the bigram", o->resume);
        }
        const mm_neural_state *n = &m->neural;
        mm_train_driver d = (mm_train_driver)n->driver;
        if (mm_train_driver_name(d) == NULL || !(n->lr > 0) || !(n->reg >= 0)) {
            st = mm_fail(MM_ERR_FORMAT, "%s: invalid training state (driver %u, lr %g, "
                         "reg %g)", o->resume, (unsigned)n->driver, n->lr, n->reg);
            mm_model_destroy(m);
            return st;
        }
        if (!o->have_lr) {
            o->cfg.lr = n->lr;
        }
        if (!o->have_reg) {
            o->cfg.reg = n->reg;
        }
        if (!o->have_driver) {
            o->cfg.driver = d;
        }
        if (!o->have_batch) {
            o->cfg.batch = o->cfg.driver == MM_DRIVER_COUNTS ? 0 : n->batch;
        }
        o->cfg.seed = n->seed;
        if (mmp_rank == 0) {
            char batch[32] = "full batch";
            if (o->cfg.batch > 0) {
                snprintf(batch, sizeof batch, "batch %u", (unsigned)o->cfg.batch);
            }
            fprintf(stderr, "resuming %s at step %llu: lr %g, reg %g, driver %s, %s\n",
                    o->resume, (unsigned long long)n->step, o->cfg.lr, o->cfg.reg,
                    mm_train_driver_name(o->cfg.driver), batch);
        }
        *out = m;
        return MM_OK;
    }
    float *W0 = NULL;
    if (o->init != NULL) {
        size_t rows = 0, cols = 0;
        st = mmp_agree(mm_npy_read_f32(o->init, &W0, &rows, &cols));
        if (st != MM_OK) {
            return st;
        }
        if (rows != v->size || cols != v->size) {
            free(W0);
            return mm_fail(MM_ERR_INVALID_ARG, "%s: W0 is %zu x %zu but the corpus has "
                           "V = %u symbols (V x V needed)", o->init, rows, cols,
                           (unsigned)v->size);
        }
    }
    st = mm_train_model_create(&m, v, &o->cfg, W0);
    free(W0);
    if (st != MM_OK) {
        return st;
    }
    *out = m;
    return MM_OK;
}

static const char *train_fmt_loss(double loss, char *buf, size_t size)
{
    snprintf(buf, size, fabs(loss) < 1e6 ? "%.6f" : "%.6e", loss);
    return buf;
}

int mmp_cmd_train(int argc, char **argv)
{
    train_opts o;
    memset(&o, 0, sizeof o);
    mm_train_config_init(&o.cfg);
    o.every = 1;
    int rc = train_parse(argc, argv, &o);
    if (rc != MM_EXIT_OK) {
        return rc < 0 ? MM_EXIT_OK : rc;
    }
    const char *path = argv[optind];
    mm_status st = mmp_agree(mm_dispatch_init(o.isa));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mmp_corpus corpus = {0};
    mm_model *m = NULL;
    mmp_trainer *tr = NULL;
    mm_outfile log = {0};
    int log_open = 0, log_failed = 0;
    rc = MM_EXIT_FAIL;
    st = mmp_corpus_open(&corpus, path);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    st = mmp_agree(train_start_model(&o, &corpus.vocab, &m));
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    const mm_kernels *k = mm_kernels_active();
    st = mmp_trainer_open(&tr, m, &corpus, &o.cfg, k);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    uint64_t start = m->neural.step;
    if (start >= o.cfg.steps && mmp_rank == 0) {
        fprintf(stderr, "the model is already at step %llu (--steps %llu): nothing to "
                "train\n", (unsigned long long)start, (unsigned long long)o.cfg.steps);
    }
    st = MM_OK;
    if (o.log != NULL && mmp_rank == 0) {
        st = mm_outfile_open(&log, o.log);
        if (st == MM_OK) {
            log_open = 1;
            fputs("step,loss\n", log.fp);
        }
    }
    st = mmp_agree(st);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }

    /* mm_train_with's loop (src/train.c), with the pass above. */
    const size_t V = tr->V, ld = tr->ld;
    const float lr = (float)o.cfg.lr;
    const float w_scale = (float)(2.0 * o.cfg.reg / (double)(V * V));
    mm_rng rng = m->neural.rng;
    uint64_t step = m->neural.step;
    const uint64_t first = step;
    double last_loss = NAN, step_seconds = 0.0;
    uint64_t calls = 0, examples = 0;
    mm_status tst = MM_OK;
    m->neural.lr = o.cfg.lr;
    m->neural.reg = o.cfg.reg;
    m->neural.driver = (uint32_t)o.cfg.driver;
    m->neural.batch = o.cfg.batch;
    double t0 = MPI_Wtime();
    while (step < o.cfg.steps) {
        double s0 = MPI_Wtime();
        memcpy(tr->Wsave[step & 1], tr->W, V * ld * sizeof(float));
        if (tr->batch > 0) {
            tr->rngsave[step & 1] = rng;
        }
        mmp_trainer_pass(tr, &rng, step);
        double nll = tr->nll / (double)tr->examples;
        double loss = nll + mm_reg_term(tr, o.cfg.reg);
        /* loss is a function of reduced values and W, the same on every
         * rank: every rank takes the same branch. */
        if (!isfinite(loss)) {
            const uint64_t bad = step;
            if (step > first) {
                step--;
                memcpy(tr->W, tr->Wsave[step & 1], V * ld * sizeof(float));
            }
            if (tr->batch > 0) {
                rng = tr->rngsave[step & 1];
            }
            if (bad > first) {
                tst = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the loss is "
                              "%s (learning rate %g is probably too large); the model is "
                              "the one of step %llu, loss %.6g",
                              (unsigned long long)bad, isnan(loss) ? "NaN" : "infinite",
                              o.cfg.lr, (unsigned long long)step, last_loss);
            } else {
                tst = mm_fail(MM_ERR_DIVERGED, "training diverged at step %llu: the loss of "
                              "the starting weights is %s", (unsigned long long)bad,
                              isnan(loss) ? "NaN" : "infinite");
            }
            break;
        }
        last_loss = loss;
        const float g_scale = (float)(1.0 / (double)tr->examples);
        k->weight_update(tr->W, tr->G, V, V, ld, lr, g_scale, w_scale);
        step++;
        double secs = MPI_Wtime() - s0;
        step_seconds += secs;
        examples += tr->examples;
        calls++;
        const uint64_t p = step - 1;
        if (mmp_rank == 0) {
            int last = p + 1 == o.cfg.steps;
            if (last || p == first || (p - first) % o.every == 0) {
                char buf[64];
                fprintf(stderr, "step %llu/%llu  loss %s  %.3g examples/s\n",
                        (unsigned long long)p, (unsigned long long)o.cfg.steps,
                        train_fmt_loss(loss, buf, sizeof buf),
                        secs > 0 ? (double)tr->examples / secs : 0.0);
            }
            if (log_open && !log_failed &&
                fprintf(log.fp, "%llu,%.9g\n", (unsigned long long)p, loss) < 0) {
                log_failed = 1;
            }
        }
    }
    double t1 = MPI_Wtime();
    /* The ranks stepped in lockstep on the same reduced sums, so their W are
     * the same bits, as long as MPI_Allreduce gives every rank the same sum
     * (Open MPI's algorithms do).  Check it: one CRC, once. */
    uint32_t crc[2];
    crc[0] = mm_crc32c(0, tr->W, V * ld * sizeof(float));
    crc[1] = ~crc[0];
    MPI_Allreduce(MPI_IN_PLACE, crc, 2, MPI_UINT32_T, MPI_MAX, MPI_COMM_WORLD);
    if (crc[0] != (uint32_t)~crc[1] && mmp_rank == 0) {
        fprintf(stderr, "makemore-mpi: warning: the ranks' weights differ in the last "
                "bits (this MPI's MPI_Allreduce does not give every rank the same sum); "
                "rank 0's are written\n");
    }
    for (size_t r = 0; r < V; r++) {
        memcpy(m->W + r * V, tr->W + r * ld, V * sizeof(float));
    }
    m->neural.step = step;
    m->neural.rng = rng;
    mm_model_update_probs(m);
    uint64_t done = step;
    if (tst == MM_ERR_DIVERGED) {
        mm_cli_fail(tst);
        if (calls == 0) {
            if (mmp_rank == 0) {
                fprintf(stderr, "makemore-mpi: no model written\n");
            }
            goto commit_log;
        }
    }
    st = mmp_agree(mmp_rank == 0 ? mm_model_save(m, o.out) : MM_OK);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (mmp_rank == 0) {
        if (calls > 0) {
            char buf[64];
            fprintf(stderr, "%llu steps in %.3f s (%.3g s/step compute, %.3g examples/s); "
                    "last loss %s\n", (unsigned long long)calls, t1 - t0,
                    step_seconds / (double)calls,
                    step_seconds > 0 ? (double)examples / step_seconds : 0.0,
                    train_fmt_loss(last_loss, buf, sizeof buf));
        }
        fprintf(stderr, "%s%s %s (neural, V = %u, step %llu, driver %s, isa %s, %d ranks)\n",
                tst == MM_ERR_DIVERGED ? "kept the last good model: " : "",
                "wrote", o.out, (unsigned)m->vocab.size, (unsigned long long)done,
                mm_train_driver_name(o.cfg.driver), mm_isa_name(), mmp_size);
    }
    rc = tst == MM_OK ? MM_EXIT_OK : MM_EXIT_FAIL;
commit_log:
    st = MM_OK;
    if (log_open) {
        log_open = 0;
        if (log_failed) {
            mm_outfile_abort(&log);
            st = mm_fail(MM_ERR_IO, "%s: write failed", o.log);
        } else {
            st = mm_outfile_commit(&log);
        }
    }
    st = mmp_agree(st);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
    }
cleanup:
    if (log_open) {
        mm_outfile_abort(&log);
    }
    mmp_trainer_close(tr);
    mm_model_destroy(m);
    mmp_corpus_close(&corpus);
    return rc;
}
