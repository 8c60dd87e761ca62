/*
 * cli_count.c - `makemore count`: corpus -> count model file.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char count_usage[] =
    "usage: makemore count CORPUS -o MODEL [--order K] [--smoothing K] [--threads N] "
    "[--isa NAME] [--stats]\n"
    "                      [--progress | --quiet]\n"
    "\n"
    "Count the bigrams (or n-grams of order K) of CORPUS (one name per line; '-' =\n"
    "standard input, read once in bounded memory) and write a count model.\n"
    "\n"
    "  -o, --output MODEL   model file to write (atomically: temp file + rename)\n"
    "      --order K        n-gram order 2..6 (default 2): contexts of K-1 characters,\n"
    "                       a name starts with K-1 '.' pads (\"emma\", K = 3: ..e .em\n"
    "                       emm mma ma.)\n"
    "  -k, --smoothing K    add-k smoothing, a real number >= 0 (default 1)\n"
    "  -t, --threads N      OpenMP threads (default: OMP_NUM_THREADS or all cores)\n"
    "      --isa NAME       kernel set: scalar, avx2, avx512 (default: best; or MM_ISA)\n"
    "                       (the counting kernel is timed and chosen per run unless\n"
    "                       --isa or MM_COUNT_KERNEL=scalar|pairs|avx2|avx512 forces it)\n"
    "      --stats          print bytes/s and counts on standard error\n"
    "      --progress       progress and GB/s on standard error (the default when\n"
    "                       it is a terminal)\n"
    "  -q, --quiet          nothing on standard error but errors\n"
    "  -h, --help           this text\n";

/* Memory from /proc/self/status (kB): peak resident, and at exit the file-backed
 * part (the program; a mapped corpus too, when the general path mapped it) and
 * the anonymous part (our tables and buffers). */
static void count_print_memory(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    if (fp == NULL) {
        return;
    }
    char line[256];
    long hwm = -1, anon = -1, file = -1;
    while (fgets(line, sizeof line, fp) != NULL) {
        sscanf(line, "VmHWM: %ld", &hwm);
        sscanf(line, "RssAnon: %ld", &anon);
        sscanf(line, "RssFile: %ld", &file);
    }
    fclose(fp);
    fprintf(stderr, "count: peak RSS %.1f MB: file-backed %.1f MB, anonymous at exit %.1f MB\n",
            hwm / 1024.0, file / 1024.0, anon / 1024.0);
}

/* count --order K, K > 2: the n-gram counter (src/ngram.c). */
static int count_ngram_model(const char *path, const mm_count_opts *copts, int order,
                             double k, const char *out, int stats, int say)
{
    mm_ngrams *g = NULL;
    mm_model *model = NULL;
    double t0 = mm_cli_now();
    mm_status st = mm_count_ngrams_file(path, order, copts, &g);
    double t1 = mm_cli_now();
    int rc = MM_EXIT_FAIL;
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    uint64_t total = mm_ngrams_get_total(g);
    if (total == 0) {
        fprintf(stderr, "makemore: %s: no names (the file is empty or has only blank "
                "lines)\n", path);
        goto cleanup;
    }
    st = mm_model_from_ngrams(&model, g, k);
    if (st == MM_OK) {
        st = mm_model_save(model, out);
    }
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    size_t V = mm_ngrams_get_vocab(g)->size;
    if (stats) {
        fprintf(stderr, "count: order %d, %llu n-grams (%zu distinct of V^K = %.0f), "
                "%d thread%s, %.3f s\n", order, (unsigned long long)total, mm_ngrams_get_size(g),
                pow((double)V, order), mm_threads_used(copts->threads),
                mm_threads_used(copts->threads) == 1 ? "" : "s", t1 - t0);
        count_print_memory();
    }
    if (say) {
        mm_cli_eprintf("wrote %s: order %d, %llu n-grams (%zu distinct), V = %zu, "
                       "smoothing %g\n", out, order, (unsigned long long)total, mm_ngrams_get_size(g), V, k);
    }
    rc = MM_EXIT_OK;
cleanup:
    mm_model_destroy(model);
    mm_ngrams_destroy(g);
    return rc;
}

