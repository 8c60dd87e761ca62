/*
 * test_npy.c - .npy export/import and the SVG plots (src/io/npy.c,
 * src/plot_svg.c).
 *
 * The .npy reader faces files from anywhere, so besides round trips this
 * checks every rejection it promises (each must be MM_ERR_FORMAT, name the
 * file, and leave no output), every truncation of a valid file, and a seeded
 * random mutation run; the writer is checked byte for byte against headers
 * numpy 1.24 np.save produced.  Exactness: the format is a byte copy, so
 * values must round-trip bit for bit (memcmp), -0.0 and subnormals included.
 *
 * The binary has two extra modes for tests/npy_numpy_check.py, which checks
 * the same files with numpy, torch and matplotlib:
 *     test_npy --emit DIR   write i64.npy, f32.npy, f32_empty.npy,
 *                           counts.svg, loss.svg into DIR
 *     test_npy --read FILE  mm_npy_read_f32 FILE; print "OK rows cols" and
 *                           one %a value per line, or "ERR ..." and exit 1
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <float.h>
#include <locale.h>
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

#include "makemore.h"
#include "model.h"
#include "npy.h"
#include "testutil.h"

/* Directory every test writes into; made by the group setup. */
static char mm_tdir[512];

static const char *tpath(const char *leaf)
{
    static char buf[4][600];
    static int k = 0;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", mm_tdir, leaf);
    return buf[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n = 0;
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    n = ftell(fp);
    assert_true(n >= 0);
    rewind(fp);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

static void spill(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Number of entries in dir other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e = NULL;
    char p[1200];
    if (d == NULL) {
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (unlink(p) != 0) {
            remove_tree(p);
            rmdir(p);
        }
    }
    closedir(d);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(mm_tdir, sizeof mm_tdir, "%s/test_npy.XXXXXX", mm_test_tmpdir());
    return mkdtemp(mm_tdir) != NULL ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    remove_tree(mm_tdir);
    rmdir(mm_tdir);
    return 0;
}

/* The status and that the message names the file and says what: a failure
 * prints all three. */
static void expect_fail(mm_status got, mm_status want, const char *name,
                        const char *what)
{
    const char *msg = mm_errmsg();
    if (got != want || strstr(msg, name) == NULL ||
        (what != NULL && strstr(msg, what) == NULL)) {
        print_error("want %s mentioning '%s' and '%s'; got %s: %s\n",
                    mm_status_str(want), name, what ? what : "",
                    mm_status_str(got), msg);
        fail();
    }
}

/* ---- Building .npy images by hand ------------------------------------------ */

/* An image: magic, version major.0, a length field of the version's size,
 * dict followed by spaces and '\n' up to a multiple of align (0: just the
 * dict, no newline), then data. */
static unsigned char *make_npy(unsigned major, const char *dict, size_t align,
                               const void *data, size_t dlen, size_t *len)
{
    size_t lf = major == 1 ? 2 : 4;
    size_t pre = 8 + lf;
    size_t dl = strlen(dict);
    size_t hl = dl;
    if (align > 0) {
        hl = dl + 1;
        while ((pre + hl) % align != 0) {
            hl++;
        }
    }
    unsigned char *b = malloc(pre + hl + dlen + 1);
    assert_non_null(b);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    for (size_t i = 0; i < lf; i++) {
        b[8 + i] = (unsigned char)(hl >> (8 * i));
    }
    memcpy(b + pre, dict, dl);
    if (align > 0) {
        memset(b + pre + dl, ' ', hl - dl - 1);
        b[pre + hl - 1] = '\n';
    }
    if (dlen > 0) {
        memcpy(b + pre + hl, data, dlen);
    }
    *len = pre + hl + dlen;
    return b;
}

static void put_f32(unsigned char *d, float f)
{
    uint32_t u = 0;
    memcpy(&u, &f, 4);
    for (int i = 0; i < 4; i++) {
        d[i] = (unsigned char)(u >> (8 * i));
    }
}

/* Parse dict + data of rows*cols floats 1, 2, 3, ... */
static mm_status parse_dict(unsigned major, const char *dict, size_t align,
                            size_t nvals, float **out, size_t *r, size_t *c)
{
    unsigned char *d = malloc(nvals * 4 + 1);
    size_t len = 0;
    assert_non_null(d);
    for (size_t i = 0; i < nvals; i++) {
        put_f32(d + 4 * i, (float)(i + 1));
    }
    unsigned char *img = make_npy(major, dict, align, d, nvals * 4, &len);
    mm_status s = mm_npy_parse_f32(img, len, "case.npy", out, r, c);
    free(img);
    free(d);
    return s;
}

#define DICT(descr, fo, shape) \
    "{'descr': '" descr "', 'fortran_order': " fo ", 'shape': " shape ", }"

/* ---- Round trips -------------------------------------------------------------- */

static float special_value(size_t i)
{
    switch (i % 9) {
    case 0: return -0.0f;
    case 1: return FLT_MAX;
    case 2: return -FLT_MAX;
    case 3: return FLT_MIN;
    case 4: return 1.0e-45f; /* smallest subnormal */
    default: return (float)((double)i * 0.37 - 50.0);
    }
}

static void check_layout(const unsigned char *b, size_t len, const char *descr,
                         size_t rows, size_t cols, size_t esize)
{
    char want[128];
    assert_true(len >= 64);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    size_t hl = (size_t)b[8] | ((size_t)b[9] << 8);
    size_t off = 10 + hl;
    assert_int_equal(off % 64, 0);
    assert_int_equal(b[off - 1], '\n');
    assert_int_equal(len, off + rows * cols * esize);
    snprintf(want, sizeof want, "{'descr': '%s', 'fortran_order': False, "
             "'shape': (%zu, %zu), }", descr, rows, cols);
    assert_memory_equal(b + 10, want, strlen(want));
    for (size_t i = 10 + strlen(want); i < off - 1; i++) {
        assert_int_equal(b[i], ' ');
    }
}

static void test_roundtrip_f32(void **state)
{
    static const size_t shapes[][2] = {
        { 1, 1 }, { 27, 27 }, { 3, 5 }, { 5, 3 }, { 1, 1000 }, { 1000, 1 },
        { 256, 256 }, { 0, 0 }, { 0, 4 }, { 4, 0 },
    };
    (void)state;
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        size_t r = shapes[k][0];
        size_t c = shapes[k][1];
        float *a = malloc((r * c + 1) * sizeof *a);
        float *got = NULL;
        size_t gr = 99;
        size_t gc = 99;
        size_t len = 0;
        assert_non_null(a);
        for (size_t i = 0; i < r * c; i++) {
            a[i] = special_value(i);
        }
        const char *p = tpath("rt.npy");
        assert_int_equal(mm_npy_write_f32(p, a, r, c), MM_OK);
        unsigned char *b = slurp(p, &len);
        check_layout(b, len, "<f4", r, c, 4);
        assert_int_equal(mm_npy_read_f32(p, &got, &gr, &gc), MM_OK);
        assert_non_null(got); /* even for an empty array */
        assert_int_equal(gr, r);
        assert_int_equal(gc, c);
        if (r * c > 0) {
            assert_memory_equal(got, a, r * c * sizeof *a);
        }
        free(got);
        free(b);
        free(a);
    }
    assert_int_equal(count_entries(mm_tdir), 1); /* no temporaries left */
}

/* np.save(f, np.zeros((27, 27), np.int64)) etc. with numpy 1.24.2: the dict,
 * growth room for the first axis, padding to 128 bytes. */
static void test_header_golden(void **state)
{
    static const char hdr27[] =
        "{'descr': '<i8', 'fortran_order': False, 'shape': (27, 27), }"
        "                                                        \n";
    static const char hdr03[] =
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }"
        "                                                          \n";
    int64_t z[27 * 27];
    size_t len = 0;
    (void)state;
    memset(z, 0, sizeof z);
    assert_int_equal(sizeof hdr27 - 1, 118);
    assert_int_equal(mm_npy_write_i64(tpath("g.npy"), z, 27, 27), MM_OK);
    unsigned char *b = slurp(tpath("g.npy"), &len);
    assert_int_equal(len, 128 + sizeof z);
    assert_memory_equal(b, "\x93NUMPY\x01\x00v\x00", 10);
    assert_memory_equal(b + 10, hdr27, 118);
    free(b);

    assert_int_equal(mm_npy_write_f32(tpath("g.npy"), NULL, 0, 3), MM_OK);
    b = slurp(tpath("g.npy"), &len);
    assert_int_equal(len, 128);
    assert_memory_equal(b, "\x93NUMPY\x01\x00v\x00", 10);
    assert_memory_equal(b + 10, hdr03, 118);
    free(b);
}

