/*
 * cli_eval.c - `makemore eval`: NLL of a corpus under a model, and the
 * notebook's per-bigram listing for a few names (--words).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char eval_usage[] =
    "usage: makemore eval MODEL CORPUS... [--json] [--unk skip|error] [--words NAME,NAME...]\n"
    "                     [--threads N] [--isa NAME] [--progress | --quiet]\n"
    "\n"
    "Average negative log-likelihood, total log-likelihood and perplexity of\n"
    "each CORPUS ('-' = standard input) under MODEL (sums in double): one block\n"
    "for one CORPUS, one row per CORPUS for several.  With --words, list each\n"
    "bigram of the given names with its probability and log-probability, as the\n"
    "notebook does, then their summed NLL (nll_sum) and mean NLL (nll); CORPUS\n"
    "is then optional.  An order-K model (count --order K) lists n-grams;\n"
    "examples are the characters plus one end per name, whatever the order.\n"
    "\n";

const char mm_eval_options_help[] =
    "      --order K        fail unless MODEL has order K (the order is the model's)\n"
    "      --json           one JSON document: {\"file\", \"examples\", \"nll\",\n"
    "                       \"log_likelihood\", \"perplexity\"} for one CORPUS, an\n"
    "                       array of them for several; with --words,\n"
    "                       {\"words\": {...}, \"files\": [...]}.  Numbers have 17\n"
    "                       significant digits; infinity and NaN are null\n"
    "      --unk POLICY     a character the model lacks: error (the default) or\n"
    "                       skip every bigram with it on either side; then also\n"
    "                       oov (its occurrences), oov_bigrams (bigrams skipped),\n"
    "                       nll_with_oov and perplexity_with_oov (each skipped\n"
    "                       bigram charged log V, the uniform guess), as KenLM's\n"
    "                       query reports perplexity with and without OOVs\n"
    "      --words LIST     comma-separated names (an empty one is skipped, as a\n"
    "                       blank line is; every character must be the model's:\n"
    "                       --unk applies to CORPUS only)\n"
    "  -t, --threads N      OpenMP threads\n"
    MM_CLI_ISA_HELP "\n"
    "      --progress       progress and GB/s on standard error (the default when\n"
    "                       it is a terminal)\n"
    "  -q, --quiet          no progress\n"
    "  -h, --help           this text\n";

static void print_number_json(FILE *fp, const char *key, double v, int last)
{
    fprintf(fp, "\"%s\": ", key);
    mm_cli_json_number(fp, v);
    fputs(last ? "" : ", ", fp);
}

/* The notebook's loop over ['.'] + list(w) + ['.'] for each word. */
int mm_cli_eval_words(FILE *fp, const mm_model *m, const char *list, int json)
{
    const mm_vocab *v = mm_model_get_vocab(m);
    const int K = mm_model_get_order(m);
    float row[MM_MAX_VOCAB];
    double ll = 0.0;
    uint64_t n = 0;
    const char *p = list;
    if (json) {
        fprintf(fp, "{\"bigrams\": [");
    }
    int first = 1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0) { /* "a,,b": an empty name is skipped, as an empty line */
            p += (*p == ',');
            continue;
        }
        uint8_t ctx[MM_MAX_ORDER] = {0}; /* K - 1 pads */
        size_t i = 0;
        for (;;) {
            int cur;
            uint32_t cp = MM_BOUNDARY;
            size_t step = 0;
            if (i < len) {
                const char *why = NULL;
                step = mm_utf8_decode((const uint8_t *)p + i, len - i, &cp, &why);
                if (step == 0) {
                    mm_cli_eprintf("%s eval: --words: invalid UTF-8 in '%.*s': %s\n", mm_cli_name,
                                   (int)len, p, why);
                    return MM_EXIT_FAIL;
                }
                if (cp == MM_BOUNDARY) {
                    mm_cli_eprintf("%s eval: --words: the boundary character '.' "
                                   "cannot appear in a name ('%.*s')\n", mm_cli_name, (int)len, p);
                    return MM_EXIT_FAIL;
                }
                cur = mm_vocab_index(v, cp);
                if (cur < 0) {
                    char u[5], d[32];
                    u[mm_utf8_encode(cp, u)] = '\0';
                    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) { /* a control: no glyph */
                        snprintf(d, sizeof d, "U+%04X", (unsigned)cp);
                    } else {
                        snprintf(d, sizeof d, "'%s' (U+%04X)", u, (unsigned)cp);
                    }
                    mm_cli_eprintf("%s eval: --words: character %s in '%.*s' is not in "
                                   "the model's vocabulary\n", mm_cli_name, d, (int)len, p);
                    return MM_EXIT_FAIL;
                }
            } else {
                cur = 0;
            }
            mm_model_get_row(m, ctx, row); /* K = 2: the row of P */
            float prob = row[cur];
            double lp = log((double)prob);
            char ab[MM_MAX_ORDER * 4 + 1]; /* the n-gram: context, then cur */
            size_t abn = 0;
            for (int q = 0; q < K - 1; q++) {
                abn += mm_vocab_utf8(v, ctx[q], ab + abn);
            }
            abn += mm_vocab_utf8(v, (size_t)cur, ab + abn);
            ab[abn] = '\0';
            if (json) {
                fprintf(fp, "%s{\"%s\": ", first ? "" : ", ", K == 2 ? "bigram" : "ngram");
                mm_cli_json_string(fp, ab);
                fprintf(fp, ", ");
                print_number_json(fp, "prob", (double)prob, 0);
                print_number_json(fp, "logprob", lp, 1);
                fprintf(fp, "}");
            } else {
                fprintf(fp, "%s: %.4f %.4f\n", ab, (double)prob, lp);
            }
            first = 0;
            ll += lp;
            n++;
            memmove(ctx, ctx + 1, (size_t)(K - 2));
            ctx[K - 2] = (uint8_t)cur;
            if (i >= len) {
                break;
            }
            i += step;
        }
        p += len;
        if (*p == ',') {
            p++;
        }
    }
    if (n == 0) {
        return mm_cli_usage_error("eval", "--words takes at least one name (got '%s')", list);
    }
    double nll = -ll / (double)n;
    if (json) {
        fprintf(fp, "], \"examples\": %llu, ", (unsigned long long)n);
        print_number_json(fp, "log_likelihood", ll, 0);
        print_number_json(fp, "nll_sum", -ll, 0);
        print_number_json(fp, "nll", nll, 1);
        fprintf(fp, "}");
    } else {
        fprintf(fp, "log_likelihood=%.4f\nnll_sum=%.4f\nnll=%.4f\n", ll, -ll, nll);
    }
    return MM_EXIT_OK;
}