int mm_cmd_count(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"smoothing", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"stats", no_argument, NULL, 'S'},         {"help", no_argument, NULL, 'h'},
        {"progress", no_argument, NULL, 'P'},      {"quiet", no_argument, NULL, 'q'},
        {"order", required_argument, NULL, 'O'},   {NULL, 0, NULL, 0},
    };
    int order = 2;
    const char *out = NULL, *isa = NULL;
    double k = 1.0;
    int stats = 0, progress = -1;
    mm_count_opts copts = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:k:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'k':
            if (!mm_cli_parse_double(optarg, &k) || k < 0) {
                return mm_cli_usage_error("count", "--smoothing takes a number >= 0 (got "
                                          "'%s')%s", optarg, mm_cli_number_note(optarg));
            }
            break;
        case 't':
            if (!mm_cli_parse_threads("count", optarg, &copts.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': isa = optarg; break;
        case 'S': stats = 1; break;
        case 'P': progress = 1; break;
        case 'q': progress = 0; break;
        case 'O':
            if (!mm_cli_parse_order("count", optarg, &order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'h': fputs(count_usage, stdout); return MM_EXIT_OK;
        case ':': return mm_cli_usage_error("count", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("count", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("count", optind == argc ? "missing CORPUS"
                                                          : "expected one CORPUS");
    }
    if (out == NULL) {
        return mm_cli_usage_error("count", "missing -o MODEL");
    }
    if (mm_cli_check_output("count", "-o", out) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    const mm_cli_file files[] = {{"CORPUS", argv[optind], 0, 0}, {"-o", out, 1, 0}};
    if (!mm_cli_check_files("count", files, 2)) {
        return MM_EXIT_FAIL;
    }
    const char *path = argv[optind];
    int drc = mm_cli_dispatch("count", isa);
    if (drc != MM_EXIT_OK) {
        return drc;
    }
    if (order > 2) {
        return count_ngram_model(path, &copts, order, k, out, stats, progress != 0);
    }
    mm_status st = MM_OK;
    mm_model *model = NULL;
    uint64_t *counts = NULL;
    int rc = MM_EXIT_FAIL;
    mm_vocab *v = malloc(sizeof *v);
    if (v == NULL) {
        fprintf(stderr, "makemore: out of memory\n");
        return MM_EXIT_FAIL;
    }
    mm_corpus_info info;
    mm_cli_progress prog;
    mm_cli_progress_start(&prog, "count", path, progress);
    copts.on_progress = prog.on ? mm_cli_progress_cb : NULL;
    copts.user = &prog;
    double t0 = mm_cli_now();
    st = mm_count_file(path, &copts, v, &counts, &info);
    double t2 = mm_cli_now();
    mm_cli_progress_end(&prog, st == MM_OK);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    size_t V = v->size;
    uint64_t names = 0, bigrams = 0;
    for (size_t j = 0; j < V; j++) {
        names += counts[j];
    }
    for (size_t i = 0; i < V * V; i++) {
        bigrams += counts[i];
    }
    if (names == 0) {
        mm_cli_eprintf("makemore: %s: no names (the file is empty or has only blank "
                "lines)\n", strcmp(path, "-") == 0 ? "<stdin>" : path);
        goto cleanup;
    }
    st = mm_model_from_counts(&model, v, counts, k);
    if (st == MM_OK) {
        st = mm_model_save(model, out);
    }
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (stats) {
        double total = t2 - t0;
        fprintf(stderr,
                "count: %llu bytes, %llu %s, %llu bigrams, V = %zu, isa %s, counter %s, "
                "%d thread%s, %s\n"
                "count: read+validate+count %.3f s, end to end %.2f GB/s\n",
                (unsigned long long)info.bytes, (unsigned long long)names,
                mm_cli_plural(names, "name", "names"), (unsigned long long)bigrams, V,
                mm_isa_name(),
                info.counter ? info.counter : "?", info.threads,
                info.threads == 1 ? "" : "s",
                info.streamed ? "one streaming pass" : info.ascii ? "mapped, ascii path"
                                                                  : "mapped, utf-8 path",
                total, total > 0 ? (double)info.bytes / total / 1e9 : 0.0);
        count_print_memory();
    }
    if (progress != 0) {
        mm_cli_eprintf("wrote %s: %llu %s, %llu %s, V = %zu, smoothing %g\n", out,
                (unsigned long long)names, mm_cli_plural(names, "name", "names"),
                (unsigned long long)bigrams, mm_cli_plural(bigrams, "bigram", "bigrams"), V,
                k);
    }
    rc = MM_EXIT_OK;
cleanup:
    mm_model_destroy(model);
    free(counts);
    free(v);
    return rc;
}
