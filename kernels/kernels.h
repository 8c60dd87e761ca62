/*
 * kernels.h - the kernel table and the contract of every kernel.
 *
 * Kernels are single-threaded and pure: no allocation, no I/O, no globals.
 * kernels/scalar.c is the specification; each ISA file (avx2.c, avx512.c)
 * holds optimised variants that tests/test_kernels_*.c prove equal to it.
 * kernels/dispatch.c picks one table at start-up (--isa, $MM_ISA, best), and
 * the counter (below: chosen by measurement unless forced).
 */
#ifndef MM_KERNELS_H
#define MM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- count: bigram counts as a stream -------------------------------------
 * A counting stream lives in a caller-owned workspace: count_work_size(K)
 * bytes, 64-byte aligned, any initial content (count_begin sets it up).
 *
 * count_begin(work, code, K): start a stream.  code[256] maps each byte to
 *   its class (values < K); K is 1..256.  code is copied.
 * count_feed(work, b, n): adds one to the pair (code[b[i]], code[b[i + 1]])
 *   for every i in [0, n - 1): the n - 1 adjacent pairs of b.  Pieces are
 *   independent: the pair straddling two pieces is counted only if the
 *   caller feeds its two bytes together (pieces that overlap by one byte).
 * count_end(work, counts): adds the stream's totals to counts (K*K uint64,
 *   row-major, row = class of the first byte) and finishes the stream.
 * Exact: every variant gives bit-identical counts, for any input and any
 * split of it into pieces. */
typedef size_t (*mm_count_work_size_fn)(size_t K);
typedef void (*mm_count_begin_fn)(void *work, const uint8_t code[256], size_t K);
typedef void (*mm_count_feed_fn)(void *work, const uint8_t *b, size_t n);
typedef void (*mm_count_end_fn)(void *work, uint64_t *counts);

/* A counting variant ("counter"): one way to run the stream above.
 *   scalar   the reference: a class lookup and a uint64 increment per pair
 *   pairs    kernels/pairs.c: each byte pair loaded as a uint16 indexes a
 *            65,536-cell uint32 table, folded to classes at the end
 *   avx2     kernels/avx2.c: triple windows (kernels/triples.h), C loop
 *   avx512   kernels/avx512.c: triple windows, indices by VBMI permutes
 * Which one runs: a forced choice (mm_dispatch_init: --isa / MM_ISA force
 * that table's own counter, MM_COUNT_KERNEL names any counter), else the
 * "auto" counter (kernels/count_auto.c), which times every supported counter
 * on the first pieces of each stream and keeps the fastest: the fastest
 * counter depends on the CPU (pairs beat triples on Zen 3, triples win on
 * Zen 5), not on its ISA rank. */
/* pairs counts pieces directly (class lookup, uint64 cells) until one of
 * this many bytes or more comes: zeroing and folding its 256 KiB table
 * would cost more than it saves on less. */
#define MM_PAIRS_THRESHOLD ((size_t)128 << 10)

typedef struct mm_counter {
    const char *name;
    int (*supported)(void);
    mm_count_work_size_fn count_work_size;
    mm_count_begin_fn count_begin;
    mm_count_feed_fn count_feed;
    mm_count_end_fn count_end;
} mm_counter;

/* ---- neural bigram kernels -----------------------------------------------
 * Matrices are row-major with a padded stride ld (a multiple of MM_VPAD
 * floats, >= V); row r of W holds the logits of symbol r.  Pad lanes
 * [V, ld) of inputs may hold anything (NaN included) and never reach a
 * result; pad lanes of outputs are written as stated.  No aliasing between
 * outputs and inputs unless stated.  No pointer needs more than its type's
 * natural alignment (the drivers' 64-byte aligned rows are just faster).
 * V is 1..256; symbols x[i], y[i] are < V.
 *
 * softmax_rows: for r < rows: m = max_j l[r][j], s = sum_j exp(l[r][j] - m)
 *   probs[r][j] = exp(l[r][j] - m) / s for j < V; probs pad lanes set to 0;
 *   lse[r] = m + log(s) when lse != NULL.
 *
 * example_pass: the per-example work of the examples driver with W fixed
 *   during the pass.  For i < n with r = x[i], t = y[i]:
 *     p = softmax(W[r]),  nll += lse_r - W[r][t]  (summed in double),
 *     grad[r][j] += p[j] - (j == t) for j < V (float; pads untouched).
 *   rowmax[r] = max_j W[r][j], precomputed once per pass by the driver.
 *   Returns the nll sum.  The driver keeps n small (a few thousand) and
 *   flushes grad into double: k float additions into one element drift by
 *   up to about k * 2^-24 of the summed terms (each variant rounds its own
 *   way, so variants agree to that, not bit for bit).
 *
 * counts_grad: the full-batch gradient from the bigram counts C (double,
 *   V rows of stride ld like the others; n[r] = sum_j C[r][j]), given probs
 *   P and lse of every row of W (V rows):
 *     G[r][j] = n[r] * P[r][j] - C[r][j]  (computed in double, stored float;
 *     pads set to 0); returns sum_rj C[r][j] * (lse[r] - W[r][j]), that is
 *     N times the mean NLL, in double.
 *
 * weight_update: W[r][j] -= lr * (G[r][j] * g_scale + w_scale * W[r][j])
 *   for r < rows, j < V; pads untouched.  With g_scale = 1/N and
 *   w_scale = 2 reg / V^2 this is one gradient step on
 *   loss = mean NLL + reg * mean(W^2).
 *
 * exp_f32, log_f32: dst[i] = exp(src[i]), log(src[i]) for i < n with the
 *   vector routines the other kernels use (kernels/vmath.h; scalar: libm), so
 *   that tests and benchmarks can measure them.  dst == src is allowed.
 */
