/*
 * cli_model.c - commands that read a model file: sample, info, export, plot.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define MM_DEFAULT_SEED 2147483647ULL

static const char sample_usage[] =
    "usage: makemore sample MODEL [-n N] [--seed S] [--max-len L]\n"
    "\n"
    "Draw N names (one a line, without the boundary) with PyTorch's generator and\n"
    "multinomial: the same seed gives the same names as the notebook.\n"
    "\n"
    "  -n, --count N        names to draw (default 10)\n"
    "  -s, --seed S         generator seed (default 2147483647)\n"
    "      --max-len L      stop a name after L characters (default 256)\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512 (default: best; or MM_ISA);\n"
    "                       every set draws the same names\n"
    "  -h, --help           this text\n";

int mm_cmd_sample(int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},  {"seed", required_argument, NULL, 's'},
        {"max-len", required_argument, NULL, 'L'}, {"isa", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    unsigned long long n = 10, seed = MM_DEFAULT_SEED, max_len = 256;
    const char *isa = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!mm_cli_parse_u64(optarg, &n)) {
                return mm_cli_usage_error("sample", "-n takes a whole number (got '%s')", optarg);
            }
            break;
        case 's':
            if (!mm_cli_parse_u64(optarg, &seed)) {
                return mm_cli_usage_error("sample", "--seed takes a whole number >= 0 (got '%s')",
                                          optarg);
            }
            break;
        case 'L':
            if (!mm_cli_parse_u64(optarg, &max_len) || max_len < 1 || max_len > 1000000) {
                return mm_cli_usage_error("sample", "--max-len takes 1..1000000 (got '%s')",
                                          optarg);
            }
            break;
        case 'I': isa = optarg; break;
        case 'h': fputs(sample_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("sample", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("sample", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("sample", optind == argc ? "missing MODEL" : "expected one MODEL");
    }
    mm_status st = mm_dispatch_init(isa);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mm_model *m = NULL;
    st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
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
    "usage: makemore info MODEL [--json]\n"
    "\n"
    "Describe a model file: kind, vocabulary, size, counts or training state.\n"
    "\n"
    "      --json           machine-readable: {\"kind\", \"vocab\", \"V\", \"bigrams\",\n"
    "                       \"smoothing\"} (+ \"step\", \"lr\", \"reg\", \"seed\" for neural)\n"
    "  -h, --help           this text\n";

int mm_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = 1; break;
        case 'h': fputs(info_usage, stdout); return MM_EXIT_OK;
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
    if (counts) {
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
    if (json) {
        printf("{\"kind\": \"%s\", \"vocab\": ", counts ? "counts" : "neural");
        mm_cli_json_string(stdout, vocab);
        printf(", \"V\": %zu", V);
        if (counts) {
            printf(", \"bigrams\": %llu, \"names\": %llu, \"smoothing\": %.17g",
                   (unsigned long long)bigrams, (unsigned long long)names, smoothing);
        } else {
            printf(", \"bigrams\": null, \"smoothing\": null, \"step\": %llu, \"lr\": %.17g, "
                   "\"reg\": %.17g, \"seed\": %llu", (unsigned long long)ts.step,
                   ts.lr, ts.reg, (unsigned long long)ts.seed);
        }
        printf("}\n");
    } else {
        printf("kind       %s\nV          %zu\nvocab      %s\n", counts ? "counts" : "neural",
               V, vocab);
        if (counts) {
            printf("names      %llu\nbigrams    %llu\nsmoothing  %g\n",
                   (unsigned long long)names, (unsigned long long)bigrams, smoothing);
        } else {
            printf("step       %llu\nlr         %g\nreg        %g\nseed       %llu\n",
                   (unsigned long long)ts.step, ts.lr, ts.reg, (unsigned long long)ts.seed);
        }
    }
    mm_model_destroy(m);
    return MM_EXIT_OK;
}

static const char export_usage[] =
    "usage: makemore export MODEL --npy FILE [--probs]\n"
    "\n"
    "Write the model as a NumPy .npy array (format 1.0) that numpy.load and\n"
    "torch.from_numpy read: a count model's V x V counts as int64 (or, with\n"
    "--probs, P as float32); a neural model's W as float32.\n"
    "\n"
    "      --npy FILE       output file (atomically: temp file + rename)\n"
    "      --probs          write the probabilities P instead\n"
    "  -h, --help           this text\n";

int mm_cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"npy", required_argument, NULL, 'N'}, {"probs", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *npy = NULL;
    int probs = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'N': npy = optarg; break;
        case 'P': probs = 1; break;
        case 'h': fputs(export_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("export", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("export", optind == argc ? "missing MODEL" : "expected one MODEL");
    }
    if (npy == NULL) {
        return mm_cli_usage_error("export", "missing --npy FILE");
    }
    const mm_cli_file files[] = {{"MODEL", argv[optind], 0, 0}, {"--npy", npy, 1, 0}};
    if (!mm_cli_check_files("export", files, 2)) {
        return MM_EXIT_FAIL;
    }
    mm_model *m = NULL;
    mm_status st = mm_model_load(&m, argv[optind]);
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    size_t V = mm_model_get_vocab(m)->size;
    const uint64_t *C = mm_model_get_counts(m);
    if (probs) {
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
    "usage: makemore plot MODEL -o FILE.svg\n"
    "       makemore plot --loss FILE.csv -o FILE.svg\n"
    "\n"
    "Draw the count matrix as the notebook's plt.imshow: each cell shaded by its\n"
    "count and labelled with its bigram and count.  With --loss, draw instead the\n"
    "loss curve of a training log (the step,loss CSV of 'makemore train --log').\n"
    "\n"
    "  -o, --output FILE    SVG file to write (atomically)\n"
    "      --loss FILE.csv  a step,loss CSV (header line optional)\n"
    "  -h, --help           this text\n";

/* Read a step,loss CSV: "step,loss" lines ("nan" and "inf" losses are kept:
 * the chart breaks the line there), after an optional header, a first line
 * whose first field is not a number ("step,loss").  Refused: anything but a
 * regular file (checked without waiting for a FIFO's writer), a NUL byte
 * (a binary file, as the corpus reader says), a malformed line, a file with
 * no lines to draw.  On success *steps and *loss are malloc'd arrays of *n
 * entries. */
