/*
 * test_reference.c - the reference figures of Karpathy's makemore part 1 on
 * names.txt ($MM_NAMES; every test skips when it is absent), the samples of
 * torch.Generator().manual_seed(2147483647), and the model file: round trip,
 * truncation and corruption, and models refused because P would not be a
 * float32 distribution (that test needs no names.txt).
 *
 * Tolerances:
 * - counts, names, bigrams and samples are exact;
 * - the average NLL must be within 1e-6 (absolute) of the notebook's
 *   2.4540145 (k = 0) and 2.4545768 (k = 1): the bound, since the
 *   notebook prints 7-8 digits;
 * - a model read back is bit-identical to the one written.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "count.h"
#include "kernels.h"
#include "makemore.h"
#include "model.h"
#include "testutil.h"

#define NLL_ATOL 1e-6

typedef struct ref_state {
    mm_corpus *corpus;
    uint64_t *counts;      /* V*V, scalar, 1 thread */
    size_t V;
    char dir[512];
} ref_state;

static int setup(void **state)
{
    ref_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "%s/test_reference.%ld", mm_test_tmpdir(), (long)getpid());
    (void)mkdir(s->dir, 0777);
    *state = s;
    const char *path = mm_test_names_path();
    if (path == NULL) {
        return 0; /* each test skips */
    }
    if (mm_corpus_open(&s->corpus, path) != MM_OK) {
        fprintf(stderr, "cannot open %s: %s\n", path, mm_errmsg());
        return -1;
    }
    const mm_vocab *v = mm_corpus_get_vocab(s->corpus);
    s->V = v->size;
    s->counts = malloc(s->V * s->V * sizeof *s->counts);
    mm_count_opts o = {.threads = 1};
    if (s->counts == NULL ||
        mm_count_bigrams_with(s->corpus, v, &o, &mm_counter_scalar, s->counts) != MM_OK) {
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    ref_state *s = *state;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    int rc = system(cmd);
    free(s->counts);
    mm_corpus_close(s->corpus);
    free(s);
    return rc == 0 ? 0 : -1;
}

static ref_state *need_names(void **state)
{
    ref_state *s = *state;
    if (s->corpus == NULL) {
        print_message("skip: names.txt not found (set MM_NAMES)\n");
        skip();
    }
    return s;
}

static mm_model *make_model(const ref_state *s, double k)
{
    mm_model *m = NULL;
    mm_status st = mm_model_from_counts(&m, mm_corpus_get_vocab(s->corpus), s->counts, k);
    if (st != MM_OK) {
        fail_msg("mm_model_from_counts(k = %g): %s", k, mm_errmsg());
    }
    return m;
}

static void test_figures(void **state)
{
    ref_state *s = need_names(state);
    const mm_vocab *v = mm_corpus_get_vocab(s->corpus);
    assert_int_equal(s->V, 27);
    assert_int_equal(v->cp[0], '.');
    for (uint32_t i = 1; i < 27; i++) {
        assert_int_equal(v->cp[i], 'a' + i - 1);
    }
    uint64_t names = 0, bigrams = 0;
    for (size_t j = 0; j < s->V; j++) {
        names += s->counts[j];
    }
    for (size_t i = 0; i < s->V * s->V; i++) {
        bigrams += s->counts[i];
    }
    assert_int_equal(names, 32033);
    assert_int_equal(bigrams, 228146);
    /* every name ends too: column 0 sums to the names as well */
    uint64_t ends = 0;
    for (size_t i = 0; i < s->V; i++) {
        ends += s->counts[i * s->V];
    }
    assert_int_equal(ends, 32033);
    int n = mm_vocab_index(v, 'n');
    assert_int_equal(n, 14);
    uint64_t n_end = s->counts[(size_t)n * s->V + 0];
    assert_int_equal(n_end, 6763);
    for (size_t i = 0; i < s->V * s->V; i++) {
        if (i != (size_t)n * s->V && s->counts[i] >= n_end) {
            fail_msg("count %zu (%llu) >= C['n']['.'] (6763): not the largest", i,
                     (unsigned long long)s->counts[i]);
        }
    }
    /* a few more of the notebook's heatmap cells */
    assert_int_equal(s->counts[(size_t)mm_vocab_index(v, 'a') * s->V + 0], 6640); /* a. */
    assert_int_equal(s->counts[0 * s->V + (size_t)mm_vocab_index(v, 'a')], 4410); /* .a */

    /* the same with every variant and several threads, through the public
     * entry point as well */
    uint64_t *got = malloc(s->V * s->V * sizeof *got);
    assert_non_null(got);
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        for (int t = 1; t <= 3; t++) {
            mm_count_opts o = {.threads = t};
            assert_int_equal(mm_count_bigrams_with(s->corpus, v, &o, *k, got), MM_OK);
            char what[64];
            snprintf(what, sizeof what, "names.txt, isa %s, %d threads", (*k)->name, t);
            mm_assert_counts_equal(s->counts, got, s->V * s->V, what);
        }
    }
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    assert_int_equal(mm_count_bigrams(s->corpus, v, NULL, got), MM_OK);
    mm_assert_counts_equal(s->counts, got, s->V * s->V, "mm_count_bigrams, active isa");
    free(got);

    mm_corpus_info info;
    mm_corpus_get_info(s->corpus, &info);
    assert_int_equal(info.ascii, 1);
}

