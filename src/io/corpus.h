/*
 * corpus.h - the corpus object's insides, shared by the corpus reader and
 * the counting/evaluation drivers.
 */
#ifndef MM_CORPUS_H
#define MM_CORPUS_H

#include "makemore.h"

struct mm_corpus {
    const uint8_t *data;   /* the file's bytes (mapped) or the caller's */
    size_t size;
    void *map;             /* mmap base, or NULL */
    size_t map_size;
    uint8_t *owned;        /* heap copy (standard input), or NULL */
    char *name;            /* file name for messages */
    mm_vocab vocab;        /* the corpus's own characters, '.' at 0 */
    int ascii;             /* every byte < 0x80 */
    int has_cr;            /* some line ends in CRLF */
    int guard;             /* mapguard slot of the mapping, or -1 */
    uint64_t line0;        /* a chunk of a stream (count_stream.c): lines and */
    uint64_t off0;         /* bytes before it, added to its messages' positions */
    int threads;           /* threads of the validating scan; 0: the default */
};

/* MM_OK, or MM_ERR_IO if the mapped file shrank while being read (the
 * bytes read past its new end were zeros, so no result can be trusted). */
mm_status mm_corpus_check_intact(const mm_corpus *c);

/* 1-based line and column (in bytes) of byte offset off. */
void mm_corpus_locate(const mm_corpus *c, size_t off, uint64_t *line, uint64_t *col);

/* "'x'" for printable ASCII, else "U+XXXX" (with the character if
 * printable): how messages name a character (the MPI engine's too). */
void mm_describe_cp(uint32_t cp, char *buf, size_t size);
/* MM_ERR_CORPUS, with "NAME:LINE:COL: what (byte offset N)" as the message. */
mm_status mm_corpus_error_at(const mm_corpus *c, size_t off, const char *what);
/* A chunk of whole lines of a stream, validated with its own vocabulary (by
 * `threads` threads, 0: the default); line0 lines and off0 bytes of the
 * stream came before it, so its messages name the line and byte offset in
 * the stream. */
mm_status mm_corpus_from_chunk(mm_corpus **out, const void *data, size_t size,
                               const char *name, uint64_t line0, uint64_t off0, int threads);
/* Offset of the first occurrence of code point cp in c (or c->size). */
size_t mm_corpus_find_cp(const mm_corpus *c, uint32_t cp);

#endif /* MM_CORPUS_H */
