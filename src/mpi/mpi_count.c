/*
 * mpi_count.c - `makemore-mpi count`: as `makemore count`, with the corpus
 * split across the ranks.  Each rank validates and counts its part (OpenMP
 * inside), the counts are summed with one MPI_Allreduce, and rank 0 writes
 * the model: the same file, byte for byte, as makemore writes.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "internal.h"
#include "mm_mpi.h"

static const char count_usage[] =
    "usage: mpirun -np K makemore-mpi count CORPUS -o MODEL [--smoothing K] [--threads N]\n"
    "                                   [--isa NAME] [--stats]\n"
    "\n"
    "Count the bigrams of CORPUS (one name per line, a file) over K ranks and\n"
    "write a count model (rank 0).  The model is the file makemore count writes.\n"
    "--threads is per rank.\n"
    "\n";

int mmp_cmd_count(int argc, char **argv)
{
    mm_count_args a;
    int rc = mm_count_args_parse(argc, argv, count_usage, &a);
    if (rc != MM_EXIT_OK) {
        return rc == MM_CLI_HELP ? MM_EXIT_OK : rc;
    }
    if (!mm_count_args_check_files(&a)) {
        return MM_EXIT_FAIL; /* the same on every rank */
    }
    const char *path = a.corpus;
    mm_status st = mmp_agree(mm_dispatch_init(a.isa));
    if (st != MM_OK) {
        return mm_cli_fail(st);
    }
    mmp_corpus corpus = {0};
    uint64_t *counts = NULL;
    rc = MM_EXIT_FAIL;
    if (a.stats) {
        /* Ranks leave MPI_Init at different times: start the clocks together
         * so that the times are the work's, not the launch's skew. */
        MPI_Barrier(MPI_COMM_WORLD);
    }
    double t0 = MPI_Wtime();
    st = mmp_corpus_open(&corpus, path);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    const mm_vocab *v = &corpus.vocab;
    size_t V = v->size;
    counts = malloc(V * V * sizeof *counts);
    st = mmp_agree(counts ? MM_OK : mm_fail(MM_ERR_NOMEM, "out of memory"));
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    double count_seconds = 0.0;
    st = mmp_count(&corpus, v, &a.count, counts, NULL, &count_seconds);
    double t2 = MPI_Wtime();
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    mm_corpus_info info;
    mm_corpus_get_info(corpus.part, &info);
    uint64_t names = 0, bigrams = 0, bytes = info.bytes; /* this rank's part */
    mm_cli_count_totals(counts, V, &names, &bigrams);
    if (names == 0) {
        st = mm_require_names(0, path, MM_NAMES_COUNT);
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    /* The slowest rank's times: the job is as fast as it. */
    double open_max = mmp_max(corpus.open_seconds), count_max = mmp_max(count_seconds);
    int ascii = info.ascii, all_ascii = info.ascii;
    MPI_Allreduce(MPI_IN_PLACE, &bytes, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(&ascii, &all_ascii, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    st = MM_OK;
    if (mmp_rank == 0) {
        st = mm_cli_count_save(&a, v, counts);
    }
    st = mmp_agree(st);
    if (st != MM_OK) {
        rc = mm_cli_fail(st);
        goto cleanup;
    }
    if (mmp_rank == 0 && a.stats) {
        double total = t2 - t0;
        fprintf(stderr,
                "count: %llu bytes, %llu names, %llu bigrams, V = %zu, isa %s%s, %d ranks\n"
                "count: open+validate %.3f s, count+reduce %.3f s (%.2f GB/s), "
                "end to end %.2f GB/s (slowest rank)\n",
                (unsigned long long)bytes, (unsigned long long)names,
                (unsigned long long)bigrams, V, mm_isa_name(),
                all_ascii ? ", ascii fast path" : ", utf-8 path", mmp_size, open_max,
                count_max, count_max > 0 ? (double)bytes / count_max / 1e9 : 0.0,
                total > 0 ? (double)bytes / total / 1e9 : 0.0);
    }
    mm_cli_count_wrote(&a, V, names, bigrams); /* rank 0: the others are quiet */
    rc = MM_EXIT_OK;
cleanup:
    free(counts);
    mmp_corpus_close(&corpus);
    return rc;
}
