/*
 * test_count.c - bigram counting: every count_pairs variant against the
 * scalar one, and the counting driver (every variant, 1, 2, 3 and 8 threads)
 * against the scalar one and against a naive reference written here, so that
 * the scalar path itself is checked too.
 *
 * Tolerances: none.  Counts are integers: every variant, thread count and
 * corpus path (ASCII fast path, UTF-8 path) must be bit-exact.
 *
 * The naive reference shares no code with the library: it splits the bytes
 * into lines itself, strips one CR before each LF (or at the end of the
 * file), skips empty lines, decodes UTF-8 with its own decoder, builds its own
 * code-point-sorted vocabulary and counts the bigrams of '.' + name + '.'.
 *
 * Random corpora use mm_test_seed() (printed; MM_TEST_SEED overrides it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "count.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

static const int thread_counts[] = {1, 2, 3, 8};
#define NTHREADS (sizeof thread_counts / sizeof thread_counts[0])

static uint64_t g_seed;

/* ---- a growable byte buffer and an independent UTF-8 encoder/decoder ---- */

typedef struct tbuf {
    uint8_t *p;
    size_t n, cap;
} tbuf;

static void tb_put(tbuf *b, const void *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n) {
            cap *= 2;
        }
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void tb_str(tbuf *b, const char *s)
{
    tb_put(b, s, strlen(s));
}

static size_t t_encode(uint32_t cp, uint8_t *o)
{
    if (cp < 0x80) {
        o[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xc0 | (cp >> 6));
        o[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xe0 | (cp >> 12));
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (uint8_t)(0xf0 | (cp >> 18));
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static void tb_cp(tbuf *b, uint32_t cp)
{
    uint8_t u[4];
    tb_put(b, u, t_encode(cp, u));
}

/* Decoder for input known to be valid UTF-8. */
static size_t t_decode(const uint8_t *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
        return 1;
    }
    if (p[0] < 0xe0) {
        *cp = ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
        return 2;
    }
    if (p[0] < 0xf0) {
        *cp = ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
        return 3;
    }
    *cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
          ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
    return 4;
}

/* ---- the naive reference ---------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Calls fn(line, len, ctx) for every non-empty line, CR before LF/EOF removed. */
static void t_lines(const uint8_t *d, size_t n,
                    void (*fn)(const uint8_t *, size_t, void *), void *ctx)
{
    size_t s = 0;
    while (s < n) {
        size_t e = s;
        while (e < n && d[e] != '\n') {
            e++;
        }
        size_t len = e - s;
        if (len > 0 && d[s + len - 1] == '\r') {
            len--;
        }
        if (len > 0) {
            fn(d + s, len, ctx);
        }
        s = e + 1;
    }
}

typedef struct naive_ctx {
    uint8_t *seen;        /* bitmap over 0x110000 code points */
    int16_t *index;       /* code point -> symbol index */
    uint64_t *counts;
    size_t V;
} naive_ctx;

static void naive_collect(const uint8_t *l, size_t len, void *vctx)
{
    naive_ctx *x = vctx;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += t_decode(l + i, &cp);
        x->seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
}

static void naive_bigrams(const uint8_t *l, size_t len, void *vctx)
{
    naive_ctx *x = vctx;
    size_t prev = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        i += t_decode(l + i, &cp);
        size_t cur = (size_t)x->index[cp];
        x->counts[prev * x->V + cur]++;
        prev = cur;
    }
    x->counts[prev * x->V]++;
}

/* The vocabulary and V*V counts (malloc'd) of the corpus d[0..n). */
static uint64_t *naive_count(const uint8_t *d, size_t n, mm_vocab *v)
{
    naive_ctx x = {0};
    x.seen = calloc(0x110000 / 8, 1);
    x.index = malloc(0x110000 * sizeof *x.index);
    assert_non_null(x.seen);
    assert_non_null(x.index);
    t_lines(d, n, naive_collect, &x);
    uint32_t *cps = malloc(0x110000 * sizeof *cps);
    assert_non_null(cps);
    size_t ncp = 0;
    for (uint32_t cp = 0; cp < 0x110000; cp++) {
        if (x.seen[cp >> 3] & (1u << (cp & 7))) {
            cps[ncp++] = cp;
        }
    }
    /* the scan above went in code-point order: cps is sorted */
    assert_true(ncp <= MM_MAX_VOCAB - 1);
    memset(v, 0, sizeof *v);
    v->size = (uint32_t)ncp + 1;
    v->cp[0] = '.';
    for (size_t i = 0; i < ncp; i++) {
        v->cp[i + 1] = cps[i];
        x.index[cps[i]] = (int16_t)(i + 1);
    }
    x.V = v->size;
    x.counts = calloc(x.V * x.V, sizeof *x.counts);
    assert_non_null(x.counts);
    t_lines(d, n, naive_bigrams, &x);
    free(cps);
    free(x.seen);
    free(x.index);
    return x.counts;
}

/* ---- checks ------------------------------------------------------------- */

static void assert_vocab_equal(const mm_vocab *ref, const mm_vocab *got, const char *what)
{
    if (ref->size != got->size) {
        fail_msg("%s: vocabulary size: ref %u got %u", what, (unsigned)ref->size,
                 (unsigned)got->size);
    }
    for (uint32_t i = 0; i < ref->size; i++) {
        if (ref->cp[i] != got->cp[i]) {
            fail_msg("%s: vocabulary[%u]: ref U+%04X got U+%04X", what, (unsigned)i,
                     (unsigned)ref->cp[i], (unsigned)got->cp[i]);
        }
    }
}