static void check_nll(const ref_state *s, double k, double want)
{
    mm_model *m = make_model(s, k);
    mm_eval_result r;
    mm_eval_opts o = {.threads = 2};
    assert_int_equal(mm_eval_corpus(m, s->corpus, &o, &r), MM_OK);
    assert_int_equal(r.examples, 228146);
    char what[64];
    snprintf(what, sizeof what, "average NLL, k = %g", k);
    mm_assert_close_f64(want, r.nll, NLL_ATOL, 0, what);
    mm_assert_close_f64(-r.nll * 228146.0, r.log_likelihood, 0, 1e-12, "log_likelihood");
    mm_assert_close_f64(exp(r.nll), r.perplexity, 0, 1e-12, "perplexity");
    mm_model_destroy(m);
}

static void test_nll(void **state)
{
    ref_state *s = need_names(state);
    check_nll(s, 0.0, 2.4540145);
    check_nll(s, 1.0, 2.4545768);
}

/* mm_eval_file (one streaming pass, counts moved into the model's
 * vocabulary) == mm_eval_corpus, bit for bit; a model lacking one of the
 * corpus's characters gets the mapped path's message. */
static void test_eval_file(void **state)
{
    ref_state *s = need_names(state);
    const char *path = mm_test_names_path();
    for (int k = 0; k <= 1; k++) {
        mm_model *m = make_model(s, k);
        for (int t = 1; t <= 3; t++) {
            mm_eval_opts o = {.threads = t};
            mm_eval_result a, b;
            assert_int_equal(mm_eval_corpus(m, s->corpus, &o, &a), MM_OK);
            assert_int_equal(mm_eval_file(m, path, &o, &b), MM_OK);
            assert_int_equal(a.examples, b.examples);
            assert_memory_equal(&a.log_likelihood, &b.log_likelihood, sizeof(double));
            assert_memory_equal(&a.nll, &b.nll, sizeof(double));
        }
        mm_model_destroy(m);
    }
    /* a model of the first 5 lines lacks some letters of the whole file */
    size_t off = 0;
    const uint8_t *d = NULL;
    {
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        static char head[4096];
        size_t n = fread(head, 1, sizeof head, f);
        fclose(f);
        for (int lines = 0; off < n && lines < 5; off++) {
            lines += head[off] == '\n';
        }
        d = (const uint8_t *)head;
    }
    mm_corpus *hc = NULL;
    assert_int_equal(mm_corpus_from_memory(&hc, d, off, "head"), MM_OK);
    const mm_vocab *hv = mm_corpus_get_vocab(hc);
    assert_true(hv->size < s->V);
    uint64_t *hcounts = calloc(hv->size * hv->size, sizeof *hcounts);
    assert_non_null(hcounts);
    mm_count_opts o1 = {.threads = 1};
    assert_int_equal(mm_count_bigrams(hc, hv, &o1, hcounts), MM_OK);
    mm_model *hm = NULL;
    assert_int_equal(mm_model_from_counts(&hm, hv, hcounts, 1.0), MM_OK);
    mm_eval_result r;
    mm_eval_opts e1 = {.threads = 1};
    mm_status want = mm_eval_corpus(hm, s->corpus, &e1, &r);
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", mm_errmsg());
    assert_int_not_equal(want, MM_OK);
    assert_int_equal(mm_eval_file(hm, path, &e1, &r), want);
    assert_string_equal(mm_errmsg(), msg);
    mm_model_destroy(hm);
    free(hcounts);
    mm_corpus_close(hc);
}

