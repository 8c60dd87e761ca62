/*
 * cli_data.c - `makemore split` (a corpus into train/dev/test parts) and
 * `makemore tune` (the smoothing k that minimises the dev NLL): the
 * lecture's exercises E02 and E03 over the library's mm_split_corpus,
 * mm_count_ngrams and mm_eval_ngrams.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MM_DEFAULT_SPLIT_SEED 2147483647ULL

static const char split_usage[] =
    "usage: makemore split CORPUS -o PREFIX [--ratios 80,10,10] [--seed S] [--quiet]\n"
    "\n"
    "Split the names of CORPUS (its non-empty lines) at random into parts whose\n"
    "sizes follow the ratios, as shuffling and slicing would (80,10,10: int(0.8 n)\n"
    "train names, then up to int(0.9 n) dev, the rest test), each part in file\n"
    "order.  The same seed gives the same split on any machine (the rule is in\n"
    "src/split.c: MT19937 seeded as torch.manual_seed, one exact uniform draw per\n"
    "name); the file is read in two streaming passes, so it may exceed memory.\n"
    "\n"
    "  -o, --output PREFIX  write PREFIX.train.txt, PREFIX.dev.txt, PREFIX.test.txt\n"
    "                       (2 ratios: train, test; 4 to 8: PREFIX.part1.txt ...),\n"
    "                       each atomically (temp file + rename)\n"
    "  -r, --ratios LIST    2 to 8 whole numbers, comma-separated (default 80,10,10)\n"
    "  -s, --seed S         generator seed (default 2147483647)\n"
    "  -q, --quiet          nothing on standard error but errors\n"
    "  -h, --help           this text\n";

/* "80,10,10" -> ratios; 0 on a malformed list. */
static int split_parse_ratios(const char *s, uint32_t *r, size_t *n)
{
    size_t k = 0;
    uint64_t sum = 0;
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char buf[32];
        unsigned long long v = 0;
        if (len == 0 || len >= sizeof buf || k == MM_SPLIT_MAX_PARTS) {
            return 0;
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        if (!mm_cli_parse_u64(buf, &v) || v > 1000000) {
            return 0;
        }
        r[k++] = (uint32_t)v;
        sum += v;
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    *n = k;
    return k >= 2 && sum > 0;
}

int mm_cmd_split(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"ratios", required_argument, NULL, 'r'},
        {"seed", required_argument, NULL, 's'},   {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},        {NULL, 0, NULL, 0},
    };
    int quiet = 0;
    const char *prefix = NULL;
    uint32_t ratios[MM_SPLIT_MAX_PARTS] = {80, 10, 10};
    size_t parts = 3;
    unsigned long long seed = MM_DEFAULT_SPLIT_SEED;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:r:s:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'o': prefix = optarg; break;
        case 'q': quiet = 1; break;
        case 'r':
            if (!split_parse_ratios(optarg, ratios, &parts)) {
                return mm_cli_usage_error("split", "--ratios takes 2 to %d whole numbers "
                                          "0..1000000, comma-separated, not all 0 (got '%s')",
                                          MM_SPLIT_MAX_PARTS, optarg);
            }
            break;
        case 's':
            if (!mm_cli_parse_u64(optarg, &seed)) {
                return mm_cli_usage_error("split", "--seed takes a whole number >= 0 (got '%s')",
                                          optarg);
            }
            break;
        case 'h': fputs(split_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("split", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("split", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("split", optind == argc ? "missing CORPUS" : "expected one CORPUS");
    }
    if (prefix == NULL) {
        return mm_cli_usage_error("split", "missing -o PREFIX");
    }
    if (mm_cli_check_output("split", "-o", prefix) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    size_t plen = strlen(prefix);
    if (prefix[plen - 1] == '/') {
        /* "sp/" would write the hidden files sp/.train.txt ... */
        return mm_cli_usage_error("split", "-o %s: PREFIX ends in '/'; name the files too, "
                                  "e.g. -o %snames", prefix, prefix);
    }
    static const char *const names3[] = {"train", "dev", "test"};
    static const char *const names2[] = {"train", "test"};
    char *paths[MM_SPLIT_MAX_PARTS] = {NULL};
    int rc = MM_EXIT_FAIL;
    for (size_t j = 0; j < parts; j++) {
        char part[32]; /* "part" and any size_t */
        snprintf(part, sizeof part, "part%zu", j + 1);
        const char *nm = parts == 3 ? names3[j] : parts == 2 ? names2[j] : part;
        size_t len = strlen(prefix) + strlen(nm) + 6;
        paths[j] = malloc(len);
        if (paths[j] == NULL) {
            fprintf(stderr, "makemore: out of memory\n");
            goto cleanup;
        }
        snprintf(paths[j], len, "%s.%s.txt", prefix, nm);
    }
    mm_cli_file files[MM_SPLIT_MAX_PARTS + 1] = {{"CORPUS", argv[optind], 0, 0}};
    for (size_t j = 0; j < parts; j++) {
        files[j + 1] = (mm_cli_file){"-o", paths[j], 1, 0};
    }
    if (!mm_cli_check_files("split", files, parts + 1)) {
        goto cleanup;
    }
    uint64_t sizes[MM_SPLIT_MAX_PARTS];
    mm_status st = mm_split_corpus(argv[optind], ratios, parts, seed,
                                   (const char *const *)paths, sizes);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    for (size_t j = 0; j < parts && !quiet; j++) {
        mm_cli_eprintf("wrote %s: %llu name%s\n", paths[j], (unsigned long long)sizes[j],
                       sizes[j] == 1 ? "" : "s");
    }
    rc = MM_EXIT_OK;
cleanup:
    for (size_t j = 0; j < parts; j++) {
        free(paths[j]);
    }
    return rc;
}

static const char tune_usage[] =
    "usage: makemore tune CORPUS --dev DEV [--order K] [--smoothing LO..HI] [--points N]\n"
    "                     [--json] [--svg FILE] [-o MODEL] [--threads N] [--quiet]\n"
    "\n"
    "Count CORPUS once, then for each smoothing k of a grid (N values spaced evenly\n"
    "in log k from LO to HI) score DEV with the add-k model: print the curve of\n"
    "the dev NLL (and the train NLL) and the k with the lowest dev NLL (the first,\n"
    "on a tie).  DEV must use only characters of CORPUS.  When -o or --svg puts\n"
    "the model or the drawing on standard output (-, /dev/stdout), the curve\n"
    "(text or JSON) is printed on standard error instead.\n"
    "\n"
    "      --dev DEV        the held-out names (e.g. PREFIX.dev.txt of makemore split)\n"
    "      --order K        n-gram order 2..6 (default 2)\n"
    "  -k, --smoothing R    the grid's range LO..HI, 0 < LO <= HI (default 0.001..100)\n"
    "      --points N       grid size 1..1000 (default 21: four per decade by default)\n"
    "      --json           machine-readable: {\"order\", \"train\", \"dev\", \"curve\":\n"
    "                       [{\"smoothing\", \"dev_nll\", \"train_nll\"}], \"best\"}\n"
    "      --svg FILE       draw the dev and train NLL against the grid point i,\n"
    "                       k = LO (HI/LO)^(i/(N-1)) (atomically)\n"
    "  -o, --output MODEL   write the model of the best k (atomically)\n"
    "  -t, --threads N      OpenMP threads for counting\n"
    "  -q, --quiet          nothing on standard error but errors (and the curve,\n"
    "                       when it is there)\n"
    "  -h, --help           this text\n";

static int tune_parse_range(const char *s, double *lo, double *hi)
{
    const char *dots = strstr(s, "..");
    char buf[64];
    if (dots == NULL) { /* one value: a grid of one point */
        if (!mm_cli_parse_double(s, lo)) {
            return 0;
        }
        *hi = *lo;
    } else {
        size_t len = (size_t)(dots - s);
        if (len == 0 || len >= sizeof buf) {
            return 0;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        if (!mm_cli_parse_double(buf, lo) || !mm_cli_parse_double(dots + 2, hi)) {
            return 0;
        }
    }
    return *lo > 0 && *hi >= *lo;
}

int mm_cmd_tune(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dev", required_argument, NULL, 'D'},     {"order", required_argument, NULL, 'O'},
        {"smoothing", required_argument, NULL, 'k'}, {"points", required_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'j'},          {"svg", required_argument, NULL, 'S'},
        {"output", required_argument, NULL, 'o'},  {"threads", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},          {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *dev = NULL, *svg = NULL, *out = NULL;
    int order = 2, json = 0, c, quiet = 0;
    double lo = 0.001, hi = 100.0;
    unsigned long long points = 21;
    mm_count_opts copts = {0};
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":k:o:t:hq", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quiet = 1; break;
        case 'D': dev = optarg; break;
        case 'O':
            if (!mm_cli_parse_order("tune", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'k':
            if (!tune_parse_range(optarg, &lo, &hi)) {
                return mm_cli_usage_error("tune", "--smoothing takes LO..HI with 0 < LO <= HI, "
                                          "or one value > 0 (got '%s')", optarg);
            }
            break;
        case 'P':
            if (!mm_cli_parse_u64(optarg, &points) || points < 1 || points > 1000) {
                return mm_cli_usage_error("tune", "--points takes 1..1000 (got '%s')", optarg);
            }
            break;
        case 'j': json = 1; break;
        case 'S': svg = optarg; break;
        case 'o': out = optarg; break;
        case 't':
            if (!mm_cli_parse_threads("tune", optarg, &copts.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'h': fputs(tune_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("tune", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("tune", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("tune", optind == argc ? "missing CORPUS" : "expected one CORPUS");
    }
    if (dev == NULL) {
        return mm_cli_usage_error("tune", "missing --dev DEV");
    }
    if (lo == hi) {
        points = 1;
    }
    const char *train = argv[optind];
    const mm_cli_file files[] = {{"CORPUS", train, 0, 0}, {"--dev", dev, 0, 0},
                                 {"-o", out, 1, 0}, {"--svg", svg, 1, 0}};
    if (!mm_cli_check_files("tune", files, 4)) {
        return MM_EXIT_FAIL;
    }
    /* The report (table or JSON) goes where it cannot corrupt an output:
     * on stderr when -o or --svg puts the model or the drawing on stdout
     * ("-", /dev/stdout, ...).  Decided before the outputs are written. */
    FILE *rep = mm_cli_writes_stdout(out) || mm_cli_writes_stdout(svg) ? stderr : stdout;
    mm_ngrams *gt = NULL, *gd = NULL;
    mm_corpus *dc = NULL;
    mm_model *m = NULL, *best_model = NULL;
    double *ks = malloc(points * sizeof *ks);
    double *dev_nll = malloc(points * sizeof *dev_nll);
    double *train_nll = malloc(points * sizeof *train_nll);
    int rc = MM_EXIT_FAIL;
    mm_eval_result rd = {0}, rt = {0};
    if (ks == NULL || dev_nll == NULL || train_nll == NULL) {
        fprintf(stderr, "makemore: out of memory\n");
        goto cleanup;
    }
    mm_status st = mm_count_ngrams_file(train, order, &copts, &gt);
    if (st == MM_OK && mm_ngrams_get_total(gt) == 0) {
        mm_cli_fail(mm_require_names(0, train, MM_NAMES_COUNT));
        goto cleanup;
    }
    if (st == MM_OK) {
        st = mm_corpus_open(&dc, dev);
    }
    if (st == MM_OK) {
        st = mm_count_ngrams(dc, mm_ngrams_get_vocab(gt), order, &copts, &gd);
    }
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (mm_ngrams_get_total(gd) == 0) {
        mm_cli_fail(mm_require_names(0, dev, MM_NAMES_EVAL));
        goto cleanup;
    }
    size_t best = 0;
    for (size_t i = 0; i < points; i++) {
        /* log spacing; the ends exactly LO and HI */
        /* interpolated in log10 k, so the decades of the default grid
         * (0.001, 0.01, ..., 100) are exact */
        ks[i] = i == 0 ? lo : i + 1 == points ? hi
              : pow(10.0, (log10(lo) * (double)(points - 1 - i) + log10(hi) * (double)i) /
                              (double)(points - 1));
        st = mm_model_from_ngrams(&m, gt, ks[i]);
        if (st == MM_OK) {
            st = mm_eval_ngrams(m, gd, &rd);
        }
        if (st == MM_OK) {
            st = mm_eval_ngrams(m, gt, &rt);
        }
        if (st != MM_OK) {
            rc = mm_cli_fail(st);
            goto cleanup;
        }
        dev_nll[i] = rd.nll;
        train_nll[i] = rt.nll;
        if (i == 0 || dev_nll[i] < dev_nll[best]) {
            best = i;
            mm_model_destroy(best_model);
            best_model = m;
        } else {
            mm_model_destroy(m);
        }
        m = NULL;
    }
    uint64_t dev_examples = rd.examples, train_examples = rt.examples;
    if (out != NULL) {
        st = mm_model_save(best_model, out);
        if (st != MM_OK) {
            rc = mm_cli_fail(st);
            goto cleanup;
        }
    }
    if (svg != NULL) {
        /* dev (blue) and train (orange) NLL at grid point i (the x axis) */
        uint64_t *xi = malloc(points * sizeof *xi);
        if (xi == NULL) {
            fprintf(stderr, "makemore: out of memory\n");
            goto cleanup;
        }
        for (size_t i = 0; i < points; i++) {
            xi[i] = i;
        }
        char title[200];
        snprintf(title, sizeof title, "order %d: dev and train NLL at k = %.3g * %.3g^i "
                 "(best k = %.4g)", order, lo, points > 1 ? pow(hi / lo, 1.0 / (double)(points - 1))
                 : 1.0, ks[best]);
        st = mm_plot_losses_svg(dev_nll, train_nll, xi, (size_t)points, svg, title);
        free(xi);
        if (st != MM_OK) {
            rc = mm_cli_fail(st);
            goto cleanup;
        }
    }
    if (json) {
        fprintf(rep, "{\"order\": %d, \"train\": {\"path\": ", order);
        mm_cli_json_string(rep, train);
        fprintf(rep, ", \"examples\": %llu}, \"dev\": {\"path\": ",
                (unsigned long long)train_examples);
        mm_cli_json_string(rep, dev);
        fprintf(rep, ", \"examples\": %llu}, \"curve\": [", (unsigned long long)dev_examples);
        for (size_t i = 0; i < points; i++) {
            fprintf(rep, "%s{\"smoothing\": ", i ? ", " : "");
            mm_cli_json_number(rep, ks[i]);
            fprintf(rep, ", \"dev_nll\": ");
            mm_cli_json_number(rep, dev_nll[i]);
            fprintf(rep, ", \"train_nll\": ");
            mm_cli_json_number(rep, train_nll[i]);
            fprintf(rep, "}");
        }
        fprintf(rep, "], \"best\": {\"smoothing\": ");
        mm_cli_json_number(rep, ks[best]);
        fprintf(rep, ", \"dev_nll\": ");
        mm_cli_json_number(rep, dev_nll[best]);
        fprintf(rep, ", \"dev_perplexity\": ");
        mm_cli_json_number(rep, exp(dev_nll[best]));
        fprintf(rep, "}}\n");
    } else {
        fprintf(rep, "order %d: train %s (%llu n-grams), dev %s (%llu n-grams)\n", order, train,
               (unsigned long long)train_examples, dev, (unsigned long long)dev_examples);
        fprintf(rep, "%-12s  %-10s  %-10s\n", "smoothing", "dev_nll", "train_nll");
        for (size_t i = 0; i < points; i++) {
            fprintf(rep, "%-12.6g  %-10.6f  %-10.6f%s\n", ks[i], dev_nll[i], train_nll[i],
                   i == best ? "  <- best" : "");
        }
        fprintf(rep, "best smoothing %.6g: dev nll %.6f, perplexity %.4f\n", ks[best], dev_nll[best],
               exp(dev_nll[best]));
    }
    if (out != NULL && !quiet) {
        mm_cli_eprintf("wrote %s: order %d, smoothing %g\n", out, order, ks[best]);
    }
    rc = MM_EXIT_OK;
cleanup:
    mm_model_destroy(m);
    mm_model_destroy(best_model);
    mm_ngrams_destroy(gt);
    mm_ngrams_destroy(gd);
    mm_corpus_close(dc);
    free(ks);
    free(dev_nll);
    free(train_nll);
    return rc;
}
