/*
 * internal.h - helpers shared by the library's source files, not public.
 */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <stdio.h>
#include "makemore.h"

#if defined(__GNUC__)
#define MM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MM_PRINTF(a, b)
#endif

/* Record the detail mm_errmsg() returns, and return s (for `return mm_fail(...)`). */
mm_status mm_fail(mm_status s, const char *fmt, ...) MM_PRINTF(2, 3);

/* mm_outfile (atomic outputs, io/outfile.c) is public: makemore.h. */

/* Open path for reading without blocking on a FIFO that has no writer
 * (infile.c): the fd (blocking again) with *sb filled, or -1 and errno.
 * Callers refuse what is not a regular file. */
struct stat;
int mm_open_input(const char *path, struct stat *sb);

/* Temporaries currently registered (tests). */
int mm_outfile_temps_live(void);

/* Recompute g->out from g->state (after restoring a saved state). */
void mm_rng_temper_all(mm_rng *g);
/* Regenerate g's buffer if it is spent (index == 624); draws nothing. */
void mm_rng_refill(mm_rng *g);
/* The 53 bits of torch's next uniform double (u = r53 * 2^-53); draws two
 * words. */
uint64_t mm_rng_r53(mm_rng *g);
/* The r53 of the next n uniform doubles in g's buffer, without drawing
 * them (n <= (624 - g->index) / 2). */
void mm_rng_peek_r53(const mm_rng *g, uint64_t *r, size_t n);

/* CRC-32C (Castagnoli), software table. */
uint32_t mm_crc32c(uint32_t crc, const void *data, size_t n);

/* SIGBUS guard for mapped inputs (mapguard.c): register a mapping; a read
 * past the file's end then sees zeros and trips the slot instead of
 * crashing.  register returns a slot (or -1 when none is free). */
int mm_sigbus_guard_active(void); /* the handler is installed and still ours */
int mm_map_guard_register(const void *base, size_t len);
void mm_map_guard_unregister(int slot);
int mm_map_guard_tripped(int slot);

#endif /* MM_INTERNAL_H */
