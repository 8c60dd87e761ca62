/*
 * test_corpus.c - the corpus reader: vocabulary order, line-end rules, and
 * every rejected input with its status and a message that names the file,
 * line, column and byte offset.
 *
 * Tolerances: none (vocabularies, counts and statuses are exact).  Messages
 * are checked for the facts they must carry (file, place, character, reason),
 * not for their whole wording.
 */
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
#include "testutil.h"

/* ---- helpers -------------------------------------------------------------- */

static char g_dir[512];

static void make_scratch_dir(void)
{
    (void)mm_test_scratch_make(g_dir, sizeof g_dir, "test_corpus");
}

/* Write bytes to <scratch>/<name>; returns the path (static buffer). */
static const char *write_file(const char *name, const void *data, size_t n)
{
    return mm_test_write_file(g_dir, name, data, n);
}

static void assert_msg_has(const char *what, const char *needle)
{
    const char *msg = mm_errmsg();
    if (strstr(msg, needle) == NULL) {
        fail_msg("%s: message lacks \"%s\": %s", what, needle, msg);
    }
}

static mm_corpus *open_mem(const void *data, size_t n, const char *name)
{
    mm_corpus *c = NULL;
    mm_status st = mm_corpus_from_memory(&c, data, n, name);
    if (st != MM_OK) {
        fail_msg("%s: %s (%s)", name, mm_status_str(st), mm_errmsg());
    }
    return c;
}

static void assert_vocab_is(const mm_corpus *c, const uint32_t *want, size_t n,
                            const char *what)
{
    const mm_vocab *v = mm_corpus_get_vocab(c);
    if (v->size != n) {
        fail_msg("%s: vocabulary size %u, want %zu", what, (unsigned)v->size, n);
    }
    for (size_t i = 0; i < n; i++) {
        if (v->cp[i] != want[i]) {
            fail_msg("%s: vocabulary[%zu] is U+%04X, want U+%04X", what, i,
                     (unsigned)v->cp[i], (unsigned)want[i]);
        }
    }
}

/* Scalar counts (V*V, malloc'd) of c in its own vocabulary. */
static uint64_t *counts_of(const mm_corpus *c)
{
    const mm_vocab *v = mm_corpus_get_vocab(c);
    uint64_t *counts = malloc((size_t)v->size * v->size * sizeof *counts);
    assert_non_null(counts);
    mm_count_opts o = {.threads = 2};
    assert_int_equal(mm_count_bigrams_with(c, v, &o, &mm_counter_scalar, counts), MM_OK);
    return counts;
}

/* a and b have the same vocabulary and counts. */
static void assert_same_corpus(const char *a, size_t na, const char *b, size_t nb,
                               const char *what)
{
    mm_corpus *ca = open_mem(a, na, "a");
    mm_corpus *cb = open_mem(b, nb, "b");
    const mm_vocab *va = mm_corpus_get_vocab(ca), *vb = mm_corpus_get_vocab(cb);
    assert_vocab_is(cb, va->cp, va->size, what);
    uint64_t *x = counts_of(ca), *y = counts_of(cb);
    mm_assert_counts_equal(x, y, (size_t)va->size * vb->size, what);
    free(x);
    free(y);
    mm_corpus_close(ca);
    mm_corpus_close(cb);
}

#define SAME(a, b, what) assert_same_corpus(a, sizeof(a) - 1, b, sizeof(b) - 1, what)

/* Opening data (from memory and from a file) fails with status want, and the
 * message holds every needle; "@" in a needle stands for the name or path. */
static void expect_error(const char *data, size_t n, const char *name, mm_status want,
                         const char *const *needles)
{
    for (int from_file = 0; from_file < 2; from_file++) {
        mm_corpus *c = (mm_corpus *)(uintptr_t)1;
        const char *label = name;
        mm_status st;
        if (from_file) {
            label = write_file(name, data, n);
            st = mm_corpus_open(&c, label);
        } else {
            st = mm_corpus_from_memory(&c, data, n, name);
        }
        if (st != want) {
            fail_msg("%s (%s): status %s, want %s (%s)", name, from_file ? "file" : "memory",
                     mm_status_str(st), mm_status_str(want), mm_errmsg());
        }
        assert_null(c);
        for (const char *const *nd = needles; *nd; nd++) {
            char buf[1200];
            const char *at = strchr(*nd, '@');
            if (at) {
                snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - *nd), *nd, label, at + 1);
            } else {
                snprintf(buf, sizeof buf, "%s", *nd);
            }
            assert_msg_has(name, buf);
        }
    }
}

