/*
 * walk.h - the loop of the sample_walk kernels (see kernels.h), shared by
 * the ISA files, which differ only in how they count the entries of a row
 * below a threshold (COUNT_BELOW(row, t)).
 *
 * Why a guide table: sampling is one long dependency chain, each symbol's
 * row chosen by the previous symbol, so what counts is the latency of one
 * link.  The guide answers most draws with one byte load (the bucket comes
 * from the draw's bits, off the chain): with 1,024 buckets and 27 symbols
 * about 97% of them; the rest count the row's entries below the draw's
 * float threshold over whole vectors (pads are > 1 >= t, so they never
 * count).  A link is then a load and a predictable branch instead of the
 * binary search over doubles (about 60 cycles) or the vector count (about
 * 27).
 *
 * The float threshold: t = the smallest float >= u.  For a float c,
 * c < u exactly when c < t: if t == u trivially; else no float lies in
 * [u, t), so c < u iff c <= the float below t iff c < t.
 */
#ifndef MM_WALK_H
#define MM_WALK_H

#include <string.h>

#include "kernels.h"

static inline float mm_walk_threshold(uint64_t r53)
{
    double u = (double)r53 * 0x1p-53;
    float t = (float)u;
    if ((double)t < u) {
        uint32_t bits;
        memcpy(&bits, &t, sizeof bits);
        bits++; /* t is in [0, 1]: the next float up */
        memcpy(&t, &bits, sizeof t);
    }
    return t;
}

/* The body of a sample_walk function with parameters (w, out, cum, guide,
 * ld, r, n, max_len); COUNT_BELOW(row pointer, t) counts the entries below
 * the float threshold t.  The scalar kernel spells out the same loop
 * without the guide. */
#define MM_WALK_BODY(COUNT_BELOW)                                               \
    size_t k = 0, e = 0;                                                        \
    uint32_t row = w->row, run = w->run;                                        \
    uint64_t names = w->names;                                                  \
    while (k < n && names > 0) {                                                \
        uint32_t ix = guide[(size_t)row * MM_GUIDE_SIZE +                       \
                            (size_t)(r[k] >> (53 - MM_GUIDE_BITS))];            \
        if (ix == MM_GUIDE_ANY) {                                               \
            ix = COUNT_BELOW(cum + (size_t)row * ld, mm_walk_threshold(r[k]));  \
        }                                                                       \
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