static void print_skips(void)
{
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s: this CPU cannot run it\n", (*k)->name);
        }
    }
}

/* Count with kernel k at T threads into counts (pre-filled with junk, which
 * the driver must overwrite). */
static void count_with(const mm_corpus *c, const mm_vocab *v, const mm_counter *k, int T,
                       uint64_t *counts, const char *label)
{
    size_t V = v->size;
    memset(counts, 0xab, V * V * sizeof *counts);
    mm_count_opts o = {.threads = T};
    mm_status st = mm_count_bigrams_with(c, v, &o, k, counts);
    if (st != MM_OK) {
        fail_msg("%s: isa %s threads %d: %s (%s)", label, k->name, T, mm_status_str(st),
                 mm_errmsg());
    }
}

/* Every supported variant at 1, 2, 3, 8 threads == scalar at 1 thread ==
 * the naive reference ref (in the corpus's own vocabulary). */
static void check_against(const uint8_t *data, size_t size, const char *label,
                          const uint64_t *ref, const mm_vocab *refv)
{
    mm_corpus *c = NULL;
    mm_status st = mm_corpus_from_memory(&c, data, size, label);
    if (st != MM_OK) {
        fail_msg("%s: open: %s (%s)", label, mm_status_str(st), mm_errmsg());
    }
    const mm_vocab *v = mm_corpus_get_vocab(c);
    assert_vocab_equal(refv, v, label);
    size_t V = v->size;
    uint64_t *scalar = malloc(V * V * sizeof *scalar);
    uint64_t *got = malloc(V * V * sizeof *got);
    assert_non_null(scalar);
    assert_non_null(got);
    char what[256];

    count_with(c, v, &mm_counter_scalar, 1, scalar, label);
    snprintf(what, sizeof what, "%s: scalar, 1 thread, vs naive reference", label);
    mm_assert_counts_equal(ref, scalar, V * V, what);

    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        for (size_t t = 0; t < NTHREADS; t++) {
            count_with(c, v, *k, thread_counts[t], got, label);
            snprintf(what, sizeof what, "%s: isa %s, %d threads, vs scalar", label,
                     (*k)->name, thread_counts[t]);
            mm_assert_counts_equal(scalar, got, V * V, what);
        }
    }
    free(got);
    free(scalar);
    mm_corpus_close(c);
}

static void check_corpus(const uint8_t *data, size_t size, const char *label)
{
    mm_vocab v;
    uint64_t *ref = naive_count(data, size, &v);
    check_against(data, size, label, ref, &v);
    free(ref);
}

/* ---- count_pairs, kernel level ------------------------------------------- */

static void *alloc_work(const mm_counter *k, size_t K)
{
    size_t n = k->count_work_size(K);
    n = (n + 63) / 64 * 64;
    void *w = aligned_alloc(64, n ? n : 64);
    assert_non_null(w);
    memset(w, 0xa5, n ? n : 64); /* "any content": the kernel initialises it */
    return w;
}

/* The triples path starts at a first piece of 8 K^3 bytes for K <= 64
 * (kernels/triples.h); sizes around it exercise both paths. */
static size_t tri_threshold(size_t K)
{
    return 8 * K * K * K;
}

/* counts += pairs of b[0..n) with kernel k; counts pre-filled identically. */
static void kernel_count(const mm_counter *k, uint64_t *counts, const uint8_t *b, size_t n,
                         const uint8_t *code, size_t K)
{
    void *w = alloc_work(k, K);
    mm_count_pairs(k, counts, b, n, code, K, w);
    free(w);
}