static void test_i64_bytes(void **state)
{
    const int64_t v[6] = { INT64_MIN, -1, 0, 1, INT64_MAX,
                           (int64_t)0x0102030405060708LL };
    size_t len = 0;
    (void)state;
    assert_int_equal(mm_npy_write_i64(tpath("i.npy"), v, 2, 3), MM_OK);
    unsigned char *b = slurp(tpath("i.npy"), &len);
    check_layout(b, len, "<i8", 2, 3, 8);
    const unsigned char *d = b + len - 48;
    for (size_t i = 0; i < 6; i++) {
        uint64_t u = 0;
        for (int k = 7; k >= 0; k--) {
            u = (u << 8) | d[8 * i + (size_t)k];
        }
        assert_true(u == (uint64_t)v[i]);
    }
    assert_memory_equal(d + 40, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
    /* The reader is float32 only: an '<i8' file is refused, by name. */
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    expect_fail(mm_npy_read_f32(tpath("i.npy"), &a, &r, &c), MM_ERR_FORMAT,
                "i.npy", "'<i8'");
    assert_null(a);
    free(b);
}

/* Every width of the first dimension keeps the data 64-aligned; dims up to
 * SIZE_MAX round-trip when the other is 0. */
static void test_header_widths(void **state)
{
    size_t r = 0;
    size_t c = 0;
    float *a = NULL;
    size_t len = 0;
    (void)state;
    for (size_t rows = 1, k = 0; k < 20; k++, rows *= 10) {
        assert_int_equal(mm_npy_write_f32(tpath("w.npy"), NULL, rows, 0), MM_OK);
        unsigned char *b = slurp(tpath("w.npy"), &len);
        check_layout(b, len, "<f4", rows, 0, 4);
        free(b);
        assert_int_equal(mm_npy_write_i64(tpath("w.npy"), NULL, 0, rows), MM_OK);
        b = slurp(tpath("w.npy"), &len);
        check_layout(b, len, "<i8", 0, rows, 8);
        free(b);
    }
    assert_int_equal(mm_npy_write_f32(tpath("w.npy"), NULL, SIZE_MAX, 0), MM_OK);
    assert_int_equal(mm_npy_read_f32(tpath("w.npy"), &a, &r, &c), MM_OK);
    assert_non_null(a);
    assert_true(r == SIZE_MAX);
    assert_int_equal(c, 0);
    free(a);
}

static void test_write_invalid(void **state)
{
    float one = 1.0f;
    char sub[700];
    (void)state;
    assert_int_equal(mm_npy_write_f32(NULL, &one, 1, 1), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_npy_write_f32("", &one, 1, 1), MM_ERR_INVALID_ARG);
    expect_fail(mm_npy_write_f32(tpath("x.npy"), NULL, 1, 1), MM_ERR_INVALID_ARG,
                "x.npy", NULL);
    expect_fail(mm_npy_write_i64(tpath("x.npy"), NULL, SIZE_MAX, 2),
                MM_ERR_INVALID_ARG, "x.npy", "too large");
    expect_fail(mm_npy_write_f32(tpath("x.npy"), &one, SIZE_MAX / 2, 2),
                MM_ERR_INVALID_ARG, "x.npy", "too large");
    expect_fail(mm_npy_write_f32(tpath("nodir/x.npy"), &one, 1, 1), MM_ERR_IO,
                "nodir/x.npy", NULL);
    /* A directory in the way: the rename fails and the temporary goes. */
    snprintf(sub, sizeof sub, "%s", tpath("sub"));
    int before = count_entries(mm_tdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    expect_fail(mm_npy_write_f32(sub, &one, 1, 1), MM_ERR_IO, "sub", NULL);
    assert_int_equal(count_entries(mm_tdir), before + 1);
    assert_int_equal(rmdir(sub), 0);
    /* An existing target is replaced whole. */
    assert_int_equal(mm_npy_write_f32(tpath("x.npy"), &one, 1, 1), MM_OK);
    float two[2] = { 2.0f, 3.0f };
    assert_int_equal(mm_npy_write_f32(tpath("x.npy"), two, 1, 2), MM_OK);
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    assert_int_equal(mm_npy_read_f32(tpath("x.npy"), &a, &r, &c), MM_OK);
    assert_int_equal(c, 2);
    assert_true(a[1] == 3.0f);
    free(a);
}

/* ---- Rejections --------------------------------------------------------------- */

typedef struct bad_case {
    const char *label;
    unsigned major;
    const char *dict;
    size_t align;
    size_t nvals;          /* floats 1, 2, ... after the header */
    const char *what;      /* in the message */
} bad_case;

static const bad_case bad_cases[] = {
    { "fortran", 1, DICT("<f4", "True", "(2, 3)"), 64, 6, "Fortran" },
    { "big-endian", 1, DICT(">f4", "False", "(2, 3)"), 64, 6, "'>f4'" },
    { "float64", 1, DICT("<f8", "False", "(2, 3)"), 64, 12, "'<f8'" },
    { "float16", 1, DICT("<f2", "False", "(2, 4)"), 64, 4, "'<f2'" },
    { "int64", 1, DICT("<i8", "False", "(2, 3)"), 64, 12, "'<i8'" },
    { "pipe-f4", 1, DICT("|f4", "False", "(2, 3)"), 64, 6, "'|f4'" },
    { "name", 1, DICT("float32", "False", "(2, 3)"), 64, 6, "'float32'" },
    { "3-D", 1, DICT("<f4", "False", "(2, 2, 2)"), 64, 8, "3-dimensional" },
    { "1-D", 1, DICT("<f4", "False", "(4,)"), 64, 4, "1-dimensional" },
    { "0-D", 1, DICT("<f4", "False", "()"), 64, 1, "0-dimensional" },
    { "not tuple", 1, DICT("<f4", "False", "(4)"), 64, 4, "not a tuple" },
    { "list shape", 1, DICT("<f4", "False", "[2, 2]"), 64, 4, "not a tuple" },
    { "negative", 1, DICT("<f4", "False", "(-1, 4)"), 64, 4, "negative" },
    { "huge dim", 1, DICT("<f4", "False", "(99999999999999999999999, 1)"), 64, 4,
      "too large" },
    { "rows*cols", 1, DICT("<f4", "False", "(4294967296, 4294967296)"), 64, 4,
      "too large" },
    { "bytes", 1, DICT("<f4", "False", "(4611686018427387904, 1)"), 64, 4,
      "too large" },
    { "short data", 1, DICT("<f4", "False", "(2, 3)"), 64, 5, "truncated" },
    { "no data", 1, DICT("<f4", "False", "(1000000, 1000000)"), 64, 0,
      "truncated" },
    { "long data", 1, DICT("<f4", "False", "(2, 3)"), 64, 7, "needs 24" },
    { "no shape", 1, "{'descr': '<f4', 'fortran_order': False}", 64, 0,
      "lacks 'shape'" },
    { "no descr", 1, "{'fortran_order': False, 'shape': (1, 1)}", 64, 1,
      "lacks 'descr'" },
    { "extra key", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), "
      "'foo': 1}", 64, 1, "unexpected key 'foo'" },
    { "dup key", 1, "{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, "
      "'shape': (1, 1)}", 64, 1, "duplicate key 'descr'" },
    { "unterminated", 1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1, 1)}",
      64, 1, "expected ',' or '}'" },
    { "open string", 1, "{'descr': '<f4", 64, 1, "unterminated string" },
    { "escape", 1, DICT("<\\x66""4", "False", "(1, 1)"), 64, 1, "escape" },
    { "trailing", 1, DICT("<f4", "False", "(1, 1)") " x", 64, 1, "after the dict" },
    { "no brace", 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)",
      64, 1, "expected ',' or '}'" },
    { "not dict", 1, "[1, 2]", 64, 1, "not a dict" },
    { "empty", 1, "", 0, 1, "not a dict" },
    { "spaces", 1, "     ", 0, 1, "not a dict" },
    { "structured", 1, "{'descr': [('a', '<f4')], 'fortran_order': False, "
      "'shape': (1, 1)}", 64, 1, "structured" },
    { "fortran int", 1, DICT("<f4", "1", "(1, 1)"), 64, 1, "True or False" },
    { "Truex", 1, DICT("<f4", "Truex", "(1, 1)"), 64, 1, "True or False" },
    { "dim junk", 1, DICT("<f4", "False", "(1x, 1)"), 64, 1, "malformed integer" },
    { "double comma", 1, DICT("<f4", "False", "(1,, 1)"), 64, 1, "integer" },
    { "no comma", 1, DICT("<f4", "False", "(1 1)"), 64, 1, "expected ','" },
    { "L in 3.0", 3, DICT("<f4", "False", "(1L, 1L)"), 64, 1, "malformed integer" },
    { "unquoted key", 1, "{descr: '<f4', 'fortran_order': False, 'shape': (1, 1)}",
      64, 1, "quoted string" },
    { "double comma dict", 1, "{'descr': '<f4',, 'fortran_order': False, "
      "'shape': (1, 1)}", 64, 1, "quoted string" },
};

