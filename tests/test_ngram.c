/*
 * test_ngram.c - order-K n-gram counts and models (src/ngram.c,
 * src/ngram_model.c).
 *
 * Tolerances: counts are bit-exact against a naive per-name counter written
 * here, for the dense and the hash tables, at 1, 2 and 3 threads; K = 2
 * through mm_model_from_ngrams must give the bigram model bit for bit; the
 * trigram NLL on names.txt must match PyTorch's (tests/ref: the notebook's
 * loop, torch.log of the float32 P summed as Python floats) within rtol 1e-6
 * (float32 log vs our double log of the same float32 P: ~1e-8 per term).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "makemore.h"
#include "model.h"
#include "ngram.h"
#include "testutil.h"

/* PyTorch: the notebook's trigram (N[27,27,27], P = (N+1).float(), rows
 * normalised), mean of -torch.log(P[...]).item() over names.txt. */
#define TORCH_TRIGRAM_NLL 2.2125824259
#define TORCH_TRIGRAM_EXAMPLES 228146

static uint64_t g_seed;

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return 0;
}

/* Naive reference: split into lines, pad each name with K-1 dots. */
static void naive_count(const char *text, size_t size, const mm_vocab *v, int K,
                        uint64_t *dense)
{
    size_t V = v->size;
    size_t i = 0;
    while (i < size) {
        size_t e = i;
        while (e < size && text[e] != '\n') {
            e++;
        }
        size_t end = e;
        if (end > i && text[end - 1] == '\r') {
            end--;
        }
        if (end > i) {
            uint8_t syms[512];
            size_t n = 0;
            for (int p = 0; p < K - 1; p++) {
                syms[n++] = 0;
            }
            for (size_t q = i; q < end; q++) {
                syms[n++] = (uint8_t)mm_vocab_index(v, (unsigned char)text[q]);
            }
            syms[n++] = 0;
            for (size_t s = 0; s + (size_t)K <= n; s++) {
                uint64_t key = 0;
                for (int d = 0; d < K; d++) {
                    key = key * V + syms[s + (size_t)d];
                }
                dense[key]++;
            }
        }
        i = e + 1;
    }
}

static void test_emma_trigram(void **state)
{
    (void)state;
    static const char *texts[] = {"emma\n", "emma", "\n\nemma\r\n\n", "emma\r"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        mm_corpus *c = NULL;
        assert_int_equal(mm_corpus_from_memory(&c, texts[t], strlen(texts[t]), "emma"), MM_OK);
        mm_ngrams *g = NULL;
        assert_int_equal(mm_count_ngrams(c, mm_corpus_get_vocab(c), 3, NULL, &g), MM_OK);
        /* vocab . a e m: "..e", ".em", "emm", "mma", "ma." */
        const char *want[] = {"..e", ".em", "emm", "mma", "ma."};
        const mm_vocab *v = mm_ngrams_get_vocab(g);
        uint64_t keys[5];
        for (int k = 0; k < 5; k++) {
            keys[k] = 0;
            for (int d = 0; d < 3; d++) {
                keys[k] = keys[k] * v->size + (uint64_t)mm_vocab_index(v, (uint8_t)want[k][d]);
            }
        }
        /* sorted by key: ..e .em emm ma. mma */
        uint64_t sorted[5] = {keys[0], keys[1], keys[2], keys[4], keys[3]};
        assert_int_equal(mm_ngrams_get_size(g), 5);
        assert_int_equal(mm_ngrams_get_total(g), 5);
        for (int k = 0; k < 5; k++) {
            assert_int_equal(mm_ngrams_get_keys(g)[k], sorted[k]);
            assert_int_equal(mm_ngrams_get_values(g)[k], 1);
        }
        mm_ngrams_destroy(g);
        mm_corpus_close(c);
    }
}

/* Random corpora, every order, both tables, 1-3 threads: all equal to the
 * naive count, bit for bit. */