static void test_count_pairs_vs_scalar(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x1111;
    static const size_t Ks[] = {1, 2, 3, 7, 8, 9, 16, 27, 28, 31, 32, 33, 50, 63, 64, 65, 128, 255, 256};
    static const size_t small[] = {0, 1, 2, 3, 4, 7, 8, 9, 10, 31, 32, 33, 63, 64, 65, 66,
                                   67, 68, 127, 128, 129, 130, 131, 1000, 4099};
    size_t maxn = tri_threshold(64) + 4096;
    uint8_t *buf = malloc(maxn + 64);
    assert_non_null(buf);
    print_skips();
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        size_t K = Ks[ki];
        uint8_t code[256];
        for (int i = 0; i < 256; i++) {
            code[i] = (uint8_t)(mm_test_rand(&rs) % K);
        }
        size_t sizes[64], ns = 0;
        for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
            sizes[ns++] = small[i];
        }
        if (K <= 64) {
            size_t thr = tri_threshold(K);
            size_t extra[] = {thr - 1, thr, thr + 1, thr + 2, thr + 3, thr + 65, thr + 66,
                              thr + 67, thr + 4095};
            for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
                sizes[ns++] = extra[i];
            }
        }
        uint64_t *ref = malloc(K * K * sizeof *ref);
        uint64_t *got = malloc(K * K * sizeof *got);
        uint64_t *init = malloc(K * K * sizeof *init);
        assert_non_null(ref);
        assert_non_null(got);
        assert_non_null(init);
        for (size_t si = 0; si < ns; si++) {
            size_t n = sizes[si];
            assert_true(n <= maxn);
            /* cases: uniform random bytes; one repeated byte (a single
             * pair); two alternating bytes */
            for (int kind = 0; kind < 3; kind++) {
                if (kind > 0 && n < 1000) {
                    continue;
                }
                for (size_t i = 0; i < n + 64; i++) {
                    buf[i] = kind == 0 ? (uint8_t)mm_test_rand(&rs)
                           : kind == 1 ? (uint8_t)'e' : (uint8_t)((i & 1) ? 'a' : '\n');
                }
                for (size_t i = 0; i < K * K; i++) {
                    init[i] = mm_test_rand(&rs) % 1000; /* kernels add, never overwrite */
                }
                for (size_t off = 0; off < 2; off++) { /* pointer off by one byte */
                    memcpy(ref, init, K * K * sizeof *ref);
                    kernel_count(&mm_counter_scalar, ref, buf + off, n, code, K);
                    uint64_t total = 0, itotal = 0;
                    for (size_t i = 0; i < K * K; i++) {
                        total += ref[i];
                        itotal += init[i];
                    }
                    assert_int_equal(total - itotal, n > 0 ? n - 1 : 0);
                    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
                        if (!(*k)->supported()) {
                            continue;
                        }
                        memcpy(got, init, K * K * sizeof *got);
                        kernel_count(*k, got, buf + off, n, code, K);
                        char what[160];
                        snprintf(what, sizeof what,
                                 "count_pairs isa %s K %zu n %zu offset %zu case %d", (*k)->name,
                                 K, n, off, kind);
                        mm_assert_counts_equal(ref, got, K * K, what);
                    }
                }
            }
        }
        free(init);
        free(got);
        free(ref);
    }
    free(buf);
}

/* A stream fed in random pieces (each overlapping the last by one byte)
 * counts what one piece does.  The pieces cross the triples' uint16 flush
 * (every 65,535 windows) at many phases; sizes start above the threshold so
 * the tables are in use, and some pieces are tiny (0 to 3 bytes). */
static void test_count_stream_pieces(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x5151;
    static const size_t Ks[] = {2, 27, 28, 40, 41, 64, 65};
    const size_t n = 3 * 131070 + 4099;
    uint8_t *buf = malloc(tri_threshold(64) + n);
    assert_non_null(buf);
    print_skips();
    for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
        size_t K = Ks[ki];
        size_t total = (K <= 64 ? tri_threshold(K) : 0) + n;
        uint8_t code[256];
        for (int i = 0; i < 256; i++) {
            code[i] = (uint8_t)(mm_test_rand(&rs) % K);
        }
        /* skewed bytes: a few frequent values, like letters in names */
        for (size_t i = 0; i < total; i++) {
            uint64_t r = mm_test_rand(&rs);
            buf[i] = (uint8_t)((r & 3) ? (r >> 8) % 12 : (r >> 8));
        }
        uint64_t *ref = calloc(K * K, sizeof *ref);
        uint64_t *got = calloc(K * K, sizeof *got);
        assert_non_null(ref);
        assert_non_null(got);
        kernel_count(&mm_counter_scalar, ref, buf, total, code, K);
        for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
            if (!(*k)->supported()) {
                continue;
            }
            for (int trial = 0; trial < 3; trial++) {
                void *w = alloc_work(*k, K);
                memset(got, 0, K * K * sizeof *got);
                (*k)->count_begin(w, code, K);
                /* the first piece is large enough to switch the tables on */
                size_t at = 0, first = total - n;
                size_t pieces = 0;
                while (at + 1 < total) {
                    size_t len;
                    if (pieces == 0 && first > 0) {
                        len = first + 1;
                    } else {
                        uint64_t r = mm_test_rand(&rs);
                        len = (r & 7) == 0 ? (size_t)(r >> 8) % 4
                                           : 2 + (size_t)(r >> 8) % (trial == 0 ? 70000 : 300);
                    }
                    if (len > total - at) {
                        len = total - at;
                    }
                    (*k)->count_feed(w, buf + at, len);
                    if (len >= 2) {
                        at += len - 1; /* overlap by one byte */
                    }
                    pieces++;
                }
                (*k)->count_end(w, got);
                char what[160];
                snprintf(what, sizeof what, "stream isa %s K %zu trial %d (%zu pieces)",
                         (*k)->name, K, trial, pieces);
                mm_assert_counts_equal(ref, got, K * K, what);
                free(w);
            }
        }
        free(ref);
        free(got);
    }
    free(buf);
}

/* The driver's ASCII class table for a corpus with symbols syms: '\n' is the
 * boundary 0, each symbol its index, '\r' the extra class K - 1. */
static size_t driver_code(uint8_t *code, const char *syms)
{
    memset(code, 0, 256);
    size_t V = strlen(syms) + 1;
    for (size_t i = 0; syms[i]; i++) {
        code[(uint8_t)syms[i]] = (uint8_t)(i + 1);
    }
    code['\r'] = (uint8_t)V;
    return V + 1;
}

/* count(b[0..k+1)) + count(b[k..n)) == count(b[0..n)): a range boundary at
 * split point k counts the straddling pair exactly once. */