static void test_samples(void **state)
{
    ref_state *s = need_names(state);
    static const char *const want[5] = {"mor", "axx", "minaymoryles", "kondlaisah",
                                        "anchshizarie"};
    mm_model *m = make_model(s, 1.0);
    const mm_vocab *v = mm_model_get_vocab(m);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ULL);
    for (int i = 0; i < 5; i++) {
        uint8_t ix[256];
        size_t n = mm_model_sample(m, &g, ix, sizeof ix);
        char name[257 * 4];
        size_t len = 0;
        for (size_t j = 0; j < n; j++) {
            assert_true(ix[j] > 0 && ix[j] < v->size);
            len += mm_vocab_utf8(v, ix[j], name + len);
        }
        name[len] = '\0';
        if (strcmp(name, want[i]) != 0) {
            fail_msg("sample %d: got \"%s\", want \"%s\"", i, name, want[i]);
        }
    }
    /* a maximum length is honoured */
    mm_rng_seed(&g, 2147483647ULL);
    uint8_t two[2];
    size_t n = mm_model_sample(m, &g, two, 2);
    assert_int_equal(n, 2); /* "mor" cut at 2 */
    mm_model_destroy(m);
}

static void assert_models_equal(const mm_model *a, const mm_model *b)
{
    assert_int_equal(mm_model_get_kind(a), MM_MODEL_COUNTS);
    assert_int_equal(mm_model_get_kind(b), MM_MODEL_COUNTS);
    const mm_vocab *va = mm_model_get_vocab(a), *vb = mm_model_get_vocab(b);
    assert_int_equal(va->size, vb->size);
    assert_memory_equal(va->cp, vb->cp, va->size * sizeof va->cp[0]);
    size_t V = va->size;
    mm_assert_counts_equal(mm_model_get_counts(a), mm_model_get_counts(b), V * V, "loaded counts");
    double ka = mm_model_get_smoothing(a), kb = mm_model_get_smoothing(b);
    assert_memory_equal(&ka, &kb, sizeof ka);
    /* P is recomputed on load: it must come out bit-identical */
    assert_memory_equal(mm_model_get_probs(a), mm_model_get_probs(b), V * V * sizeof(float));
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    long n = ftell(fp);
    assert_true(n > 0);
    rewind(fp);
    uint8_t *buf = malloc((size_t)n);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void write_all(const char *path, const uint8_t *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void test_model_roundtrip(void **state)
{
    ref_state *s = need_names(state);
    static const double ks[] = {0.0, 1.0, 0.5, 1e-3};
    char path[600];
    snprintf(path, sizeof path, "%s/names.model", s->dir);
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        mm_model *m = make_model(s, ks[i]);
        assert_int_equal(mm_model_save(m, path), MM_OK);
        mm_model *back = NULL;
        mm_status st = mm_model_load(&back, path);
        if (st != MM_OK) {
            fail_msg("load k = %g: %s", ks[i], mm_errmsg());
        }
        assert_models_equal(m, back);
        /* saving over an existing file replaces it */
        mm_model_destroy(back);
        mm_model_destroy(m);
    }
    /* no temporary left behind */
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c tmp", s->dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int ntmp = -1;
    assert_int_equal(fscanf(p, "%d", &ntmp), 1);
    pclose(p);
    assert_int_equal(ntmp, 0);

    mm_model *none = (mm_model *)(uintptr_t)1;
    char missing[700];
    snprintf(missing, sizeof missing, "%s/missing.model", s->dir);
    assert_int_equal(mm_model_load(&none, missing), MM_ERR_IO);
    assert_null(none);
    /* a directory, and a corpus, are not model files */
    assert_int_not_equal(mm_model_load(&none, s->dir), MM_OK);
    assert_null(none);
    assert_int_equal(mm_model_load(&none, mm_test_names_path()), MM_ERR_FORMAT);
    assert_null(none);
}

static void test_model_corrupt(void **state)
{
    ref_state *s = need_names(state);
    char path[600], bad[600];
    snprintf(path, sizeof path, "%s/good.model", s->dir);
    snprintf(bad, sizeof bad, "%s/bad.model", s->dir);
    mm_model *m = make_model(s, 1.0);
    assert_int_equal(mm_model_save(m, path), MM_OK);
    mm_model_destroy(m);
    size_t len;
    uint8_t *img = read_all(path, &len);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);

    /* truncated at every length, and one byte too long */
    for (size_t n = 0; n < len; n++) {
        mm_model *out = (mm_model *)(uintptr_t)1;
        mm_status st = mm_model_parse(&out, img, n, "truncated");
        if (st != MM_ERR_FORMAT) {
            fail_msg("truncated to %zu of %zu bytes: status %s", n, len, mm_status_str(st));
        }
        assert_null(out);
    }
    memcpy(buf, img, len);
    buf[len] = 0;
    mm_model *out = NULL;
    assert_int_equal(mm_model_parse(&out, buf, len + 1, "long"), MM_ERR_FORMAT);

    /* one flipped bit anywhere: header, vocabulary, counts, checksum */
    for (size_t i = 0; i < len; i++) {
        memcpy(buf, img, len);
        buf[i] ^= (uint8_t)(1u << (i % 8));
        out = (mm_model *)(uintptr_t)1;
        mm_status st = mm_model_parse(&out, buf, len, "flipped");
        if (st != MM_ERR_FORMAT) {
            fail_msg("bit %zu of byte %zu flipped: status %s", i % 8, i, mm_status_str(st));
        }
        assert_null(out);
    }

    /* and through files, with a message naming the file */
    write_all(bad, img, len / 2);
    assert_int_equal(mm_model_load(&out, bad), MM_ERR_FORMAT);
    assert_null(out);
    if (strstr(mm_errmsg(), bad) == NULL || strstr(mm_errmsg(), "truncated") == NULL) {
        fail_msg("truncated file message: %s", mm_errmsg());
    }
    memcpy(buf, img, len);
    buf[len / 2] ^= 0x10;
    write_all(bad, buf, len);
    assert_int_equal(mm_model_load(&out, bad), MM_ERR_FORMAT);
    assert_null(out);
    if (strstr(mm_errmsg(), bad) == NULL || strstr(mm_errmsg(), "checksum") == NULL) {
        fail_msg("corrupt file message: %s", mm_errmsg());
    }
    write_all(bad, img, 0);
    assert_int_equal(mm_model_load(&out, bad), MM_ERR_FORMAT);
    /* the intact image still loads */
    assert_int_equal(mm_model_parse(&out, img, len, "good"), MM_OK);
    mm_model_destroy(out);
    free(buf);
    free(img);
}

