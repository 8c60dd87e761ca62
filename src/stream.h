/*
 * stream.h - the corpus as a stream of symbols (stream.c): shared by the
 * trainers and the counting driver.
 */
#ifndef MM_STREAM_H
#define MM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "makemore.h"
#include "util.h"

/* Byte / code point -> symbol index in the model's vocabulary.  The corpus
 * has been checked against the vocabulary (by counting it) before any of
 * these lookups run, so every character found here is present. */
typedef struct mm_symmap {
    uint8_t ascii[128];          /* '\n' -> 0; '\r' unused (skipped) */
    int16_t small[0x800];        /* cp < 0x800 -> index, -1 if absent */
    const mm_vocab *v;
} mm_symmap;

void mm_symmap_init(mm_symmap *s, const mm_vocab *v);

uint8_t mm_symmap_cp(const mm_symmap *s, uint32_t cp);

/* Symbols of data[*pos, end) appended to sym[n, cap); returns the new n and
 * advances *pos.  A line end is the boundary 0; CR (always part of a CRLF or
 * the file's last byte, the corpus reader checks) is skipped, and so is a
 * boundary right after a boundary (an empty line), which leaves exactly the
 * pairs that the counting driver counts. */
size_t mm_stream_fill(const mm_symmap *s, const uint8_t *data, size_t *pos,
                      size_t end, uint8_t *sym, size_t n, size_t cap);

/* The same for an ASCII corpus without CR, the common case: a straight
 * table lookup (no branch per byte), then one vectorisable check for a
 * boundary after a boundary; only a block holding an empty line takes the
 * general path. */
size_t mm_stream_fill_ascii(const mm_symmap *s, const uint8_t *data, size_t *pos,
                                   size_t end, uint8_t *sym, size_t n, size_t cap);

/* The first line start >= x (size if none). */
size_t mm_line_start_at_or_after(const uint8_t *data, size_t size, size_t x);

/* Number of minibatch positions: one per byte, plus the final boundary of
 * an unterminated last line. */
uint64_t mm_positions(const mm_corpus *c);

/* The symbol of the character ending just before byte q (q > 0, data[q-1]
 * is not a line end). */
uint8_t mm_symbol_before(const mm_symmap *s, const uint8_t *data, size_t q);

/* The example at position p (see mm_train in makemore.h): 1 and (x, y), or
 * 0 if p starts none. */
int mm_example_at(const mm_symmap *s, const mm_corpus *c, uint64_t p, uint8_t *x,
                         uint8_t *y);

/* torch.randint(0, P, ...) on the CPU: one 32-bit draw modulo P when
 * P < 2^32, else a 64-bit draw (first word high) modulo P. */
uint64_t mm_draw_position(mm_rng *g, uint64_t P);

#endif /* MM_STREAM_H */