static void test_reject_header(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++) {
        const bad_case *t = &bad_cases[k];
        float *a = (float *)&a; /* must come back NULL */
        size_t r = 7;
        size_t c = 7;
        mm_status s = parse_dict(t->major, t->dict, t->align, t->nvals, &a, &r, &c);
        if (s != MM_ERR_FORMAT || strstr(mm_errmsg(), "case.npy") == NULL ||
            strstr(mm_errmsg(), t->what) == NULL) {
            print_error("case '%s': want malformed file mentioning '%s'; got %s: %s\n",
                        t->label, t->what, mm_status_str(s), mm_errmsg());
            fail();
        }
        assert_null(a);
        assert_int_equal(r, 0);
        assert_int_equal(c, 0);
    }
}

static void test_reject_values(void **state)
{
    static const float bad[] = { NAN, INFINITY, -INFINITY };
    static const char *what[] = { "NaN", "infinite", "infinite" };
    unsigned char d[24];
    size_t len = 0;
    (void)state;
    for (size_t k = 0; k < 3; k++) {
        for (size_t at = 0; at < 6; at += 5) {
            char where[32];
            float *a = NULL;
            size_t r = 0;
            size_t c = 0;
            for (size_t i = 0; i < 6; i++) {
                put_f32(d + 4 * i, i == at ? bad[k] : 1.0f);
            }
            unsigned char *img = make_npy(1, DICT("<f4", "False", "(2, 3)"), 64, d,
                                          sizeof d, &len);
            snprintf(where, sizeof where, "[%zu, %zu] is %s", at / 3, at % 3, what[k]);
            expect_fail(mm_npy_parse_f32(img, len, "case.npy", &a, &r, &c),
                        MM_ERR_FORMAT, "case.npy", where);
            assert_null(a);
            free(img);
        }
    }
    /* A NaN with a payload and a negative one are NaNs too. */
    uint32_t qn = 0xffc00001u;
    for (int i = 0; i < 4; i++) {
        d[i] = (unsigned char)(qn >> (8 * i));
    }
    unsigned char *img = make_npy(1, DICT("<f4", "False", "(1, 1)"), 64, d, 4, &len);
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    expect_fail(mm_npy_parse_f32(img, len, "case.npy", &a, &r, &c), MM_ERR_FORMAT,
                "case.npy", "NaN");
    free(img);
}