static void test_tables_threads(void **state)
{
    (void)state;
    uint64_t rs = g_seed;
    for (int round = 0; round < 6; round++) {
        size_t size = 1 + mm_test_rand(&rs) % 40000;
        char *text = malloc(size);
        int letters = 2 + (int)(mm_test_rand(&rs) % 26);
        for (size_t i = 0; i < size; i++) {
            uint64_t r = mm_test_rand(&rs) % 8;
            text[i] = r == 0 ? '\n' : (char)('a' + mm_test_rand(&rs) % (uint64_t)letters);
        }
        mm_corpus *c = NULL;
        assert_int_equal(mm_corpus_from_memory(&c, text, size, "random"), MM_OK);
        const mm_vocab *v = mm_corpus_get_vocab(c);
        for (int K = 2; K <= MM_MAX_ORDER; K++) {
            uint64_t cells = mm_ngram_cells(v->size, K);
            if (cells > ((uint64_t)1 << 24)) {
                continue; /* the naive dense reference would not fit */
            }
            uint64_t *ref = calloc((size_t)cells, sizeof *ref);
            uint64_t *got = calloc((size_t)cells, sizeof *got);
            naive_count(text, size, v, K, ref);
            for (int table = MM_NGRAM_DENSE; table <= MM_NGRAM_SPARSE; table++) {
                for (int T = 1; T <= 3; T++) {
                    mm_count_opts o = {.threads = T};
                    mm_ngrams *g = NULL;
                    assert_int_equal(mm_count_ngrams_with(c, v, K, &o, (mm_ngram_table)table,
                                                          &g), MM_OK);
                    assert_int_equal(mm_ngrams_get_dense(g, got, (size_t)cells), MM_OK);
                    char what[96];
                    snprintf(what, sizeof what, "round %d K %d table %d threads %d", round, K,
                             table, T);
                    mm_assert_counts_equal(ref, got, (size_t)cells, what);
                    mm_ngrams_destroy(g);
                }
            }
            free(ref);
            free(got);
        }
        mm_corpus_close(c);
        free(text);
    }
}

/* K = 2 through the n-gram path is the bigram model, bit for bit. */
static void test_order2_is_bigram(void **state)
{
    (void)state;
    static const char text[] = "emma\nolivia\nava\nisabella\nsophia\n";
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "five"), MM_OK);
    const mm_vocab *v = mm_corpus_get_vocab(c);
    size_t V = v->size;
    uint64_t counts[MM_MAX_VOCAB * 4];
    assert_int_equal(mm_count_bigrams(c, v, NULL, counts), MM_OK);
    mm_ngrams *g = NULL;
    assert_int_equal(mm_count_ngrams(c, v, 2, NULL, &g), MM_OK);
    mm_model *a = NULL, *b = NULL;
    assert_int_equal(mm_model_from_counts(&a, v, counts, 0.5), MM_OK);
    assert_int_equal(mm_model_from_ngrams(&b, g, 0.5), MM_OK);
    assert_int_equal(mm_model_get_order(b), 2);
    mm_assert_counts_equal(mm_model_get_counts(a), mm_model_get_counts(b), V * V, "counts");
    assert_memory_equal(mm_model_get_probs(a), mm_model_get_probs(b), V * V * sizeof(float));
    mm_model_destroy(a);
    mm_model_destroy(b);
    mm_ngrams_destroy(g);
    mm_corpus_close(c);
}

/* A corpus without names is refused at every order, by each way of
 * scoring it, with the sentence that names it (order K once scored it as
 * NaN, with MM_OK, where the bigram refused it). */
