/*
 * walk.h - the loop of the sample_walk kernels (see kernels.h), shared by
 * the ISA files, which differ only in how they count the entries of a row
 * below a threshold (COUNT_BELOW(row, t)).
 *
 * Why vectors here: sampling is one long dependency chain, each symbol's
 * row chosen by the previous symbol.  Counting the entries below the
 * threshold over whole vectors (pads are > 1 >= t, so they never count)
 * makes a link load, compare, mask move, popcount: about 15 cycles, where
 * the scalar binary search over doubles took about 60.
 */
#ifndef MM_WALK_H
#define MM_WALK_H

#include "kernels.h"

/* The body of a sample_walk function with parameters (w, out, cum, ld, t, n,
 * max_len); the scalar kernel spells out the same loop. */
#define MM_WALK_BODY(COUNT_BELOW)                                               \
    size_t k = 0, e = 0;                                                        \
    uint32_t row = w->row, run = w->run;                                        \
    uint64_t names = w->names;                                                  \
    while (k < n && names > 0) {                                                \
        const float *r = cum + (size_t)row * ld;                                \
        uint32_t ix = COUNT_BELOW(r, t[k]);                                     \
        k++;                                                                    \
        out[e++] = (uint8_t)ix;                                                 \
        if (ix != 0 && ++run == max_len) {                                      \
            out[e++] = 0;                                                       \
            ix = 0;                                                             \
        }                                                                       \
        if (ix == 0) {                                                          \
            run = 0;                                                            \
            names--;                                                            \
        }                                                                       \
        row = ix;                                                               \
    }                                                                           \
    w->row = row;                                                               \
    w->run = run;                                                               \
    w->names = names;                                                           \
    w->emitted += e;                                                            \
    return k

#endif /* MM_WALK_H */