static void check_split(const mm_counter *k, const uint8_t *b, size_t n, size_t split,
                        const uint8_t *code, size_t K, const uint64_t *whole, uint64_t *tmp,
                        const char *label)
{
    memset(tmp, 0, K * K * sizeof *tmp);
    kernel_count(k, tmp, b, split + 1, code, K);
    kernel_count(k, tmp, b + split, n - split, code, K);
    char what[160];
    snprintf(what, sizeof what, "%s: isa %s, n %zu, split at byte %zu", label, k->name, n,
             split);
    mm_assert_counts_equal(whole, tmp, K * K, what);
}

static void test_count_pairs_split_every_offset(void **state)
{
    (void)state;
    static const char small[] = "emma\r\nolivia\n\nava\r\n\r\nisabella\nsophia\ncharlotte\r\nmia";
    const char *syms = "abcehilmoprstv";
    uint8_t code[256];
    size_t K = driver_code(code, syms);
    const uint8_t *b = (const uint8_t *)small;
    size_t n = sizeof small - 1;
    uint64_t *whole = calloc(K * K, sizeof *whole);
    uint64_t *ref = calloc(K * K, sizeof *ref);
    uint64_t *tmp = calloc(K * K, sizeof *tmp);
    assert_non_null(whole);
    assert_non_null(ref);
    assert_non_null(tmp);
    kernel_count(&mm_counter_scalar, ref, b, n, code, K);
    print_skips();
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        memset(whole, 0, K * K * sizeof *whole);
        kernel_count(*k, whole, b, n, code, K);
        mm_assert_counts_equal(ref, whole, K * K, (*k)->name);
        for (size_t split = 0; split + 1 < n; split++) {
            check_split(*k, b, n, split, code, K, whole, tmp, "small corpus");
        }
    }
    free(whole);
    free(ref);
    free(tmp);

    /* A buffer past the triples threshold, split where one side or both take
     * the triples path, and near both ends. */
    uint64_t rs = g_seed ^ 0x2222;
    K = 27;
    for (int i = 0; i < 256; i++) {
        code[i] = (uint8_t)(mm_test_rand(&rs) % K);
    }
    size_t thr = tri_threshold(K);
    n = 2 * thr + 1001;
    uint8_t *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++) {
        big[i] = (uint8_t)mm_test_rand(&rs);
    }
    whole = calloc(K * K, sizeof *whole);
    ref = calloc(K * K, sizeof *ref);
    tmp = calloc(K * K, sizeof *tmp);
    assert_non_null(whole);
    assert_non_null(ref);
    assert_non_null(tmp);
    kernel_count(&mm_counter_scalar, ref, big, n, code, K);
    size_t splits[256], ns = 0;
    for (size_t s = 0; s < 70; s++) {
        splits[ns++] = s;
        splits[ns++] = n - 2 - s;
    }
    for (size_t d = 0; d < 5; d++) {
        splits[ns++] = thr - 2 + d;            /* left part at the threshold */
        splits[ns++] = n - thr - 2 + d;        /* right part at the threshold */
        splits[ns++] = n / 2 - 2 + d;
    }
    for (size_t i = 0; i < 32; i++) {
        splits[ns++] = (size_t)(mm_test_rand(&rs) % (n - 1));
    }
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        memset(whole, 0, K * K * sizeof *whole);
        kernel_count(*k, whole, big, n, code, K);
        mm_assert_counts_equal(ref, whole, K * K, (*k)->name);
        for (size_t i = 0; i < ns; i++) {
            check_split(*k, big, n, splits[i], code, K, whole, tmp, "large buffer");
        }
    }
    free(big);
    free(whole);
    free(ref);
    free(tmp);
}

/* ---- driver: edge cases ----------------------------------------------------- */

typedef struct edge_case {
    const char *name;
    const char *data;
    size_t size;
} edge_case;

#define EDGE(n, s) {n, s, sizeof(s) - 1}

