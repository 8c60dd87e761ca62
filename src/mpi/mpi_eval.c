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

int mmp_cmd_eval(int argc, char **argv)
{
    mm_eval_args a;
    int rc = mm_eval_args_parse(argc, argv, &a);
    if (rc == MM_CLI_HELP) {
        fputs(eval_usage, stdout);
        fputs(mm_eval_options_help, stdout);
        return MM_EXIT_OK;
    }
    if (rc != MM_EXIT_OK) {
        return rc;
    }
    mm_status st = mmp_agree(mm_dispatch_init(a.isa));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mm_model *m = NULL;
    mmp_corpus corpus = {0};
    uint64_t *counts = NULL;
    rc = MM_EXIT_FAIL;
    st = mmp_agree(mm_model_load(&m, a.model));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (a.words != NULL) {
        /* Every rank has the model and runs the same listing: the same exit
         * code everywhere; only rank 0's standard output is kept. */
        rc = mm_cli_eval_words(m, a.words, a.json);
        if (rc != MM_EXIT_OK || a.corpus == NULL) {
            goto cleanup;
        }
        rc = MM_EXIT_FAIL;
    }
    st = mmp_corpus_open(&corpus, a.corpus);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    const mm_vocab *v = mm_model_get_vocab(m);
    const size_t V = v->size;
    counts = malloc(V * V * sizeof *counts);
    st = mmp_agree(counts ? MM_OK : mm_fail(MM_ERR_NOMEM, "out of memory"));
    if (st == MM_OK) {
        /* Counting in the model's vocabulary names the first character of
         * the corpus the model lacks. */
        mm_count_opts copts = {.threads = a.eval.threads};
        st = mmp_count(&corpus, v, &copts, counts, NULL, NULL);
    }
    mm_eval_result r;
    if (st == MM_OK) {
        st = mm_eval_counts(m, counts, a.corpus, &r); /* the same on every rank */
    }
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    mm_cli_eval_print(&r, a.json);
    rc = MM_EXIT_OK;
cleanup:
    free(counts);
    mmp_corpus_close(&corpus);
    mm_model_destroy(m);
    return rc;
}