#define MM_VPAD 32

typedef void (*mm_softmax_rows_fn)(float *probs, float *lse, const float *logits,
                                   size_t rows, size_t V, size_t ld);
typedef double (*mm_example_pass_fn)(float *grad, const float *W, const float *rowmax,
                                     size_t V, size_t ld, const uint8_t *x,
                                     const uint8_t *y, size_t n);
typedef double (*mm_counts_grad_fn)(float *G, const float *P, const float *lse,
                                    const float *W, const double *C, const double *n,
                                    size_t V, size_t ld);
typedef void (*mm_weight_update_fn)(float *W, const float *G, size_t rows, size_t V,
                                    size_t ld, float lr, float g_scale, float w_scale);
typedef void (*mm_vmath_fn)(float *dst, const float *src, size_t n);

/* ---- sample_walk -----------------------------------------------------------
 * The sampler's inner loop: a walk through the rows of a bigram model.
 * cum: V rows of stride ld (a multiple of MM_VPAD) holding each row's
 *   cumulative distribution as torch.multinomial builds it (non-decreasing,
 *   last entry 1); pads [V, ld) hold values > 1.
 * r[k]: draw k's 53 random bits; its uniform double is u = r[k] * 2^-53.
 * For each k from 0: ix = #{j < V : (double)cum[row * ld + j] < u} (torch's
 *   search: the first j with !(cum[j] < u)); emit ix; if ix == 0 the name
 *   ended; else if the name now has max_len symbols it is cut: emit an
 *   extra 0 and end it; row = ix (0 after an end).
 * Stops when w->names names have ended or the n draws are used.  Updates w
 *   (row, run = symbols of the unfinished name, names left) and returns the
 *   number of draws used; out receives the emitted symbols (at most 2 n)
 *   and w->emitted is increased by their number.
 * guide: V rows of MM_GUIDE_SIZE bytes, a shortcut the kernels may use:
 *   guide[row][b] is the ix of every u in [b, b + 1) / MM_GUIDE_SIZE if they
 *   all give the same one, else MM_GUIDE_ANY (then, or for ix 255, count).
 *   The bucket b of a draw is its top MM_GUIDE_BITS bits. */
#define MM_GUIDE_BITS 10
#define MM_GUIDE_SIZE (1u << MM_GUIDE_BITS)
#define MM_GUIDE_ANY 0xff
typedef struct mm_walk {
    uint32_t row;
    uint32_t run;
    uint64_t names;
    size_t emitted;
} mm_walk;
typedef size_t (*mm_sample_walk_fn)(mm_walk *w, uint8_t *out, const float *cum,
                                    const uint8_t *guide, size_t V, size_t ld,
                                    const uint64_t *r, size_t n, size_t max_len);

/* ---- scan_ascii ----------------------------------------------------------
 * The corpus reader's first pass: sets seen[x] = 1 for every byte value x in
 * b[0..r), where r is the returned offset of the first byte >= 0x80 (n if
 * there is none: the input is ASCII).  Entries already set stay set; other
 * entries of seen are not touched. */
typedef size_t (*mm_scan_ascii_fn)(uint8_t seen[256], const uint8_t *b, size_t n);