static int plot_read_loss_csv(const char *path, uint64_t **steps, double **loss, size_t *n)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        fprintf(stderr, "makemore: %s: cannot open: %s\n", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return 0;
    }
    int flags = fcntl(fd, F_GETFL);
    FILE *fp = !S_ISREG(sb.st_mode) || flags < 0 ||
                       fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 ? NULL : fdopen(fd, "r");
    if (fp == NULL) {
        fprintf(stderr, "makemore: %s: %s\n", path, S_ISDIR(sb.st_mode) ? "is a directory"
                : S_ISREG(sb.st_mode) ? strerror(errno)
                                      : "not a regular file (a CSV is read from a file)");
        close(fd);
        return 0;
    }
    size_t cap = 1024, len = 0;
    uint64_t *s = malloc(cap * sizeof *s);
    double *l = malloc(cap * sizeof *l);
    char line[256];
    unsigned long long lineno = 0;
    int ok = s != NULL && l != NULL, eof = 0;
    if (!ok) {
        fprintf(stderr, "makemore: out of memory\n");
    }
    while (ok && !eof) {
        size_t ll = 0;
        int ch;
        lineno++;
        while ((ch = getc(fp)) != EOF && ch != '\n') {
            if (ch == 0) {
                fprintf(stderr, "makemore: %s:%llu:%zu: NUL byte (binary file?)\n", path,
                        lineno, ll + 1);
                ok = 0;
                break;
            }
            if (ll == sizeof line - 1) {
                fprintf(stderr, "makemore: %s:%llu: line too long\n", path, lineno);
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
        char *end = NULL;
        double v = 0.0;
        if (comma != NULL) {
            *comma = '\0';
            v = strtod(comma + 1, &end);
        }
        if (comma == NULL || !mm_cli_parse_u64(line, &st) || end == comma + 1 || *end != '\0') {
            if (lineno == 1 && comma != NULL && !(line[0] >= '0' && line[0] <= '9') &&
                line[0] != '-' && line[0] != '+' && line[0] != '.') {
                continue; /* the header: its first field is a name, not a number */
            }
            fprintf(stderr, "makemore: %s:%llu: expected 'step,loss' (a whole number, a "
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
            if (s2 == NULL || l2 == NULL) {
                fprintf(stderr, "makemore: out of memory\n");
                ok = 0;
                break;
            }
        }
        s[len] = st;
        l[len] = v;
        len++;
    }
    if (ok && ferror(fp)) {
        fprintf(stderr, "makemore: %s: read error\n", path);
        ok = 0;
    }
    if (ok && len == 0) {
        fprintf(stderr, "makemore: %s: no step,loss lines to draw (the file is empty or has "
                "only a header)\n", path);
        ok = 0;
    }
    fclose(fp);
    if (!ok) {
        free(s);
        free(l);
        return 0;
    }
    *steps = s;
    *loss = l;
    *n = len;
    return 1;
}

int mm_cmd_plot(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"loss", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *loss_csv = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
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
    const mm_cli_file files[] = {
        {loss_csv != NULL ? "--loss" : "MODEL", loss_csv != NULL ? loss_csv : argv[optind], 0, 0},
        {"-o", out, 1, 0}};
    if (!mm_cli_check_files("plot", files, 2)) {
        return MM_EXIT_FAIL;
    }
    mm_status st = MM_OK;
    if (loss_csv != NULL) {
        uint64_t *steps = NULL;
        double *loss = NULL;
        size_t n = 0;
        if (!plot_read_loss_csv(loss_csv, &steps, &loss, &n)) {
            return MM_EXIT_FAIL;
        }
        st = mm_plot_loss_svg(loss, steps, n, out, "training loss");
        free(steps);
        free(loss);
        return st == MM_OK ? MM_EXIT_OK : mm_cli_fail(st);
    }
    mm_model *m = NULL;
    st = mm_model_load(&m, argv[optind]);
    if (st == MM_OK) {
        st = mm_plot_counts_svg(m, out);
    }
    mm_model_destroy(m);
    return st == MM_OK ? MM_EXIT_OK : mm_cli_fail(st);
}
