/*
 * mpi_main.c - makemore-mpi, the data-parallel engine: `mpirun -np K
 * makemore-mpi count|eval|train ...` with makemore's options.  Each rank
 * reads one part of the corpus; counts are reduced exactly (bit-identical
 * to makemore for any K), gradients are reduced each step.  Only rank 0
 * writes files and prints; a failure on any rank stops every rank with the
 * message of the first failing one.  See docs/MPI.md.
 *
 * The commands are makemore's (src/cli/: the same parsing, messages and
 * steps around the library) plus this engine's part: the corpus split and
 * the collectives.  Only rank 0 prints (mm_cli_quiet elsewhere): option
 * errors, seen by every rank alike, are printed once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mm_mpi.h"

static const char mmp_usage_head[] =
    "usage: mpirun -np K makemore-mpi <command> [options]\n"
    "\n"
    "Character-level bigram language models over MPI: each of the K ranks reads\n"
    "one part of the corpus; counts are reduced exactly (the same bits as\n"
    "makemore for any K), gradients are reduced every step.  Rank 0 writes.\n"
    "\n"
    "commands (options as makemore's):\n"
    "  count  CORPUS -o MODEL [--smoothing K] [--threads N] [--isa NAME] [--stats]\n"
    "  train  CORPUS -o MODEL [--steps N] [--lr LR] [--reg R] [--seed S] [--init W0.npy]\n"
    "         [--driver counts|examples|onehot] [--batch B] [--threads N] [--isa NAME]\n"
    "         [--log FILE.csv] [--resume MODEL] [--every K]\n"
    "  eval   MODEL CORPUS [--json] [--words NAME,NAME...] [--threads N] [--isa NAME]\n"
    "\n"
    "  makemore-mpi <command> --help   options of one command\n"
    "  makemore-mpi --version          version and instruction sets\n"
    "\n"
    "CORPUS must be a file (every rank maps it; standard input cannot be split).\n"
    "--threads is per rank.  On a cluster run one rank per node with OpenMP\n"
    "threads inside: mpirun --hostfile H --map-by ppr:1:node --bind-to none\n"
    "-x OMP_NUM_THREADS=... makemore-mpi ...  (docs/MPI.md).\n";
static const char *const mmp_usage[] = {mmp_usage_head, NULL};

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    static const mm_cli_command cmds[] = {
        {"count", mmp_cmd_count}, {"train", mmp_cmd_train}, {"eval", mmp_cmd_eval},
    };
    int provided = 0;
    /* OpenMP threads inside a rank; only the main thread calls MPI. */
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "makemore-mpi: MPI_Init_thread failed\n");
        return MM_EXIT_FAIL;
    }
    (void)mm_sigbus_guard_install(); /* a truncated corpus: "the file shrank" */
    MPI_Comm_rank(MPI_COMM_WORLD, &mmp_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &mmp_size);
    mm_cli_name = "makemore-mpi";
    mm_cli_quiet = mmp_rank != 0;
    if (mmp_rank != 0 && freopen("/dev/null", "w", stdout) == NULL) {
        /* results are printed by rank 0 only; nothing else writes stdout */
    }
    char lib[MPI_MAX_LIBRARY_VERSION_STRING] = "", extra[MPI_MAX_LIBRARY_VERSION_STRING + 8];
    int len = 0;
    MPI_Get_library_version(lib, &len);
    lib[strcspn(lib, "\n")] = '\0';
    snprintf(extra, sizeof extra, "mpi: %s\n", lib);
    int rc = mm_cli_main(argc, argv, cmds, sizeof cmds / sizeof cmds[0], mmp_usage, extra);
    /* Every rank exits with the same code (rank 0's may be a write error). */
    int all = rc;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Finalize();
    return all;
}
