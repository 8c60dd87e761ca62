/*
 * mpi_eval.c - `makemore-mpi eval`: the NLL of each corpus under a model,
 * each corpus split across the ranks.  The NLL depends on a corpus only
 * through its bigram counts in the model's vocabulary, so the ranks count
 * their parts, the counts are summed exactly (MPI_Allreduce) and
 * mm_eval_counts scores them: the figures are makemore eval's, to the last
 * bit.  Everything else (parsing, --words, the document printed) is makemore
 * eval's own (src/cli/cli_eval.c, mm_cli_eval_run).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"
#include "mm_mpi.h"

static const char eval_usage[] =
    "usage: mpirun -np K makemore-mpi eval MODEL CORPUS... [--json] [--words NAME,NAME...]\n"
    "                                  [--threads N] [--isa NAME]\n"
    "\n"
    "Average negative log-likelihood, total log-likelihood and perplexity of\n"
    "each CORPUS under MODEL, each CORPUS split over K ranks (the figures are\n"
    "makemore eval's).  With --words, list each bigram of the given names as\n"
    "makemore eval --words does (CORPUS is then optional).  --threads is per\n"
    "rank; --unk skip is makemore's only.\n"
    "\n";

static int mmp_eval_agree(int rc, void *user)
{
    (void)user;
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return all;
}

/* Collective: the parts' counts in the model's vocabulary (which names the
 * first character of the corpus the model lacks), summed, then scored. */
static mm_status mmp_eval_score(const mm_model *m, const mm_eval_args *a, const char *path,
                                mm_eval_result *r, void *user)
{
    (void)user;
    if (mm_model_get_order(m) > 2) { /* every rank read the same model */
        return mm_fail(MM_ERR_INVALID_ARG, "%s: an order-%d model; the distributed eval "
                       "scores bigram models (use makemore eval)", a->model,
                       mm_model_get_order(m));
    }
    mmp_corpus corpus = {0};
    mm_status st = mmp_corpus_open(&corpus, path);
    if (st != MM_OK) {
        return st;
    }
    const size_t V = mm_model_get_vocab(m)->size;
    uint64_t *counts = malloc(V * V * sizeof *counts);
    st = mmp_agree(counts ? MM_OK : mm_fail(MM_ERR_NOMEM, "out of memory"));
    if (st == MM_OK) {
        mm_count_opts copts = {.threads = a->eval.threads};
        st = mmp_count(&corpus, mm_model_get_vocab(m), &copts, counts, NULL, NULL);
    }
    if (st == MM_OK) {
        memset(r, 0, sizeof *r);
        st = mm_eval_counts(m, counts, path, r); /* the same on every rank */
    }
    free(counts);
    mmp_corpus_close(&corpus);
    return st;
}

int mmp_cmd_eval(int argc, char **argv)
{
    mm_eval_args a;
    int rc = mm_eval_args_parse(argc, argv, eval_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    if (a.eval.unk == MM_UNK_SKIP) {
        return mm_cli_usage_error("eval", "--unk skip is not available under MPI "
                                  "(makemore eval has it)");
    }
    const mm_cli_eval_env env = {.score = mmp_eval_score, .agree = mmp_eval_agree};
    return mm_cli_eval_run(&a, &env);
}
