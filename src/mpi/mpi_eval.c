/*
 * mpi_eval.c - `makemore-mpi eval`: the NLL of a corpus under a model, the
 * corpus split across the ranks.  The NLL depends on the corpus only through
 * its bigram counts in the model's vocabulary, so the ranks count their
 * parts, the counts are summed exactly (MPI_Allreduce) and mm_eval_counts
 * scores them: the figures are makemore eval's, to the last bit.  Parsing,
 * --words and the printing are makemore eval's own (src/cli/cli_eval.c).
 */
#include <stdlib.h>

#include "cli.h"
#include "internal.h"
#include "mm_mpi.h"

static const char eval_usage[] =
    "usage: mpirun -np K makemore-mpi eval MODEL CORPUS [--json] [--words NAME,NAME...]\n"
    "                                  [--threads N] [--isa NAME]\n"
    "\n"
    "Average negative log-likelihood, total log-likelihood and perplexity of\n"
    "CORPUS under MODEL, CORPUS split over K ranks (the figures are makemore\n"
    "eval's).  With --words, list each bigram of the given names as makemore\n"
    "eval --words does (CORPUS is then optional).  --threads is per rank.\n"
    "\n";

static mm_status mmp_eval_agree(mm_status st, void *user)
{
    (void)user;
    return mmp_agree(st);
}

/* Collective: the parts' counts in the model's vocabulary (which names the
 * first character of the corpus the model lacks), summed, then scored. */
static mm_status mmp_eval_score(const mm_model *m, const mm_eval_args *a, mm_eval_result *r,
                                void *user)
{
    (void)user;
    mmp_corpus corpus = {0};
    mm_status st = mmp_corpus_open(&corpus, a->corpus);
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
        st = mm_eval_counts(m, counts, a->corpus, r); /* the same on every rank */
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
    const mm_cli_eval_env env = {.score = mmp_eval_score, .agree = mmp_eval_agree};
    return mm_cli_eval_run(&a, &env);
}
