/*
 * stream.c - the corpus as a stream of symbols, for the drivers that walk
 * it: line-aligned ranges per thread, byte/code point -> symbol lookups,
 * minibatch positions drawn as torch.randint draws them.  Shared by the
 * OpenMP trainer (train.c), the MPI trainer (mpi/mpi_train.c) and the
 * counting driver (count.c), so each of them splits a corpus the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "internal.h"
#include "stream.h"

void mm_symmap_init(mm_symmap *s, const mm_vocab *v)
{
    s->v = v;
    for (uint32_t cp = 0; cp < 0x800; cp++) {
        s->small[cp] = (int16_t)mm_vocab_index(v, cp);
    }
    s->small['\n'] = 0;
    for (uint32_t b = 0; b < 128; b++) {
        s->ascii[b] = s->small[b] < 0 ? 0 : (uint8_t)s->small[b];
    }
}

uint8_t mm_symmap_cp(const mm_symmap *s, uint32_t cp)
{
    int i = cp < 0x800 ? s->small[cp] : mm_vocab_index(s->v, cp);
    return i < 0 ? 0 : (uint8_t)i;
}

/* Symbols of data[*pos, end) appended to sym[n, cap); returns the new n and
 * advances *pos.  A line end is the boundary 0; CR (always part of a CRLF or
 * the file's last byte, the corpus reader checks) is skipped, and so is a
 * boundary right after a boundary (an empty line), which leaves exactly the
 * pairs that the counting driver counts. */
size_t mm_stream_fill(const mm_symmap *s, const uint8_t *data, size_t *pos,
                      size_t end, uint8_t *sym, size_t n, size_t cap)
{
    size_t i = *pos;
    uint8_t prev = sym[n - 1];
    while (i < end && n < cap) {
        uint8_t b = data[i];
        uint8_t v;
        if (b < 0x80) {
            i++;
            if (b == '\r') {
                continue;
            }
            v = s->ascii[b];
        } else {
            uint32_t cp = 0;
            const char *why = NULL;
            size_t len = mm_utf8_decode(data + i, end - i, &cp, &why);
            i += len ? len : 1; /* validated at open: len > 0 */
            v = mm_symmap_cp(s, cp);
        }
        if (v == 0 && prev == 0) {
            continue;
        }
        sym[n++] = v;
        prev = v;
    }
    *pos = i;
    return n;
}

/* The same for an ASCII corpus without CR, the common case: a straight
 * table lookup (no branch per byte), then one vectorisable check for a
 * boundary after a boundary; only a block holding an empty line takes the
 * general path. */
size_t mm_stream_fill_ascii(const mm_symmap *s, const uint8_t *data, size_t *pos,
                                   size_t end, uint8_t *sym, size_t n, size_t cap)
{
    size_t i = *pos;
    size_t m = cap - n < end - i ? cap - n : end - i;
    const uint8_t *in = data + i;
    uint8_t *out = sym + n;
    for (size_t k = 0; k < m; k++) {
        out[k] = s->ascii[in[k]];
    }
    unsigned empty = m > 0 && (sym[n - 1] | out[0]) == 0;
    for (size_t k = 1; k < m; k++) {
        empty |= (out[k - 1] | out[k]) == 0;
    }
    if (empty) {
        return mm_stream_fill(s, data, pos, end, sym, n, cap);
    }
    *pos = i + m;
    return n + m;
}

/* The first line start >= x (size if none). */
size_t mm_line_start_at_or_after(const uint8_t *data, size_t size, size_t x)
{
    if (x == 0 || x >= size) {
        return x == 0 ? 0 : size;
    }
    const uint8_t *nl = memchr(data + x - 1, '\n', size - (x - 1));
    return nl ? (size_t)(nl - data) + 1 : size;
}

/* Number of minibatch positions: one per byte, plus the final boundary of
 * an unterminated last line. */
uint64_t mm_positions(const mm_corpus *c)
{
    uint64_t P = c->size;
    if (c->size > 0 && c->data[c->size - 1] != '\n' && c->data[c->size - 1] != '\r') {
        P++;
    }
    return P;
}

/* The symbol of the character ending just before byte q (q > 0, data[q-1]
 * is not a line end). */
uint8_t mm_symbol_before(const mm_symmap *s, const uint8_t *data, size_t q)
{
    size_t a = q - 1;
    if (data[a] < 0x80) {
        return s->ascii[data[a]];
    }
    while (a > 0 && (data[a] & 0xc0) == 0x80) {
        a--;
    }
    uint32_t cp = 0;
    const char *why = NULL;
    (void)mm_utf8_decode(data + a, q - a, &cp, &why);
    return mm_symmap_cp(s, cp);
}

/* The example at position p (see mm_train in makemore.h): 1 and (x, y), or
 * 0 if p starts none. */
int mm_example_at(const mm_symmap *s, const mm_corpus *c, uint64_t p, uint8_t *x,
                         uint8_t *y)
{
    const uint8_t *data = c->data;
    const size_t size = c->size;
    uint8_t t;
    if (p >= size) {
        t = 0; /* the final boundary of an unterminated file */
    } else {
        uint8_t b = data[p];
        if ((b & 0xc0) == 0x80) {
            return 0; /* inside a character */
        }
        if (b == '\n') {
            if (p > 0 && data[p - 1] == '\r') {
                return 0; /* the CR before it ends the line */
            }
            t = 0;
        } else if (b == '\r') {
            t = 0;
        } else if (b < 0x80) {
            t = s->ascii[b];
        } else {
            uint32_t cp = 0;
            const char *why = NULL;
            (void)mm_utf8_decode(data + p, size - p, &cp, &why);
            t = mm_symmap_cp(s, cp);
        }
    }
    uint8_t r = 0;
    if (p > 0 && data[p - 1] != '\n') {
        r = mm_symbol_before(s, data, (size_t)p);
    }
    if (r == 0 && t == 0) {
        return 0; /* an empty line */
    }
    *x = r;
    *y = t;
    return 1;
}

/* torch.randint(0, P, ...) on the CPU: one 32-bit draw modulo P when
 * P < 2^32, else a 64-bit draw (first word high) modulo P. */
uint64_t mm_draw_position(mm_rng *g, uint64_t P)
{
    if (P < (UINT64_C(1) << 32)) {
        return (uint64_t)mm_rng_u32(g) % P;
    }
    uint64_t hi = mm_rng_u32(g);
    uint64_t lo = mm_rng_u32(g);
    return ((hi << 32) | lo) % P;
}