/* One JSON object per corpus. */
void mm_cli_eval_print_json(const char *file, const mm_eval_result *r, int unk)
{
    printf("{\"file\": ");
    mm_cli_json_string(stdout, file);
    printf(", \"examples\": %llu, ", (unsigned long long)r->examples);
    print_number_json(stdout, "nll", r->nll, 0);
    print_number_json(stdout, "log_likelihood", r->log_likelihood, 0);
    print_number_json(stdout, "perplexity", r->perplexity, !unk);
    if (unk) {
        printf("\"oov\": %llu, \"oov_bigrams\": %llu, ", (unsigned long long)r->oov,
               (unsigned long long)r->oov_bigrams);
        print_number_json(stdout, "nll_with_oov", r->nll_with_oov, 0);
        print_number_json(stdout, "perplexity_with_oov", r->perplexity_with_oov, 1);
    }
    printf("}");
}

void mm_cli_eval_print_one(const char *file, const mm_eval_result *r, int json, int unk)
{
    if (json) {
        mm_cli_eval_print_json(file, r, unk);
        printf("\n");
        return;
    }
    printf("examples        %llu\nnll             %.6f\nlog_likelihood  %.4f\n"
           "perplexity      %.4f\n", (unsigned long long)r->examples, r->nll,
           r->log_likelihood, r->perplexity);
    if (unk) {
        printf("oov             %llu\noov_bigrams     %llu\nnll_with_oov    %.6f\n"
               "perplexity_with_oov  %.4f\n", (unsigned long long)r->oov,
               (unsigned long long)r->oov_bigrams, r->nll_with_oov, r->perplexity_with_oov);
    }
}

