/*
 * mpi_train.c - `makemore-mpi train`: the neural bigram trained with the
 * corpus split across the ranks, with makemore train's options and output.
 *
 * What differs from one process is where the data of a step comes from:
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
 * The loop is makemore's: mm_train (src/train.c) with the hooks below
 * (mm_train_hooks: agree, the sums, the batch share and the per-rank
 * generator streams), as llm.c's multi-GPU training is its single-GPU loop
 * plus an all-reduce.  The command is makemore train's (src/cli/cli_train.c:
 * parsing, starting model, progress, log, summary) with this rank's part of
 * the corpus and the collectives around the outputs.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"
#include "mm_mpi.h"

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

/* ---- the trainer's hooks ------------------------------------------------- */

typedef struct mmp_train_ctx {
    mmp_corpus corpus;
    mm_rng own;             /* rank r > 0: this step's generator stream */
    char summary[32];
} mmp_train_ctx;

static mm_status mmp_hook_agree(mm_status st, void *user)
{
    (void)user;
    return mmp_agree(st);
}

static void mmp_hook_sum_u64(uint64_t *x, size_t n, void *user)
{
    (void)user;
    MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
}

static void mmp_hook_sum_f64(double *x, size_t n, void *user)
{
    (void)user;
    MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static uint32_t mmp_hook_batch_share(uint32_t B, uint64_t examples, void *user)
{
    (void)user;
    uint64_t *E = malloc((size_t)mmp_size * sizeof *E);
    if (E == NULL) {
        /* K words: no rank can go on alone, and a collective needs all */
        MPI_Abort(MPI_COMM_WORLD, MM_EXIT_FAIL);
    }
    MPI_Allgather(&examples, 1, MPI_UINT64_T, E, 1, MPI_UINT64_T, MPI_COMM_WORLD);
    uint32_t mine = mmp_share(B, E, mmp_size, mmp_rank);
    free(E);
    return mine;
}

static mm_rng *mmp_hook_batch_rng(mm_rng *model, uint64_t seed, uint64_t step, void *user)
{
    mmp_train_ctx *x = user;
    if (mmp_rank == 0) {
        return model;
    }
    mm_rng_seed(&x->own, mmp_stream_seed(seed, (uint64_t)mmp_rank, step));
    return &x->own;
}

/* ---- the command's own part ----------------------------------------------- */

static mm_status mmp_train_open(const char *path, const mm_corpus **c, const mm_vocab **v,
                                void *user)
{
    mmp_train_ctx *x = user;
    mm_status st = mmp_corpus_open(&x->corpus, path); /* collective, agreed */
    if (st == MM_OK) {
        *c = x->corpus.part;
        *v = &x->corpus.vocab;
    }
    return st;
}

static void mmp_train_close(void *user)
{
    mmp_train_ctx *x = user;
    mmp_corpus_close(&x->corpus);
}

static int mmp_train_agree(int rc, void *user)
{
    (void)user;
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

/* The ranks stepped in lockstep on the same reduced sums, so their W are the
 * same bits, as long as MPI_Allreduce gives every rank the same sum (Open
 * MPI's algorithms do).  Check it: one CRC, once. */
static void mmp_train_check_weights(const mm_model *m, void *user)
{
    (void)user;
    const float *W = mm_model_get_weights(m);
    size_t V = mm_model_get_vocab(m)->size;
    uint32_t crc[2];
    crc[0] = mm_crc32c(0, W, V * V * sizeof *W);
    crc[1] = ~crc[0];
    MPI_Allreduce(MPI_IN_PLACE, crc, 2, MPI_UINT32_T, MPI_MAX, MPI_COMM_WORLD);
    if (crc[0] != (uint32_t)~crc[1]) {
        mm_cli_note("makemore-mpi: warning: the ranks' weights differ in the last bits (this "
                    "MPI's MPI_Allreduce does not give every rank the same sum); rank 0's "
                    "are written\n");
    }
}

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
    "model's generator; docs/MPI.md), so K > 1 draws other batches than makemore;\n"
    "--resume continues a --batch run exactly with the same K.  --threads is per\n"
    "rank.\n"
    "\n";

int mmp_cmd_train(int argc, char **argv)
{
    mm_train_args a;
    int rc = mm_train_args_parse(argc, argv, train_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    if (a.cfg.order == 3) {
        return mm_cli_usage_error("train", "--order 3 (the neural trigram) trains with "
                                  "'makemore train' only; makemore-mpi trains the bigram");
    }
    mmp_train_ctx x;
    memset(&x, 0, sizeof x);
    snprintf(x.summary, sizeof x.summary, ", %d ranks", mmp_size);
    const mm_train_hooks hooks = {
        .agree = mmp_hook_agree, .sum_u64 = mmp_hook_sum_u64, .sum_f64 = mmp_hook_sum_f64,
        .batch_share = mmp_hook_batch_share, .batch_rng = mmp_hook_batch_rng, .user = &x,
    };
    const mm_cli_train_env env = {
        .writer = mmp_rank == 0, .open = mmp_train_open, .close = mmp_train_close,
        .agree = mmp_train_agree, .hooks = &hooks, .trained = mmp_train_check_weights,
        .summary = x.summary, .user = &x,
    };
    return mm_cli_train_run(&a, &env);
}
