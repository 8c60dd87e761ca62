/*
 * train_pass.h - the per-example work of one training pass (the examples
 * and onehot drivers), shared by the OpenMP trainer (train.c) and the MPI
 * trainer (mpi/mpi_train.c), so both compute a step the same way: each
 * thread has a slice of one allocation (a double gradient, a float
 * gradient, a symbol buffer, and for onehot its dense blocks), takes a
 * chunk of examples at a time through the kernel into the float gradient
 * and flushes it into the double one.
 */
#ifndef MM_TRAIN_PASS_H
#define MM_TRAIN_PASS_H

#include <stddef.h>
#include <stdint.h>

#include "corpus.h"
#include "kernels.h"
#include "makemore.h"
#include "stream.h"

typedef struct mm_pass {
    const mm_kernels *k;
    const mm_corpus *c;       /* the corpus (or this rank's part of it) */
    const mm_symmap *map;
    mm_train_driver driver;
    size_t V, ld;
    const float *W;           /* V x ld, fixed during the pass */
    const float *rowmax;      /* V, max of each row of W (examples driver) */
    /* set by mm_pass_layout: */
    size_t chunk;             /* examples per kernel call */
    size_t off_gf, off_sym, off_xenc, off_logits, off_probs, off_lse;
    size_t stride;            /* bytes between two threads' slices */
} mm_pass;

/* The chunk size and a thread's slice layout for p->V, p->ld, p->driver:
 * the double gradient (V x ld) is at offset 0.  Slices are spaced so no two
 * share an offset modulo 4 KiB (as src/count.c does). */
void mm_pass_layout(mm_pass *p);

/* n <= p->chunk + 1 examples into the slice ws's double gradient; returns
 * their NLL sum. */
double mm_pass_chunk(const mm_pass *p, uint8_t *ws, const uint8_t *x, const uint8_t *y,
                     size_t n);

/* Full batch: thread t of Tn takes its byte range of p->c, split at line
 * starts; adds the NLL sum to *nll and returns the number of examples. */
uint64_t mm_pass_range(const mm_pass *p, uint8_t *ws, size_t t, size_t Tn, double *nll);

#endif /* MM_TRAIN_PASS_H */