int mm_eval_args_parse(int argc, char **argv, const char *usage, mm_eval_args *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},          {"words", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"unk", required_argument, NULL, 'u'},     {"progress", no_argument, NULL, 'P'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"order", required_argument, NULL, 'O'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->progress = -1;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'w': a->words = optarg; break;
        case 't':
            if (!mm_cli_parse_threads("eval", optarg, &a->eval.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': a->isa = optarg; break;
        case 'u':
            if (strcmp(optarg, "skip") == 0) {
                a->eval.unk = MM_UNK_SKIP;
            } else if (strcmp(optarg, "error") == 0) {
                a->eval.unk = MM_UNK_ERROR;
            } else {
                return mm_cli_usage_error("eval", "--unk takes skip or error (got '%s')",
                                          optarg);
            }
            break;
        case 'P': a->progress = 1; break;
        case 'q': a->progress = 0; break;
        case 'O':
            if (!mm_cli_parse_order("eval", optarg, &a->order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            fputs(mm_eval_options_help, stdout);
            return MM_CLI_HELP;
        case ':': return mm_cli_usage_error("eval", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int npos = argc - optind;
    if (npos < 1 || (npos == 1 && a->words == NULL)) {
        return mm_cli_usage_error("eval", npos < 1 ? "missing MODEL" : "missing CORPUS");
    }
    a->model = argv[optind];
    a->files = (const char *const *)argv + optind + 1;
    a->nfiles = npos - 1;
    int nstdin = 0;
    for (int f = 0; f < a->nfiles; f++) {
        nstdin += strcmp(a->files[f], "-") == 0;
    }
    if (nstdin > 1) {
        return mm_cli_usage_error("eval", "standard input ('-') can be read only once");
    }
    return MM_EXIT_OK;
}

/* The exit code (or status) every process agrees on. */
static int eval_agree(const mm_cli_eval_env *env, int rc)
{
    return env->agree != NULL ? env->agree(rc, env->user) : rc;
}

int mm_cli_eval_run(const mm_eval_args *a, const mm_cli_eval_env *env)
{
    const char *words = a->words;
    int json = a->json, nfiles = a->nfiles;
    const mm_unk_policy unk = a->eval.unk;
    int drc = eval_agree(env, mm_cli_dispatch("eval", a->isa));
    if (drc != MM_EXIT_OK) {
        return drc; /* 2 for a name this binary does not know */
    }
    mm_model *m = NULL;
    mm_eval_result *res = NULL;
    int rc = MM_EXIT_FAIL;
    mm_status st = mm_model_load(&m, a->model);
    if (eval_agree(env, st != MM_OK ? mm_cli_fail(st) : MM_EXIT_OK) != MM_EXIT_OK) {
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    if (mm_cli_check_order("eval", a->model, m, a->order) != MM_EXIT_OK) {
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    /* every corpus first, then the output: a failure prints no partial
     * document */
    res = calloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof *res);
    if (res == NULL) {
        mm_cli_error("out of memory");
        goto cleanup;
    }
    for (int f = 0; f < nfiles; f++) {
        st = env->score(m, a, a->files[f], &res[f], env->user);
        if (st != MM_OK) {
            rc = mm_cli_fail(st);
            goto cleanup;
        }
    }
    if (words != NULL) {
        /* into memory first: a bad name prints no partial document */
        char *wbuf = NULL;
        size_t wlen = 0;
        FILE *wfp = open_memstream(&wbuf, &wlen);
        if (wfp == NULL) {
            mm_cli_error("out of memory");
            goto cleanup;
        }
        rc = mm_cli_eval_words(wfp, m, words, json);
        fclose(wfp);
        if (rc == MM_EXIT_OK) {
            if (json && nfiles > 0) {
                printf("{\"words\": %s, \"files\": [", wbuf);
                for (int f = 0; f < nfiles; f++) {
                    printf("%s", f ? ", " : "");
                    mm_cli_eval_print_json(a->files[f], &res[f], unk);
                }
                printf("]}\n");
            } else {
                printf(json ? "%s\n" : "%s", wbuf);
            }
        }
        free(wbuf);
        if (rc != MM_EXIT_OK || nfiles == 0 || json) {
            goto cleanup;
        }
        rc = MM_EXIT_FAIL;
    }
    if (json && nfiles == 1) {
        mm_cli_eval_print_one(a->files[0], &res[0], 1, unk == MM_UNK_SKIP);
    } else if (json) {
        printf("[");
        for (int f = 0; f < nfiles; f++) {
            printf("%s", f ? ", " : "");
            mm_cli_eval_print_json(a->files[f], &res[f], unk);
        }
        printf("]\n");
    } else if (nfiles == 1) {
        mm_cli_eval_print_one(a->files[0], &res[0], 0, unk == MM_UNK_SKIP);
    } else {
        printf("%12s %10s %16s %12s", "examples", "nll", "log_likelihood", "perplexity");
        if (unk == MM_UNK_SKIP) {
            printf(" %10s %12s %12s %19s", "oov", "oov_bigrams", "nll_with_oov",
                   "perplexity_with_oov");
        }
        printf("  file\n");
        for (int f = 0; f < nfiles; f++) {
            const mm_eval_result *r = &res[f];
            printf("%12llu %10.6f %16.4f %12.4f", (unsigned long long)r->examples, r->nll,
                   r->log_likelihood, r->perplexity);
            if (unk == MM_UNK_SKIP) {
                printf(" %10llu %12llu %12.6f %19.4f", (unsigned long long)r->oov,
                       (unsigned long long)r->oov_bigrams, r->nll_with_oov,
                       r->perplexity_with_oov);
            }
            printf("  %s\n", a->files[f]);
        }
    }
    rc = MM_EXIT_OK;
cleanup:
    free(res);
    mm_model_destroy(m);
    return rc;
}

/* makemore alone: each file in one streaming pass, with progress. */
static mm_status eval_score_file(const mm_model *m, const mm_eval_args *a, const char *path,
                                 mm_eval_result *r, void *user)
{
    (void)user;
    mm_eval_opts eopts = a->eval;
    mm_cli_progress prog;
    mm_cli_progress_start(&prog, "eval", path, a->progress);
    eopts.on_progress = prog.on ? mm_cli_progress_cb : NULL;
    eopts.user = &prog;
    mm_status st = mm_eval_file(m, path, &eopts, r);
    mm_cli_progress_end(&prog, st == MM_OK);
    return st;
}

int mm_cmd_eval(int argc, char **argv)
{
    mm_eval_args a;
    int rc = mm_eval_args_parse(argc, argv, eval_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    const mm_cli_eval_env env = {.score = eval_score_file};
    return mm_cli_eval_run(&a, &env);
}