static void test_k0_unseen_bigram(void **state)
{
    ref_state *s = need_names(state);
    const mm_vocab *v = mm_corpus_get_vocab(s->corpus);
    /* an unseen letter pair */
    size_t a = 0, b = 0;
    for (size_t i = 1; i < s->V && a == 0; i++) {
        for (size_t j = 1; j < s->V; j++) {
            if (s->counts[i * s->V + j] == 0) {
                a = i;
                b = j;
                break;
            }
        }
    }
    assert_true(a > 0);
    char text[16];
    size_t n = mm_vocab_utf8(v, a, text);
    n += mm_vocab_utf8(v, b, text + n);
    text[n++] = '\n';
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, n, "unseen"), MM_OK);
    mm_eval_opts o = {.threads = 1};
    mm_eval_result r;

    mm_model *m0 = make_model(s, 0.0);
    assert_int_equal(mm_model_get_probs(m0)[a * s->V + b], 0.0f);
    assert_int_equal(mm_eval_corpus(m0, c, &o, &r), MM_OK);
    assert_int_equal(r.examples, 3);
    if (!(isinf(r.nll) && r.nll > 0)) {
        fail_msg("k = 0, unseen bigram %s: nll %g, want +inf", text, r.nll);
    }
    assert_true(isinf(r.log_likelihood) && r.log_likelihood < 0);
    mm_model_destroy(m0);

    mm_model *m1 = make_model(s, 1.0);
    assert_int_equal(mm_eval_corpus(m1, c, &o, &r), MM_OK);
    assert_true(isfinite(r.nll) && r.nll > 0);
    mm_model_destroy(m1);
    mm_corpus_close(c);
}

