/*
 * ngram.c - order-K character n-gram counts (K = 2..6), beside the bigram
 * kernels (which stay the K = 2 fast path and are not touched here).
 *
 * An n-gram is K symbols: a context of K - 1 symbols and the next one.  Each
 * name is preceded by K - 1 boundary pads, as the lecture's trigram exercise
 * does ("emma", K = 3: "..e", ".em", "emm", "mma", "ma."); a name ends with
 * one boundary.  N-grams are numbered in base V, first symbol most
 * significant: key = ((s0 V + s1) V + ...) V + s_{K-1}, so key / V is the
 * context, key % V the next symbol, and sorting by key sorts by context.
 *
 * The corpus is split at line starts into one byte range per thread.  Each
 * thread counts into its own table: dense (V^K uint64) when V^K is at most
 * MM_NGRAM_DENSE_MAX cells, otherwise an open-addressing hash table of the
 * n-grams it saw (so V = 59, K = 5 never allocates V^K).  The tables are
 * merged into one list sorted by key: counts are integers and the merge is a
 * sort, so the result is bit-identical for every thread count.
 */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "internal.h"
#include "count.h"
#include "ngram.h"
#include "stream.h"

#define MM_NGRAM_SYM_CHUNK (1 << 16)

uint64_t mm_ngram_cells(size_t V, int order)
{
    uint64_t n = 1;
    for (int i = 0; i < order; i++) {
        if (n > UINT64_MAX / V) {
            return UINT64_MAX;
        }
        n *= V;
    }
    return n;
}

void mm_ngrams_destroy(mm_ngrams *g)
{
    if (g == NULL) {
        return;
    }
    free(g->keys);
    free(g->counts);
    free(g);
}

int mm_ngrams_get_order(const mm_ngrams *g)
{
    return g->order;
}

const mm_vocab *mm_ngrams_get_vocab(const mm_ngrams *g)
{
    return &g->vocab;
}

size_t mm_ngrams_get_size(const mm_ngrams *g)
{
    return g->n;
}

const uint64_t *mm_ngrams_get_keys(const mm_ngrams *g)
{
    return g->keys;
}

const uint64_t *mm_ngrams_get_values(const mm_ngrams *g)
{
    return g->counts;
}

uint64_t mm_ngrams_get_total(const mm_ngrams *g)
{
    uint64_t t = 0;
    for (size_t i = 0; i < g->n; i++) {
        t += g->counts[i];
    }
    return t;
}

void mm_ngram_decode(uint64_t key, size_t V, int order, uint8_t *syms)
{
    for (int i = order - 1; i >= 0; i--) {
        syms[i] = (uint8_t)(key % V);
        key /= V;
    }
}

mm_status mm_ngrams_get_dense(const mm_ngrams *g, uint64_t *out, size_t cells)
{
    uint64_t want = mm_ngram_cells(g->vocab.size, g->order);
    if (out == NULL || (uint64_t)cells != want) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_ngrams_get_dense: the table has V^K = %llu cells "
                       "(got room for %zu)", (unsigned long long)want, cells);
    }
    memset(out, 0, cells * sizeof *out);
    for (size_t i = 0; i < g->n; i++) {
        out[g->keys[i]] = g->counts[i];
    }
    return MM_OK;
}

/* ---- per-thread tables ---------------------------------------------------- */

/* Open addressing with linear probing; a slot holds key + 1 (0 = empty). */
typedef struct mm_ngram_hash {
    uint64_t *keys;
    uint64_t *counts;
    size_t cap;   /* a power of two */
    size_t used;
    int failed;   /* out of memory while growing */
} mm_ngram_hash;

static size_t mm_hash_slot(uint64_t key, size_t cap)
{
    /* Fibonacci hashing: keys are dense base-V numbers, so spread them. */
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & (cap - 1);
}

static int mm_hash_init(mm_ngram_hash *h, size_t cap)
{
    h->cap = cap;
    h->used = 0;
    h->failed = 0;
    h->keys = calloc(cap, sizeof *h->keys);
    h->counts = calloc(cap, sizeof *h->counts);
    return h->keys != NULL && h->counts != NULL;
}

static void mm_hash_free(mm_ngram_hash *h)
{
    free(h->keys);
    free(h->counts);
    h->keys = h->counts = NULL;
}

static void mm_hash_put(mm_ngram_hash *h, uint64_t key1, uint64_t count)
{
    size_t i = mm_hash_slot(key1, h->cap);
    while (h->keys[i] != 0 && h->keys[i] != key1) {
        i = (i + 1) & (h->cap - 1);
    }
    if (h->keys[i] == 0) {
        h->keys[i] = key1;
        h->used++;
    }
    h->counts[i] += count;
}

static void mm_hash_grow(mm_ngram_hash *h)
{
    mm_ngram_hash bigger;
    if (!mm_hash_init(&bigger, h->cap * 2)) {
        mm_hash_free(&bigger);
        h->failed = 1;
        return;
    }
    for (size_t i = 0; i < h->cap; i++) {
        if (h->keys[i] != 0) {
            mm_hash_put(&bigger, h->keys[i], h->counts[i]);
        }
    }
    mm_hash_free(h);
    *h = bigger;
}

