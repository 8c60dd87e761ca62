/*
 * npy.c - NumPy .npy export and import, so that counts and weights move
 * between this library and numpy/PyTorch (np.load, torch.from_numpy).
 *
 * Writing: format 1.0, '<i8' or '<f4', C order, shape (rows, cols), with the
 * header laid out byte for byte as numpy >= 1.24 np.save lays it out: the
 * dict repr, room for the first axis to grow, spaces, '\n', so that the data
 * starts at a multiple of 64 (numpy's ARRAY_ALIGN).  Output goes through
 * mm_outfile, so a failed write never leaves a half-written file.
 *
 * Reading accepts only what the model can use, a 2-D finite '<f4' array in
 * C order, from format 1.0, 2.0 or 3.0; mm_npy_read_weights also takes
 * numpy's default '<f8', rounded to float32 and counting the values that
 * rounding changed.  The header is a Python dict literal;
 * rather than evaluate Python, the parser accepts the subset writers emit
 * (numpy, cnpy, npyz, ...): single or double quoted strings without escapes,
 * keys in any order, optional trailing commas, any whitespace, and Python 2's
 * 'L' suffix on lengths in 1.0/2.0 files, as numpy's _filter_header does.
 * The input may be hostile (the parser is fuzzed), so every read is bounded
 * by the buffer, every size product is checked for overflow, and the one
 * allocation is made only after the shape has been matched against the bytes
 * actually present.  Alignment of the data is not required on input: values
 * are decoded byte by byte, which also keeps the code endian-neutral.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "npy.h"

#define MM_NPY_MAGIC "\x93NUMPY"
#define MM_NPY_MAGIC_LEN 6
#define MM_NPY_ALIGN 64
/* numpy's GROWTH_AXIS_MAX_DIGITS: np.save pads the dict so the first axis
 * can later grow to this many digits in place. */
#define MM_NPY_GROWTH_DIGITS 21

/* ---- Writing ------------------------------------------------------------- */

