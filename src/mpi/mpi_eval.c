/*
 * mpi_eval.c - `makemore-mpi eval`: the NLL of a corpus under a model, the
 * corpus split across the ranks.  The NLL depends on the corpus only through
 * its bigram counts in the model's vocabulary, so the ranks count their
 * parts, the counts are summed exactly (MPI_Allreduce) and the sum
 * log L = sum C[i][j] log P[i][j] is the one mm_eval_corpus computes, in the
 * same order: the figures are makemore eval's, to the last bit.
 *
 * --words reads no corpus: rank 0 runs makemore's own code for it
 * (mm_cmd_eval of src/cli_eval.c, linked into this binary).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    "eval --words does (CORPUS is then optional).\n"
    "\n"
    "      --json           machine-readable: {\"file\", \"examples\", \"nll\", \"log_likelihood\",\n"
    "                       \"perplexity\"} (an infinite NLL is written as null)\n"
    "      --words LIST     comma-separated names\n"
    "  -t, --threads N      OpenMP threads per rank\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512\n"
    "  -h, --help           this text\n";


/* makemore eval MODEL --words LIST [--json] [--isa NAME] on rank 0. */
static int eval_words_rank0(const char *model, const char *words, int json, const char *isa)
{
    int rc = MM_EXIT_OK;
    if (mmp_rank == 0) {
        char *args[8];
        int n = 0;
        args[n++] = "eval";
        args[n++] = (char *)model;
        args[n++] = "--words";
        args[n++] = (char *)words;
        if (json) {
            args[n++] = "--json";
        }
        if (isa != NULL) {
            args[n++] = "--isa";
            args[n++] = (char *)isa;
        }
        args[n] = NULL;
        rc = mm_cmd_eval(n, args);
        fflush(stdout);
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
}

int mmp_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},          {"words", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *words = NULL, *isa = NULL;
    int json = 0;
    mm_count_opts copts = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'w': words = optarg; break;
        case 't':
            if (!mm_cli_parse_threads("eval", optarg, &copts.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': isa = optarg; break;
        case 'h': fputs(eval_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("eval", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int npos = argc - optind;
    if (npos < 1 || npos > 2 || (npos == 1 && words == NULL)) {
        return mm_cli_usage_error("eval", npos < 1 ? "missing MODEL" : npos > 2
                                  ? "too many arguments" : "missing CORPUS");
    }
    const char *model_path = argv[optind];
    const char *corpus_path = npos == 2 ? argv[optind + 1] : NULL;
    if (words != NULL && corpus_path == NULL) {
        return eval_words_rank0(model_path, words, json, isa);
    }
    mm_status st = mmp_agree(mm_dispatch_init(isa));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mm_model *m = NULL;
    mmp_corpus corpus = {0};
    uint64_t *counts = NULL;
    char *wbuf = NULL; /* --words with a corpus: the listing, printed with it */
    int rc = MM_EXIT_FAIL;
    st = mmp_agree(mm_model_load(&m, model_path));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (mm_model_get_order(m) > 2) { /* every rank read the same file */
        fprintf(stderr, "makemore-mpi eval: %s: an order-%d model; the distributed eval "
                "scores bigram models (use makemore eval)\n", model_path,
                mm_model_get_order(m));
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    if (words != NULL) {
        /* into memory first, as makemore eval does: with --json, the words
         * and the corpus make one document */
        int wrc = MM_EXIT_OK;
        if (mmp_rank == 0) {
            size_t wlen = 0;
            FILE *wfp = open_memstream(&wbuf, &wlen);
            if (wfp == NULL) {
                fprintf(stderr, "makemore-mpi: out of memory\n");
                wrc = MM_EXIT_FAIL;
            } else {
                wrc = mm_cli_eval_words(wfp, m, words, json);
                fclose(wfp);
            }
        }
        MPI_Bcast(&wrc, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (wrc != MM_EXIT_OK) {
            rc = wrc;
            goto cleanup;
        }
    }
    st = mmp_corpus_open(&corpus, corpus_path);
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
        st = mmp_count(&corpus, v, &copts, counts, NULL, NULL);
    }
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    /* mm_eval_corpus's sum, in its order. */
    const float *P = mm_model_get_probs(m);
    uint64_t n = 0;
    double ll = 0.0;
    for (size_t i = 0; i < V * V; i++) {
        if (counts[i] != 0) {
            n += counts[i];
            ll += (double)counts[i] * log((double)P[i]);
        }
    }
    if (n == 0) {
        st = mm_fail(MM_ERR_CORPUS, "%s: no names to evaluate (the file is empty or "
                     "has only blank lines)", corpus_path);
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    mm_eval_result r = {0};
    r.examples = n;
    r.log_likelihood = ll;
    r.nll = n ? -ll / (double)n : 0.0;
    r.perplexity = exp(r.nll);
    r.nll_with_oov = r.nll;
    r.perplexity_with_oov = r.perplexity;
    if (mmp_rank == 0) { /* as makemore eval prints it */
        if (wbuf != NULL && json) {
            printf("{\"words\": %s, \"files\": [", wbuf);
            mm_cli_eval_print_json(corpus_path, &r, 0);
            printf("]}\n");
        } else {
            if (wbuf != NULL) {
                fputs(wbuf, stdout);
            }
            mm_cli_eval_print_one(corpus_path, &r, json, 0);
        }
    }
    rc = MM_EXIT_OK;
cleanup:
    free(wbuf);
    free(counts);
    mmp_corpus_close(&corpus);
    mm_model_destroy(m);
    return rc;
}
