/*
 * test_sample.c - bulk sampling against the reference.  mm_model_sample
 * (one binary search over doubles per draw, checked against torch in
 * test_reference.c and test_rng.c) is the specification; for every kernel
 * table, mm_model_sample_many must give the same names and leave the
 * generator in the same state (bit for bit: index, state and output words),
 * whatever the model, max_len, buffer size and generator position.  Also
 * the sample_walk kernels against the scalar one on draws placed exactly on
 * the model's cumulative values and on the guide's bucket edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "kernels.h"
#include "makemore.h"
#include "model.h"
#include "testutil.h"

static uint64_t g_seed;

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return 0;
}

static mm_vocab vocab_of_size(size_t V)
{
    mm_vocab v;
    v.size = (uint32_t)V;
    v.cp[0] = '.';
    for (size_t i = 1; i < V; i++) {
        v.cp[i] = (uint32_t)(0x100 + i); /* distinct, sorted, above '.' */
    }
    return v;
}

/* A count model of V symbols.  kind 0: random counts 0..9 with many zeros;
 * 1: powers of two (cumulative values land exactly on guide bucket edges);
 * 2: one dominant successor per row. */
static mm_model *make_model(size_t V, int kind, double smoothing, uint64_t *rs)
{
    mm_vocab v = vocab_of_size(V);
    uint64_t *c = calloc(V * V, sizeof *c);
    assert_non_null(c);
    for (size_t i = 0; i < V * V; i++) {
        uint64_t r = mm_test_rand(rs);
        c[i] = kind == 0 ? ((r & 3) ? 0 : r % 10)
             : kind == 1 ? (UINT64_C(1) << (r % 4)) * ((r >> 8) & 1)
                         : ((r % V) == 0 ? 1000 : (r >> 8) % 2);
    }
    for (size_t i = 0; i < V; i++) {
        c[i * V] += 1; /* every row can end a name */
    }
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_counts(&m, &v, c, smoothing), MM_OK);
    free(c);
    return m;
}

static void assert_same_rng(const mm_rng *a, const mm_rng *b, const char *what)
{
    if (a->index != b->index || memcmp(a->state, b->state, sizeof a->state) != 0 ||
        memcmp(a->out, b->out, sizeof a->out) != 0) {
        fail_msg("%s: generator state differs (index %u vs %u)", what, a->index, b->index);
    }
}

/* names names through the reference, then through sample_many with out
 * buffers of cap bytes, from the same generator state: same symbols, same
 * state after. */
static void check_many(const mm_model *m, uint64_t seed, size_t skip_words, uint64_t names,
                       size_t max_len, size_t cap, const char *label)
{
    mm_rng ref, got;
    mm_rng_seed(&ref, seed);
    for (size_t i = 0; i < skip_words; i++) {
        (void)mm_rng_u32(&ref);
    }
    got = ref;
    size_t V = mm_model_get_vocab(m)->size;
    uint8_t *name = malloc(max_len + 1);
    uint8_t *want = malloc((size_t)names * (max_len + 1) + 1);
    uint8_t *buf = malloc(cap);
    uint8_t *all = malloc((size_t)names * (max_len + 1) + 1);
    assert_non_null(name);
    assert_non_null(want);
    assert_non_null(buf);
    assert_non_null(all);
    size_t nw = 0;
    for (uint64_t i = 0; i < names; i++) {
        size_t len = mm_model_sample(m, &ref, name, max_len);
        memcpy(want + nw, name, len);
        nw += len;
        want[nw++] = 0;
    }
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        assert_int_equal(mm_dispatch_init((*k)->name), MM_OK);
        mm_rng g = got;
        uint64_t left = names;
        size_t na = 0;
        int calls = 0;
        while (left > 0) {
            size_t n = mm_model_sample_many(m, &g, &left, max_len, buf, cap);
            assert_true(n <= cap);
            assert_true(na + n <= nw);
            memcpy(all + na, buf, n);
            na += n;
            assert_true(++calls < 10000000);
        }
        char what[200];
        snprintf(what, sizeof what, "%s: isa %s (V %zu, %llu names, max_len %zu, cap %zu, "
                 "%zu words skipped)", label, (*k)->name, V, (unsigned long long)names,
                 max_len, cap, skip_words);
        if (na != nw || memcmp(all, want, nw) != 0) {
            size_t i = 0;
            while (i < na && i < nw && all[i] == want[i]) {
                i++;
            }
            fail_msg("%s: symbols differ at byte %zu of %zu (got %zu bytes)", what, i, nw, na);
        }
        assert_same_rng(&ref, &g, what);
    }
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    free(all);
    free(buf);
    free(want);
    free(name);
}

static void test_many_matches_reference(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x5a5a;
    static const size_t Vs[] = {1, 2, 3, 27, 31, 32, 33, 64, 100, 255, 256};
    for (size_t vi = 0; vi < sizeof Vs / sizeof Vs[0]; vi++) {
        for (int kind = 0; kind < 3; kind++) {
            mm_model *m = make_model(Vs[vi], kind, kind == 0 ? 0.0 : 1.0, &rs);
            char label[64];
            snprintf(label, sizeof label, "model kind %d", kind);
            check_many(m, mm_test_rand(&rs), 0, 2000, 256, 4096, label);
            check_many(m, mm_test_rand(&rs), 1, 500, 3, 3 + 4, label);  /* smallest cap */
            check_many(m, mm_test_rand(&rs), 623, 300, 1, 64, label);   /* straddle */
            check_many(m, mm_test_rand(&rs), 311, 1000, 7, 1 << 16, label);
            mm_model_destroy(m);
        }
    }
}