static void mm_hash_add(mm_ngram_hash *h, uint64_t key)
{
    if (h->failed) {
        return;
    }
    mm_hash_put(h, key + 1, 1);
    if (h->used * 2 > h->cap) {
        mm_hash_grow(h);
    }
}

/* One thread's table: dense array or hash. */
typedef struct mm_ngram_local {
    uint64_t *dense;
    mm_ngram_hash hash;
} mm_ngram_local;

static void mm_local_add(mm_ngram_local *l, uint64_t key)
{
    if (l->dense != NULL) {
        l->dense[key]++;
    } else {
        mm_hash_add(&l->hash, key);
    }
}

/* The n-grams of the names starting in data[lo, hi) (lo, hi line starts),
 * plus the end of an unterminated last name when hi is the end. */
static void mm_ngram_count_range(const mm_symmap *sm, const uint8_t *data, size_t size,
                                 size_t lo, size_t hi, size_t V, int order,
                                 uint8_t *sym, mm_ngram_local *l)
{
    /* The context slides without a division: the symbol leaving it comes
     * from a ring of the last K - 1 symbols, times V^(K-2). */
    const uint64_t top = mm_ngram_cells(V, order - 2);
    const size_t W = (size_t)order - 1;
    uint8_t ring[MM_MAX_ORDER] = {0};
    size_t head = 0;  /* ring[head] is the oldest symbol of the context */
    uint64_t ctx = 0; /* K - 1 pads */
    size_t len = 0;   /* symbols of the name under way */
    size_t pos = lo;
    sym[0] = 0; /* mm_stream_fill drops a boundary after a boundary */
    while (pos < hi) {
        size_t n = mm_stream_fill(sm, data, &pos, hi, sym, 1, MM_NGRAM_SYM_CHUNK);
        for (size_t i = 1; i < n; i++) {
            uint64_t s = sym[i];
            if (s == 0 && len == 0) {
                continue; /* an empty line */
            }
            mm_local_add(l, ctx * V + s);
            if (s == 0) {
                ctx = 0;
                len = 0;
                memset(ring, 0, sizeof ring);
            } else {
                ctx = (ctx - ring[head] * top) * V + s;
                ring[head] = (uint8_t)s;
                head = head + 1 == W ? 0 : head + 1;
                len++;
            }
        }
        sym[0] = sym[n - 1]; /* the symbol before the next piece */
    }
    if (hi == size && len > 0) {
        mm_local_add(l, ctx * V); /* no final newline: close the last name */
    }
}

static int mm_cmp_pair(const void *a, const void *b)
{
    uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];
    return x < y ? -1 : x > y;
}

/* Check that every character of c is in v (the counting vocabulary). */
static mm_status mm_ngram_check_vocab(const mm_corpus *c, const mm_vocab *v)
{
    for (uint32_t i = 1; i < c->vocab.size; i++) {
        if (mm_vocab_index(v, c->vocab.cp[i]) < 0) {
            uint64_t line, col;
            mm_corpus_locate(c, mm_corpus_find_cp(c, c->vocab.cp[i]), &line, &col);
            char u[5];
            u[mm_utf8_encode(c->vocab.cp[i], u)] = '\0';
            return mm_fail(MM_ERR_VOCAB, "%s:%llu:%llu: character '%s' (U+%04X) is not in "
                           "the model's vocabulary", c->name, (unsigned long long)line,
                           (unsigned long long)col, u, (unsigned)c->vocab.cp[i]);
        }
    }
    return MM_OK;
}

