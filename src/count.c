/*
 * count.c - the counting driver: bigram counts of a corpus with OpenMP.
 *
 * The corpus is split into one byte range per thread; each thread runs a
 * counting stream of the given counter (kernels.h; mm_count_bigrams: the
 * active one, by default "auto", which times the counters on the first
 * pieces and keeps the fastest: ranges are fed in 512 KiB pieces for it)
 * into its own table (one workspace allocated up
 * front, tables padded so no two share an offset modulo 4 KiB), and the
 * tables are merged in thread order.  Counts are integers, so the result is
 * bit-identical for every kernel and thread count.
 *
 * ASCII corpora are counted straight from the mapped bytes: every byte value
 * gets a class (its symbol; '\n' and '\r' are the boundary 0), so the stream ".name1\nname2\n" needs
 * no copy: each '\n' is both the end of one name and the start of the next.
 * An empty line adds a (., .) pair, which no name can produce, so C[0][0] is
 * cleared at the end.  The pair straddling two ranges is counted by the range
 * that holds its first byte.
 *
 * UTF-8 corpora are split at line starts and decoded into a small buffer of
 * symbol indices per thread, which the same kernel counts with an identity
 * class table.
 */
#include <stdlib.h>
#include <string.h>


#include "corpus.h"
#include "internal.h"
#include "count.h"
#include "count_auto.h"
#include "kernels.h"
#include "stream.h"

#define MM_SYM_CHUNK (1 << 20)
/* Mapped ASCII ranges are fed in pieces of this size, so that the auto
 * counter can time counters on the first ones (kernels/count_auto.c). */
#define MM_COUNT_PIECE ((size_t)1 << 19)

/* Map each character of the corpus to its index in v (the counting vocab). */
static mm_status mm_map_vocab(const mm_corpus *c, const mm_vocab *v, int16_t *map)
{
    for (uint32_t i = 0; i < c->vocab.size; i++) {
        int j = mm_vocab_index(v, c->vocab.cp[i]);
        if (j < 0) {
            uint64_t line, col;
            size_t off = mm_corpus_find_cp(c, c->vocab.cp[i]);
            mm_corpus_locate(c, off, &line, &col);
            char u[5];
            size_t n = mm_utf8_encode(c->vocab.cp[i], u);
            u[n] = '\0';
            return mm_fail(MM_ERR_VOCAB,
                           "%s:%llu:%llu: character '%s' (U+%04X) is not in the "
                           "model's vocabulary",
                           c->name, (unsigned long long)line, (unsigned long long)col, u,
                           (unsigned)c->vocab.cp[i]);
        }
        map[i] = (int16_t)j;
    }
    return MM_OK;
}

void mm_count_feed_pieces(const mm_counter *k, void *work, const uint8_t *b, size_t n,
                          size_t piece)
{
    while (n > piece) {
        k->count_feed(work, b, piece + 1); /* pairs b[0..piece] */
        b += piece;
        n -= piece;
    }
    k->count_feed(work, b, n);
}

uint64_t *mm_count_ws_merge(const mm_count_ws *ws, int used, size_t n)
{
    uint64_t *acc = (uint64_t *)ws->base;
    for (int t = 1; t < used; t++) {
        const uint64_t *local = (const uint64_t *)(ws->base + (size_t)t * ws->stride);
        for (size_t i = 0; i < n; i++) {
            acc[i] += local[i];
        }
    }
    return acc;
}

int mm_count_threads(const mm_count_opts *opts)
{
    return mm_threads_used(opts != NULL ? opts->threads : 0);
}

mm_status mm_count_ws_alloc(mm_count_ws *ws, int T, size_t K, size_t extra,
                            const mm_counter *k)
{
    ws->counts_bytes = mm_round_up(K * K * sizeof(uint64_t), 64);
    ws->work_bytes = mm_round_up(k->count_work_size(K), 64);
    size_t slice = ws->counts_bytes + ws->work_bytes + mm_round_up(extra, 64);
    /* Big slices (a read buffer, the auto counter's candidates) in 2 MiB
     * regions of their own, marked for transparent huge pages: then a
     * thread's first touch of its slice is one fault, not one per 4 KiB.
     * Why: on the Zen 5 VM of 2026-12-06 (family 26 model 2) a minor fault
     * cost 10-19 us of CPU time, and a count under the auto counter touched
     * some 280 small pages per thread before it read a byte: with the huge
     * pages a two-thread count of 64 MiB took 546 faults and 10.4 ms of CPU
     * time less (results/2026-12-06-amd-epyc-faults.json; names.txt on one
     * thread: 100 and 1.0 ms, -faults-2.json).  MM_WS_HUGE_MIN: count.h.
     * The kernel may ignore the hint (THP off); the layout is the same. */
    const size_t align = slice >= MM_WS_HUGE_MIN ? MM_HUGE_PAGE : 4096;
    /* Successive slices differ by 256 bytes modulo 4 KiB: hot table entries
     * of different threads never alias in the L1 sets. */
    ws->stride = mm_round_up(slice, align) + 256;
    const size_t bytes = mm_round_up(ws->stride * (size_t)T, align);
    ws->base = align == MM_HUGE_PAGE ? mm_alloc_huge_pages(bytes) : aligned_alloc(align, bytes);
    if (ws->base == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory for %d counting tables", T);
    }
    return MM_OK;
}

