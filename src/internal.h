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

/* An output (outfile.c): a regular file (or nothing) at the path is replaced
 * by writing "<file>.tmp.XXXXXX" beside the real file (symlinks followed),
 * then fsync and rename, so a crash or error never leaves a half-written
 * target; "-" (standard output), a character device, a FIFO or an open file
 * named through /proc is written in place; a directory, socket or block
 * device is refused. */
typedef struct mm_outfile {
    FILE *fp;
    char *tmp_path;   /* NULL when written in place */
    char *path;       /* the name given, for messages ("<stdout>" for "-") */
    char *target;     /* what the rename replaces (symlinks followed) */
    int slot;         /* the temporary's slot in the signal-cleanup registry */
} mm_outfile;

mm_status mm_outfile_open(mm_outfile *o, const char *path);
/* Flush, fsync, close and rename.  On failure the temporary is removed. */
mm_status mm_outfile_commit(mm_outfile *o);
/* Close and remove the temporary; the target is untouched.  Safe to call
 * after a failed or successful commit, and on a zeroed struct. */
void mm_outfile_abort(mm_outfile *o);

/* Write model m into o (not committed); refuses non-finite weights. */
mm_status mm_model_write(const mm_model *m, mm_outfile *o);

/* Open path for reading without blocking on a FIFO that has no writer
 * (infile.c): the fd (blocking again) with *sb filled, or -1 and errno.
 * Callers refuse what is not a regular file. */
struct stat;
int mm_open_input(const char *path, struct stat *sb);

/* Remove every temporary still open (async-signal-safe: for the CLI's
 * SIGINT/SIGTERM handler, so an interrupt leaves no temporary behind). */
void mm_outfile_remove_all_temps(void);
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
int mm_map_guard_register(const void *base, size_t len);
void mm_map_guard_unregister(int slot);
int mm_map_guard_tripped(int slot);

/* Encode code point cp as UTF-8 into buf (>= 4 bytes); returns length. */
size_t mm_utf8_encode(uint32_t cp, char *buf);

#endif /* MM_INTERNAL_H */