#define ERR(data, name, status, ...)                                                  \
    do {                                                                              \
        static const char d_[] = data;                                                \
        const char *const n_[] = {__VA_ARGS__, NULL};                                 \
        expect_error(d_, sizeof d_ - 1, name, status, n_);                            \
    } while (0)

/* ---- vocabulary ----------------------------------------------------------- */

static void test_vocab_order(void **state)
{
    (void)state;
    /* "b\na\n-\n" gives ".-ab": '.' at 0 even though '-' sorts before it */
    mm_corpus *c = open_mem("b\na\n-\n", 6, "order");
    static const uint32_t want1[] = {'.', '-', 'a', 'b'};
    assert_vocab_is(c, want1, 4, "b a -");
    mm_corpus_close(c);

    /* non-ASCII sorted by code point, not by byte or locale */
    static const char s2[] = "\xc3\xb6\n\xc3\xa9\nz\n\xc3\xb1\n\xe4\xb8\xad\n\xf0\x9f\x98\x80\n"
                             "A\n\xc3\x89\n ";
    c = open_mem(s2, sizeof s2 - 1, "order2");
    static const uint32_t want2[] = {'.', ' ', 'A', 'z', 0xc9, 0xe9, 0xf1, 0xf6, 0x4e2d, 0x1f600};
    assert_vocab_is(c, want2, sizeof want2 / sizeof want2[0], "non-ASCII");
    const mm_vocab *v = mm_corpus_get_vocab(c);
    for (size_t i = 0; i < v->size; i++) {
        assert_int_equal(mm_vocab_index(v, v->cp[i]), (int)i);
    }
    assert_int_equal(mm_vocab_index(v, 'q'), -1);
    assert_int_equal(mm_vocab_index(v, 0x1f601), -1);
    char u[8];
    assert_int_equal(mm_vocab_utf8(v, 9, u), 4);
    assert_string_equal(u, "\xf0\x9f\x98\x80");
    assert_int_equal(mm_vocab_utf8(v, 0, u), 1);
    assert_string_equal(u, ".");
    mm_corpus_info info;
    mm_corpus_get_info(c, &info);
    assert_int_equal(info.bytes, sizeof s2 - 1);
    assert_int_equal(info.ascii, 0);
    mm_corpus_close(c);

    c = open_mem("emma\n", 5, "ascii");
    mm_corpus_get_info(c, &info);
    assert_int_equal(info.ascii, 1);
    assert_int_equal(info.bytes, 5);
    mm_corpus_close(c);

    /* empty: only the boundary */
    c = open_mem("", 0, "empty");
    static const uint32_t want3[] = {'.'};
    assert_vocab_is(c, want3, 1, "empty");
    mm_corpus_close(c);
    c = open_mem("\r\n\n", 3, "blank");
    assert_vocab_is(c, want3, 1, "blank lines only");
    mm_corpus_close(c);
}

static void test_line_rules(void **state)
{
    (void)state;
    SAME("emma\nolivia\nava\n", "emma\r\nolivia\r\nava\r\n", "CRLF == LF");
    SAME("emma\nolivia\nava\n", "emma\r\nolivia\nava\r\n", "mixed == LF");
    SAME("emma\nolivia\nava\n", "emma\nolivia\nava", "no final newline == final newline");
    SAME("emma\nolivia\nava\n", "emma\r\nolivia\r\nava", "CRLF, no final newline");
    SAME("emma\nolivia\nava\n", "emma\r\nolivia\r\nava\r", "a final bare CR ends the line");
    SAME("emma\nolivia\nava\n", "\n\nemma\n\n\nolivia\r\n\r\nava\n\n", "blank lines skipped");
    SAME("zo\xc3\xab\n\xe7\x8e\x8b\n", "zo\xc3\xab\r\n\xe7\x8e\x8b", "UTF-8: CRLF, no final");
    SAME("zo\xc3\xab\n\xe7\x8e\x8b\n", "\r\n\nzo\xc3\xab\n\n\r\n\xe7\x8e\x8b\r\n\n",
         "UTF-8: blank lines skipped");

    /* blank lines contribute nothing: 3 names, and no (., .) bigram */
    static const char blank[] = "\n\nab\n\n\r\nb\n\nba\n\n";
    mm_corpus *c = open_mem(blank, sizeof blank - 1, "blank");
    uint64_t *k = counts_of(c);
    const mm_vocab *v = mm_corpus_get_vocab(c);
    assert_int_equal(v->size, 3);
    uint64_t names = k[0] + k[1] + k[2];
    assert_int_equal(names, 3);
    assert_int_equal(k[0], 0);
    free(k);
    mm_corpus_close(c);
}