static void test_eval_no_names(void **state)
{
    (void)state;
    static const char text[] = "emma\nava\n", blank[] = "\n\r\n\n";
    mm_corpus *c = NULL, *e = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "two"), MM_OK);
    assert_int_equal(mm_corpus_from_memory(&e, blank, sizeof blank - 1, "blank"), MM_OK);
    const mm_vocab *v = mm_corpus_get_vocab(c);
    for (int K = 2; K <= 4; K++) {
        mm_ngrams *g = NULL, *ge = NULL;
        mm_model *m = NULL;
        assert_int_equal(mm_count_ngrams(c, v, K, NULL, &g), MM_OK);
        assert_int_equal(mm_model_from_ngrams(&m, g, 1.0), MM_OK);
        assert_int_equal(mm_count_ngrams(e, v, K, NULL, &ge), MM_OK);
        assert_int_equal(mm_ngrams_get_total(ge), 0);
        mm_eval_result r;
        assert_int_equal(mm_eval_corpus(m, e, NULL, &r), MM_ERR_CORPUS);
        assert_non_null(strstr(mm_errmsg(), "blank: no names to evaluate (the file is empty"));
        assert_int_equal(mm_eval_ngrams(m, ge, &r), MM_ERR_CORPUS);
        assert_string_equal(mm_errmsg(), "no names to evaluate (the counts are all zero)");
        /* and a corpus with names still scores */
        assert_int_equal(mm_eval_ngrams(m, g, &r), MM_OK);
        assert_true(r.examples > 0 && isfinite(r.nll));
        mm_model_destroy(m);
        mm_ngrams_destroy(g);
        mm_ngrams_destroy(ge);
    }
    mm_corpus_close(c);
    mm_corpus_close(e);
}

/* Rows: P sums to 1 in float32, unseen contexts are uniform, k = 0 unseen
 * contexts give -inf log-probabilities, too large a k is refused. */
static void test_rows(void **state)
{
    (void)state;
    static const char text[] = "abab\nba\n";
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "ab"), MM_OK);
    mm_ngrams *g = NULL;
    assert_int_equal(mm_count_ngrams(c, mm_corpus_get_vocab(c), 4, NULL, &g), MM_OK);
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_ngrams(&m, g, 1.0), MM_OK);
    float row[3];
    uint8_t ctx[3] = {0, 0, 0};
    assert_int_equal(mm_model_get_row(m, ctx, row), MM_OK);
    /* "...": a once, b once, . never: (0, 1, 1) + 1 -> (1, 2, 2) / 5 */
    assert_true(row[0] == 1.0f / 5.0f && row[1] == 2.0f / 5.0f && row[2] == 2.0f / 5.0f);
    uint8_t unseen[3] = {2, 2, 2};
    assert_int_equal(mm_model_get_row(m, unseen, row), MM_OK);
    assert_true(row[0] == 1.0f / 3.0f && row[1] == 1.0f / 3.0f && row[2] == 1.0f / 3.0f);
    mm_model_destroy(m);
    assert_int_equal(mm_model_from_ngrams(&m, g, 0.0), MM_OK);
    assert_true(isinf(mm_ngram_logprob(m, 2 * 9 + 2 * 3 + 2, 1)));
    mm_model_destroy(m);
    assert_int_equal(mm_model_from_ngrams(&m, g, 3e38), MM_ERR_INVALID_ARG);
    mm_ngrams_destroy(g);
    mm_corpus_close(c);
}

/* Save and load an order-4 model: same n-grams, same eval; a flipped byte is
 * refused; the version 1 fixture (a bigram model written before the order
 * field) still loads and equals a fresh count. */