static size_t mm_npy_digits(size_t v)
{
    size_t d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Encode element i of data (esize 8: int64, 4: float32) little-endian. */
static void mm_npy_put_le(unsigned char *dst, const void *data, size_t i,
                          size_t esize)
{
    uint64_t u = 0;
    if (esize == 8) {
        int64_t v = ((const int64_t *)data)[i];
        u = (uint64_t)v;
    } else {
        uint32_t w = 0;
        memcpy(&w, (const float *)data + i, sizeof w);
        u = w;
    }
    for (size_t b = 0; b < esize; b++) {
        dst[b] = (unsigned char)(u >> (8 * b));
    }
}

static mm_status mm_npy_write(const char *path, const void *data, size_t rows,
                              size_t cols, const char *descr, size_t esize)
{
    mm_outfile o = {0};
    int opened = 0;
    mm_status s = MM_OK;
    unsigned char hdr[512];
    unsigned char chunk[4096];
    size_t n = 0;

    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "npy: no output path given");
    }
    if (cols != 0 && rows > SIZE_MAX / cols) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: shape (%zu, %zu) is too large",
                       path, rows, cols);
    }
    n = rows * cols;
    if (n > (SIZE_MAX - sizeof hdr) / esize) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: shape (%zu, %zu) is too large",
                       path, rows, cols);
    }
    if (n > 0 && data == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: no data for shape (%zu, %zu)",
                       path, rows, cols);
    }

    /* Header as numpy's _write_array_header + _wrap_header (version 1.0):
     * dict repr, growth room, then spaces and '\n' up to the alignment.
     * With two size_t dimensions it is well under 512 bytes. */
    memcpy(hdr, MM_NPY_MAGIC "\x01\x00", MM_NPY_MAGIC_LEN + 2);
    size_t pos = MM_NPY_MAGIC_LEN + 4;
    int k = snprintf((char *)hdr + pos, sizeof hdr - pos,
                     "{'descr': '%s', 'fortran_order': False, "
                     "'shape': (%zu, %zu), }", descr, rows, cols);
    if (k < 0 || (size_t)k >= sizeof hdr - pos) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: cannot format .npy header", path);
    }
    pos += (size_t)k;
    size_t grow = MM_NPY_GROWTH_DIGITS - mm_npy_digits(rows);
    size_t hlen = (size_t)k + grow + 1; /* + the final '\n' */
    size_t padlen = MM_NPY_ALIGN - ((MM_NPY_MAGIC_LEN + 4 + hlen) % MM_NPY_ALIGN);
    size_t total = pos + grow + padlen + 1;
    if (total > sizeof hdr) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: cannot format .npy header", path);
    }
    memset(hdr + pos, ' ', grow + padlen);
    hdr[total - 1] = '\n';
    hdr[MM_NPY_MAGIC_LEN + 2] = (unsigned char)((hlen + padlen) & 0xff);
    hdr[MM_NPY_MAGIC_LEN + 3] = (unsigned char)((hlen + padlen) >> 8);

    s = mm_outfile_open(&o, path);
    if (s != MM_OK) {
        goto cleanup;
    }
    opened = 1;
    if (fwrite(hdr, 1, total, o.fp) != total) {
        s = mm_fail(MM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
        goto cleanup;
    }
    size_t per = sizeof chunk / esize;
    for (size_t i = 0; i < n; i += per) {
        size_t m = n - i < per ? n - i : per;
        for (size_t j = 0; j < m; j++) {
            mm_npy_put_le(chunk + j * esize, data, i + j, esize);
        }
        if (fwrite(chunk, esize, m, o.fp) != m) {
            s = mm_fail(MM_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
            goto cleanup;
        }
    }
    s = mm_outfile_commit(&o); /* removes the temporary itself on failure */
    opened = 0;

cleanup:
    if (opened) {
        mm_outfile_abort(&o);
    }
    return s;
}

mm_status mm_npy_write_i64(const char *path, const int64_t *data, size_t rows,
                           size_t cols)
{
    return mm_npy_write(path, data, rows, cols, "<i8", 8);
}

mm_status mm_npy_write_f32(const char *path, const float *data, size_t rows,
                           size_t cols)
{
    return mm_npy_write(path, data, rows, cols, "<f4", 4);
}

/* ---- Header parsing ------------------------------------------------------ */

/* Cursor over the header text and what has been found in it. */
typedef struct mm_npy_hdr {
    const unsigned char *begin;
    const unsigned char *p;
    const unsigned char *end;
    int allow_long;              /* 1.0/2.0: accept Python 2's 3L */
    const char *err;             /* first syntax problem, NULL if none */
    size_t err_at;               /* its offset in the header */
    char detail[48];             /* sanitized text the problem concerns */

    int have_descr, have_fortran, have_shape;
    int descr_is_str;            /* descr was a string, not a list */
    const unsigned char *descr;
    size_t descr_len;
    int fortran;
    size_t ndim;
    uint64_t dim[2];
    int dim_negative;            /* some dimension was < 0 */
    int dim_overflow;            /* some dimension did not fit 64 bits */
} mm_npy_hdr;

/* Copy up to 40 bytes of s into dst as printable ASCII, so that a hostile
 * file cannot put control sequences into a message a terminal will show. */
static void mm_npy_sanitize(char *dst, size_t cap, const unsigned char *s,
                            size_t n)
{
    size_t k = 0;
    size_t lim = n > 40 ? 40 : n;
    for (size_t i = 0; i < lim && k + 1 < cap; i++) {
        dst[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    }
    if (n > lim) {
        for (int i = 0; i < 3 && k + 1 < cap; i++) {
            dst[k++] = '.';
        }
    }
    dst[k] = '\0';
}

static int mm_npy_fail_at(mm_npy_hdr *h, const char *what)
{
    if (h->err == NULL) {
        h->err = what;
        h->err_at = (size_t)(h->p - h->begin);
    }
    return -1;
}

static int mm_npy_is_ident(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Whitespace the Python tokenizer skips inside brackets. */
static void mm_npy_ws(mm_npy_hdr *h)
{
    while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' || *h->p == '\n' ||
                             *h->p == '\r' || *h->p == '\f')) {
        h->p++;
    }
}

static int mm_npy_expect(mm_npy_hdr *h, unsigned char c, const char *what)
{
    if (h->p >= h->end || *h->p != c) {
        return mm_npy_fail_at(h, what);
    }
    h->p++;
    return 0;
}

/* A quoted string without escapes; *s, *n point into the header. */
static int mm_npy_string(mm_npy_hdr *h, const unsigned char **s, size_t *n)
{
    if (h->p >= h->end || (*h->p != '\'' && *h->p != '"')) {
        return mm_npy_fail_at(h, "expected a quoted string");
    }
    unsigned char q = *h->p++;
    const unsigned char *start = h->p;
    while (h->p < h->end && *h->p != q) {
        if (*h->p == '\\') {
            return mm_npy_fail_at(h, "escape sequences in strings are not supported");
        }
        if (*h->p == '\n' || *h->p == '\r') {
            return mm_npy_fail_at(h, "unterminated string");
        }
        h->p++;
    }
    if (h->p >= h->end) {
        return mm_npy_fail_at(h, "unterminated string");
    }
    *s = start;
    *n = (size_t)(h->p - start);
    h->p++;
    return 0;
}

static int mm_npy_bool(mm_npy_hdr *h, int *v)
{
    size_t left = (size_t)(h->end - h->p);
    if (left >= 4 && memcmp(h->p, "True", 4) == 0 &&
        (left == 4 || !mm_npy_is_ident(h->p[4]))) {
        h->p += 4;
        *v = 1;
        return 0;
    }
    if (left >= 5 && memcmp(h->p, "False", 5) == 0 &&
        (left == 5 || !mm_npy_is_ident(h->p[5]))) {
        h->p += 5;
        *v = 0;
        return 0;
    }
    return mm_npy_fail_at(h, "fortran_order is not True or False");
}

/* A decimal integer, optionally negative; flags instead of failing on values
 * that are negative or too large, so the message can say which. */
static int mm_npy_int(mm_npy_hdr *h, uint64_t *v, int *neg, int *ovf)
{
    uint64_t x = 0;
    *neg = 0;
    *ovf = 0;
    if (h->p < h->end && *h->p == '-') {
        *neg = 1;
        h->p++;
    }
    if (h->p >= h->end || *h->p < '0' || *h->p > '9') {
        return mm_npy_fail_at(h, "expected an integer dimension");
    }
    while (h->p < h->end && *h->p >= '0' && *h->p <= '9') {
        unsigned d = (unsigned)(*h->p - '0');
        if (x > (UINT64_MAX - d) / 10) {
            *ovf = 1;
        } else {
            x = x * 10 + d;
        }
        h->p++;
    }
    if (h->allow_long && h->p < h->end && *h->p == 'L') {
        h->p++;
    }
    if (h->p < h->end && mm_npy_is_ident(*h->p)) {
        return mm_npy_fail_at(h, "malformed integer in shape");
    }
    *v = x;
    return 0;
}

/* A tuple of integers: (), (n,), (a, b), (a, b,), ... */
static int mm_npy_shape(mm_npy_hdr *h)
{
    int commas = 0;
    h->ndim = 0;
    if (mm_npy_expect(h, '(', "shape is not a tuple") != 0) {
        return -1;
    }
    mm_npy_ws(h);
    while (h->p < h->end && *h->p != ')') {
        uint64_t v = 0;
        int neg = 0;
        int ovf = 0;
        if (h->ndim > 0 && !commas) {
            return mm_npy_fail_at(h, "expected ',' or ')' in shape");
        }
        if (mm_npy_int(h, &v, &neg, &ovf) != 0) {
            return -1;
        }
        if (h->ndim < 2) {
            h->dim[h->ndim] = v;
        }
        h->ndim++;
        h->dim_negative |= neg && (v != 0 || ovf);
        h->dim_overflow |= ovf;
        mm_npy_ws(h);
        commas = 0;
        if (h->p < h->end && *h->p == ',') {
            commas = 1;
            h->p++;
            mm_npy_ws(h);
        }
    }
    if (mm_npy_expect(h, ')', "unterminated shape tuple") != 0) {
        return -1;
    }
    if (h->ndim == 1 && !commas) {
        /* "(5)" is the integer 5 in Python, not a tuple */
        return mm_npy_fail_at(h, "shape is not a tuple");
    }
    return 0;
}

static int mm_npy_key_is(const unsigned char *k, size_t n, const char *want)
{
    return n == strlen(want) && memcmp(k, want, n) == 0;
}

static int mm_npy_value(mm_npy_hdr *h, const unsigned char *k, size_t kn)
{
    if (mm_npy_key_is(k, kn, "descr")) {
        if (h->have_descr) {
            return mm_npy_fail_at(h, "duplicate key 'descr'");
        }
        h->have_descr = 1;
        if (h->p < h->end && (*h->p == '\'' || *h->p == '"')) {
            h->descr_is_str = 1;
            return mm_npy_string(h, &h->descr, &h->descr_len);
        }
        /* A list (structured dtype) or anything else: no need to parse it,
         * it is rejected either way. */
        return mm_npy_fail_at(h, "descr is not a simple dtype string "
                                 "(structured dtypes are not supported)");
    }
    if (mm_npy_key_is(k, kn, "fortran_order")) {
        if (h->have_fortran) {
            return mm_npy_fail_at(h, "duplicate key 'fortran_order'");
        }
        h->have_fortran = 1;
        return mm_npy_bool(h, &h->fortran);
    }
    if (mm_npy_key_is(k, kn, "shape")) {
        if (h->have_shape) {
            return mm_npy_fail_at(h, "duplicate key 'shape'");
        }
        h->have_shape = 1;
        return mm_npy_shape(h);
    }
    mm_npy_sanitize(h->detail, sizeof h->detail, k, kn);
    return mm_npy_fail_at(h, "unexpected key");
}

/* The whole header: ws '{' (key ':' value ',')* '}' ws. */
static int mm_npy_dict(mm_npy_hdr *h)
{
    mm_npy_ws(h);
    if (mm_npy_expect(h, '{', "header is not a dict literal") != 0) {
        return -1;
    }
    for (;;) {
        const unsigned char *k = NULL;
        size_t kn = 0;
        mm_npy_ws(h);
        if (h->p < h->end && *h->p == '}') {
            break;
        }
        if (mm_npy_string(h, &k, &kn) != 0) {
            return -1;
        }
        mm_npy_ws(h);
        if (mm_npy_expect(h, ':', "expected ':' after key") != 0) {
            return -1;
        }
        mm_npy_ws(h);
        if (mm_npy_value(h, k, kn) != 0) {
            return -1;
        }
        mm_npy_ws(h);
        if (h->p < h->end && *h->p == ',') {
            h->p++;
            continue;
        }
        if (h->p >= h->end || *h->p != '}') {
            return mm_npy_fail_at(h, "expected ',' or '}'");
        }
    }
    h->p++; /* the '}' */
    mm_npy_ws(h);
    if (h->p != h->end) {
        return mm_npy_fail_at(h, "unexpected text after the dict");
    }
    return 0;
}

/* ---- Reading ------------------------------------------------------------- */

static uint32_t mm_npy_le32(const unsigned char *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

mm_status mm_npy_parse_f32(const unsigned char *buf, size_t len,
                           const char *name, float **out, size_t *rows,
                           size_t *cols)
{
    return mm_npy_parse_weights(buf, len, name, 0, out, rows, cols, NULL);
}

mm_status mm_npy_parse_weights(const unsigned char *buf, size_t len, const char *name,
                               int allow_f8, float **out, size_t *rows, size_t *cols,
                               mm_npy_info *info)
{
    float *a = NULL;
    mm_status s = MM_OK;
    mm_npy_hdr h;
    char dt[48];

    if (out == NULL || rows == NULL || cols == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "npy: NULL output pointer");
    }
    *out = NULL;
    *rows = 0;
    *cols = 0;
    if (name == NULL) {
        name = "<memory>";
    }
    if (buf == NULL && len > 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: NULL buffer", name);
    }
    if (len < MM_NPY_MAGIC_LEN || memcmp(buf, MM_NPY_MAGIC, MM_NPY_MAGIC_LEN) != 0) {
        return mm_fail(MM_ERR_FORMAT, "%s: not a .npy file (bad magic)", name);
    }
    if (len < MM_NPY_MAGIC_LEN + 2) {
        return mm_fail(MM_ERR_FORMAT, "%s: truncated .npy file (no version)", name);
    }
    unsigned major = buf[MM_NPY_MAGIC_LEN];
    unsigned minor = buf[MM_NPY_MAGIC_LEN + 1];
    if (major < 1 || major > 3 || minor != 0) {
        return mm_fail(MM_ERR_FORMAT, "%s: unsupported .npy version %u.%u "
                       "(want 1.0, 2.0 or 3.0)", name, major, minor);
    }
    /* 1.0 has a 2-byte header length, 2.0 and 3.0 a 4-byte one. */
    size_t lenfield = major == 1 ? 2 : 4;
    size_t hstart = MM_NPY_MAGIC_LEN + 2 + lenfield;
    if (len < hstart) {
        return mm_fail(MM_ERR_FORMAT, "%s: truncated .npy file (no header length)",
                       name);
    }
    const unsigned char *lf = buf + MM_NPY_MAGIC_LEN + 2;
    uint32_t hlen = major == 1 ? (uint32_t)lf[0] | ((uint32_t)lf[1] << 8)
                               : mm_npy_le32(lf);
    if (hlen > len - hstart) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy header length %lu runs past the "
                       "end of the file (%zu bytes)", name, (unsigned long)hlen,
                       len);
    }

    memset(&h, 0, sizeof h);
    h.begin = buf + hstart;
    h.p = h.begin;
    h.end = h.begin + hlen;
    h.allow_long = major < 3;
    if (mm_npy_dict(&h) != 0) {
        if (h.detail[0] != '\0') {
            return mm_fail(MM_ERR_FORMAT, "%s: bad .npy header: %s '%s' "
                           "(header byte %zu)", name, h.err, h.detail, h.err_at);
        }
        return mm_fail(MM_ERR_FORMAT, "%s: bad .npy header: %s (header byte %zu)",
                       name, h.err, h.err_at);
    }
    if (!h.have_descr || !h.have_fortran || !h.have_shape) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy header lacks '%s'", name,
                       !h.have_descr ? "descr"
                       : !h.have_fortran ? "fortran_order" : "shape");
    }
    /* numpy's default dtype is float64: --init takes it, rounded to float32 */
    const int f8 = allow_f8 && h.descr_len == 3 && memcmp(h.descr, "<f8", 3) == 0;
    const size_t es = f8 ? 8 : 4;
    if (!f8 && !(h.descr_len == 3 && memcmp(h.descr, "<f4", 3) == 0)) {
        mm_npy_sanitize(dt, sizeof dt, h.descr, h.descr_len);
        return mm_fail(MM_ERR_FORMAT, "%s: .npy dtype '%s' is not supported "
                       "(want '<f4', little-endian float32%s)", name, dt,
                       allow_f8 ? ", or '<f8', float64" : "");
    }
    if (h.fortran) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy array is in Fortran order "
                       "(fortran_order True); want C order", name);
    }
    if (h.ndim != 2) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy array is %zu-dimensional; "
                       "want 2-D (rows, cols)", name, h.ndim);
    }
    if (h.dim_negative) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy shape has a negative dimension",
                       name);
    }
    if (h.dim_overflow || h.dim[0] > SIZE_MAX || h.dim[1] > SIZE_MAX) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy shape dimension is too large",
                       name);
    }
    size_t r = (size_t)h.dim[0];
    size_t c = (size_t)h.dim[1];
    size_t have = len - hstart - hlen;
    if (c != 0 && r > SIZE_MAX / c) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy shape (%zu, %zu) is too large",
                       name, r, c);
    }
    size_t n = r * c;
    if (n > SIZE_MAX / es) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy shape (%zu, %zu) is too large",
                       name, r, c);
    }
    if (n * es != have) {
        return mm_fail(MM_ERR_FORMAT, "%s: .npy shape (%zu, %zu) needs %zu data "
                       "bytes but the file has %zu%s", name, r, c, n * es, have,
                       have < n * es ? " (truncated)" : "");
    }

    /* n * es == have <= len: the allocation is bounded by the input. */
    a = malloc(n > 0 ? n * sizeof *a : sizeof *a);
    if (a == NULL) {
        s = mm_fail(MM_ERR_NOMEM, "%s: out of memory for a %zu x %zu array",
                    name, r, c);
        goto cleanup;
    }
    const unsigned char *d = h.end;
    uint64_t inexact = 0;
    for (size_t i = 0; f8 && i < n; i++) {
        uint64_t u = (uint64_t)mm_npy_le32(d + 8 * i) |
                     ((uint64_t)mm_npy_le32(d + 8 * i + 4) << 32);
        if ((u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull) {
            s = mm_fail(MM_ERR_FORMAT, "%s: .npy value [%zu, %zu] is %s", name,
                        i / c, i % c, (u & 0x000fffffffffffffull) ? "NaN" : "infinite");
            goto cleanup;
        }
        double x;
        memcpy(&x, &u, sizeof x);
        float f = (float)x; /* round to nearest, as numpy's astype(float32) */
        uint32_t fb;
        memcpy(&fb, &f, sizeof fb);
        if ((fb & 0x7f800000u) == 0x7f800000u) {
            s = mm_fail(MM_ERR_FORMAT, "%s: .npy value [%zu, %zu] = %g is beyond "
                        "float32's range", name, i / c, i % c, x);
            goto cleanup;
        }
        inexact += (double)f != x;
        a[i] = f;
    }
    for (size_t i = 0; !f8 && i < n; i++) {
        uint32_t u = mm_npy_le32(d + 4 * i);
        /* All-ones exponent: inf or NaN.  Tested on the bits so that no
         * compiler flag can fold the check away. */
        if ((u & 0x7f800000u) == 0x7f800000u) {
            s = mm_fail(MM_ERR_FORMAT, "%s: .npy value [%zu, %zu] is %s", name,
                        i / c, i % c, (u & 0x007fffffu) ? "NaN" : "infinite");
            goto cleanup;
        }
        memcpy(a + i, &u, sizeof u);
    }
    *out = a;
    *rows = r;
    *cols = c;
    a = NULL;
    if (info != NULL) {
        info->float64 = f8;
        info->inexact = inexact;
    }

cleanup:
    free(a);
    return s;
}