static void test_open_file(void **state)
{
    (void)state;
    static const char s[] = "emma\r\nzo\xc3\xab\n\nava";
    const char *path = write_file("ok.txt", s, sizeof s - 1);
    mm_corpus *f = NULL;
    assert_int_equal(mm_corpus_open(&f, path), MM_OK);
    mm_corpus *m = open_mem(s, sizeof s - 1, "mem");
    const mm_vocab *vf = mm_corpus_get_vocab(f);
    assert_vocab_is(m, vf->cp, vf->size, "file == memory");
    uint64_t *a = counts_of(f), *b = counts_of(m);
    mm_assert_counts_equal(a, b, (size_t)vf->size * vf->size, "file == memory");
    free(a);
    free(b);
    mm_corpus_close(f);
    mm_corpus_close(m);
    mm_corpus_close(NULL); /* no-op */

    path = write_file("empty.txt", "", 0);
    assert_int_equal(mm_corpus_open(&f, path), MM_OK);
    assert_int_equal(mm_corpus_get_vocab(f)->size, 1);
    mm_corpus_close(f);
}

/* ---- errors --------------------------------------------------------------- */

static void test_error_nul(void **state)
{
    (void)state;
    ERR("emma\nol\0via\n", "nul.txt", MM_ERR_CORPUS, "@:2:3:", "byte offset 7", "NUL");
    /* in a non-ASCII corpus (the UTF-8 path): "zoë\n" is 5 bytes */
    ERR("zo\xc3\xab\nab\0\n", "nul8.txt", MM_ERR_CORPUS, "@:2:3:", "byte offset 7", "NUL");
    ERR("\0", "nul0.txt", MM_ERR_CORPUS, "@:1:1:", "byte offset 0", "NUL");
}

static void test_error_boundary(void **state)
{
    (void)state;
    ERR("ab\ncd\ne.f\n", "dot.txt", MM_ERR_CORPUS, "@:3:2:", "byte offset 7", "'.'");
    ERR("\xc3\xa9\r\n\xc3\xa9.\n", "dot8.txt", MM_ERR_CORPUS, "@:2:3:", "byte offset 6", "'.'");
    ERR(".", "dot0.txt", MM_ERR_CORPUS, "@:1:1:", "byte offset 0", "'.'");
}

static void test_error_utf8(void **state)
{
    (void)state;
    /* overlong '/' in two and three bytes */
    ERR("ab\n\xc0\xaf\n", "overlong2.txt", MM_ERR_CORPUS, "@:2:1:", "byte offset 3",
        "invalid UTF-8", "overlong");
    ERR("ab\nc\xe0\x80\xaf\n", "overlong3.txt", MM_ERR_CORPUS, "@:2:2:", "byte offset 4",
        "overlong");
    /* an overlong '.' is not a boundary: it is invalid */
    ERR("a\xc0\xae" "b\n", "overlongdot.txt", MM_ERR_CORPUS, "@:1:2:", "overlong");
    /* a lone continuation byte, alone and after a valid character */
    ERR("a\x80" "b\n", "cont.txt", MM_ERR_CORPUS, "@:1:2:", "byte offset 1", "continuation");
    ERR("x\n\xc3\xa9\xa9\n", "cont2.txt", MM_ERR_CORPUS, "@:2:3:", "byte offset 4",
        "continuation");
    /* an encoded surrogate U+D800 */
    ERR("x\xed\xa0\x80\n", "surrogate.txt", MM_ERR_CORPUS, "@:1:2:", "byte offset 1",
        "surrogate");
    /* truncated at the end of the file, and in the middle */
    ERR("ab\nc\xc3", "trunc.txt", MM_ERR_CORPUS, "@:2:2:", "byte offset 4", "truncated",
        "end of file");
    ERR("ab\nc\xf0\x9f\x98", "trunc4.txt", MM_ERR_CORPUS, "@:2:2:", "byte offset 4",
        "truncated");
    ERR("\xe4\xb8x\n", "truncmid.txt", MM_ERR_CORPUS, "@:1:1:", "byte offset 0", "truncated");
    /* beyond U+10FFFF: F4 90 80 80 is U+110000; F8 is no lead byte */
    ERR("ok\n\xf4\x90\x80\x80\n", "big.txt", MM_ERR_CORPUS, "@:2:1:", "byte offset 3",
        "U+10FFFF");
    ERR("\xf8\x88\x80\x80\x80\n", "lead.txt", MM_ERR_CORPUS, "@:1:1:", "byte offset 0",
        "invalid UTF-8");
    ERR("\xff\n", "ff.txt", MM_ERR_CORPUS, "@:1:1:", "invalid UTF-8");
}

