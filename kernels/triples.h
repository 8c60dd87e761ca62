/*
 * triples.h - the counting strategy shared by the optimised kernels (bigram
 * triples in a two-level table), and the ASCII scan's known-set bitmap;
 * included by each ISA file (static inline: every ISA file gets its own copy
 * compiled with its own flags, and the linker cannot mix them up).
 *
 * Why triples: counting is bound by the increment (a load-add-store into the
 * table), not by memory.  Each window of three classes (a, b, c) taken at
 * every second byte holds two bigrams, (a, b) and (b, c): counting windows
 * into a dense K^3 table halves the increments; the table is folded into
 * bigram counts at the end.
 *
 * Why two levels: the increments must hit L1.  For K <= 40 the windows go to
 * a uint16 table (K = 28: 44 KB, its hot part fits L1 where a uint32 one
 * spilled to L2 and ran a third slower on corpora with many distinct
 * triples), flushed into a uint32 table every 65,535 windows (no uint16 cell
 * can overflow), which is folded into the uint64 pair counts before it could
 * overflow (2^32 - 1 windows).  For 40 < K <= 64 the windows go straight to
 * the uint32 table; for K > 64 (K^3 would not fit L2) pairs are counted
 * directly.  A stream's tables are zeroed only once it sees a piece large
 * enough to pay for them (8 K^3 bytes); smaller pieces are counted directly.
 */
#ifndef MM_TRIPLES_H
#define MM_TRIPLES_H

#include <stdint.h>
#include <string.h>

#include "kernels.h"

#define MM_TRI_MAX_K 64
#define MM_TRI16_MAX_K 40               /* K^3 < 2^16: 16-bit indices */
#define MM_TRI16_LIMIT 65535u           /* windows between uint16 flushes */
#define MM_TRI32_LIMIT 0xffffffffu      /* windows between uint32 folds */

typedef struct mm_tri {
    size_t K;
    size_t cells;           /* K^3 rounded up to 32 (0 for K > 64) */
    int wide_only;          /* 40 < K <= 64: no uint16 level */
    int ready;              /* tables zeroed: windows are being counted */
    uint32_t since_flush;   /* windows in T16 */
    uint64_t since_fold;    /* windows in T16 + T32 */
    uint64_t *acc;          /* K*K pair counts */
    uint32_t *T32;          /* cells */
    uint16_t *T16;          /* cells (K <= 40) */
    uint32_t t2[256], t1[256], t0[256]; /* class * K^2, class * K, class */
    uint8_t code[256];
} mm_tri;