mm_status mm_count_ngrams_with(const mm_corpus *c, const mm_vocab *v, int order,
                               const mm_count_opts *opts, mm_ngram_table table,
                               mm_ngrams **out)
{
    *out = NULL;
    if (c == NULL || v == NULL || v->size == 0 || v->size > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_count_ngrams: invalid argument");
    }
    if (order < MM_MIN_ORDER || order > MM_MAX_ORDER) {
        return mm_fail(MM_ERR_INVALID_ARG, "order %d is out of range %d..%d", order,
                       MM_MIN_ORDER, MM_MAX_ORDER);
    }
    mm_status st = mm_ngram_check_vocab(c, v);
    if (st != MM_OK) {
        return st;
    }
    const size_t V = v->size;
    const uint64_t cells = mm_ngram_cells(V, order);
    if (table == MM_NGRAM_AUTO) {
        table = cells <= MM_NGRAM_DENSE_MAX ? MM_NGRAM_DENSE : MM_NGRAM_SPARSE;
    }
    if (table == MM_NGRAM_DENSE && cells > ((uint64_t)1 << 32)) {
        return mm_fail(MM_ERR_INVALID_ARG, "a dense table of V^K = %llu cells is too large",
                       (unsigned long long)cells);
    }
    mm_ngrams *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return mm_fail(MM_ERR_NOMEM, "out of memory");
    }
    g->order = order;
    g->vocab = *v;
    int T = mm_count_threads(opts);
    mm_ngram_local *locals = calloc((size_t)T, sizeof *locals);
    uint8_t *syms = malloc((size_t)T * MM_NGRAM_SYM_CHUNK);
    mm_symmap *sm = malloc(sizeof *sm);
    int failed = locals == NULL || syms == NULL || sm == NULL;
    for (int t = 0; !failed && t < T; t++) {
        if (table == MM_NGRAM_DENSE) {
            locals[t].dense = calloc((size_t)cells, sizeof(uint64_t));
            failed = locals[t].dense == NULL;
        } else {
            failed = !mm_hash_init(&locals[t].hash, 1024);
        }
    }
    int used = T;
    if (!failed) {
        mm_symmap_init(sm, v);
        const uint8_t *data = c->data;
        const size_t size = c->size;
#pragma omp parallel num_threads(T)
        {
            size_t t, Tn;
            mm_omp_team(&t, &Tn);
            if (t == 0) {
                used = (int)Tn;
            }
            size_t lo, hi, dummy;
            mm_range(size, t, Tn, &lo, &dummy);
            mm_range(size, t + 1, Tn, &hi, &dummy);
            lo = mm_line_start_at_or_after(data, size, lo);
            hi = mm_line_start_at_or_after(data, size, hi);
            mm_ngram_count_range(sm, data, size, lo, hi, V, order,
                                 syms + t * MM_NGRAM_SYM_CHUNK, &locals[t]);
        }
        for (int t = 0; t < used; t++) {
            failed |= locals[t].hash.failed;
        }
    }
    if (!failed) {
        /* Merge: the dense tables add up in place; the hashes go into one
         * list, sorted by key, equal keys summed. */
        size_t n = 0;
        if (table == MM_NGRAM_DENSE) {
            for (int t = 1; t < used; t++) {
                for (uint64_t i = 0; i < cells; i++) {
                    locals[0].dense[i] += locals[t].dense[i];
                }
            }
            for (uint64_t i = 0; i < cells; i++) {
                n += locals[0].dense[i] != 0;
            }
        } else {
            for (int t = 0; t < used; t++) {
                n += locals[t].hash.used;
            }
        }
        uint64_t *pairs = malloc((n ? n : 1) * 2 * sizeof *pairs);
        failed = pairs == NULL;
        if (!failed) {
            size_t m = 0;
            if (table == MM_NGRAM_DENSE) {
                for (uint64_t i = 0; i < cells; i++) {
                    if (locals[0].dense[i] != 0) {
                        pairs[2 * m] = i;
                        pairs[2 * m + 1] = locals[0].dense[i];
                        m++;
                    }
                }
            } else {
                for (int t = 0; t < used; t++) {
                    const mm_ngram_hash *h = &locals[t].hash;
                    for (size_t i = 0; i < h->cap; i++) {
                        if (h->keys[i] != 0) {
                            pairs[2 * m] = h->keys[i] - 1;
                            pairs[2 * m + 1] = h->counts[i];
                            m++;
                        }
                    }
                }
                qsort(pairs, m, 2 * sizeof *pairs, mm_cmp_pair);
            }
            /* combine equal keys (several threads saw the same n-gram) */
            size_t w = 0;
            for (size_t i = 0; i < m; i++) {
                if (w > 0 && pairs[2 * (w - 1)] == pairs[2 * i]) {
                    pairs[2 * (w - 1) + 1] += pairs[2 * i + 1];
                } else {
                    pairs[2 * w] = pairs[2 * i];
                    pairs[2 * w + 1] = pairs[2 * i + 1];
                    w++;
                }
            }
            g->n = w;
            g->keys = malloc((w ? w : 1) * sizeof *g->keys);
            g->counts = malloc((w ? w : 1) * sizeof *g->counts);
            failed = g->keys == NULL || g->counts == NULL;
            for (size_t i = 0; !failed && i < w; i++) {
                g->keys[i] = pairs[2 * i];
                g->counts[i] = pairs[2 * i + 1];
            }
            free(pairs);
        }
    }
    for (int t = 0; locals != NULL && t < T; t++) {
        free(locals[t].dense);
        mm_hash_free(&locals[t].hash);
    }
    free(locals);
    free(syms);
    free(sm);
    if (failed) {
        mm_ngrams_destroy(g);
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory counting %d-grams", c->name, order);
    }
    st = mm_corpus_check_intact(c);
    if (st != MM_OK) {
        mm_ngrams_destroy(g);
        return st;
    }
    *out = g;
    return MM_OK;
}

mm_status mm_count_ngrams(const mm_corpus *c, const mm_vocab *v, int order,
                          const mm_count_opts *opts, mm_ngrams **out)
{
    return mm_count_ngrams_with(c, v, order, opts, MM_NGRAM_AUTO, out);
}

mm_status mm_count_ngrams_file(const char *path, int order, const mm_count_opts *opts,
                               mm_ngrams **out)
{
    *out = NULL;
    mm_corpus *c = NULL;
    mm_status st = mm_corpus_open(&c, path);
    if (st == MM_OK) {
        st = mm_count_ngrams(c, &c->vocab, order, opts, out);
    }
    mm_corpus_close(c);
    return st;
}