/* Damage before the dict: magic, version, length field. */
static void test_reject_prefix(void **state)
{
    float d[6] = { 1, 2, 3, 4, 5, 6 };
    size_t len = 0;
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    (void)state;
    unsigned char *img = make_npy(1, DICT("<f4", "False", "(2, 3)"), 64, d,
                                  sizeof d, &len);
    assert_int_equal(mm_npy_parse_f32(img, len, "ok.npy", &a, &r, &c), MM_OK);
    free(a);
    a = NULL;

    unsigned char *m = malloc(len);
    assert_non_null(m);
    memcpy(m, img, len);
    m[5] = 'X';
    expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "bad magic");
    memcpy(m, img, len);
    m[0] = 0x92;
    expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "bad magic");
    static const unsigned char ver[][2] = { { 0, 0 }, { 4, 0 }, { 1, 1 }, { 2, 1 },
                                            { 255, 255 } };
    for (size_t k = 0; k < sizeof ver / sizeof ver[0]; k++) {
        memcpy(m, img, len);
        m[6] = ver[k][0];
        m[7] = ver[k][1];
        expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                    "m.npy", "version");
    }
    /* Header length one past the end, and the largest the field holds. */
    memcpy(m, img, len);
    m[8] = (unsigned char)((len - 10 + 1) & 0xff);
    m[9] = (unsigned char)((len - 10 + 1) >> 8);
    expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "runs past");
    memcpy(m, img, len);
    m[8] = 0xff;
    m[9] = 0xff;
    expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "runs past");
    size_t len2 = 0;
    unsigned char *img2 = make_npy(2, DICT("<f4", "False", "(2, 3)"), 64, d,
                                   sizeof d, &len2);
    memset(img2 + 8, 0xff, 4);
    expect_fail(mm_npy_parse_f32(img2, len2, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "runs past");
    free(img2);
    /* Length field pointing into the data: the dict has no end there. */
    memcpy(m, img, len);
    m[8] = 20;
    m[9] = 0;
    expect_fail(mm_npy_parse_f32(m, len, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "header");
    /* Truncated at each point of the prefix. */
    expect_fail(mm_npy_parse_f32(img, 0, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "magic");
    expect_fail(mm_npy_parse_f32(NULL, 0, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "magic");
    expect_fail(mm_npy_parse_f32(img, 7, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "truncated");
    expect_fail(mm_npy_parse_f32(img, 9, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "truncated");
    expect_fail(mm_npy_parse_f32(img, 40, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "runs past");
    expect_fail(mm_npy_parse_f32(img, len - 1, "m.npy", &a, &r, &c), MM_ERR_FORMAT,
                "m.npy", "truncated");
    assert_null(a);
    /* NULL out-pointers and a NULL buffer with a length. */
    assert_int_equal(mm_npy_parse_f32(img, len, "m.npy", NULL, &r, &c),
                     MM_ERR_INVALID_ARG);
    assert_int_equal(mm_npy_parse_f32(NULL, 5, "m.npy", &a, &r, &c),
                     MM_ERR_INVALID_ARG);
    /* No name: messages still say where. */
    assert_int_equal(mm_npy_parse_f32(m, 3, NULL, &a, &r, &c), MM_ERR_FORMAT);
    assert_non_null(strstr(mm_errmsg(), "<memory>"));
    free(m);
    free(img);
}

/* Headers other writers (and other numpy versions) produce. */
static void test_accept_variants(void **state)
{
    static const struct {
        unsigned major;
        const char *dict;
        size_t align;
    } ok[] = {
        { 1, DICT("<f4", "False", "(2, 3)"), 64 },
        { 2, DICT("<f4", "False", "(2, 3)"), 64 },
        { 3, DICT("<f4", "False", "(2, 3)"), 64 },
        { 1, DICT("<f4", "False", "(2, 3)"), 16 },   /* numpy < 1.14 */
        { 1, DICT("<f4", "False", "(2, 3)"), 0 },    /* no padding, no '\n' */
        { 1, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}", 64 },
        { 1, "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}", 64 },
        { 1, "{'descr':'<f4','fortran_order':False,'shape':(2,3,)}", 64 },
        { 1, " {\n 'descr' : '<f4' ,\t'fortran_order' : False ,\r\n"
             " 'shape' : ( 2 , 3 ) , } \n\n", 64 },
        { 1, DICT("<f4", "False", "(2L, 3L)"), 64 }, /* Python 2 numpy */
        { 2, DICT("<f4", "False", "(2L, 3L)"), 64 },
        { 1, DICT("<f4", "False", "(002, 3)"), 64 },
    };
    (void)state;
    for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
        float *a = NULL;
        size_t r = 0;
        size_t c = 0;
        mm_status s = parse_dict(ok[k].major, ok[k].dict, ok[k].align, 6, &a, &r, &c);
        if (s != MM_OK) {
            print_error("variant %zu (%s): %s\n", k, ok[k].dict, mm_errmsg());
            fail();
        }
        assert_int_equal(r, 2);
        assert_int_equal(c, 3);
        for (size_t i = 0; i < 6; i++) {
            assert_true(a[i] == (float)(i + 1));
        }
        free(a);
    }
}

/* Every prefix of a valid file fails cleanly; random damage never crashes
 * and never yields an array the bytes do not hold.  Run under ASan/UBSan
 * this is a small fuzzer; a libFuzzer target on mm_npy_parse_f32 is the
 * real one. */

static void test_damage(void **state)
{
    float d[12];
    size_t len = 0;
    (void)state;
    for (size_t i = 0; i < 12; i++) {
        d[i] = (float)i - 5.5f;
    }
    unsigned char *img = make_npy(1, DICT("<f4", "False", "(3, 4)"), 64, d,
                                  sizeof d, &len);
    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = malloc(n + 1); /* exact size: ASan sees overreads */
        float *a = NULL;
        size_t r = 0;
        size_t c = 0;
        assert_non_null(cut);
        memcpy(cut, img, n);
        assert_int_equal(mm_npy_parse_f32(n ? cut : NULL, n, "cut.npy", &a, &r, &c),
                         MM_ERR_FORMAT);
        assert_null(a);
        free(cut);
    }
    uint64_t seed = mm_test_seed();
    for (int it = 0; it < 20000; it++) {
        size_t n = len;
        if (mm_test_rand(&seed) % 3 == 0) {
            n += mm_test_rand(&seed) % 9;
        }
        if (mm_test_rand(&seed) % 2 == 0) {
            n -= mm_test_rand(&seed) % 9;
        }
        unsigned char *m = malloc(n);
        float *a = NULL;
        size_t r = 0;
        size_t c = 0;
        assert_non_null(m);
        for (size_t i = 0; i < n; i++) {
            m[i] = i < len ? img[i] : (unsigned char)mm_test_rand(&seed);
        }
        int flips = (int)(mm_test_rand(&seed) % 4);
        for (int f = 0; f < flips && n > 0; f++) {
            /* aim at the header, where the parser lives */
            size_t at = mm_test_rand(&seed) % (n < 128 ? n : 128);
            if (mm_test_rand(&seed) % 2) {
                m[at] = (unsigned char)mm_test_rand(&seed);
            } else {
                m[at] = (unsigned char)"(){}:,' 0123456789-LTF"[mm_test_rand(&seed) % 22];
            }
        }
        mm_status s = mm_npy_parse_f32(m, n, "fuzz.npy", &a, &r, &c);
        assert_true(s == MM_OK || s == MM_ERR_FORMAT);
        if (s == MM_OK) {
            assert_non_null(a);
            assert_true(r * c * 4 <= n);
            for (size_t i = 0; i < r * c; i++) {
                assert_true(isfinite(a[i]));
            }
        } else {
            assert_null(a);
        }
        free(a);
        free(m);
    }
    free(img);
}

static void test_read_file_errors(void **state)
{
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    float v[4] = { 1, 2, 3, 4 };
    size_t len = 0;
    (void)state;
    expect_fail(mm_npy_read_f32(tpath("missing.npy"), &a, &r, &c), MM_ERR_IO,
                "missing.npy", NULL);
    expect_fail(mm_npy_read_f32(mm_tdir, &a, &r, &c), MM_ERR_IO, mm_tdir, NULL);
    assert_int_equal(mm_npy_read_f32(NULL, &a, &r, &c), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_npy_read_f32(tpath("t.npy"), NULL, &r, &c),
                     MM_ERR_INVALID_ARG);
    assert_int_equal(mm_npy_write_f32(tpath("t.npy"), v, 2, 2), MM_OK);
    unsigned char *b = slurp(tpath("t.npy"), &len);
    spill(tpath("t.npy"), b, len - 3);
    expect_fail(mm_npy_read_f32(tpath("t.npy"), &a, &r, &c), MM_ERR_FORMAT,
                "t.npy", "truncated");
    spill(tpath("t.npy"), b, 0);
    expect_fail(mm_npy_read_f32(tpath("t.npy"), &a, &r, &c), MM_ERR_FORMAT,
                "t.npy", "magic");
    assert_null(a);
    free(b);
}

/* ---- Plots ---------------------------------------------------------------- */

static size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* '.', tab, space, '"', '&', '<', '>', 'a', e-acute, a CJK character, an
 * emoji: everything XML or rendering could trip over. */
static void odd_vocab(mm_vocab *v)
{
    static const uint32_t cps[] = { '.', '\t', ' ', '"', '&', '<', '>', 'a',
                                    0xe9, 0x4e2d, 0x1f600 };
    memset(v, 0, sizeof *v);
    v->size = (uint32_t)(sizeof cps / sizeof cps[0]);
    memcpy(v->cp, cps, sizeof cps);
}

static void odd_counts(uint64_t *c, size_t V)
{
    for (size_t i = 0; i < V; i++) {
        for (size_t j = 0; j < V; j++) {
            c[i * V + j] = (uint64_t)((i * 7 + j * 3) % 11) * 1000 + (i == j);
        }
    }
    c[0] = 0;
    c[1] = 10000000;  /* the maximum */
    c[2] = 5000000;   /* x = 0.5 */
}

static void test_plot_counts(void **state)
{
    mm_vocab v;
    uint64_t c[11 * 11];
    mm_model *m = NULL;
    size_t len = 0;
    (void)state;
    odd_vocab(&v);
    odd_counts(c, 11);
    assert_int_equal(mm_model_from_counts(&m, &v, c, 1.0), MM_OK);
    assert_int_equal(mm_plot_counts_svg(m, tpath("counts.svg")), MM_OK);
    char *s = (char *)slurp(tpath("counts.svg"), &len);
    assert_int_equal(strlen(s), len); /* no NUL inside */
    assert_true(strncmp(s, "<?xml", 5) == 0);
    assert_non_null(strstr(s, "</svg>\n"));
    assert_int_equal(count_str(s, "<text "), 2 * 11 * 11);
    assert_int_equal(count_str(s, "<rect "), 1 + 11 * 11);
    assert_non_null(strstr(s, ">..</text>"));
    assert_non_null(strstr(s, ">.\xe2\x90\x89</text>"));      /* '.' + tab */
    assert_non_null(strstr(s, ">&amp;&lt;</text>"));
    assert_non_null(strstr(s, ">&gt;&quot;</text>"));
    assert_non_null(strstr(s, ">\xc3\xa9\xe4\xb8\xad</text>"));
    assert_non_null(strstr(s, ">\xf0\x9f\x98\x80 </text>"));
    assert_non_null(strstr(s, ">10000000</text>"));
    assert_null(strchr(s, '\t'));
    /* matplotlib Blues at 0, 0.5 and 1 (the first three cells) */
    const char *p0 = strstr(s, "fill=\"#f7fbff\"");
    const char *p1 = strstr(s, "fill=\"#08306b\"");
    const char *p2 = strstr(s, "fill=\"#6aaed6\"");
    assert_non_null(p0);
    assert_non_null(p1);
    assert_non_null(p2);
    assert_true(p0 < p1 && p1 < p2);
    free(s);

    /* Errors: no model, no path, a neural model (no counts). */
    assert_int_equal(mm_plot_counts_svg(NULL, tpath("n.svg")), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_plot_counts_svg(m, NULL), MM_ERR_INVALID_ARG);
    expect_fail(mm_plot_counts_svg(m, tpath("nodir/c.svg")), MM_ERR_IO, "c.svg",
                NULL);
    mm_model_destroy(m);
    m = NULL;
    assert_int_equal(mm_model_alloc(&m, MM_MODEL_NEURAL, &v), MM_OK);
    expect_fail(mm_plot_counts_svg(m, tpath("n.svg")), MM_ERR_INVALID_ARG, "n.svg",
                "count");
    mm_model_destroy(m);
    assert_int_equal(access(tpath("n.svg"), F_OK), -1);
}

static void check_loss_svg(const char *path)
{
    size_t len = 0;
    char *s = (char *)slurp(path, &len);
    assert_true(strncmp(s, "<?xml", 5) == 0);
    assert_non_null(strstr(s, "</svg>\n"));
    assert_null(strstr(s, "nan"));
    assert_null(strstr(s, "inf"));
    assert_null(strstr(s, "\"-"));  /* no coordinate left the canvas */
    free(s);
}

static void test_plot_loss(void **state)
{
    double loss[200];
    uint64_t step[200];
    size_t len = 0;
    (void)state;
    for (size_t i = 0; i < 200; i++) {
        step[i] = i * 10;
        loss[i] = 2.45 + 1.0 / (1.0 + (double)i);
    }
    loss[50] = NAN;
    loss[51] = INFINITY;
    assert_int_equal(mm_plot_loss_svg(loss, step, 200, tpath("loss.svg"),
                                      "loss <a & b> \xff\xc3\xa9\n"), MM_OK);
    check_loss_svg(tpath("loss.svg"));
    char *s = (char *)slurp(tpath("loss.svg"), &len);
    assert_non_null(strstr(s, "loss &lt;a &amp; b&gt; \xef\xbf\xbd\xc3\xa9 </text>"));
    assert_int_equal(count_str(s, "<path "), 1);
    assert_int_equal(count_str(s, " M"), 1);   /* the gap starts one subpath */
    assert_non_null(strstr(s, ">2.6</text>"));
    assert_non_null(strstr(s, ">3.6</text>"));
    assert_non_null(strstr(s, ">2000</text>"));
    free(s);

    /* Edge cases draw something valid. */
    static const double flat[3] = { 1.5, 1.5, 1.5 };
    static const double ext[4] = { DBL_MAX, -DBL_MAX, 1e-300, 0.0 };
    static const double bad[2] = { NAN, -INFINITY };
    static const double tiny[2] = { 1e-20, 1.0000000001e-20 };
    static const uint64_t big[2] = { 0, UINT64_MAX };
    assert_int_equal(mm_plot_loss_svg(NULL, NULL, 0, tpath("l0.svg"), NULL), MM_OK);
    check_loss_svg(tpath("l0.svg"));
    assert_int_equal(mm_plot_loss_svg(flat, NULL, 3, tpath("l1.svg"), ""), MM_OK);
    check_loss_svg(tpath("l1.svg"));
    assert_int_equal(mm_plot_loss_svg(flat, NULL, 1, tpath("l2.svg"), "one"), MM_OK);
    check_loss_svg(tpath("l2.svg"));
    assert_int_equal(mm_plot_loss_svg(ext, NULL, 4, tpath("l3.svg"), NULL), MM_OK);
    check_loss_svg(tpath("l3.svg"));
    assert_int_equal(mm_plot_loss_svg(bad, NULL, 2, tpath("l4.svg"), NULL), MM_OK);
    check_loss_svg(tpath("l4.svg"));
    assert_int_equal(mm_plot_loss_svg(tiny, big, 2, tpath("l5.svg"), NULL), MM_OK);
    check_loss_svg(tpath("l5.svg"));
    assert_int_equal(mm_plot_loss_svg(NULL, NULL, 3, tpath("l6.svg"), NULL),
                     MM_ERR_INVALID_ARG);
    assert_int_equal(mm_plot_loss_svg(flat, NULL, 3, NULL, NULL), MM_ERR_INVALID_ARG);
}

/* A decimal-comma locale must not leak into coordinates. */
static void test_plot_locale(void **state)
{
    static const char *names[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                   "fr_FR.utf8", NULL };
    double loss[3] = { 2.5, 2.25, 2.125 };
    size_t len = 0;
    const char *got = NULL;
    (void)state;
    for (size_t i = 0; names[i] != NULL && got == NULL; i++) {
        got = setlocale(LC_NUMERIC, names[i]);
    }
    if (got == NULL) {
        skip();
    }
    mm_status s = mm_plot_loss_svg(loss, NULL, 3, tpath("loc.svg"), NULL);
    setlocale(LC_NUMERIC, "C");
    assert_int_equal(s, MM_OK);
    char *t = (char *)slurp(tpath("loc.svg"), &len);
    const char *d = strstr(t, " d=\"");
    assert_non_null(d);
    assert_null(strchr(d, ','));
    free(t);
}

/* ---- Modes for npy_numpy_check.py --------------------------------------- */

/* Values the script recomputes: keep the formulas in step with it. */
static int emit(const char *dir)
{
    char p[1024];
    int64_t iv[3 * 5];
    float fv[27 * 27];
    mm_vocab v;
    uint64_t c[11 * 11];
    mm_model *m = NULL;
    double loss[100];
    uint64_t step[100];
    int bad = 0;

    for (int i = 0; i < 15; i++) {
        iv[i] = (int64_t)(i - 7) * 123456789012345LL;
    }
    iv[0] = INT64_MIN;
    iv[14] = INT64_MAX;
    for (int i = 0; i < 27 * 27; i++) {
        fv[i] = (float)i * 0.25f - 100.0f;
    }
    fv[0] = -0.0f;
    fv[1] = FLT_MAX;
    fv[2] = 1.0e-45f;
    fv[3] = FLT_MIN;
    snprintf(p, sizeof p, "%s/i64.npy", dir);
    bad |= mm_npy_write_i64(p, iv, 3, 5) != MM_OK;
    snprintf(p, sizeof p, "%s/f32.npy", dir);
    bad |= mm_npy_write_f32(p, fv, 27, 27) != MM_OK;
    snprintf(p, sizeof p, "%s/f32_empty.npy", dir);
    bad |= mm_npy_write_f32(p, NULL, 0, 5) != MM_OK;
    odd_vocab(&v);
    odd_counts(c, 11);
    if (mm_model_from_counts(&m, &v, c, 1.0) == MM_OK) {
        snprintf(p, sizeof p, "%s/counts.svg", dir);
        bad |= mm_plot_counts_svg(m, p) != MM_OK;
        mm_model_destroy(m);
    } else {
        bad = 1;
    }
    for (int i = 0; i < 100; i++) {
        step[i] = (uint64_t)i * 100;
        loss[i] = 3.3 - log1p(i) * 0.2;
    }
    snprintf(p, sizeof p, "%s/loss.svg", dir);
    bad |= mm_plot_loss_svg(loss, step, 100, p, "training loss & <friends>") != MM_OK;
    if (bad) {
        fprintf(stderr, "emit: %s\n", mm_errmsg());
        return 1;
    }
    return 0;
}

static int read_one(const char *path)
{
    float *a = NULL;
    size_t r = 0;
    size_t c = 0;
    mm_status s = mm_npy_read_f32(path, &a, &r, &c);
    if (s != MM_OK) {
        printf("ERR %s: %s\n", mm_status_str(s), mm_errmsg());
        return 1;
    }
    printf("OK %zu %zu\n", r, c);
    for (size_t i = 0; i < r * c; i++) {
        printf("%a\n", (double)a[i]);
    }
    free(a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--emit") == 0) {
        return emit(argv[2]);
    }
    if (argc == 3 && strcmp(argv[1], "--read") == 0) {
        return read_one(argv[2]);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_f32),
        cmocka_unit_test(test_header_golden),
        cmocka_unit_test(test_i64_bytes),
        cmocka_unit_test(test_header_widths),
        cmocka_unit_test(test_write_invalid),
        cmocka_unit_test(test_reject_header),
        cmocka_unit_test(test_reject_values),
        cmocka_unit_test(test_reject_prefix),
        cmocka_unit_test(test_accept_variants),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_read_file_errors),
        cmocka_unit_test(test_plot_counts),
        cmocka_unit_test(test_plot_loss),
        cmocka_unit_test(test_plot_locale),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