static const edge_case edge_cases[] = {
    EDGE("empty", ""),
    EDGE("one name, no final newline", "emma"),
    EDGE("one name, LF", "emma\n"),
    EDGE("one name, CRLF", "emma\r\n"),
    EDGE("one name, CR at end of file", "emma\r"),
    EDGE("one letter", "a"),
    EDGE("one letter, LF", "a\n"),
    EDGE("one-letter names", "a\nb\nc\na\na\n"),
    EDGE("one-letter names, no final newline", "a\nb\nc\na\na"),
    EDGE("one-letter names, CRLF", "a\r\nb\r\nc\r\n"),
    EDGE("repeated letter", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"),
    EDGE("CRLF", "emma\r\nolivia\r\nava\r\nisabella\r\n"),
    EDGE("CRLF, no final newline", "emma\r\nolivia\r\nava\r\nisabella"),
    EDGE("mixed LF and CRLF", "emma\r\nolivia\nava\r\nisabella\nsophia\r\nmia"),
    EDGE("no final newline", "emma\nolivia\nava"),
    EDGE("leading blank lines", "\n\n\nemma\nava\n"),
    EDGE("trailing blank lines", "emma\nava\n\n\n"),
    EDGE("consecutive blank lines", "emma\n\n\n\nava\n\nmia"),
    EDGE("CRLF blank lines", "\r\n\r\nemma\r\n\r\n\r\nava\r\n\r\n"),
    EDGE("mixed blank lines", "\r\n\nemma\n\r\n\nava\r\n\n\r\n\r"),
    EDGE("blank lines, then a name without newline", "\n\n\r\nab"),
    EDGE("only blank lines", "\n\n\n"),
    EDGE("only CRLF blank lines", "\r\n\r\n\r\n"),
    EDGE("one LF", "\n"),
    EDGE("one CR", "\r"),
    EDGE("control characters and space", "a\tb c\n\x01\x7f\n\x1f x\n"),
    EDGE("punctuation below the boundary", "o'neil\nanne-marie\n!#$%&()*+,-\n"),
    EDGE("UTF-8: one character", "\xc3\xb1"),
    EDGE("UTF-8: names", "\xc3\xa9mile\nzo\xc3\xab\nnu\xc3\xb1" "ez\nj\xc3\xb6rg\n"),
    EDGE("UTF-8: CRLF", "\xc3\xa9mile\r\nzo\xc3\xab\r\nnu\xc3\xb1" "ez\r\n"),
    EDGE("UTF-8: mixed, no final newline", "\xc3\xa9mile\r\nzo\xc3\xab\nnu\xc3\xb1" "ez"),
    EDGE("UTF-8: ends in a 2-byte character", "ab\nzo\xc3\xab"),
    EDGE("UTF-8: CR at end of file", "ab\nzo\xc3\xab\r"),
    EDGE("UTF-8: CJK", "\xe7\x8e\x8b\n\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99\n"),
    EDGE("UTF-8: CJK, no final newline", "\xe7\x8e\x8b\n\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x99"),
    EDGE("UTF-8: 4-byte emoji", "a\xf0\x9f\x98\x80\n\xf0\x9f\x98\x80\xf0\x9f\x98\x80" "b\n"
                                "\xf0\x9f\x8e\x89"),
    EDGE("UTF-8: blank lines", "\n\r\nzo\xc3\xab\n\n\r\n\xe7\x8e\x8b\n\n\r\n"),
    EDGE("UTF-8: one-letter names", "\xc3\xa9\n\xc3\xb6\n\xc3\xa9\r\n\xf0\x9f\x98\x80"),
    EDGE("UTF-8: only non-ASCII blank-separated", "\n\n\xc3\xa9\n\n"),
};

static void test_edge_corpora(void **state)
{
    (void)state;
    print_skips();
    for (size_t i = 0; i < sizeof edge_cases / sizeof edge_cases[0]; i++) {
        const edge_case *e = &edge_cases[i];
        /* a heap copy, so reads past the end show up under ASan */
        uint8_t *copy = malloc(e->size ? e->size : 1);
        assert_non_null(copy);
        memcpy(copy, e->data, e->size);
        check_corpus(copy, e->size, e->name);
        free(copy);
    }
}

/* Hand-checked figures, so that the naive reference is itself checked. */
static void test_naive_reference_known_counts(void **state)
{
    (void)state;
    static const char s[] = "ab\r\n\nba\nb";
    mm_vocab v;
    uint64_t *c = naive_count((const uint8_t *)s, sizeof s - 1, &v);
    assert_int_equal(v.size, 3); /* . a b */
    assert_int_equal(v.cp[1], 'a');
    assert_int_equal(v.cp[2], 'b');
    /* .ab. .ba. .b. */
    const uint64_t want[9] = {
        /* .  a  b */
        0, 1, 2, /* . */
        1, 0, 1, /* a */
        2, 1, 0, /* b */
    };
    mm_assert_counts_equal(want, c, 9, "naive reference, hand count");
    free(c);
}

/* ---- driver: random corpora ----------------------------------------------- */

typedef struct alphabet {
    const char *name;
    uint32_t cp[256];
    size_t n;
} alphabet;

static void alpha_range(alphabet *a, uint32_t lo, uint32_t hi)
{
    for (uint32_t c = lo; c <= hi; c++) {
        if (c != '.' && c != '\n' && c != '\r') {
            a->cp[a->n++] = c;
        }
    }
}

/* lower: K <= 32; ascii40 and utf8mix: 32 < K <= 64; printable, utf8big:
 * K > 64; utf8max: the largest vocabulary (255 characters). */
static void make_alphabets(alphabet *a, size_t *na)
{
    size_t n = 0;
    memset(a, 0, 7 * sizeof *a);
    a[n].name = "lower";
    alpha_range(&a[n], 'a', 'z');
    n++;
    a[n].name = "ascii40";
    alpha_range(&a[n], 'a', 'z');
    alpha_range(&a[n], 'A', 'N');
    n++;
    a[n].name = "printable";
    alpha_range(&a[n], 0x20, 0x7e);
    a[n].cp[a[n].n++] = '\t';
    a[n].cp[a[n].n++] = 0x01;
    a[n].cp[a[n].n++] = 0x7f;
    n++;
    a[n].name = "utf8small";
    alpha_range(&a[n], 'a', 'e');
    a[n].cp[a[n].n++] = 0xe9;     /* é */
    a[n].cp[a[n].n++] = 0xf1;     /* ñ */
    a[n].cp[a[n].n++] = 0x4e2d;   /* 中 */
    a[n].cp[a[n].n++] = 0x1f600;  /* 😀 */
    n++;
    a[n].name = "utf8mix";
    alpha_range(&a[n], 'a', 'z');
    a[n].cp[a[n].n++] = 0xe9;     /* é */
    a[n].cp[a[n].n++] = 0xf6;     /* ö */
    a[n].cp[a[n].n++] = 0xf1;     /* ñ */
    a[n].cp[a[n].n++] = 0xfc;     /* ü */
    a[n].cp[a[n].n++] = 0xdf;     /* ß */
    a[n].cp[a[n].n++] = 0x738b;   /* 王 */
    a[n].cp[a[n].n++] = 0x674e;   /* 李 */
    a[n].cp[a[n].n++] = 0x5c0f;   /* 小 */
    a[n].cp[a[n].n++] = 0x1f600;  /* 😀 */
    a[n].cp[a[n].n++] = 0x1f389;  /* 🎉 */
    n++;
    a[n].name = "utf8big";
    alpha_range(&a[n], 'a', 'z');
    alpha_range(&a[n], 0xc0, 0xff);    /* Latin-1 letters */
    alpha_range(&a[n], 0x391, 0x3a9);  /* Greek */
    alpha_range(&a[n], 0x4e00, 0x4e30);
    alpha_range(&a[n], 0x1f600, 0x1f60f);
    n++;
    a[n].name = "utf8max";
    alpha_range(&a[n], 0x20, 0x7e);    /* 94 after removing '.' */
    alpha_range(&a[n], 0xa0, 0xff);    /* 96 */
    alpha_range(&a[n], 0x4e00, 0x4e3e); /* 63 */
    a[n].cp[a[n].n++] = 0x1f600;
    a[n].cp[a[n].n++] = 0x10ffff;
    n++;
    assert_int_equal(a[6].n, 255);
    assert_true(a[5].n > 64 && a[5].n < 255);
    *na = n;
}

typedef struct gen_opts {
    size_t lines;
    size_t maxlen;
    int eol;          /* 0 LF, 1 CRLF, 2 mixed */
    int blank_pct;    /* chance of an empty line */
    int final;        /* 0 no final newline, 1 a final newline, 2 a bare CR */
} gen_opts;

static void gen_corpus(tbuf *b, const alphabet *a, const gen_opts *o, uint64_t *rs)
{
    b->n = 0;
    for (size_t l = 0; l < o->lines; l++) {
        int blank = (int)(mm_test_rand(rs) % 100) < o->blank_pct;
        size_t len = blank ? 0 : 1 + (size_t)(mm_test_rand(rs) % o->maxlen);
        for (size_t i = 0; i < len; i++) {
            tb_cp(b, a->cp[mm_test_rand(rs) % a->n]);
        }
        int last = l + 1 == o->lines;
        if (last && o->final == 0) {
            break;
        }
        if (last && o->final == 2) {
            tb_str(b, "\r");
            break;
        }
        int crlf = o->eol == 1 || (o->eol == 2 && (mm_test_rand(rs) & 1));
        tb_str(b, crlf ? "\r\n" : "\n");
    }
}

static void test_random_corpora(void **state)
{
    (void)state;
    alphabet al[7];
    size_t na;
    make_alphabets(al, &na);
    uint64_t rs = g_seed ^ 0x3333;
    tbuf b = {0};
    print_skips();
    for (size_t ai = 0; ai < na; ai++) {
        for (int rep = 0; rep < 6; rep++) {
            gen_opts o;
            o.lines = (size_t)(mm_test_rand(&rs) % (rep < 3 ? 50 : 3000));
            o.maxlen = 1 + (size_t)(mm_test_rand(&rs) % 24);
            o.eol = rep % 3;
            o.blank_pct = (int)(mm_test_rand(&rs) % 20);
            o.final = (int)(mm_test_rand(&rs) % 3);
            gen_corpus(&b, &al[ai], &o, &rs);
            char label[160];
            snprintf(label, sizeof label,
                     "random %s rep %d (seed %llu): %zu lines, eol %d, blank %d%%, final %d",
                     al[ai].name, rep, (unsigned long long)g_seed, o.lines, o.eol,
                     o.blank_pct, o.final);
            check_corpus(b.p, b.n, label);
        }
    }
    free(b.p);
}

/* ---- driver: long lines (ranges split mid-line; the triples path runs) ---- */

static void test_long_lines(void **state)
{
    (void)state;
    alphabet al[7];
    size_t na;
    make_alphabets(al, &na);
    uint64_t rs = g_seed ^ 0x4444;
    tbuf b = {0};
    char label[160];
    print_skips();

    /* 3 MB in one line, K = 27 <= 32: every range of 1..8 threads is above
     * the triples threshold (8 * 32^3 bytes). */
    b.n = 0;
    for (size_t i = 0; i < 3u << 20; i++) {
        tb_cp(&b, al[0].cp[mm_test_rand(&rs) % al[0].n]);
    }
    snprintf(label, sizeof label, "one 3 MB line, lower (seed %llu)", (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);
    tb_str(&b, "\n");
    snprintf(label, sizeof label, "one 3 MB line + LF, lower (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);

    /* 32 < K <= 64: one thread takes the triples path (8 * 64^3 = 2 MiB). */
    b.n = 0;
    for (size_t i = 0; i < 3u << 20; i++) {
        tb_cp(&b, al[1].cp[mm_test_rand(&rs) % al[1].n]);
    }
    snprintf(label, sizeof label, "one 3 MB line, ascii40 (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);

    /* A few long CRLF lines (K = 28 with the CR class) and blank lines. */
    b.n = 0;
    for (int l = 0; l < 5; l++) {
        size_t len = (600u << 10) + (size_t)(mm_test_rand(&rs) % 1000);
        for (size_t i = 0; i < len; i++) {
            tb_cp(&b, al[0].cp[mm_test_rand(&rs) % al[0].n]);
        }
        tb_str(&b, l == 2 ? "\r\n\r\n\n" : "\r\n");
    }
    snprintf(label, sizeof label, "5 lines of 600 KB, CRLF (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);

    /* UTF-8, one line of 1.5 M characters: longer than the driver's symbol
     * chunk, and each chunk long enough for the triples path. */
    b.n = 0;
    for (size_t i = 0; i < 1500000; i++) {
        uint64_t r = mm_test_rand(&rs);
        tb_cp(&b, (r & 7) == 0 ? al[3].cp[r % al[3].n] : al[0].cp[(r >> 8) % al[0].n]);
    }
    snprintf(label, sizeof label, "UTF-8, one line of 1.5 M characters (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);

    /* UTF-8, long lines (more threads than lines: some ranges are empty). */
    b.n = 0;
    for (int l = 0; l < 3; l++) {
        for (size_t i = 0; i < 400000; i++) {
            tb_cp(&b, al[4].cp[mm_test_rand(&rs) % al[4].n]);
        }
        tb_str(&b, l == 1 ? "\r\n" : "\n");
    }
    snprintf(label, sizeof label, "UTF-8, 3 lines of 400 K characters (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);

    /* Many short names, 4 MB: the common shape, past every threshold. */
    gen_opts o = {.lines = 600000, .maxlen = 10, .eol = 2, .blank_pct = 1, .final = 0};
    gen_corpus(&b, &al[0], &o, &rs);
    snprintf(label, sizeof label, "600 K short names, mixed eol (seed %llu)",
             (unsigned long long)g_seed);
    check_corpus(b.p, b.n, label);
    free(b.p);
}

/* ---- driver: a range boundary at every byte offset ------------------------
 * Thread counts do not pick offsets, but blank lines do: j blank lines before
 * or m after a corpus change no count while moving every range boundary
 * relative to the text.  With 2 threads of a corpus of n bytes the boundary
 * sits at ceil((n + j + m) / 2), that is text offset ceil((n - j) / 2) for
 * j = 0..n (offsets n/2..0) and ceil((n + m) / 2) for m = 0..n (n/2..n):
 * every offset of the text; 3 and 8 threads add more boundaries. */
static void sweep_offsets(const char *content, size_t n, const char *label)
{
    mm_vocab v;
    uint64_t *ref = naive_count((const uint8_t *)content, n, &v);
    size_t V = v.size;
    uint64_t *got = malloc(V * V * sizeof *got);
    uint8_t *buf = malloc(3 * n + 8);
    assert_non_null(got);
    assert_non_null(buf);
    for (size_t s = 0; s <= 2 * n; s++) {
        size_t j = s <= n ? s : 0, m = s <= n ? 0 : s - n;
        memset(buf, '\n', j);
        memcpy(buf + j, content, n);
        memset(buf + j + n, '\n', m);
        size_t size = j + n + m;
        mm_corpus *c = NULL;
        mm_status st = mm_corpus_from_memory(&c, buf, size, label);
        if (st != MM_OK) {
            fail_msg("%s: %s", label, mm_errmsg());
        }
        assert_vocab_equal(&v, mm_corpus_get_vocab(c), label);
        for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
            if (!(*k)->supported()) {
                continue;
            }
            for (size_t t = 1; t < NTHREADS; t++) {
                count_with(c, &v, *k, thread_counts[t], got, label);
                char what[200];
                snprintf(what, sizeof what,
                         "%s: %zu blank lines before, %zu after, isa %s, %d threads",
                         label, j, m, (*k)->name, thread_counts[t]);
                mm_assert_counts_equal(ref, got, V * V, what);
            }
        }
        mm_corpus_close(c);
    }
    free(buf);
    free(got);
    free(ref);
}

static void test_range_boundary_every_offset(void **state)
{
    (void)state;
    static const char ascii[] = "emma\r\nolivia\n\nava\r\n\r\nisabella\nmia";
    static const char utf8[] = "\xc3\xa9mile\r\nzo\xc3\xab\n\n\xe7\x8e\x8b\xf0\x9f\x98\x80\r\n"
                               "nu\xc3\xb1" "ez";
    print_skips();
    sweep_offsets(ascii, sizeof ascii - 1, "ASCII sweep");
    sweep_offsets(utf8, sizeof utf8 - 1, "UTF-8 sweep");
}

/* ---- driver: large alphabets ------------------------------------------------ */

static void test_large_alphabets(void **state)
{
    (void)state;
    alphabet al[7];
    size_t na;
    make_alphabets(al, &na);
    uint64_t rs = g_seed ^ 0x5555;
    tbuf b = {0};
    print_skips();
    for (size_t ai = 0; ai < na; ai++) {
        /* every character at least once, then random names */
        b.n = 0;
        for (size_t i = 0; i < al[ai].n; i++) {
            tb_cp(&b, al[ai].cp[i]);
            if (i % 7 == 6) {
                tb_str(&b, "\n");
            }
        }
        tb_str(&b, "\n");
        gen_opts o = {.lines = 20000, .maxlen = 12, .eol = 2, .blank_pct = 2, .final = 0};
        tbuf r = {0};
        gen_corpus(&r, &al[ai], &o, &rs);
        tb_put(&b, r.p, r.n);
        free(r.p);
        char label[160];
        snprintf(label, sizeof label, "alphabet %s: %zu characters (seed %llu)", al[ai].name,
                 al[ai].n, (unsigned long long)g_seed);
        mm_corpus *c = NULL;
        assert_int_equal(mm_corpus_from_memory(&c, b.p, b.n, label), MM_OK);
        assert_int_equal(mm_corpus_get_vocab(c)->size, al[ai].n + 1);
        mm_corpus_close(c);
        check_corpus(b.p, b.n, label);
    }
    free(b.p);
}

/* ---- counting in a model's vocabulary (eval) --------------------------------- */

/* Counts of a corpus in a larger vocabulary are its own counts, moved to the
 * larger vocabulary's indices. */
static void check_in_vocab(const char *data, size_t size, const mm_vocab *big, const char *label)
{
    mm_vocab own;
    uint64_t *ref = naive_count((const uint8_t *)data, size, &own);
    size_t V = big->size, W = own.size;
    uint64_t *want = calloc(V * V, sizeof *want);
    uint64_t *got = malloc(V * V * sizeof *got);
    assert_non_null(want);
    assert_non_null(got);
    int map[MM_MAX_VOCAB];
    for (size_t i = 0; i < W; i++) {
        map[i] = -1;
        for (size_t j = 0; j < V; j++) {
            if (big->cp[j] == own.cp[i]) {
                map[i] = (int)j;
            }
        }
        assert_true(map[i] >= 0);
    }
    for (size_t i = 0; i < W; i++) {
        for (size_t j = 0; j < W; j++) {
            want[(size_t)map[i] * V + (size_t)map[j]] = ref[i * W + j];
        }
    }
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, data, size, label), MM_OK);
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        for (size_t t = 0; t < NTHREADS; t++) {
            count_with(c, big, *k, thread_counts[t], got, label);
            char what[200];
            snprintf(what, sizeof what, "%s: isa %s, %d threads", label, (*k)->name,
                     thread_counts[t]);
            mm_assert_counts_equal(want, got, V * V, what);
        }
    }
    mm_corpus_close(c);
    free(got);
    free(want);
    free(ref);
}

static void test_count_in_model_vocab(void **state)
{
    (void)state;
    alphabet al[7];
    size_t na;
    make_alphabets(al, &na);
    print_skips();
    /* a model vocabulary with every ASCII letter and some non-ASCII */
    mm_vocab big;
    memset(&big, 0, sizeof big);
    big.cp[0] = '.';
    big.size = 1;
    for (uint32_t c = 'A'; c <= 'z'; c++) {
        big.cp[big.size++] = c;
    }
    big.cp[big.size++] = 0xe9;
    big.cp[big.size++] = 0x1f600;
    static const char a1[] = "emma\r\nava\n\nzoe\r";
    static const char u1[] = "\xc3\xa9mma\r\nava\n\nzo\xc3\xa9";
    check_in_vocab(a1, sizeof a1 - 1, &big, "ASCII corpus in a larger vocabulary");
    check_in_vocab(u1, sizeof u1 - 1, &big, "UTF-8 corpus in a larger vocabulary");

    /* the largest vocabulary (V = 256) with an ASCII CRLF corpus: the CR class
     * would be class 256 */
    mm_vocab max;
    memset(&max, 0, sizeof max);
    max.cp[0] = '.';
    max.size = 1;
    for (size_t i = 0; i < al[6].n; i++) {
        max.cp[max.size++] = al[6].cp[i];
    }
    qsort(max.cp + 1, max.size - 1, sizeof max.cp[0], cmp_u32);
    assert_int_equal(max.size, 256);
    static const char a2[] = "emma\r\n\r\nava\r\nz~ \r\nzoe\r";
    check_in_vocab(a2, sizeof a2 - 1, &max, "ASCII CRLF corpus in a 256-symbol vocabulary");
    check_in_vocab(u1, sizeof u1 - 1, &max, "UTF-8 corpus in a 256-symbol vocabulary");

    /* a character the vocabulary lacks: MM_ERR_VOCAB naming it */
    static const char bad[] = "emma\nzo\xc3\xab\n";
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, bad, sizeof bad - 1, "bad.txt"), MM_OK);
    uint64_t *counts = malloc((size_t)big.size * big.size * sizeof *counts);
    assert_non_null(counts);
    mm_count_opts o = {.threads = 2};
    assert_int_equal(mm_count_bigrams_with(c, &big, &o, &mm_counter_scalar, counts),
                     MM_ERR_VOCAB);
    const char *msg = mm_errmsg();
    if (strstr(msg, "\xc3\xab") == NULL || strstr(msg, "U+00EB") == NULL ||
        strstr(msg, "bad.txt:2:3") == NULL) {
        fail_msg("message does not name the character and place: %s", msg);
    }
    free(counts);
    mm_corpus_close(c);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]); /* e.g. test_count test_long_lines */
    }
    g_seed = mm_test_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_naive_reference_known_counts),
        cmocka_unit_test(test_count_pairs_vs_scalar),
        cmocka_unit_test(test_count_pairs_split_every_offset),
        cmocka_unit_test(test_count_stream_pieces),
        cmocka_unit_test(test_edge_corpora),
        cmocka_unit_test(test_random_corpora),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_range_boundary_every_offset),
        cmocka_unit_test(test_large_alphabets),
        cmocka_unit_test(test_count_in_model_vocab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
