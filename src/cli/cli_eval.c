/*
 * cli_eval.c - `makemore eval`: NLL of a corpus under a model, and the
 * notebook's per-bigram listing for a few names (--words).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char mm_eval_options_help[] =
    "      --json           machine-readable: {\"examples\", \"nll\", \"log_likelihood\",\n"
    "                       \"perplexity\"} (an infinite NLL is written as null)\n"
    "      --words LIST     comma-separated names\n"
    "  -t, --threads N      OpenMP threads\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512\n"
    "  -h, --help           this text\n";

static const char eval_usage[] =
    "usage: makemore eval MODEL CORPUS [--json] [--words NAME,NAME...] [--threads N] "
    "[--isa NAME]\n"
    "\n"
    "Average negative log-likelihood, total log-likelihood and perplexity of\n"
    "CORPUS under MODEL (sums in double).  With --words, list each bigram of the\n"
    "given names with its probability and log-probability, as the notebook does\n"
    "(CORPUS is then optional).\n"
    "\n";

static void print_number_json(const char *key, double v, int last)
{
    if (isfinite(v)) {
        printf("\"%s\": %.10g%s", key, v, last ? "" : ", ");
    } else {
        printf("\"%s\": null%s", key, last ? "" : ", ");
    }
}

/* The notebook's loop over ['.'] + list(w) + ['.'] for each word.  Run
 * first with dry = 1, which prints nothing and checks every name, so that
 * a bad name leaves no partial listing on standard output. */
static int eval_words(const mm_model *m, const char *list, int json, int dry)
{
    const mm_vocab *v = mm_model_get_vocab(m);
    const float *P = mm_model_get_probs(m);
    size_t V = v->size;
    double ll = 0.0;
    uint64_t n = 0;
    const char *p = list;
    if (json && !dry) {
        printf("{\"bigrams\": [");
    }
    int first = 1;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0) { /* "a,,b": an empty name is skipped, as an empty line */
            p += (*p == ',');
            continue;
        }
        int prev = 0;
        size_t i = 0;
        for (;;) {
            int cur;
            uint32_t cp = MM_BOUNDARY;
            size_t step = 0;
            if (i < len) {
                const char *why = NULL;
                step = mm_utf8_decode((const uint8_t *)p + i, len - i, &cp, &why);
                if (step == 0) {
                    mm_cli_eprintf("%s eval: --words: invalid UTF-8 in '%.*s': %s\n",
                                   mm_cli_name, (int)len, p, why);
                    return MM_EXIT_FAIL;
                }
                if (cp == MM_BOUNDARY) {
                    mm_cli_eprintf("%s eval: --words: the boundary character '.' cannot "
                                   "appear in a name ('%.*s')\n", mm_cli_name, (int)len, p);
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
                    mm_cli_eprintf("%s eval: --words: character %s in '%.*s' is not in the "
                                   "model's vocabulary\n", mm_cli_name, d, (int)len, p);
                    return MM_EXIT_FAIL;
                }
            } else {
                cur = 0;
            }
            float prob = P[(size_t)prev * V + (size_t)cur];
            double lp = log((double)prob);
            char a[5], b[5];
            mm_vocab_utf8(v, (size_t)prev, a);
            mm_vocab_utf8(v, (size_t)cur, b);
            if (dry) {
                /* checked only */
            } else if (json) {
                printf("%s{\"bigram\": ", first ? "" : ", ");
                char ab[10];
                snprintf(ab, sizeof ab, "%s%s", a, b);
                mm_cli_json_string(stdout, ab);
                printf(", \"prob\": %.9g, ", (double)prob);
                print_number_json("logprob", lp, 1);
                printf("}");
            } else {
                printf("%s%s: %.4f %.4f\n", a, b, (double)prob, lp);
            }
            first = 0;
            ll += lp;
            n++;
            prev = cur;
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
    if (dry) {
        return MM_EXIT_OK;
    }
    if (json) {
        printf("], \"examples\": %llu, ", (unsigned long long)n);
        print_number_json("log_likelihood", ll, 0);
        print_number_json("nll", nll, 1);
        printf("}\n");
    } else {
        printf("log_likelihood=%.4f\nnll=%.4f\navg nll=%.4f\n", ll, -ll, nll);
    }
    return MM_EXIT_OK;
}

int mm_cli_eval_words(const mm_model *m, const char *list, int json)
{
    int rc = eval_words(m, list, json, 1);
    return rc == MM_EXIT_OK ? eval_words(m, list, json, 0) : rc;
}

int mm_eval_args_parse(int argc, char **argv, const char *usage, mm_eval_args *a)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},          {"words", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': a->json = 1; break;
        case 'w': a->words = optarg; break;
        case 't':
            if (!mm_cli_parse_threads("eval", optarg, &a->eval.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': a->isa = optarg; break;
        case 'h':
            fputs(usage, stdout);
            fputs(mm_eval_options_help, stdout);
            return MM_CLI_HELP;
        case ':': return mm_cli_usage_error("eval", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("eval", "unknown option '%s'", argv[optind - 1]);
        }
    }
    int npos = argc - optind;
    if (npos < 1 || npos > 2 || (npos == 1 && a->words == NULL)) {
        return mm_cli_usage_error("eval", npos < 1 ? "missing MODEL" : npos > 2
                                  ? "too many arguments" : "missing CORPUS");
    }
    a->model = argv[optind];
    a->corpus = npos == 2 ? argv[optind + 1] : NULL;
    return MM_EXIT_OK;
}

void mm_cli_eval_print(const mm_eval_result *r, int json)
{
    if (json) {
        printf("{\"examples\": %llu, ", (unsigned long long)r->examples);
        print_number_json("nll", r->nll, 0);
        print_number_json("log_likelihood", r->log_likelihood, 0);
        print_number_json("perplexity", r->perplexity, 1);
        printf("}\n");
    } else {
        printf("examples        %llu\nnll             %.6f\nlog_likelihood  %.4f\n"
               "perplexity      %.4f\n", (unsigned long long)r->examples, r->nll,
               r->log_likelihood, r->perplexity);
    }
}

int mm_cli_eval_run(const mm_eval_args *a, const mm_cli_eval_env *env)
{
    mm_status st = mm_dispatch_init(a->isa);
    if (env->agree != NULL) {
        st = env->agree(st, env->user);
    }
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mm_model *m = NULL;
    int rc = MM_EXIT_FAIL;
    st = mm_model_load(&m, a->model);
    if (env->agree != NULL) {
        st = env->agree(st, env->user);
    }
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (a->words != NULL) {
        /* Under MPI every rank lists the same words: the same exit code
         * everywhere, only rank 0's standard output kept. */
        rc = mm_cli_eval_words(m, a->words, a->json);
        if (rc != MM_EXIT_OK || a->corpus == NULL) {
            goto cleanup;
        }
    }
    mm_eval_result r;
    st = env->score(m, a, &r, env->user);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    mm_cli_eval_print(&r, a->json);
    rc = MM_EXIT_OK;
cleanup:
    mm_model_destroy(m);
    return rc;
}

/* makemore alone: the whole file in one streaming pass. */
static mm_status eval_score_file(const mm_model *m, const mm_eval_args *a, mm_eval_result *r,
                                 void *user)
{
    (void)user;
    return mm_eval_file(m, a->corpus, &a->eval, r);
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
