/*
 * kernels.h - the kernel table and the contract of every kernel.
 *
 * Kernels are single-threaded and pure: no allocation, no I/O, no globals.
 * kernels/scalar.c is the specification; each ISA file (avx2.c, avx512.c)
 * holds optimised variants that tests/test_kernels_*.c prove equal to it.
 * src/dispatch.c picks one table at start-up (--isa, $MM_ISA, best).
 */
#ifndef MM_KERNELS_H
#define MM_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- count_pairs ---------------------------------------------------------
 * Adds to counts[code[b[i]] * K + code[b[i + 1]]] one for every i in
 * [0, n - 1): the n - 1 adjacent byte pairs of b, mapped through the byte
 * class table code[256] (values < K).  counts is K*K uint64, row-major.
 * work: at least count_work_size(K) bytes, 64-byte aligned, any content
 * (the kernel initialises what it uses).  K is 1..256.  Result is exact:
 * every variant gives bit-identical counts. */
typedef size_t (*mm_count_work_size_fn)(size_t K);
typedef void (*mm_count_pairs_fn)(uint64_t *counts, const uint8_t *b, size_t n,
                                  const uint8_t *code, size_t K, void *work);

typedef struct mm_kernels {
    const char *name;          /* "scalar", "avx2", "avx512": --isa / MM_ISA */
    int (*supported)(void);    /* cpuid + xgetbv: can this CPU run the table? */
    mm_count_work_size_fn count_work_size;
    mm_count_pairs_fn count_pairs;
} mm_kernels;

extern const mm_kernels mm_kernels_scalar;
#if defined(MM_HAVE_AVX2)
extern const mm_kernels mm_kernels_avx2;
#endif
#if defined(MM_HAVE_AVX512)
extern const mm_kernels mm_kernels_avx512;
#endif

/* NULL-terminated list of every table built in, best last.  Tests and
 * benchmarks walk this, never the active table. */
const mm_kernels *const *mm_kernels_all(void);
/* The active table (set by mm_dispatch_init; scalar before that). */
const mm_kernels *mm_kernels_active(void);
/* Table by name, or NULL. */
const mm_kernels *mm_kernels_find(const char *name);

/* CPU feature checks (src/cpu.c). */
int mm_cpu_always(void);
int mm_cpu_has_avx2_fma(void);
int mm_cpu_has_avx512(void);   /* F + BW + VL + DQ + VBMI, OS saves ZMM state */

#ifdef __cplusplus
}
#endif
#endif /* MM_KERNELS_H */