static inline size_t mm_tri_round(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

static inline size_t mm_tri_cells(size_t K)
{
    return K > MM_TRI_MAX_K ? 0 : (K * K * K + 31) & ~(size_t)31;
}

/* Work layout: header, pair counts, T32, T16 (each 64-byte aligned). */
static inline size_t mm_tri_work_size(size_t K)
{
    size_t cells = mm_tri_cells(K);
    size_t n = mm_tri_round(sizeof(mm_tri)) + mm_tri_round(K * K * sizeof(uint64_t));
    n += mm_tri_round(cells * sizeof(uint32_t));
    if (K <= MM_TRI16_MAX_K) {
        n += mm_tri_round(cells * sizeof(uint16_t));
    }
    return n;
}

/* The first piece that makes the tables worth zeroing and folding. */
static inline size_t mm_tri_threshold(size_t K)
{
    return 8 * K * K * K;
}

static inline void mm_tri_begin(void *work, const uint8_t code[256], size_t K)
{
    mm_tri *t = work;
    uint8_t *p = (uint8_t *)work + mm_tri_round(sizeof(mm_tri));
    t->K = K;
    t->cells = mm_tri_cells(K);
    t->wide_only = K > MM_TRI16_MAX_K;
    t->ready = 0;
    t->since_flush = 0;
    t->since_fold = 0;
    t->acc = (uint64_t *)p;
    p += mm_tri_round(K * K * sizeof(uint64_t));
    t->T32 = (uint32_t *)p;
    p += mm_tri_round(t->cells * sizeof(uint32_t));
    t->T16 = t->wide_only ? NULL : (uint16_t *)p;
    memcpy(t->code, code, 256);
    for (int i = 0; i < 256; i++) {
        t->t2[i] = (uint32_t)(code[i] * K * K);
        t->t1[i] = (uint32_t)(code[i] * K);
        t->t0[i] = code[i];
    }
    memset(t->acc, 0, K * K * sizeof *t->acc);
}

static inline void mm_tri_pairs_direct(mm_tri *t, const uint8_t *b, size_t n)
{
    mm_count_direct(t->acc, t->code, t->K, b, n);
}

/* Four windows at b[i], b[i + 2], b[i + 4], b[i + 6]. */
#define MM_TRI_WINDOWS4_C(T, b, t2, t1, t0, i)                                       \
    do {                                                                           \
        (T)[t2[(b)[i]] + t1[(b)[(i) + 1]] + t0[(b)[(i) + 2]]]++;                   \
        (T)[t2[(b)[(i) + 2]] + t1[(b)[(i) + 3]] + t0[(b)[(i) + 4]]]++;             \
        (T)[t2[(b)[(i) + 4]] + t1[(b)[(i) + 5]] + t0[(b)[(i) + 6]]]++;             \
        (T)[t2[(b)[(i) + 6]] + t1[(b)[(i) + 7]] + t0[(b)[(i) + 8]]]++;             \
    } while (0)

/* Windows at b[0], b[2], ... while a full window fits (i + 2 < n); 64-byte
 * blocks first, each with its prefetch (kernels.h, MM_COUNT_PREFETCH). */
#define MM_TRI_WINDOWS_C(T, b, n, t2, t1, t0, i)                                     \
    do {                                                                           \
        for (; (i) + 64 < (n); (i) += 64) {                                        \
            mm_count_prefetch((b) + (i));                                          \
            for (size_t mm_j_ = (i); mm_j_ < (i) + 64; mm_j_ += 8) {               \
                MM_TRI_WINDOWS4_C(T, b, t2, t1, t0, mm_j_);                        \
            }                                                                      \
        }                                                                          \
        for (; (i) + 8 < (n); (i) += 8) {                                          \
            MM_TRI_WINDOWS4_C(T, b, t2, t1, t0, i);                                \
        }                                                                          \
        for (; (i) + 2 < (n); (i) += 2) {                                          \
            (T)[t2[(b)[i]] + t1[(b)[(i) + 1]] + t0[(b)[(i) + 2]]]++;               \
        }                                                                          \
    } while (0)

/* Windows of b[i..n) into the uint16 level, in portable C. */
static inline void mm_tri_windows16_c(mm_tri *t, const uint8_t *b, size_t n, size_t i)
{
    uint16_t *T = t->T16;
    const uint32_t *t2 = t->t2, *t1 = t->t1, *t0 = t->t0;
    MM_TRI_WINDOWS_C(T, b, n, t2, t1, t0, i);
}

static inline void mm_tri_windows32_c(mm_tri *t, const uint8_t *b, size_t n)
{
    uint32_t *T = t->T32;
    const uint32_t *t2 = t->t2, *t1 = t->t1, *t0 = t->t0;
    size_t i = 0;
    MM_TRI_WINDOWS_C(T, b, n, t2, t1, t0, i);
}

/* T32 -> pair counts: window (a, b, c) is one (a, b) and one (b, c). */
static inline void mm_tri_fold(mm_tri *t)
{
    const size_t K = t->K;
    for (size_t a = 0; a < K; a++) {
        for (size_t b = 0; b < K; b++) {
            const uint32_t *row = t->T32 + (a * K + b) * K;
            uint64_t ab = 0;
            for (size_t c = 0; c < K; c++) {
                ab += row[c];
                t->acc[b * K + c] += row[c];
            }
            t->acc[a * K + b] += ab;
        }
    }
    memset(t->T32, 0, t->cells * sizeof *t->T32);
    t->since_fold = 0;
}

/* The ISA file's parts: windows of b[0..n) into T16 (n - 1 >= 2 * windows),
 * and T16 added into T32 and zeroed. */
typedef void (*mm_tri_bulk16_fn)(mm_tri *t, const uint8_t *b, size_t n);
typedef void (*mm_tri_flush16_fn)(mm_tri *t);

static inline void mm_tri_feed(void *work, const uint8_t *b, size_t n,
                               mm_tri_bulk16_fn bulk16, mm_tri_flush16_fn flush16)
{
    mm_tri *t = work;
    if (!t->ready) {
        if (t->cells == 0 || n < mm_tri_threshold(t->K)) {
            mm_tri_pairs_direct(t, b, n);
            return;
        }
        memset(t->T32, 0, t->cells * sizeof *t->T32);
        if (!t->wide_only) {
            memset(t->T16, 0, t->cells * sizeof *t->T16);
        }
        t->ready = 1;
    }
    size_t i = 0;
    while (i + 2 < n) {
        if (!t->wide_only && t->since_flush == MM_TRI16_LIMIT) {
            flush16(t);
            t->since_flush = 0;
        }
        if (t->since_fold == MM_TRI32_LIMIT) {
            if (!t->wide_only && t->since_flush > 0) {
                flush16(t);
                t->since_flush = 0;
            }
            mm_tri_fold(t);
        }
        uint64_t take = (n - 1 - i) / 2; /* windows left in this piece */
        uint64_t room = MM_TRI32_LIMIT - t->since_fold;
        if (!t->wide_only && MM_TRI16_LIMIT - t->since_flush < room) {
            room = MM_TRI16_LIMIT - t->since_flush;
        }
        if (take > room) {
            take = room;
        }
        /* b[i .. i + 2 take] holds exactly `take` windows */
        if (t->wide_only) {
            mm_tri_windows32_c(t, b + i, (size_t)(2 * take + 1));
        } else {
            bulk16(t, b + i, (size_t)(2 * take + 1));
        }
        i += (size_t)(2 * take);
        t->since_flush += (uint32_t)(t->wide_only ? 0 : take);
        t->since_fold += take;
    }
    if (i + 1 < n) {
        t->acc[(size_t)t->code[b[i]] * t->K + t->code[b[i + 1]]]++;
    }
}

static inline void mm_tri_end(void *work, uint64_t *counts, mm_tri_flush16_fn flush16)
{
    mm_tri *t = work;
    if (t->ready) {
        if (!t->wide_only && t->since_flush > 0) {
            flush16(t);
            t->since_flush = 0;
        }
        mm_tri_fold(t);
        t->ready = 0;
    }
    for (size_t i = 0; i < t->K * t->K; i++) {
        counts[i] += t->acc[i];
    }
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
