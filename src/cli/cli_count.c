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
    "\n";

const char mm_count_options_help[] =
    "  -o, --output MODEL   model file to write (atomically: temp file + rename)\n"
    "      --order K        n-gram order 2..6 (default 2): contexts of K-1 characters,\n"
    "                       a name starts with K-1 '.' pads (\"emma\", K = 3: ..e .em\n"
    "                       emm mma ma.)\n"
    "  -k, --smoothing K    add-k smoothing, a real number >= 0 (default 1)\n"
    "  -t, --threads N      OpenMP threads (default: OMP_NUM_THREADS or all cores),\n"
    "                       at most one per 512 KiB of CORPUS (--stats: how many)\n"
    MM_CLI_ISA_HELP ".  The\n"
    "                       counting kernel is timed and chosen per run unless\n"
    "                       --isa or MM_COUNT_KERNEL=scalar|pairs|avx2|avx512 forces it;\n"
    "                       so is reading by pread or from a mapping: MM_COUNT_READ;\n"
    "                       MM_COUNT_TRACE=1 prints the timings each choice saw\n"
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
        mm_cli_fail(mm_require_names(0, path, MM_NAMES_COUNT));
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

int mm_count_args_parse(int argc, char **argv, const char *usage, mm_count_args *a)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'}, {"smoothing", required_argument, NULL, 'k'},
        {"threads", required_argument, NULL, 't'}, {"isa", required_argument, NULL, 'I'},
        {"stats", no_argument, NULL, 'S'},         {"help", no_argument, NULL, 'h'},
        {"progress", no_argument, NULL, 'P'},      {"quiet", no_argument, NULL, 'q'},
        {"order", required_argument, NULL, 'O'},   {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->smoothing = 1.0;
    a->progress = -1;
    a->order = 2;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:k:t:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'k':
            if (!mm_cli_parse_double(optarg, &a->smoothing) || a->smoothing < 0) {
                return mm_cli_usage_error("count", "--smoothing takes a number >= 0 (got "
                                          "'%s')%s", optarg, mm_cli_number_note(optarg));
            }
            break;
        case 't':
            if (!mm_cli_parse_threads("count", optarg, &a->count.threads)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'I': a->isa = optarg; break;
        case 'S': a->stats = 1; break;
        case 'P': a->progress = 1; break;
        case 'q': a->progress = 0; break;
        case 'O':
            if (!mm_cli_parse_order("count", optarg, &a->order)) {
                return MM_EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            fputs(mm_count_options_help, stdout);
            return MM_CLI_HELP;
        case ':': return mm_cli_usage_error("count", "option '%s' needs a value", argv[optind - 1]);
        default: return mm_cli_usage_error("count", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return mm_cli_usage_error("count", optind == argc ? "missing CORPUS"
                                                          : "expected one CORPUS");
    }
    if (a->out == NULL) {
        return mm_cli_usage_error("count", "missing -o MODEL");
    }
    if (mm_cli_check_output("count", "-o", a->out) != MM_EXIT_OK) {
        return MM_EXIT_USAGE;
    }
    a->corpus = argv[optind];
    return MM_EXIT_OK;
}

int mm_count_args_check_files(const mm_count_args *a)
{
    const mm_cli_file files[] = {{"CORPUS", a->corpus, 0, 0}, {"-o", a->out, 1, 0}};
    return mm_cli_check_files("count", files, 2);
}

void mm_cli_count_totals(const uint64_t *counts, size_t V, uint64_t *names, uint64_t *bigrams)
{
    *names = 0;
    *bigrams = 0;
    for (size_t j = 0; j < V; j++) {
        *names += counts[j];
    }
    for (size_t i = 0; i < V * V; i++) {
        *bigrams += counts[i];
    }
}

mm_status mm_cli_count_save(const mm_count_args *a, const mm_vocab *v, const uint64_t *counts)
{
    mm_model *model = NULL;
    mm_status st = mm_model_from_counts(&model, v, counts, a->smoothing);
    if (st == MM_OK) {
        st = mm_model_save(model, a->out);
    }
    mm_model_destroy(model);
    return st;
}

void mm_cli_count_wrote(const mm_count_args *a, size_t V, uint64_t names, uint64_t bigrams)
{
    if (a->progress != 0) {
        mm_cli_eprintf("wrote %s: %llu %s, %llu %s, V = %zu, smoothing %g\n", a->out,
                       (unsigned long long)names, mm_cli_plural(names, "name", "names"),
                       (unsigned long long)bigrams, mm_cli_plural(bigrams, "bigram", "bigrams"),
                       V, a->smoothing);
    }
}

int mm_cmd_count(int argc, char **argv)
{
    mm_count_args a;
    int rc = mm_count_args_parse(argc, argv, count_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    if (!mm_count_args_check_files(&a)) {
        return MM_EXIT_FAIL;
    }
    const char *path = a.corpus;
    int stats = a.stats, progress = a.progress;
    mm_count_opts copts = a.count;
    int drc = mm_cli_dispatch("count", a.isa);
    if (drc != MM_EXIT_OK) {
        return drc;
    }
    if (a.order > 2) {
        return count_ngram_model(path, &copts, a.order, a.smoothing, a.out, stats, progress != 0);
    }
    mm_status st = MM_OK;
    uint64_t *counts = NULL;
    rc = MM_EXIT_FAIL;
    mm_vocab *v = malloc(sizeof *v);
    if (v == NULL) {
        return mm_cli_error("out of memory");
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
    mm_cli_count_totals(counts, V, &names, &bigrams);
    if (names == 0) {
        mm_cli_fail(mm_require_names(0, path, MM_NAMES_COUNT));
        goto cleanup;
    }
    st = mm_cli_count_save(&a, v, counts);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (stats) {
        double total = t2 - t0;
        char split[96] = ""; /* what the read-way choice did, piece by piece */
        if (info.read_way != NULL) {
            snprintf(split, sizeof split, " (pieces: %llu pread, %llu map)",
                     (unsigned long long)info.pieces_pread, (unsigned long long)info.pieces_map);
        }
        fprintf(stderr,
                "count: %llu bytes, %llu %s, %llu bigrams, V = %zu, isa %s, counter %s, "
                "%d thread%s, %s%s%s%s\n"
                "count: read+validate+count %.3f s, end to end %.2f GB/s\n",
                (unsigned long long)info.bytes, (unsigned long long)names,
                mm_cli_plural(names, "name", "names"), (unsigned long long)bigrams, V,
                mm_isa_name(),
                !info.counter                       ? "?"
                : strcmp(info.counter, "auto") == 0 ? "auto (too little input to finish choosing)"
                                                    : info.counter,
                info.threads,
                info.threads == 1 ? "" : "s",
                info.streamed ? "one streaming pass" : info.ascii ? "mapped, ascii path"
                                                                  : "mapped, utf-8 path",
                info.read_way ? ", read by " : "", info.read_way ? info.read_way : "", split,
                total, total > 0 ? (double)info.bytes / total / 1e9 : 0.0);
        count_print_memory();
    }
    mm_cli_count_wrote(&a, V, names, bigrams);
    rc = MM_EXIT_OK;
cleanup:
    free(counts);
    free(v);
    return rc;
}