/* What thread 0's stream chose, if k is an auto stream that began (its
 * work is the first slice's): the stream driver (count_stream.c) runs the
 * choice on one chunk and the chosen counter on the next ones. */
static const mm_counter *mm_count_chosen(const mm_count_ws *ws, const mm_counter *k,
                                         int began)
{
    return began && mm_counter_is_auto(k) ? mm_count_auto_chosen(ws->base + ws->counts_bytes)
                                          : NULL;
}

static mm_status mm_count_ascii(const mm_corpus *c, const mm_vocab *v,
                                const int16_t *map, int T, const mm_counter *k,
                                size_t piece, uint64_t *counts, const mm_counter **chosen)
{
    const size_t V = v->size;
    const size_t K = V; /* classes: one per symbol, CR shares the boundary's */
    uint8_t code[256] = {0};
    for (uint32_t i = 1; i < c->vocab.size; i++) {
        code[c->vocab.cp[i]] = (uint8_t)map[i];
    }
    code['\n'] = 0;
    /* CR only ever ends a line (checked at open), so it is a boundary too:
     * "x\r\n" gives (x, .) then (., .), and (., .) pairs are cleared. */
    code['\r'] = 0;

    mm_count_ws ws;
    mm_status st = mm_count_ws_alloc(&ws, T, K, 0, k);
    if (st != MM_OK) {
        return st;
    }
    const uint8_t *data = c->data;
    const size_t size = c->size;
    int used = T, began0 = 0;

#pragma omp parallel num_threads(T)
    {
        size_t t, Tn;
        mm_omp_team(&t, &Tn);
        if (t == 0) {
            used = (int)Tn;
        }
        uint64_t *local = (uint64_t *)(ws.base + t * ws.stride);
        void *work = ws.base + t * ws.stride + ws.counts_bytes;
        memset(local, 0, K * K * sizeof *local);
        size_t lo, hi;
        mm_range(size, t, Tn, &lo, &hi);
        if (hi > lo) {
            size_t end = hi < size ? hi + 1 : size;
            k->count_begin(work, code, K);
            mm_count_feed_pieces(k, work, data + lo, end - lo, piece);
            k->count_end(work, local);
            if (t == 0) {
                began0 = 1;
            }
        }
    }
    if (chosen != NULL) {
        *chosen = mm_count_chosen(&ws, k, began0);
    }

    uint64_t *acc = mm_count_ws_merge(&ws, used, K * K);
    if (size > 0) {
        acc[code[data[0]]]++; /* the implicit boundary before the first name */
        uint8_t last = data[size - 1];
        if (last != '\n' && last != '\r') {
            acc[(size_t)code[last] * K]++; /* no final newline */
        }
    }
    memcpy(counts, acc, V * V * sizeof *counts);
    counts[0] = 0; /* empty lines */
    free(ws.base);
    return MM_OK;
}

/* Symbol index in v of the code point cp, through the corpus map. */
typedef struct mm_cp_lookup {
    int16_t small[0x800];         /* cp < 0x800 -> index, -1 if absent */
    const mm_corpus *c;
    const int16_t *map;
} mm_cp_lookup;

static int mm_lookup(const mm_cp_lookup *l, uint32_t cp)
{
    if (cp < 0x800) {
        return l->small[cp];
    }
    int i = mm_vocab_index(&l->c->vocab, cp);
    return i < 0 ? -1 : l->map[i];
}

