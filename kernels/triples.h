/*
 * triples.h - the counting strategies shared by the optimised kernels
 * (bigram triples, and the ASCII scan's known-set bitmap),
 * included by each ISA file (static inline: every ISA file gets its own copy
 * compiled with its own flags, and the linker cannot mix them up).
 *
 * Why: counting is bound by the increment (a load-add-store into the table,
 * about 1.1 cycles each even in L1), not by memory.  Each window of three
 * classes (a, b, c) taken at every second byte holds two bigrams, (a, b) and
 * (b, c): counting windows into a dense S^3 table (S = K rounded up to a
 * power of two, so the index is shifts and ORs) halves the increments; the
 * table is folded into bigram counts at the end.  The table is uint32, so
 * the input is cut into blocks of at most 2^32 bytes (2^31 windows).
 *
 * Small inputs or large alphabets (K > 64, where S^3 would not fit in L2)
 * count pairs directly.
 */
#ifndef MM_TRIPLES_H
#define MM_TRIPLES_H

#include <stdint.h>
#include <string.h>

#include "kernels.h"

#define MM_TRI_MAX_K 64
#define MM_TRI_BLOCK ((size_t)1 << 32)

typedef struct mm_tri_plan {
    unsigned s;     /* log2 S */
    size_t S;
    size_t cells;   /* S^3 */
} mm_tri_plan;

static inline mm_tri_plan mm_tri_plan_for(size_t K)
{
    mm_tri_plan p;
    p.s = 0;
    while (((size_t)1 << p.s) < K) {
        p.s++;
    }
    p.S = (size_t)1 << p.s;
    p.cells = p.S * p.S * p.S;
    return p;
}

/* Workspace: the S^3 uint32 table, then three 256-entry uint32 byte tables
 * holding class << 2s, class << s and class. */
static inline size_t mm_tri_work_size(size_t K)
{
    if (K > MM_TRI_MAX_K) {
        return 0;
    }
    mm_tri_plan p = mm_tri_plan_for(K);
    return p.cells * sizeof(uint32_t) + 3 * 256 * sizeof(uint32_t);
}

/* Is the table worth zeroing and folding for n bytes? */
static inline int mm_tri_pays(size_t n, size_t K)
{
    if (K > MM_TRI_MAX_K) {
        return 0;
    }
    mm_tri_plan p = mm_tri_plan_for(K);
    return n >= 8 * p.cells;
}

static inline void mm_pairs_direct(uint64_t *counts, const uint8_t *b, size_t n,
                                   const uint8_t *code, size_t K)
{
    if (n < 2) {
        return;
    }
    size_t prev = code[b[0]];
    for (size_t i = 1; i < n; i++) {
        size_t cur = code[b[i]];
        counts[prev * K + cur]++;
        prev = cur;
    }
}

static inline void mm_tri_fold(uint64_t *counts, const uint32_t *T, size_t K,
                               const mm_tri_plan *p)
{
    for (size_t a = 0; a < K; a++) {
        for (size_t b = 0; b < K; b++) {
            const uint32_t *row = T + ((a << (2 * p->s)) | (b << p->s));
            uint64_t ab = 0;
            for (size_t c = 0; c < K; c++) {
                ab += row[c];
                counts[b * K + c] += row[c];
            }
            counts[a * K + b] += ab;
        }
    }
}

static inline void mm_tri_tables(uint32_t *t2, uint32_t *t1, uint32_t *t0,
                                 const uint8_t *code, const mm_tri_plan *p)
{
    for (int i = 0; i < 256; i++) {
        t2[i] = (uint32_t)code[i] << (2 * p->s);
        t1[i] = (uint32_t)code[i] << p->s;
        t0[i] = code[i];
    }
}

/* Windows at b[0], b[2], ... while a full window fits; returns the offset of
 * the first byte not yet the start of a counted window (even). */
static inline size_t mm_tri_windows_c(uint32_t *T, const uint8_t *b, size_t n,
                                      const uint32_t *t2, const uint32_t *t1,
                                      const uint32_t *t0, size_t i)
{
    for (; i + 8 < n; i += 8) {
        T[t2[b[i]] | t1[b[i + 1]] | t0[b[i + 2]]]++;
        T[t2[b[i + 2]] | t1[b[i + 3]] | t0[b[i + 4]]]++;
        T[t2[b[i + 4]] | t1[b[i + 5]] | t0[b[i + 6]]]++;
        T[t2[b[i + 6]] | t1[b[i + 7]] | t0[b[i + 8]]]++;
    }
    for (; i + 2 < n; i += 2) {
        T[t2[b[i]] | t1[b[i + 1]] | t0[b[i + 2]]]++;
    }
    return i;
}


/* ---- scan_ascii: set membership with two nibble lookups ---------------------
 * Why: marking seen[b] = 1 byte by byte costs a store per byte; but a names
 * corpus shows all its characters in the first kilobytes.  So keep the known
 * set as a bitmap the vector unit can test (lut[lo] holds one bit per high
 * nibble 0..7), test whole vectors against it, and only drop to bytes for a
 * vector holding something new.  Bytes >= 0x80 are never "known" (their high
 * nibble maps to no bit), so they always reach the byte loop, which stops. */
static inline void scan_lut_bytes(uint8_t lut[16], const uint8_t seen[256])
{
    for (int lo = 0; lo < 16; lo++) {
        uint8_t m = 0;
        for (int hi = 0; hi < 8; hi++) {
            m |= seen[(hi << 4) | lo] ? (uint8_t)(1u << hi) : 0;
        }
        lut[lo] = m;
    }
}

/* Bytes b[i..i+len): mark them; returns the offset of a byte >= 0x80 or SIZE_MAX. */
static inline size_t scan_bytes_slow(uint8_t seen[256], const uint8_t *b, size_t i,
                                     size_t len)
{
    for (size_t j = i; j < i + len; j++) {
        if (b[j] >= 0x80) {
            return j;
        }
        seen[b[j]] = 1;
    }
    return SIZE_MAX;
}

#endif /* MM_TRIPLES_H */
