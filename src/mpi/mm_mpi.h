/*
 * mm_mpi.h - the pieces shared by the commands of makemore-mpi, the MPI engine
 * (docs/MPI.md): which rank this is, how the ranks agree on a failure, and
 * the corpus split into one part per rank with one merged vocabulary.
 *
 * Every function here that takes no rank argument is collective: all ranks
 * call it, in the same order.  A failure on any rank is turned into the same
 * status on every rank (mmp_agree), so no rank is left waiting in a
 * collective while another has given up; rank 0 prints the message.
 */
#ifndef MM_MPI_H
#define MM_MPI_H

#include <mpi.h>
#include <stdint.h>

#include "makemore.h"

/* This process's rank and the number of ranks (set by main). */
extern int mmp_rank, mmp_size;

/* Collective: st is this rank's status (its message in mm_errmsg()).
 * Returns MM_OK if every rank passed MM_OK; else the status of the lowest
 * failing rank, whose message becomes mm_errmsg() on every rank. */
mm_status mmp_agree(mm_status st);

/* This rank's part of a corpus file and the vocabulary of the whole file. */
typedef struct mmp_corpus {
    mm_corpus *part;         /* bytes [lo, lo + size) of the file */
    uint64_t lo;             /* file offset of the part */
    mm_vocab vocab;          /* merged: sorted(set(whole file)), '.' first */
    double open_seconds;     /* map + validate + merge, this rank */
} mmp_corpus;

/* Collective: map the file at path, validate this rank's part and merge the
 * parts' character sets (MPI_Allgather) into vocab.  On failure every rank
 * gets the message of the first failing part (lines and offsets in the
 * whole file); a vocabulary over 255 characters is reported where the
 * single-process reader reports it. */
mm_status mmp_corpus_open(mmp_corpus *c, const char *path);
void mmp_corpus_close(mmp_corpus *c);

/* Collective: the bigram counts of the whole file in vocabulary v (V*V,
 * the same on every rank): each rank counts its part with the OpenMP
 * driver, then one MPI_Allreduce (MPI_UINT64_T, MPI_SUM).  local (may be
 * NULL) gets this rank's own counts; count_seconds this rank's time. */
mm_status mmp_count(const mmp_corpus *c, const mm_vocab *v, const mm_count_opts *opts,
                    uint64_t *counts, uint64_t *local, double *count_seconds);

/* Commands. */
int mmp_cmd_count(int argc, char **argv);
int mmp_cmd_eval(int argc, char **argv);
int mmp_cmd_train(int argc, char **argv);

/* The largest of x over the ranks (for timings), on every rank. */
double mmp_max(double x);

#endif /* MM_MPI_H */
