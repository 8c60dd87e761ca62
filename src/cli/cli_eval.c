/*
 * cli_eval.c - `makemore eval`: NLL of a corpus under a model, and the
 * notebook's per-bigram listing for a few names (--words).
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char eval_usage[] =
    "usage: makemore eval MODEL CORPUS [--json] [--words NAME,NAME...] [--threads N] "
    "[--isa NAME]\n"
    "\n"
    "Average negative log-likelihood, total log-likelihood and perplexity of\n"
    "CORPUS under MODEL (sums in double).  With --words, list each bigram (each\n"
    "n-gram, for an order-K model) of the given names with its probability and\n"
    "log-probability, as the notebook does (CORPUS is then optional).  Examples\n"
    "are the characters plus one end per name (a name's start is a context, not\n"
    "an event), whatever the order.\n"
    "\n"
    "      --order K        fail unless MODEL has order K (the order is the model's)\n"
    "      --json           machine-readable: {\"examples\", \"nll\", \"log_likelihood\",\n"
    "                       \"perplexity\"} (an infinite NLL is written as null)\n"
    "      --words LIST     comma-separated names\n"
    "  -t, --threads N      OpenMP threads\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512\n"
    "  -h, --help           this text\n";

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
    const int K = mm_model_get_order(m);
    float row[MM_MAX_VOCAB];
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
                    mm_cli_eprintf("makemore eval: --words: invalid UTF-8 in '%.*s': %s\n",
                                   (int)len, p, why);
                    return MM_EXIT_FAIL;
                }
                if (cp == MM_BOUNDARY) {
                    mm_cli_eprintf("makemore eval: --words: the boundary character '.' "
                                   "cannot appear in a name ('%.*s')\n", (int)len, p);
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
                    mm_cli_eprintf("makemore eval: --words: character %s in '%.*s' is not in "
                                   "the model's vocabulary\n", d, (int)len, p);
                    return MM_EXIT_FAIL;
                }
            } else {
                cur = 0;
            }
            mm_model_get_row(m, ctx, row);
            float prob = row[cur];
            double lp = log((double)prob);
            char ab[MM_MAX_ORDER * 4 + 1];
            size_t abn = 0;
            for (int q = 0; q < K - 1; q++) {
                abn += mm_vocab_utf8(v, ctx[q], ab + abn);
            }
            abn += mm_vocab_utf8(v, (size_t)cur, ab + abn);
            ab[abn] = '\0';
            if (dry) {
                /* checked only */
            } else if (json) {
                printf("%s{\"%s\": ", first ? "" : ", ", K == 2 ? "bigram" : "ngram");
                mm_cli_json_string(stdout, ab);
                printf(", \"prob\": %.9g, ", (double)prob);
                print_number_json("logprob", lp, 1);
                printf("}");
            } else {
                printf("%s: %.4f %.4f\n", ab, (double)prob, lp);
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

int mm_cmd_eval(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},          {"words", required_argument, NULL, 'w'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {"order", required_argument, NULL, 'O'},
        {NULL, 0, NULL, 0},
    };
    int order = 0;
    const char *words = NULL, *isa = NULL;
    int json = 0;
    mm_eval_opts eopts = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'w': words = optarg; break;
        case 't':
            if (!mm_cli_parse_threads("eval", optarg, &eopts.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': isa = optarg; break;
        case 'O':
            if (!mm_cli_parse_order("eval", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
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
    mm_status st = mm_dispatch_init(isa);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mm_model *m = NULL;
    int rc = MM_EXIT_FAIL;
    st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    rc = mm_cli_check_order("eval", argv[optind], m, order);
    if (rc != MM_EXIT_OK) {
        goto cleanup;
    }
    rc = MM_EXIT_FAIL;
    if (words != NULL) {
        rc = eval_words(m, words, json, 1);
        if (rc == MM_EXIT_OK) {
            rc = eval_words(m, words, json, 0);
        }
        if (rc != MM_EXIT_OK || npos == 1) {
            goto cleanup;
        }
    }
    mm_eval_result r;
    st = mm_eval_file(m, argv[optind + 1], &eopts, &r);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (json) {
        printf("{\"examples\": %llu, ", (unsigned long long)r.examples);
        print_number_json("nll", r.nll, 0);
        print_number_json("log_likelihood", r.log_likelihood, 0);
        print_number_json("perplexity", r.perplexity, 1);
        printf("}\n");
    } else {
        printf("examples        %llu\nnll             %.6f\nlog_likelihood  %.4f\n"
               "perplexity      %.4f\n", (unsigned long long)r.examples, r.nll,
               r.log_likelihood, r.perplexity);
    }
    rc = MM_EXIT_OK;
cleanup:
    mm_model_destroy(m);
    return rc;
}