static void test_error_cr(void **state)
{
    (void)state;
    ERR("ab\rcd\n", "cr.txt", MM_ERR_CORPUS, "@:1:3:", "byte offset 2", "carriage return");
    ERR("ab\ncd\r\r\n", "crcr.txt", MM_ERR_CORPUS, "@:2:3:", "byte offset 5",
        "carriage return");
    ERR("zo\xc3\xab\r!\n", "cr8.txt", MM_ERR_CORPUS, "@:1:5:", "byte offset 4",
        "carriage return");
}

/* n distinct characters, none of them '.', '\n' or '\r', 8 a line. */
static char *distinct_chars(size_t n, size_t *len)
{
    char *s = malloc(n * 5 + 1);
    assert_non_null(s);
    size_t k = 0, made = 0;
    for (uint32_t cp = 0xa0; made < n; cp++) {
        /* UTF-8 by hand: two or three bytes (0xa0.. and upward) */
        if (cp < 0x800) {
            s[k++] = (char)(0xc0 | (cp >> 6));
            s[k++] = (char)(0x80 | (cp & 0x3f));
        } else {
            s[k++] = (char)(0xe0 | (cp >> 12));
            s[k++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            s[k++] = (char)(0x80 | (cp & 0x3f));
        }
        made++;
        if (made % 8 == 0) {
            s[k++] = '\n';
        }
    }
    *len = k;
    return s;
}

static void test_vocab_limit(void **state)
{
    (void)state;
    size_t len;
    char *s = distinct_chars(255, &len);
    mm_corpus *c = open_mem(s, len, "255.txt");
    assert_int_equal(mm_corpus_get_vocab(c)->size, 256);
    mm_corpus_close(c);
    free(s);

    /* 256 distinct: the 256th (U+019F) is on line 32, column 15 (7 two-byte
     * characters before it), byte offset 31 * 17 + 14 */
    s = distinct_chars(256, &len);
    char off[64];
    snprintf(off, sizeof off, "byte offset %d", 31 * 17 + 14);
    const char *const needles[] = {"@:32:15:", off, "256", "255", NULL};
    expect_error(s, len, "256.txt", MM_ERR_VOCAB, needles);
    free(s);

    /* the same 256, as 255 distinct plus a repeat of the first: fine */
    s = distinct_chars(255, &len);
    char *t = malloc(len + 4);
    assert_non_null(t);
    memcpy(t, s, len);
    memcpy(t + len, "\n\xc2\xa0", 3);
    c = open_mem(t, len + 3, "255+repeat.txt");
    assert_int_equal(mm_corpus_get_vocab(c)->size, 256);
    mm_corpus_close(c);
    free(t);
    free(s);
}

static void test_error_paths(void **state)
{
    (void)state;
    char path[1100];
    snprintf(path, sizeof path, "%s/does-not-exist.txt", g_dir);
    mm_corpus *c = (mm_corpus *)(uintptr_t)1;
    assert_int_equal(mm_corpus_open(&c, path), MM_ERR_IO);
    assert_null(c);
    assert_msg_has("missing file", path);
    assert_msg_has("missing file", "No such file");

    c = (mm_corpus *)(uintptr_t)1;
    assert_int_equal(mm_corpus_open(&c, g_dir), MM_ERR_IO);
    assert_null(c);
    assert_msg_has("directory", g_dir);
    assert_msg_has("directory", "directory");

    assert_int_equal(mm_corpus_open(&c, NULL), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_corpus_from_memory(&c, NULL, 3, "x"), MM_ERR_INVALID_ARG);
}

/* An eval corpus with a character the model lacks: MM_ERR_VOCAB naming it. */
/* mm_require_names: MM_OK for any name count above zero; for none, the one
 * sentence every step gives, per use, with "-" shown as <stdin> and the
 * counts named when there is no name. */
static void test_require_names(void **state)
{
    (void)state;
    assert_int_equal(mm_require_names(1, "x.txt", MM_NAMES_COUNT), MM_OK);
    assert_int_equal(mm_require_names(UINT64_MAX, NULL, MM_NAMES_EVAL), MM_OK);
    static const struct { const char *name; mm_names_use use; const char *msg; } cases[] = {
        {"x.txt", MM_NAMES_COUNT, "x.txt: no names (the file is empty or has only blank lines)"},
        {"x.txt", MM_NAMES_TRAIN,
         "x.txt: no names to train on (the file is empty or has only blank lines)"},
        {"-", MM_NAMES_EVAL,
         "<stdin>: no names to evaluate (the file is empty or has only blank lines)"},
        {NULL, MM_NAMES_EVAL, "no names to evaluate (the counts are all zero)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(mm_require_names(0, cases[i].name, cases[i].use), MM_ERR_CORPUS);
        assert_string_equal(mm_errmsg(), cases[i].msg);
    }
}

static void test_eval_unknown_char(void **state)
{
    (void)state;
    mm_corpus *train = open_mem("abc\nba\n", 7, "train.txt");
    const mm_vocab *v = mm_corpus_get_vocab(train);
    uint64_t *k = counts_of(train);
    mm_model *m = NULL;
    assert_int_equal(mm_model_from_counts(&m, v, k, 1.0), MM_OK);

    mm_corpus *ev = open_mem("ab\nabd\n", 7, "eval.txt");
    mm_eval_result r;
    mm_eval_opts o = {.threads = 2};
    assert_int_equal(mm_eval_corpus(m, ev, &o, &r), MM_ERR_VOCAB);
    assert_msg_has("eval ascii", "eval.txt:2:3:");
    assert_msg_has("eval ascii", "'d'");
    assert_msg_has("eval ascii", "U+0064");
    mm_corpus_close(ev);

    ev = open_mem("ab\nzo\xc3\xab\n", 8, "eval8.txt");
    assert_int_equal(mm_eval_corpus(m, ev, &o, &r), MM_ERR_VOCAB);
    /* the first missing character in code-point order: 'o' (then 'z', 'ë') */
    assert_msg_has("eval utf8", "eval8.txt:2:2:");
    assert_msg_has("eval utf8", "'o'");
    assert_msg_has("eval utf8", "not in the model");
    mm_corpus_close(ev);

    ev = open_mem("ab\nb\xc3\xab\n", 7, "eval9.txt");
    assert_int_equal(mm_eval_corpus(m, ev, &o, &r), MM_ERR_VOCAB);
    assert_msg_has("eval utf8", "eval9.txt:2:2:");
    assert_msg_has("eval utf8", "\xc3\xab");
    assert_msg_has("eval utf8", "U+00EB");
    mm_corpus_close(ev);

    /* and a corpus inside the vocabulary evaluates */
    ev = open_mem("ab\r\ncab", 7, "ok.txt");
    assert_int_equal(mm_eval_corpus(m, ev, &o, &r), MM_OK);
    assert_int_equal(r.examples, 3 + 4);
    mm_corpus_close(ev);

    mm_model_destroy(m);
    free(k);
    mm_corpus_close(train);
}

static int setup(void **state)
{
    (void)state;
    make_scratch_dir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return mm_test_scratch_remove(g_dir);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_order),
        cmocka_unit_test(test_line_rules),
        cmocka_unit_test(test_open_file),
        cmocka_unit_test(test_error_nul),
        cmocka_unit_test(test_error_boundary),
        cmocka_unit_test(test_error_utf8),
        cmocka_unit_test(test_error_cr),
        cmocka_unit_test(test_vocab_limit),
        cmocka_unit_test(test_error_paths),
        cmocka_unit_test(test_eval_unknown_char),
        cmocka_unit_test(test_require_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