static void test_file_roundtrip(void **state)
{
    (void)state;
    static const char text[] = "emma\nolivia\nava\nisabella\nsophia\n";
    mm_corpus *c = NULL;
    assert_int_equal(mm_corpus_from_memory(&c, text, sizeof text - 1, "five"), MM_OK);
    mm_ngrams *g = NULL;
    assert_int_equal(mm_count_ngrams(c, mm_corpus_get_vocab(c), 4, NULL, &g), MM_OK);
    mm_model *m = NULL, *back = NULL;
    assert_int_equal(mm_model_from_ngrams(&m, g, 0.25), MM_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/test_ngram_%d.bin", mm_test_tmpdir(), (int)getpid());
    assert_int_equal(mm_model_save(m, path), MM_OK);
    assert_int_equal(mm_model_load(&back, path), MM_OK);
    assert_int_equal(mm_model_get_order(back), 4);
    assert_int_equal(mm_model_get_ngram_size(back), mm_ngrams_get_size(g));
    assert_memory_equal(mm_model_get_ngram_keys(back), mm_ngrams_get_keys(g),
                        mm_ngrams_get_size(g) * sizeof(uint64_t));
    assert_memory_equal(mm_model_get_ngram_values(back), mm_ngrams_get_values(g),
                        mm_ngrams_get_size(g) * sizeof(uint64_t));
    mm_eval_result r1, r2;
    assert_int_equal(mm_eval_corpus(m, c, NULL, &r1), MM_OK);
    assert_int_equal(mm_eval_corpus(back, c, NULL, &r2), MM_OK);
    assert_true(r1.log_likelihood == r2.log_likelihood && r1.examples == r2.examples);
    assert_int_equal(r1.examples, mm_ngrams_get_total(g));
    mm_model_destroy(back);
    /* flip one byte of the n-gram table */
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    fseek(fp, -10, SEEK_END);
    int ch = fgetc(fp);
    fseek(fp, -10, SEEK_END);
    fputc(ch ^ 1, fp);
    fclose(fp);
    assert_int_equal(mm_model_load(&back, path), MM_ERR_FORMAT);
    remove(path);
    mm_model_destroy(m);
    mm_ngrams_destroy(g);

    const char *src = getenv("MM_SOURCE_DIR");
    if (src != NULL) {
        snprintf(path, sizeof path, "%s/tests/fixtures/bigram_v1.bin", src);
        assert_int_equal(mm_model_load(&back, path), MM_OK);
        assert_int_equal(mm_model_get_order(back), 2);
        uint64_t counts[MM_MAX_VOCAB];
        const mm_vocab *v = mm_corpus_get_vocab(c);
        assert_int_equal(mm_model_get_vocab(back)->size, v->size);
        assert_int_equal(mm_count_bigrams(c, v, NULL, counts), MM_OK);
        mm_assert_counts_equal(counts, mm_model_get_counts(back), v->size * v->size, "v1");
        mm_model *fresh = NULL;
        assert_int_equal(mm_model_from_counts(&fresh, v, counts, 0.5), MM_OK);
        assert_memory_equal(mm_model_get_probs(fresh), mm_model_get_probs(back),
                            v->size * v->size * sizeof(float));
        mm_model_destroy(fresh);
        mm_model_destroy(back);
    }
    mm_corpus_close(c);
}

/* The trigram NLL of names.txt with +1 smoothing, against PyTorch; the same
 * counts at 1, 2 and 3 threads. */
static void test_trigram_reference(void **state)
{
    (void)state;
    const char *names = mm_test_names_path();
    if (names == NULL) {
        skip();
    }
    mm_ngrams *g1 = NULL;
    mm_count_opts o1 = {.threads = 1};
    assert_int_equal(mm_count_ngrams_file(names, 3, &o1, &g1), MM_OK);
    for (int T = 2; T <= 3; T++) {
        mm_count_opts o = {.threads = T};
        mm_ngrams *g = NULL;
        assert_int_equal(mm_count_ngrams_file(names, 3, &o, &g), MM_OK);
        assert_int_equal(mm_ngrams_get_size(g), mm_ngrams_get_size(g1));
        mm_assert_counts_equal(mm_ngrams_get_keys(g1), mm_ngrams_get_keys(g), mm_ngrams_get_size(g), "keys");
        mm_assert_counts_equal(mm_ngrams_get_values(g1), mm_ngrams_get_values(g), mm_ngrams_get_size(g),
                               "counts");
        mm_ngrams_destroy(g);
    }
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_ngrams(&m, g1, 1.0), MM_OK);
    mm_eval_result r;
    assert_int_equal(mm_eval_file(m, names, NULL, &r), MM_OK);
    assert_int_equal(r.examples, TORCH_TRIGRAM_EXAMPLES);
    mm_assert_close_f64(TORCH_TRIGRAM_NLL, r.nll, 0.0, 1e-6, "trigram nll vs torch");
    mm_model_destroy(m);
    mm_ngrams_destroy(g1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emma_trigram),
        cmocka_unit_test(test_tables_threads),
        cmocka_unit_test(test_order2_is_bigram),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_eval_no_names),
        cmocka_unit_test(test_file_roundtrip),
        cmocka_unit_test(test_trigram_reference),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
