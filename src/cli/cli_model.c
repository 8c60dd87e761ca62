/*
 * cli_model.c - commands that read a model file: sample, info, export, plot.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

#define MM_DEFAULT_SEED 2147483647ULL

static const char sample_usage[] =
    "usage: makemore sample MODEL [-n N] [--seed S] [--max-len L] [--order K]\n"
    "\n"
    "Draw N names (one a line, without the boundary) with PyTorch's generator and\n"
    "multinomial: the same seed gives the same names as the notebook.\n"
    "\n"
    "  -n, --count N        names to draw (default 10)\n"
    "  -s, --seed S         generator seed (default 2147483647); a negative S is\n"
    "                       taken modulo 2^64, as torch's manual_seed does\n"
    "      --max-len L      stop a name after L characters (default 256)\n"
    MM_CLI_ISA_HELP ";\n"
    "                       every set draws the same names\n"
    "      --order K        fail unless MODEL has order K.  An order-K model draws\n"
    "                       each character from P(. | the K-1 before it), pads '.'\n"
    "                       at the start, with torch.multinomial on that row of P\n"
    "  -q, --quiet          accepted for symmetry: sample prints only names and errors\n"
    "  -h, --help           this text\n";

int mm_cmd_sample(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},  {"seed", required_argument, NULL, 's'},
        {"max-len", required_argument, NULL, 'L'}, {"isa", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {"order", required_argument, NULL, 'O'},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    int order = 0;
    unsigned long long n = 10, seed = MM_DEFAULT_SEED, max_len = 256;
    const char *isa = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:s:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!mm_cli_parse_u64(optarg, &n)) {
                return mm_cli_usage_error("sample", "-n takes a whole number (got '%s')", optarg);
            }
            break;
        case 's':
            if (!mm_cli_parse_seed(optarg, &seed)) {
                return mm_cli_usage_error("sample", "--seed takes a whole number from "
                                          "-2^63 to 2^64 - 1 (got '%s')", optarg);
            }
            break;
        case 'L':
            if (!mm_cli_parse_u64(optarg, &max_len) || max_len < 1 || max_len > 1000000) {
                return mm_cli_usage_error("sample", "--max-len takes 1..1000000 (got '%s')",
                                          optarg);
            }
            break;
        case 'I': isa = optarg; break;
        case 'O':
            if (!mm_cli_parse_order("sample", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'q': break; /* sample prints nothing but names and errors */
        case 'h': fputs(sample_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("sample", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("sample", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("sample", optind == argc ? "missing MODEL" : "expected one MODEL");
    }
    int drc = mm_cli_dispatch("sample", isa);
    if (drc != MM_EXIT_OK) {
        return drc;
    }
    mm_status st = MM_OK;
    mm_model *m = NULL;
    st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (mm_cli_check_order("sample", argv[optind], m, order) != MM_EXIT_OK) {
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    /* Symbols in bulk (0 ends a name), then text: '\n' for 0, each symbol's
     * UTF-8 otherwise; in place when every symbol is one byte. */
    const mm_vocab *v = mm_model_get_vocab(m);
    char sym[MM_MAX_VOCAB][5];
    uint8_t symlen[MM_MAX_VOCAB];
    int ascii = 1;
    for (size_t i = 0; i < v->size; i++) {
        symlen[i] = (uint8_t)mm_vocab_utf8(v, i, sym[i]);
        ascii &= symlen[i] == 1;
    }
    sym[0][0] = '\n';
    symlen[0] = 1;
    size_t cap = ((size_t)1 << 20) + (size_t)max_len + 4;
    uint8_t *syms = malloc(cap);
    char *text = ascii ? NULL : malloc(4 * cap);
    int rc = MM_EXIT_OK;
    if (syms == NULL || (!ascii && text == NULL)) {
        fprintf(stderr, "makemore: out of memory\n");
        rc = MM_EXIT_FAIL;
        goto cleanup;
    }
    mm_rng g;
    mm_rng_seed(&g, seed);
    uint64_t left = n;
    while (left > 0) {
        size_t ns = mm_model_sample_many(m, &g, &left, (size_t)max_len, syms, cap);
        const char *buf = (const char *)syms;
        size_t len = ns;
        if (ascii) {
            for (size_t i = 0; i < ns; i++) {
                syms[i] = (uint8_t)sym[syms[i]][0];
            }
        } else {
            len = 0;
            for (size_t i = 0; i < ns; i++) {
                memcpy(text + len, sym[syms[i]], symlen[syms[i]]);
                len += symlen[syms[i]];
            }
            buf = text;
        }
        if (fwrite(buf, 1, len, stdout) != len) {
            fprintf(stderr, "makemore: sample: write error: %s\n", strerror(errno));
            rc = MM_EXIT_FAIL;
            goto cleanup;
        }
    }
cleanup:
    free(text);
    free(syms);
    mm_model_destroy(m);
    return rc;
}

static const char info_usage[] =
    "usage: makemore info MODEL [--json] [--order K]\n"
    "\n"
    "Describe a model file: kind, vocabulary, size, counts or training state.\n"
    "\n"
    "      --json           machine-readable: {\"kind\", \"vocab\", \"V\"} and, for a\n"
    "                       count model, \"bigrams\", \"names\", \"smoothing\"; for a\n"
    "                       neural one, \"driver\", \"batch\" (0: full batch),\n"
    "                       \"steps\" (done), \"lr\", \"reg\", \"seed\" (all: \"order\";\n"
    "                       a count model of order > 2: \"ngrams\", \"distinct\",\n"
    "                       \"contexts\" instead of \"bigrams\")\n"
    "      --order K        fail unless MODEL has order K\n"
    "  -q, --quiet          accepted for symmetry: info prints only its result\n"
    "  -h, --help           this text\n";

int mm_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'},
        {"order", required_argument, NULL, 'O'}, {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    int json = 0, c, order = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'O':
            if (!mm_cli_parse_order("info", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'q': break; /* info prints only its result and errors */
        case 'h': fputs(info_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("info", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("info", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("info", optind == argc ? "missing MODEL" : "expected one MODEL");
    }
    mm_model *m = NULL;
    mm_status st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (mm_cli_check_order("info", argv[optind], m, order) != MM_EXIT_OK) {
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    const mm_vocab *v = mm_model_get_vocab(m);
    size_t V = v->size;
    char vocab[MM_MAX_VOCAB * 4 + 1];
    size_t used = 0;
    for (size_t i = 0; i < V; i++) {
        used += mm_vocab_utf8(v, i, vocab + used);
    }
    vocab[used] = '\0';
    int counts = mm_model_get_kind(m) == MM_MODEL_COUNTS;
    const uint64_t *C = mm_model_get_counts(m);
    double smoothing = mm_model_get_smoothing(m);
    mm_train_state ts = {0};
    uint64_t bigrams = 0, names = 0;
    const int K = mm_model_get_order(m);
    if (counts && K > 2) {
        /* the n-grams below */
    } else if (counts) {
        for (size_t i = 0; i < V * V; i++) {
            bigrams += C[i];
        }
        for (size_t j = 0; j < V; j++) {
            names += C[j];
        }
    } else if ((st = mm_model_get_train_state(m, &ts)) != MM_OK) {
        mm_model_destroy(m);
        return mm_cli_fail(st);
    }
    const size_t ng = mm_model_get_ngram_size(m), nctx = mm_model_get_context_count(m);
    const uint64_t *ng_keys = mm_model_get_ngram_keys(m), *ng_counts = mm_model_get_ngram_values(m);
    for (size_t i = 0; counts && K > 2 && i < ng; i++) {
        bigrams += ng_counts[i]; /* n-grams; a name's first is (pads, c) */
        names += ng_keys[i] < V ? ng_counts[i] : 0;
    }
    if (json) {
        printf("{\"kind\": \"%s\", \"vocab\": ", counts ? "counts" : "neural");
        mm_cli_json_string(stdout, vocab);
        printf(", \"V\": %zu, \"order\": %d", V, K);
        if (counts && K > 2) {
            printf(", \"ngrams\": %llu, \"distinct\": %zu, \"contexts\": %zu, "
                   "\"names\": %llu, \"smoothing\": %.17g", (unsigned long long)bigrams,
                   ng, nctx, (unsigned long long)names, smoothing);
        } else if (counts) {
            printf(", \"bigrams\": %llu, \"names\": %llu, \"smoothing\": %.17g",
                   (unsigned long long)bigrams, (unsigned long long)names, smoothing);
        } else {
            printf(", \"driver\": ");
            mm_cli_json_string(stdout, mm_train_driver_name(ts.driver) != NULL
                                           ? mm_train_driver_name(ts.driver) : "unknown");
            printf(", \"batch\": %u, \"steps\": %llu, \"lr\": ", (unsigned)ts.batch,
                   (unsigned long long)ts.step);
            mm_cli_json_number(stdout, ts.lr);
            printf(", \"reg\": ");
            mm_cli_json_number(stdout, ts.reg);
            printf(", \"seed\": %llu", (unsigned long long)ts.seed);
        }
        printf("}\n");
    } else {
        printf("kind       %s\nV          %zu\nvocab      %s\norder      %d\n",
               counts ? "counts" : "neural", V, vocab, K);
        if (counts && K > 2) {
            printf("names      %llu\nngrams     %llu\ndistinct   %zu\ncontexts   %zu\n"
                   "smoothing  %g\n", (unsigned long long)names, (unsigned long long)bigrams,
                   ng, nctx, smoothing);
        } else if (counts) {
            printf("names      %llu\nbigrams    %llu\nsmoothing  %g\n",
                   (unsigned long long)names, (unsigned long long)bigrams, smoothing);
        } else {
            const char *driver = mm_train_driver_name(ts.driver);
            printf("step       %llu\nlr         %g\nreg        %g\nseed       %llu\n"
                   "driver     %s\nbatch      %u%s\n", (unsigned long long)ts.step,
                   ts.lr, ts.reg, (unsigned long long)ts.seed,
                   driver != NULL ? driver : "unknown", (unsigned)ts.batch,
                   ts.batch == 0 ? " (full batch)" : "");
        }
    }
    mm_model_destroy(m);
    return MM_EXIT_OK;
}

static const char export_usage[] =
    "usage: makemore export MODEL --npy FILE [--probs]\n"
    "       makemore export MODEL --arpa FILE\n"
    "\n"
    "Write the model as a NumPy .npy array (format 1.0) that numpy.load and\n"
    "torch.from_numpy read: a count model's V x V counts as int64 (or, with\n"
    "--probs, P as float32); a neural model's W as float32.  An order-K model\n"
    "gives a (V^(K-1), V) array, row = context (numpy: .reshape((V,) * K)); the\n"
    "neural trigram's W is (2V, V), [W1; W2].\n"
    "\n"
    "With --arpa, write an ARPA back-off language model (log10 probabilities,\n"
    "characters as words, a name as \"<s> e m m a </s>\") that states the model's\n"
    "probabilities exactly: IRSTLM's compile-lm, scoring the names written that\n"
    "way, gives the perplexity of 'makemore eval' (count models need k > 0).\n"
    "\n"
    "      --npy FILE       output file (atomically: temp file + rename)\n"
    "      --probs          write the probabilities P instead\n"
    "      --arpa FILE      ARPA file to write (atomically); with or without --npy\n"
    "      --order K        fail unless MODEL has order K\n"
    "  -q, --quiet          accepted for symmetry: export prints only errors\n"
    "  -h, --help           this text\n";

/* An order-K model as a dense (V^(K-1), V) array: row = context key, as
 * the notebook's N.view(-1, V) (numpy: .reshape((V,) * K)).  Refused above
 * 2^27 cells (1 GiB of int64): such a model belongs in an ARPA file. */
static mm_status export_ngram_npy(const mm_model *m, const char *npy, int probs)
{
    const size_t V = mm_model_get_vocab(m)->size;
    const int K = mm_model_get_order(m);
    if (mm_model_get_kind(m) == MM_MODEL_NEURAL && !probs) { /* the trigram's [W1; W2] */
        return mm_npy_write_f32(npy, mm_model_get_weights(m), (size_t)(K - 1) * V, V);
    }
    double cells = pow((double)V, K);
    if (cells > (double)((size_t)1 << 27)) {
        mm_cli_eprintf("makemore export: %s: a dense order-%d table has V^K = %.0f cells "
                       "(more than 2^27); use --arpa\n", npy, K, cells);
        return MM_ERR_INVALID_ARG;
    }
    size_t n = (size_t)cells;
    void *buf = malloc(n * (probs ? sizeof(float) : sizeof(uint64_t)));
    if (buf == NULL) {
        mm_cli_eprintf("makemore: out of memory\n");
        return MM_ERR_NOMEM;
    }
    mm_status st;
    if (probs) {
        st = mm_model_get_dense_probs(m, buf, n);
        if (st == MM_OK) {
            st = mm_npy_write_f32(npy, buf, n / V, V);
        }
    } else {
        st = mm_model_get_dense_counts(m, buf, n);
        int64_t *c64 = buf;
        for (size_t i = 0; st == MM_OK && i < n; i++) { /* in place: same width */
            uint64_t u = ((uint64_t *)buf)[i];
            c64[i] = u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
        }
        if (st == MM_OK) {
            st = mm_npy_write_i64(npy, c64, n / V, V);
        }
    }
    free(buf);
    return st;
}

int mm_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"npy", required_argument, NULL, 'N'}, {"probs", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},      {"arpa", required_argument, NULL, 'A'},
        {"order", required_argument, NULL, 'O'}, {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *npy = NULL, *arpa = NULL;
    int probs = 0, c, order = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q': break; /* export prints nothing but errors */
        case 'N': npy = optarg; break;
        case 'P': probs = 1; break;
        case 'A': arpa = optarg; break;
        case 'O':
            if (!mm_cli_parse_order("export", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'h': fputs(export_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("export", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("export", optind == argc ? "missing MODEL" : "expected one MODEL");
    }
    if (npy == NULL && arpa == NULL) {
        return mm_cli_usage_error("export", "missing --npy FILE or --arpa FILE");
    }
    if (probs && npy == NULL) {
        return mm_cli_usage_error("export", "--probs chooses what --npy writes: it needs --npy");
    }
    if (mm_cli_check_output("export", "--npy", npy) != MM_EXIT_OK ||
        mm_cli_check_output("export", "--arpa", arpa) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    const mm_cli_file files[] = {{"MODEL", argv[optind], 0, 0}, {"--npy", npy, 1, 0},
                                 {"--arpa", arpa, 1, 0}};
    if (!mm_cli_check_files("export", files, 3)) {
        return MM_EXIT_FAIL;
    }
    mm_model *m = NULL;
    mm_status st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    if (mm_cli_check_order("export", argv[optind], m, order) != MM_EXIT_OK) {
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    size_t V = mm_model_get_vocab(m)->size;
    const uint64_t *C = mm_model_get_counts(m);
    if (arpa != NULL && mm_model_get_kind(m) == MM_MODEL_COUNTS &&
        !(mm_model_get_smoothing(m) > 0.0)) {
        mm_cli_eprintf("%s: %s: ARPA needs a smoothing k > 0 and this model has k = 0 (an "
                       "n-gram unseen in training has P = 0, which a back-off file cannot "
                       "state); count it again with -k\n", mm_cli_name, argv[optind]);
        mm_model_destroy(m);
        return MM_EXIT_FAIL;
    }
    if (arpa != NULL) {
        st = mm_model_write_arpa(m, arpa);
    }
    if (st != MM_OK || npy == NULL) {
        /* nothing more to write */
    } else if (mm_model_get_order(m) > 2) {
        st = export_ngram_npy(m, npy, probs);
        if (st == MM_ERR_INVALID_ARG || st == MM_ERR_NOMEM) { /* said above */
            mm_model_destroy(m);
            return MM_EXIT_FAIL;
        }
    } else if (probs) {
        st = mm_npy_write_f32(npy, mm_model_get_probs(m), V, V);
    } else if (mm_model_get_kind(m) == MM_MODEL_COUNTS) {
        int64_t *c64 = malloc(V * V * sizeof *c64);
        if (c64 == NULL) {
            mm_model_destroy(m);
            fprintf(stderr, "makemore: out of memory\n");
            return MM_EXIT_FAIL;
        }
        for (size_t i = 0; i < V * V; i++) {
            /* counts above INT64_MAX cannot be represented in int64 */
            c64[i] = C[i] > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)C[i];
        }
        st = mm_npy_write_i64(npy, c64, V, V);
        free(c64);
    } else {
        st = mm_npy_write_f32(npy, mm_model_get_weights(m), V, V);
    }
    mm_model_destroy(m);
    return st == MM_OK ? MM_EXIT_OK : mm_cli_fail(st);
}

static const char plot_usage[] =
    "usage: makemore plot MODEL -o FILE.svg|FILE.png\n"
    "       makemore plot --loss FILE.csv -o FILE.svg|FILE.png\n"
    "\n"
    "Draw the count matrix as the notebook's plt.imshow: each cell shaded by its\n"
    "count and labelled with its bigram and count.  With --loss, draw instead the\n"
    "loss curve of a training log (the step,loss CSV of 'makemore train --log';\n"
    "with a dev_loss column, from --dev, the dev curve too, with a legend).\n"
    "\n"
    "  -o, --output FILE    file to write (atomically), in the format its extension\n"
    "                       names: .svg (also without an extension), or .png,\n"
    "                       drawn by rsvg-convert (Debian: librsvg2-bin); if that\n"
    "                       is missing, or for any other extension, exit 2\n"
    "      --loss FILE.csv  a step,loss CSV (header line optional)\n"
    "  -q, --quiet          accepted for symmetry: plot prints only errors\n"
    "  -h, --help           this text\n";

/* Read a step,loss[,dev_loss] CSV: "step,loss" or "step,loss,dev_loss" lines
 * ("nan" and "inf" losses are kept: the chart breaks the line there), after
 * an optional header, a first line whose first field is not a number
 * ("step,loss").  Refused: anything but a regular file (checked without
 * waiting for a FIFO's writer), a NUL byte (a binary file, as the corpus
 * reader says), a malformed line, a file with no lines to draw.  On success
 * *steps, *loss and *dev are malloc'd arrays of *n entries; *dev is NULL if
 * no line has a third column. */
static int plot_read_loss_csv(const char *path, uint64_t **steps, double **loss, double **dev,
                              size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        mm_cli_eprintf("makemore: %s: cannot open: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    int flags = fcntl(fd, F_GETFL);
    FILE *fp = !S_ISREG(sb.st_mode) || flags < 0 ||
                       fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ? NULL : fdopen(fd, "r");
    if (fp == NULL) {
        mm_cli_eprintf("makemore: %s: %s\n", path, S_ISDIR(sb.st_mode) ? "is a directory"
                : S_ISREG(sb.st_mode) ? strerror(errno)
                                      : "not a regular file (a CSV is read from a file)");
        close(fd);
        return 0;
    }
    size_t cap = 1024, len = 0;
    uint64_t *s = malloc(cap * sizeof *s);
    double *l = malloc(cap * sizeof *l);
    double *d = malloc(cap * sizeof *d);
    int any_dev = 0;
    char line[256];
    unsigned long long lineno = 0;
    int ok = s != NULL && l != NULL && d != NULL, eof = 0;
    if (!ok) {
        fprintf(stderr, "makemore: out of memory\n");
    }
    while (ok && !eof) {
        size_t ll = 0;
        int ch;
        lineno++;
        while ((ch = getc(fp)) != EOF && ch != '\n') {
            if (ch == 0) {
                mm_cli_eprintf("makemore: %s:%llu:%zu: NUL byte (binary file?)\n", path,
                        lineno, ll + 1);
                ok = 0;
                break;
            }
            if (ll == sizeof line - 1) {
                mm_cli_eprintf("makemore: %s:%llu: line too long\n", path, lineno);
                ok = 0;
                break;
            }
            line[ll++] = (char)ch;
        }
        eof = ch == EOF;
        if (!ok || (eof && ll == 0)) {
            break;
        }
        while (ll > 0 && line[ll - 1] == '\r') {
            ll--;
        }
        line[ll] = '\0';
        if (ll == 0) {
            continue;
        }
        char *comma = strchr(line, ',');
        unsigned long long st = 0;
        char *end = NULL, *dend = NULL;
        double v = 0.0, dv = NAN;
        if (comma != NULL) {
            *comma = '\0';
            v = strtod(comma + 1, &end);
            if (end != comma + 1 && *end == ',') { /* the dev loss */
                dv = strtod(end + 1, &dend);
                end = dend == end + 1 ? end : dend;
                any_dev = 1;
            }
        }
        if (comma == NULL || !mm_cli_parse_u64(line, &st) || end == comma + 1 || *end != '\0') {
            if (lineno == 1 && comma != NULL && !(line[0] >= '0' && line[0] <= '9') &&
                line[0] != '-' && line[0] != '+' && line[0] != '.') {
                continue; /* the header: its first field is a name, not a number */
            }
            mm_cli_eprintf("makemore: %s:%llu: expected 'step,loss' (a whole number, a "
                    "comma, a number)\n", path, lineno);
            ok = 0;
            break;
        }
        if (len == cap) {
            cap *= 2;
            uint64_t *s2 = realloc(s, cap * sizeof *s);
            if (s2 != NULL) {
                s = s2;
            }
            double *l2 = realloc(l, cap * sizeof *l);
            if (l2 != NULL) {
                l = l2;
            }
            double *d2 = realloc(d, cap * sizeof *d);
            if (d2 != NULL) {
                d = d2;
            }
            if (s2 == NULL || l2 == NULL || d2 == NULL) {
                fprintf(stderr, "makemore: out of memory\n");
                ok = 0;
                break;
            }
        }
        s[len] = st;
        l[len] = v;
        d[len] = dv;
        len++;
    }
    if (ok && ferror(fp)) {
        mm_cli_eprintf("makemore: %s: read error\n", path);
        ok = 0;
    }
    if (ok && len == 0) {
        mm_cli_eprintf("makemore: %s: no step,loss lines to draw (the file is empty or has "
                "only a header)\n", path);
        ok = 0;
    }
    fclose(fp);
    if (!ok) {
        free(s);
        free(l);
        free(d);
        return 0;
    }
    if (!any_dev) {
        free(d);
        d = NULL;
    }
    *steps = s;
    *loss = l;
    *dev = d;
    *n = len;
    return 1;
}

/* What to draw: the count matrix of model, or the loss curves. */
typedef struct plot_job {
    const char *name, *title;
    mm_model *model;
    uint64_t *steps;
    double *loss, *dev;
    size_t n;
} plot_job;

static mm_status plot_write_svg(const plot_job *j, FILE *fp)
{
    return j->model != NULL ? mm_plot_counts_svg_fp(j->model, fp, j->name)
                            : mm_plot_losses_svg_fp(j->loss, j->dev, j->steps, j->n, fp,
                                                    j->name, j->title);
}

/* An executable prog in $PATH. */
static int plot_have_program(const char *prog)
{
    const char *path = getenv("PATH");
    char buf[4096];
    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t len = colon ? (size_t)(colon - path) : strlen(path);
        if (snprintf(buf, sizeof buf, "%.*s/%s", (int)len, len ? path : ".", prog) <
                (int)sizeof buf && access(buf, X_OK) == 0) {
            return 1;
        }
        path = colon ? colon + 1 : NULL;
    }
    return 0;
}

/* PNG: the SVG piped into rsvg-convert (librsvg, Debian's librsvg2-bin),
 * whose output goes to the temporary of the target, renamed into place only
 * if it succeeds.  A library for the rasterising would add cairo, pango and
 * glib to every build; the program costs nothing when PNG is not wanted. */
static int plot_png(const plot_job *j, const char *out)
{
    mm_outfile o = {0};
    mm_status st = mm_outfile_open(&o, out);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    int p[2] = {-1, -1}, rc = MM_EXIT_FAIL;
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    int have_fa = 0;
    struct sigaction ign, old;
    int have_old = 0;
    if (fflush(o.fp) != 0 || pipe(p) != 0 || posix_spawn_file_actions_init(&fa) != 0) {
        fprintf(stderr, "makemore: %s: %s\n", out, strerror(errno));
        goto done;
    }
    have_fa = 1;
    posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fileno(o.fp), STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, p[1]);
    char *args[] = {"rsvg-convert", "--format=png", NULL};
    int e = posix_spawnp(&pid, "rsvg-convert", &fa, NULL, args, environ);
    close(p[0]);
    p[0] = -1;
    if (e != 0) {
        fprintf(stderr, "makemore: %s: cannot run rsvg-convert: %s\n", out, strerror(e));
        pid = -1;
        goto done;
    }
    /* a converter that dies early must give an error, not kill us */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    have_old = sigaction(SIGPIPE, &ign, &old) == 0;
    FILE *svg = fdopen(p[1], "w");
    if (svg == NULL) {
        fprintf(stderr, "makemore: %s: %s\n", out, strerror(errno));
        goto done;
    }
    p[1] = -1;
    st = plot_write_svg(j, svg);
    int werr = fclose(svg) != 0;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || werr) {
        mm_cli_eprintf("makemore: %s: rsvg-convert failed (%s %d); nothing written\n", out,
                WIFEXITED(status) ? "exit status" : "signal",
                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    } else if ((st = mm_outfile_commit(&o)) != MM_OK) {
        rc = mm_cli_fail(st);
    } else {
        rc = MM_EXIT_OK;
    }
done:
    if (have_old) {
        sigaction(SIGPIPE, &old, NULL);
    }
    if (pid > 0) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    if (p[0] >= 0) {
        close(p[0]);
    }
    if (p[1] >= 0) {
        close(p[1]);
    }
    if (have_fa) {
        posix_spawn_file_actions_destroy(&fa);
    }
    mm_outfile_abort(&o); /* no-op after a commit */
    return rc;
}

int mm_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"loss", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},         {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *loss_csv = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'q': break; /* plot prints nothing but errors */
        case 'o': out = optarg; break;
        case 'L': loss_csv = optarg; break;
        case 'h': fputs(plot_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("plot", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("plot", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (loss_csv != NULL) {
        if (optind != argc) {
            return mm_cli_usage_error("plot", "--loss draws a CSV: it takes no MODEL");
        }
    } else if (optind + 1 != argc) {
        return mm_cli_usage_error("plot", optind == argc ? "missing MODEL (or --loss FILE.csv)"
                                                         : "expected one MODEL");
    }
    if (out == NULL) {
        return mm_cli_usage_error("plot", "missing -o FILE.svg");
    }
    if (mm_cli_check_output("plot", "-o", out) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    const mm_cli_file files[] = {
        {loss_csv != NULL ? "--loss" : "MODEL", loss_csv != NULL ? loss_csv : argv[optind], 0, 0},
        {"-o", out, 1, 0}};
    if (!mm_cli_check_files("plot", files, 2)) {
        return MM_EXIT_FAIL;
    }
    int png = 0;
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    if (dot != NULL && (slash == NULL || dot > slash) && dot[1] != '\0') {
        if (strcmp(dot, ".png") == 0 || strcmp(dot, ".PNG") == 0) {
            png = 1;
        } else if (strcmp(dot, ".svg") != 0 && strcmp(dot, ".SVG") != 0) {
            return mm_cli_usage_error("plot", "-o %s: plot writes .svg, or .png through "
                                      "rsvg-convert; not '%s'", out, dot);
        }
    }
    if (png && !plot_have_program("rsvg-convert")) {
        return mm_cli_usage_error("plot", "-o %s: PNG needs rsvg-convert, which is not "
                                  "installed (Debian: apt-get install librsvg2-bin); "
                                  "or write an .svg", out);
    }
    mm_status st = MM_OK;
    plot_job job = {.name = out};
    if (loss_csv != NULL) {
        if (!plot_read_loss_csv(loss_csv, &job.steps, &job.loss, &job.dev, &job.n)) {
            return MM_EXIT_FAIL;
        }
        job.title = job.dev != NULL ? "training and dev loss" : "training loss";
        st = png ? MM_OK : mm_plot_losses_svg(job.loss, job.dev, job.steps, job.n, out,
                                              job.title);
    } else {
        st = mm_model_load(&job.model, argv[optind]);
        if (st == MM_OK && mm_model_get_counts(job.model) == NULL) {
            /* the model is what is wrong, so its name leads the message */
            int neural = mm_model_get_kind(job.model) == MM_MODEL_NEURAL;
            mm_cli_eprintf("%s: %s: plot draws a bigram count model; this is %s order-%d "
                           "model (plot --loss draws a training run)\n", mm_cli_name,
                           argv[optind], neural ? "a neural" : "an",
                           mm_model_get_order(job.model));
            mm_model_destroy(job.model);
            return MM_EXIT_FAIL;
        }
        if (st == MM_OK && !png) {
            st = mm_plot_counts_svg(job.model, out);
        }
    }
    int rc = st == MM_OK ? MM_EXIT_OK : mm_cli_fail(st);
    if (rc == MM_EXIT_OK && png) {
        rc = plot_png(&job, out);
    }
    free(job.steps);
    free(job.loss);
    free(job.dev);
    mm_model_destroy(job.model);
    return rc;
}
