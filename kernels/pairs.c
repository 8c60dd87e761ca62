/*
 * pairs.c - the pair-table counting stream ("pairs"): plain C, no ISA flags,
 * so it runs on every x86-64 CPU (and any other).
 *
 * Why: on CPUs where the triple windows of triples.h do not pay (an AVX2-only
 * Zen 3 counted 1.0-1.2 GB/s with them), the fastest exact loop is the
 * simplest one: load each byte pair as one uint16 (first byte low, second
 * byte high) and increment that cell of a 65,536-entry uint32 table.  No
 * class lookup per byte; the table is folded into class pairs at the end
 * (cell (x, y) -> counts[code[x]][code[y]]), so bytes outside the vocabulary
 * simply land in cells whose class is the driver's "unknown" one: the
 * contract of kernels.h holds unchanged.
 *
 * Costs kept in check:
 * - The table is 256 KiB: zeroing and folding it costs about what counting
 *   a few hundred KiB costs, so a stream counts pieces directly (class
 *   lookup, uint64 cells) until one piece of MM_PAIRS_THRESHOLD bytes or
 *   more arrives; only then is the table zeroed and used.
 * - A uint32 cell could overflow after 2^32 - 1 pairs: the stream folds the
 *   table into its uint64 class counts before that many pairs are in it.
 * - Two consecutive equal pairs ("aaa") make the second increment wait for
 *   the first one's store; two tables (even and odd positions) would halve
 *   that but double the zeroing and the L1 footprint; not done (names rarely
 *   repeat a pair back to back).
 */
#if defined(__AVX2__) || defined(__AVX512F__)
#error "kernels/pairs.c is the portable pair-table kernel: compile it without ISA flags"
#endif

#include <string.h>

#include "kernels.h"

#define MM_PAIRS_CELLS 65536u
#define MM_PAIRS_LIMIT 0xffffffffu              /* pairs between folds */

typedef struct pairs_count {
    size_t K;
    int ready;            /* table zeroed and in use */
    uint64_t since_fold;  /* pairs in the table */
    uint64_t *acc;        /* K*K class counts */
    uint32_t *T;          /* MM_PAIRS_CELLS, index first | second << 8 */
    uint8_t code[256];
} pairs_count;

static size_t pairs_round(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

static size_t count_work_size_pairs(size_t K)
{
    return pairs_round(sizeof(pairs_count)) + pairs_round(K * K * sizeof(uint64_t)) +
           MM_PAIRS_CELLS * sizeof(uint32_t);
}

static void count_begin_pairs(void *work, const uint8_t code[256], size_t K)
{
    pairs_count *s = work;
    uint8_t *p = (uint8_t *)work + pairs_round(sizeof(pairs_count));
    s->K = K;
    s->ready = 0;
    s->since_fold = 0;
    s->acc = (uint64_t *)p;
    s->T = (uint32_t *)(p + pairs_round(K * K * sizeof(uint64_t)));
    memcpy(s->code, code, 256);
    memset(s->acc, 0, K * K * sizeof *s->acc);
}

/* Table -> class counts, and the table zeroed.  Rows of the table are the
 * second byte; most of the 256 rows of a names corpus are all zero. */
static void pairs_fold(pairs_count *s)
{
    const size_t K = s->K;
    const uint8_t *code = s->code;
    uint64_t *acc = s->acc;
    for (size_t y = 0; y < 256; y++) {
        uint32_t *row = s->T + (y << 8);
        const size_t cy = code[y];
        for (size_t x = 0; x < 256; x++) {
            if (row[x] != 0) {
                acc[code[x] * K + cy] += row[x];
                row[x] = 0;
            }
        }
    }
    s->since_fold = 0;
}

static inline uint32_t pair_at(const uint8_t *b)
{
    uint16_t x;
    memcpy(&x, b, 2); /* little-endian: b[0] low, b[1] high */
    return x;
}

/* The 8 pairs starting at b[0..8) (reads b[0..9)). */
static inline void pairs_table8(uint32_t *T, const uint8_t *b)
{
    T[pair_at(b)]++;
    T[pair_at(b + 1)]++;
    T[pair_at(b + 2)]++;
    T[pair_at(b + 3)]++;
    T[pair_at(b + 4)]++;
    T[pair_at(b + 5)]++;
    T[pair_at(b + 6)]++;
    T[pair_at(b + 7)]++;
}

/* The n - 1 pairs of b[0..n) into the table (n >= 2). */
static void pairs_table(uint32_t *T, const uint8_t *b, size_t n)
{
    size_t i = 0;
    for (; i + 64 < n; i += 64) { /* 64-byte blocks, each with its prefetch */
        mm_count_prefetch(b + i);
        for (size_t j = i; j < i + 64; j += 8) {
            pairs_table8(T, b + j);
        }
    }
    for (; i + 8 < n; i += 8) {
        pairs_table8(T, b + i);
    }
    for (; i + 1 < n; i++) {
        T[pair_at(b + i)]++;
    }
}

static void count_feed_pairs(void *work, const uint8_t *b, size_t n)
{
    pairs_count *s = work;
    if (n < 2) {
        return;
    }
    if (!s->ready) {
        if (n < MM_PAIRS_THRESHOLD) {
            mm_count_direct(s->acc, s->code, s->K, b, n);
            return;
        }
        memset(s->T, 0, MM_PAIRS_CELLS * sizeof *s->T);
        s->ready = 1;
    }
    size_t i = 0; /* pairs i .. n - 2 are left */
    while (i + 1 < n) {
        if (s->since_fold == MM_PAIRS_LIMIT) {
            pairs_fold(s);
        }
        uint64_t take = n - 1 - i, room = MM_PAIRS_LIMIT - s->since_fold;
        if (take > room) {
            take = room;
        }
        pairs_table(s->T, b + i, (size_t)take + 1);
        i += (size_t)take;
        s->since_fold += take;
    }
}

static void count_end_pairs(void *work, uint64_t *counts)
{
    pairs_count *s = work;
    if (s->ready) {
        pairs_fold(s);
        s->ready = 0;
    }
    for (size_t i = 0; i < s->K * s->K; i++) {
        counts[i] += s->acc[i];
    }
}

const mm_counter mm_counter_pairs = {
    .name = "pairs",
    .supported = mm_cpu_always,
    .count_work_size = count_work_size_pairs,
    .count_begin = count_begin_pairs,
    .count_feed = count_feed_pairs,
    .count_end = count_end_pairs,
};