/* The largest file read: a 256 x 256 float32 array (V <= 256) is 256 KiB;
 * headers are at most 64 KiB in format 1.0 and a few hundred bytes in
 * practice.  Anything larger is refused before a byte is read (a 2 GB file
 * behind a valid small header, /dev/zero). */
#define MM_NPY_MAX_FILE ((size_t)1 << 20)

/* Read a whole regular file into a malloc'd buffer, with one allocation
 * sized from fstat (+1 to see EOF). */
static mm_status mm_npy_slurp(const char *path, unsigned char **out, size_t *len)
{
    FILE *fp = NULL;
    unsigned char *buf = NULL;
    size_t cap = 4096;
    size_t n = 0;
    mm_status s = MM_OK;
    struct stat st;

    *out = NULL;
    *len = 0;
    int fd = mm_open_input(path, &st); /* a FIFO without writer: no hang */
    fp = fd < 0 ? NULL : fdopen(fd, "rb");
    if (fp == NULL) {
        s = mm_fail(MM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        goto cleanup;
    }
    if (S_ISDIR(st.st_mode)) {
        s = mm_fail(MM_ERR_IO, "%s: is a directory", path);
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        s = mm_fail(MM_ERR_IO, "%s: not a regular file (an array is read from a file)",
                    path);
        goto cleanup;
    }
    if ((uintmax_t)st.st_size > MM_NPY_MAX_FILE) {
        s = mm_fail(MM_ERR_FORMAT, "%s: %jd bytes is larger than any array makemore "
                    "reads (at most 256 x 256 float32, %zu bytes with its header)", path,
                    (intmax_t)st.st_size, MM_NPY_MAX_FILE);
        goto cleanup;
    }
    cap = (size_t)st.st_size + 1;
    buf = malloc(cap);
    if (buf == NULL) {
        s = mm_fail(MM_ERR_NOMEM, "%s: out of memory reading the file", path);
        goto cleanup;
    }
    for (;;) {
        if (n == cap) {
            unsigned char *nb = NULL;
            if (cap > MM_NPY_MAX_FILE) { /* it grew while we read */
                s = mm_fail(MM_ERR_FORMAT, "%s: larger than any array makemore reads", path);
                goto cleanup;
            }
            if (cap > SIZE_MAX / 2) {
                s = mm_fail(MM_ERR_NOMEM, "%s: file too large", path);
                goto cleanup;
            }
            nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                s = mm_fail(MM_ERR_NOMEM, "%s: out of memory reading the file",
                            path);
                goto cleanup;
            }
            buf = nb;
            cap *= 2;
        }
        size_t want = cap - n;
        size_t got = fread(buf + n, 1, want, fp);
        n += got;
        if (got < want) {
            if (ferror(fp)) {
                s = mm_fail(MM_ERR_IO, "%s: read error: %s", path, strerror(errno));
                goto cleanup;
            }
            if (feof(fp)) {
                break;
            }
        }
    }
    *out = buf;
    *len = n;
    buf = NULL;

cleanup:
    free(buf);
    if (fp != NULL) {
        fclose(fp);
    }
    return s;
}

mm_status mm_npy_read_f32(const char *path, float **out, size_t *rows,
                          size_t *cols)
{
    return mm_npy_read_weights(path, out, rows, cols, NULL);
}

mm_status mm_npy_read_weights(const char *path, float **out, size_t *rows, size_t *cols,
                              mm_npy_info *info)
{
    unsigned char *buf = NULL;
    size_t len = 0;
    mm_status s = MM_OK;

    if (out == NULL || rows == NULL || cols == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "npy: NULL output pointer");
    }
    *out = NULL;
    *rows = 0;
    *cols = 0;
    if (path == NULL || *path == '\0') {
        return mm_fail(MM_ERR_INVALID_ARG, "npy: no input path given");
    }
    s = mm_npy_slurp(path, &buf, &len);
    if (s != MM_OK) {
        goto cleanup;
    }
    s = mm_npy_parse_weights(buf, len, path, info != NULL, out, rows, cols, info);

cleanup:
    free(buf);
    return s;
}