/* Models that cannot be written are refused when made, so that every saved
 * model loads: P must be a distribution in float32.  Needs no names.txt. */
static void test_model_validation(void **state)
{
    ref_state *s = *state;
    mm_vocab v;
    memset(&v, 0, sizeof v);
    v.size = 3;
    v.cp[0] = '.';
    v.cp[1] = 'a';
    v.cp[2] = 'b';
    /* "a" counted in the vocabulary ".ab": row 'b' has no counts */
    const uint64_t counts[9] = {0, 1, 0, 1, 0, 0, 0, 0, 0};
    mm_model *m = (mm_model *)(uintptr_t)1;
    assert_int_equal(mm_model_from_counts(&m, &v, counts, 0.0), MM_ERR_INVALID_ARG);
    assert_null(m);
    static const double bad[] = {-1.0, NAN, INFINITY, 1e39, 1e300};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = (mm_model *)(uintptr_t)1;
        if (mm_model_from_counts(&m, &v, counts, bad[i]) != MM_ERR_INVALID_ARG) {
            fail_msg("smoothing %g accepted", bad[i]);
        }
        assert_null(m);
    }
    /* large but representable: P is (almost) uniform */
    assert_int_equal(mm_model_from_counts(&m, &v, counts, 1e30), MM_OK);
    for (size_t i = 0; i < 9; i++) {
        mm_assert_close_f64(1.0 / 3, mm_model_get_probs(m)[i], 1e-6, 0, "P with k = 1e30");
    }
    mm_model_destroy(m);

    /* every model made is saved and loads back */
    char path[600];
    snprintf(path, sizeof path, "%s/valid.model", s->dir);
    static const double good[] = {1.0, 0.25, 1e-30, 1e30};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(mm_model_from_counts(&m, &v, counts, good[i]), MM_OK);
        assert_int_equal(mm_model_save(m, path), MM_OK);
        mm_model *back = NULL;
        if (mm_model_load(&back, path) != MM_OK) {
            fail_msg("k = %g: saved, but does not load: %s", good[i], mm_errmsg());
        }
        assert_models_equal(m, back);
        mm_model_destroy(back);
        mm_model_destroy(m);
    }

    /* a file whose smoothing overflows float32 (written by hand: the model
     * is patched after creation) is rejected */
    assert_int_equal(mm_model_from_counts(&m, &v, counts, 1.0), MM_OK);
    m->smoothing = 1e39;
    assert_int_equal(mm_model_save(m, path), MM_OK);
    mm_model_destroy(m);
    m = (mm_model *)(uintptr_t)1;
    assert_int_equal(mm_model_load(&m, path), MM_ERR_FORMAT);
    assert_null(m);
    if (strstr(mm_errmsg(), path) == NULL) {
        fail_msg("message does not name the file: %s", mm_errmsg());
    }
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_figures),
        cmocka_unit_test(test_nll),
        cmocka_unit_test(test_eval_file),
        cmocka_unit_test(test_samples),
        cmocka_unit_test(test_model_roundtrip),
        cmocka_unit_test(test_model_corrupt),
        cmocka_unit_test(test_k0_unseen_bigram),
        cmocka_unit_test(test_model_validation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