static mm_status mm_count_utf8(const mm_corpus *c, const mm_vocab *v,
                               const int16_t *map, int T, const mm_counter *k,
                               size_t piece, uint64_t *counts, const mm_counter **chosen)
{
    const size_t V = v->size;
    uint8_t identity[256];
    for (int i = 0; i < 256; i++) {
        identity[i] = (uint8_t)i;
    }
    mm_cp_lookup *lut = malloc(sizeof *lut);
    if (lut == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < 0x800; i++) {
        lut->small[i] = -1;
    }
    lut->c = c;
    lut->map = map;
    for (uint32_t i = 1; i < c->vocab.size; i++) {
        if (c->vocab.cp[i] < 0x800) {
            lut->small[c->vocab.cp[i]] = map[i];
        }
    }
    mm_count_ws ws;
    mm_status st = mm_count_ws_alloc(&ws, T, V, MM_SYM_CHUNK, k);
    if (st != MM_OK) {
        free(lut);
        return st;
    }
    const uint8_t *data = c->data;
    const size_t size = c->size;
    int used = T;

#pragma omp parallel num_threads(T)
    {
        size_t t, Tn;
        mm_omp_team(&t, &Tn);
        if (t == 0) {
            used = (int)Tn;
        }
        uint64_t *local = (uint64_t *)(ws.base + t * ws.stride);
        void *work = ws.base + t * ws.stride + ws.counts_bytes;
        uint8_t *sym = ws.base + t * ws.stride + ws.counts_bytes + ws.work_bytes;
        memset(local, 0, V * V * sizeof *local);
        /* Ranges start at line starts so no character is split. */
        size_t lo, hi, dummy;
        mm_range(size, t, Tn, &lo, &dummy);
        mm_range(size, t + 1, Tn, &hi, &dummy);
        lo = mm_line_start_at_or_after(data, size, lo);
        hi = mm_line_start_at_or_after(data, size, hi);
        size_t n = 0;
        sym[n++] = 0; /* the boundary before this range's first name */
        k->count_begin(work, identity, V);
        size_t i = lo;
        while (i < hi) {
            uint8_t b = data[i];
            if (b < 0x80) {
                i++;
                if (b == '\r') {
                    continue;
                }
                int ix = (b == '\n') ? 0 : lut->small[b];
                /* < 0 only for bytes that changed after validation (a file
                 * truncated under us reads zeros): never index with it. */
                sym[n++] = (uint8_t)(ix < 0 ? 0 : ix);
            } else {
                uint32_t cp = 0;
                const char *why = NULL;
                size_t len = mm_utf8_decode(data + i, size - i, &cp, &why);
                /* validated at open: len > 0 and cp is in the vocabulary */
                i += len ? len : 1;
                int ix = len ? mm_lookup(lut, cp) : -1;
                sym[n++] = (uint8_t)(ix < 0 ? 0 : ix);
            }
            if (n == piece) {
                k->count_feed(work, sym, n);
                sym[0] = sym[n - 1]; /* pieces overlap by one symbol */
                n = 1;
            }
        }
        k->count_feed(work, sym, n);
        k->count_end(work, local);
    }

    if (chosen != NULL) {
        *chosen = mm_count_chosen(&ws, k, 1);
    }
    memcpy(counts, mm_count_ws_merge(&ws, used, V * V), V * V * sizeof *counts);
    /* No final newline: close the last name.  (A trailing CR ends it too.) */
    size_t e = size;
    if (e > 0 && data[e - 1] == '\r') {
        e--;
    }
    if (e > 0 && data[e - 1] != '\n') {
        size_t s = e - 1;
        while (s > 0 && (data[s] & 0xc0) == 0x80) {
            s--;
        }
        uint32_t cp = 0;
        const char *why = NULL;
        int ix = mm_utf8_decode(data + s, e - s, &cp, &why) ? mm_lookup(lut, cp) : -1;
        counts[(size_t)(ix < 0 ? 0 : ix) * V]++;
    }
    counts[0] = 0; /* empty lines */
    free(ws.base);
    free(lut);
    return MM_OK;
}

mm_status mm_count_bigrams(const mm_corpus *c, const mm_vocab *v,
                           const mm_count_opts *opts, uint64_t *counts)
{
    return mm_count_bigrams_with(c, v, opts, mm_counter_active(), counts);
}

mm_status mm_count_bigrams_with(const mm_corpus *c, const mm_vocab *v,
                                const mm_count_opts *opts, const mm_counter *k,
                                uint64_t *counts)
{
    return mm_count_bigrams_pieces(c, v, opts, k, 0, counts, NULL);
}

mm_status mm_count_bigrams_pieces(const mm_corpus *c, const mm_vocab *v,
                                  const mm_count_opts *opts, const mm_counter *k,
                                  size_t piece, uint64_t *counts, const mm_counter **chosen)
{
    if (chosen != NULL) {
        *chosen = NULL;
    }
    if (c == NULL || v == NULL || counts == NULL || v->size == 0 ||
        v->size > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_count_bigrams: invalid argument");
    }
    int16_t map[MM_MAX_VOCAB];
    mm_status st = mm_map_vocab(c, v, map);
    if (st != MM_OK) {
        return st;
    }
    memset(counts, 0, (size_t)v->size * v->size * sizeof *counts);
    if (c->size == 0) {
        return MM_OK;
    }
    int T = mm_count_threads(opts);
    st = c->ascii ? mm_count_ascii(c, v, map, T, k, piece ? piece : MM_COUNT_PIECE, counts,
                                   chosen)
                  : mm_count_utf8(c, v, map, T, k,
                                  piece >= 2 && piece < MM_SYM_CHUNK ? piece : MM_SYM_CHUNK, counts,
                                  chosen);
    if (st == MM_OK) {
        st = mm_corpus_check_intact(c);
    }
    return st;
}
