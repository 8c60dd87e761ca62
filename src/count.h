/*
 * count.h - the counting driver with an explicit kernel table, for tests and
 * benchmarks that walk every variant (mm_count_bigrams uses the active one).
 */
#ifndef MM_COUNT_H
#define MM_COUNT_H

#include "kernels.h"
#include "makemore.h"

mm_status mm_count_bigrams_with(const mm_corpus *c, const mm_vocab *v,
                                const mm_count_opts *opts, const mm_kernels *k,
                                uint64_t *counts);

#endif /* MM_COUNT_H */