static void test_many_names_txt(void **state)
{
    (void)state;
    const char *p = mm_test_names_path();
    if (p == NULL) {
        skip();
    }
    mm_vocab v;
    uint64_t *c = NULL;
    mm_count_opts o = {.threads = 1};
    assert_int_equal(mm_count_file(p, &o, &v, &c, NULL), MM_OK);
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_counts(&m, &v, c, 1.0), MM_OK);
    free(c);
    check_many(m, 2147483647, 0, 50000, 256, 1 << 20, "names.txt");
    check_many(m, 42, 0, 0, 256, 1024, "names.txt, no names");
    check_many(m, 7, 5, 20000, 2, 100, "names.txt, cut at 2");
    mm_model_destroy(m);
}

/* Kernel level: draws exactly on cumulative values, one ulp of u either
 * side, and on every guide bucket edge, every table against scalar. */
static void test_walk_edges(void **state)
{
    (void)state;
    uint64_t rs = g_seed ^ 0x7e7e;
    mm_model *models[] = {make_model(5, 1, 0.0, &rs), make_model(27, 1, 0.0, &rs),
                          make_model(256, 0, 0.0, &rs), make_model(40, 2, 1.0, &rs)};
    for (size_t mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
        const mm_model *m = models[mi];
        size_t V = m->vocab.size, ld = m->cum_ld;
        const uint8_t *guide = mm_model_guide(m);
        /* draws: for every cumulative value c of every row, r = c * 2^53 and
         * its neighbours; every bucket edge and its neighbours; random */
        size_t cap = V * V * 3 + 3 * MM_GUIDE_SIZE + 4096, n = 0;
        uint64_t *r = malloc(cap * sizeof *r);
        assert_non_null(r);
        const uint64_t top = (UINT64_C(1) << 53) - 1;
        for (size_t i = 0; i < V; i++) {
            for (size_t j = 0; j < V; j++) {
                double c = (double)m->cum[i * ld + j] * 0x1p53;
                uint64_t x = c >= 0x1p53 ? top : (uint64_t)c;
                r[n++] = x;
                r[n++] = x > 0 ? x - 1 : 0;
                r[n++] = x < top ? x + 1 : top;
            }
        }
        for (uint64_t b = 0; b < MM_GUIDE_SIZE; b++) {
            uint64_t x = b << (53 - MM_GUIDE_BITS);
            r[n++] = x;
            r[n++] = x > 0 ? x - 1 : 0;
            r[n++] = x + 1;
        }
        while (n < cap) {
            r[n++] = mm_test_rand(&rs) & top;
        }
        for (size_t i = n - 1; i > 0; i--) { /* shuffle: reach every row */
            size_t j = (size_t)(mm_test_rand(&rs) % (i + 1));
            uint64_t x = r[i];
            r[i] = r[j];
            r[j] = x;
        }
        uint8_t *want = malloc(2 * n), *got = malloc(2 * n);
        assert_non_null(want);
        assert_non_null(got);
        mm_walk wr = {0, 0, UINT64_MAX, 0};
        size_t used = mm_kernels_scalar.sample_walk(&wr, want, m->cum, guide, V, ld, r, n, 50);
        assert_int_equal(used, n);
        for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
            if (!(*k)->supported()) {
                continue;
            }
            mm_walk w = {0, 0, UINT64_MAX, 0};
            assert_int_equal((*k)->sample_walk(&w, got, m->cum, guide, V, ld, r, n, 50), n);
            assert_int_equal(w.emitted, wr.emitted);
            assert_int_equal(w.row, wr.row);
            assert_int_equal(w.run, wr.run);
            assert_int_equal(w.names, wr.names);
            if (memcmp(want, got, wr.emitted) != 0) {
                fail_msg("sample_walk %s differs from scalar (V %zu)", (*k)->name, V);
            }
        }
        /* the scalar walk itself against the reference search */
        mm_walk ws = {0, 0, UINT64_MAX, 0};
        for (size_t i = 0, row = 0; i < n; i++) {
            mm_kernels_scalar.sample_walk(&ws, got, m->cum, guide, V, ld, r + i, 1, 1000000);
            size_t ix = 0;
            double u = (double)r[i] * 0x1p-53;
            const float *c = m->cum + row * ld;
            while (ix < V - 1 && (double)c[ix] < u) { /* torch: first !(cum < u) */
                ix++;
            }
            if (got[0] != ix) {
                fail_msg("scalar walk: V %zu, draw %zu, row %zu, r %llu: %u, reference %zu", V, i,
                         row, (unsigned long long)r[i], got[0], ix);
            }
            row = ix;
        }
        free(want);
        free(got);
        free(r);
    }
    for (size_t mi = 0; mi < sizeof models / sizeof models[0]; mi++) {
        mm_model_destroy(models[mi]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_walk_edges),
        cmocka_unit_test(test_many_matches_reference),
        cmocka_unit_test(test_many_names_txt),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