typedef struct mm_kernels {
    const char *name;          /* "scalar", "avx2", "avx512": --isa / MM_ISA */
    int (*supported)(void);    /* cpuid + xgetbv: can this CPU run the table? */
    const mm_counter *counter; /* this table's counting stream */
    mm_scan_ascii_fn scan_ascii;
    mm_sample_walk_fn sample_walk;
    mm_softmax_rows_fn softmax_rows;
    mm_example_pass_fn example_pass;
    mm_counts_grad_fn counts_grad;
    mm_weight_update_fn weight_update;
    mm_vmath_fn exp_f32;
    mm_vmath_fn log_f32;
} mm_kernels;

/* The optimised counters prefetch this many bytes ahead of the block they
 * read.  Why: count_file.c may count straight from a file mapping, which
 * streams from DRAM, and the hardware prefetchers stop at each 4 KiB page
 * boundary; the triples then took 0.37 s of CPU time per GiB instead of
 * 0.23 s (Intel Xeon VM, 2026-12-04; 1 KiB and 4 KiB ahead did the same).
 * From a buffer that sits in L2 the hint costs nothing measurable.  It never
 * faults, so reading ahead of the end of a piece or a mapping is harmless. */
#define MM_COUNT_PREFETCH 4096
#define mm_count_prefetch(p) /* an address, not a pointer: it may be past the object */ \
    __builtin_prefetch((const void *)((uintptr_t)(p) + MM_COUNT_PREFETCH), 0, 3)

/* acc[code[b[i]] * K + code[b[i + 1]]] += 1 for the n - 1 pairs of b: the
 * direct loop, which the optimised counters use for small pieces (the
 * scalar reference keeps its own copy, so that it stays self-contained). */
static inline void mm_count_direct(uint64_t *acc, const uint8_t *code, size_t K,
                                   const uint8_t *b, size_t n)
{
    if (n < 2) {
        return;
    }
    size_t prev = code[b[0]];
    for (size_t i = 1; i < n; i++) {
        size_t cur = code[b[i]];
        acc[prev * K + cur]++;
        prev = cur;
    }
}

/* counts += the n - 1 adjacent pairs of b[0..n), in one piece. */
static inline void mm_count_pairs(const mm_counter *k, uint64_t *counts, const uint8_t *b,
                                  size_t n, const uint8_t code[256], size_t K, void *work)
{
    k->count_begin(work, code, K);
    k->count_feed(work, b, n);
    k->count_end(work, counts);
}

extern const mm_kernels mm_kernels_scalar;
#if defined(MM_HAVE_AVX2)
extern const mm_kernels mm_kernels_avx2;
#endif
#if defined(MM_HAVE_AVX512)
extern const mm_kernels mm_kernels_avx512;
#endif

/* The counters (kernels.h, above): each table's own, and pairs. */
extern const mm_counter mm_counter_scalar;
extern const mm_counter mm_counter_pairs;
#if defined(MM_HAVE_AVX2)
extern const mm_counter mm_counter_avx2;
#endif
#if defined(MM_HAVE_AVX512)
extern const mm_counter mm_counter_avx512;
#endif

/* NULL-terminated list of every table built in, best last.  Tests and
 * benchmarks walk this, never the active table. */
const mm_kernels *const *mm_kernels_all(void);
/* NULL-terminated list of every counter built in: scalar, pairs, then each
 * ISA table's.  Tests and benchmarks walk this. */
const mm_counter *const *mm_counters_all(void);
/* Counter by name ("auto" included), or NULL. */
const mm_counter *mm_counter_find(const char *name);
/* The counter mm_count_bigrams and mm_count_file run: the forced one, else
 * mm_counter_auto (set by mm_dispatch_init, like the active table). */
const mm_counter *mm_counter_active(void);
/* Tests and benchmarks: make c the active counter (NULL: auto). */
void mm_counter_set_active(const mm_counter *c);
/* The active table (set by mm_dispatch_init; scalar before that). */
const mm_kernels *mm_kernels_active(void);
/* Table by name, or NULL. */
const mm_kernels *mm_kernels_find(const char *name);

/* CPU feature checks (kernels/cpu.c). */
int mm_cpu_always(void);
int mm_cpu_has_avx2_fma(void);
int mm_cpu_has_avx512(void);   /* F + BW + VL + DQ + VBMI, OS saves ZMM state */
/* $MM_CPU_HIDE (cpu.c), read once: the sets hidden, "" if none
 * ("avx2,avx512" when avx2 is named), NULL if it names one it does not
 * know (then nothing is hidden); that name (cut to 31 bytes), or NULL if
 * every name is known.  The parser itself, for tests: the mask of the names
 * in s, or -1 with the first unknown one in bad (size bytes, NUL-ended). */
const char *mm_cpu_hidden(void);
const char *mm_cpu_hide_bad(void);
int mm_cpu_hide_parse(const char *s, char *bad, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* MM_KERNELS_H */
