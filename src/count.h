/*
 * count.h - the counting driver with an explicit kernel table, for tests and
 * benchmarks that walk every variant (mm_count_bigrams uses the active one).
 */
#ifndef MM_COUNT_H
#define MM_COUNT_H

#include "kernels.h"
#include "makemore.h"

/* One allocation for T counting threads: per thread a slice holding its
 * K*K uint64 counts, the kernel's work area, then `extra` bytes, each
 * 64-byte aligned (slice t starts at base + t * stride).  free(base).
 * Slices start 256 bytes apart modulo 4 KiB; a slice of MM_WS_HUGE_MIN
 * bytes or more gets 2 MiB regions of its own and the allocation is marked
 * for transparent huge pages (src/count.c says why). */
#define MM_WS_HUGE_MIN ((size_t)512 << 10)
typedef struct mm_count_ws {
    uint8_t *base;
    size_t stride;
    size_t counts_bytes;
    size_t work_bytes;
} mm_count_ws;

mm_status mm_count_ws_alloc(mm_count_ws *ws, int T, size_t K, size_t extra,
                            const mm_counter *k);
/* Thread 0's n counts += those of threads 1 .. used - 1, in thread order
 * (integers: any order gives the same result); returns thread 0's table. */
uint64_t *mm_count_ws_merge(const mm_count_ws *ws, int used, size_t n);

/* Threads a count runs on: opts->threads, or the OpenMP default. */
int mm_count_threads(const mm_count_opts *opts);

/* mm_count_bigrams with the counter given (mm_count_bigrams runs
 * mm_counter_active()). */
mm_status mm_count_bigrams_with(const mm_corpus *c, const mm_vocab *v,
                                const mm_count_opts *opts, const mm_counter *k,
                                uint64_t *counts);
/* mm_count_bigrams_with, each thread's stream fed in pieces of `piece`
 * bytes (ASCII) or symbols (UTF-8; at most 1 Mi) instead of the usual 512 KiB
 * and 1 Mi (piece 0).  If chosen is not NULL, *chosen is the counter the
 * first thread's stream chose when k is an auto stream (count_auto.h), else
 * NULL (k not auto, or its trial did not finish). */
mm_status mm_count_bigrams_pieces(const mm_corpus *c, const mm_vocab *v,
                                  const mm_count_opts *opts, const mm_counter *k,
                                  size_t piece, uint64_t *counts, const mm_counter **chosen);

/* Feed b[0..n) to a counting stream in pieces of at most `piece` bytes that
 * overlap by one byte (the same pairs as one feed): the auto counter times
 * and switches counters between pieces. */
void mm_count_feed_pieces(const mm_counter *k, void *work, const uint8_t *b, size_t n,
                          size_t piece);

/* mm_count_file with the sizes of its first-read vocabulary probe and of
 * its read pieces (both > 0) given: tests and fuzzers make them small to
 * reach the late-character and piece-boundary cases with small files. */
mm_status mm_count_file_sized(const char *path, const mm_count_opts *opts, size_t probe_bytes,
                              size_t piece, mm_vocab *v, uint64_t **counts,
                              mm_corpus_info *info);

/* Where a character first occurs in a stream (1-based line and column,
 * 0-based byte offset). */
typedef struct mm_cp_pos {
    uint64_t line, col, off;
} mm_cp_pos;

/* mm_count_file for a descriptor read once, front to back, in bounded
 * memory (src/count_stream.c): standard input, pipes.  name is used in
 * messages.  If first is not NULL, first[i] is where symbol i of *v first
 * occurs (MM_MAX_VOCAB entries; first[0], the boundary, is unset). */
mm_status mm_count_stream(int fd, const char *name, const mm_count_opts *opts, mm_vocab *v,
                          uint64_t **counts, mm_corpus_info *info, mm_cp_pos *first);
/* mm_count_stream with its sizes given: ordinary chunks of `chunk` bytes
 * (4 MiB), the auto counter's trial chunks fed in pieces of `piece` bytes
 * (512 KiB; >= 2) and the second trial after `recheck` bytes per thread
 * (256 MiB; each next after twice as many, up to 8 times):
 * tests make them small to see many chunks and trials with small inputs.
 * If trials is not NULL, on success trials[0] is the number of trial chunks
 * and trials[1] that of those whose trial finished (chose a counter). */
mm_status mm_count_stream_sized(int fd, const char *name, const mm_count_opts *opts,
                                size_t chunk, size_t piece, uint64_t recheck, mm_vocab *v,
                                uint64_t **counts, mm_corpus_info *info, mm_cp_pos *first,
                                int trials[2]);

/* makemore-mpi (defined in src/io/corpus.c): open part `part` of `parts` of
 * the corpus file at path, split at line starts (see there), validated, with
 * the vocabulary of the part.  Messages name lines and byte offsets in the
 * whole file.  Count it with mm_count_bigrams in a merged vocabulary: the
 * parts' counts add up to the file's. */
mm_status mm_corpus_open_part(mm_corpus **out, const char *path, size_t part,
                              size_t parts);

#endif /* MM_COUNT_H */
