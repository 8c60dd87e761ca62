/*
 * train.h - the training driver with an explicit kernel table, and a
 * one-pass loss-and-gradient evaluation, for the tests and benchmarks that
 * walk every kernel variant and compare the drivers (mm_train uses the
 * active table).
 */
#ifndef MM_TRAIN_H
#define MM_TRAIN_H

#include "kernels.h"
#include "makemore.h"

/* mm_train with kernel table k. */
mm_status mm_train_with(mm_model *m, const mm_corpus *c, const mm_train_config *cfg,
                        const mm_kernels *k);

/* The loss and its gradient at m's current W, as one step of cfg's driver
 * would compute them, without updating anything (a minibatch is drawn from
 * a copy of m's generator).  grad is V*V floats, row-major:
 * d loss / d W = G / N + 2 reg W / V^2.  examples (may be NULL) gets N. */
mm_status mm_train_loss_grad(const mm_model *m, const mm_corpus *c,
                             const mm_train_config *cfg, const mm_kernels *k,
                             double *loss, float *grad, uint64_t *examples);

#endif /* MM_TRAIN_H */
