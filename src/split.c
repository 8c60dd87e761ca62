/*
 * split.c - a corpus split into train/dev/test parts (the lecture's E02):
 * a seeded random partition with exactly the sizes of a shuffle followed by
 * slicing, computed in two streaming passes and O(1) memory.
 *
 * The rule (reproducible from this comment alone):
 *   - the names are the corpus's non-empty lines, in file order (a CRLF
 *     line is written back with LF), n of them;
 *   - part j of P, with ratios r_0..r_{P-1} summing to R, gets
 *     floor(n (r_0 + .. + r_j) / R) - floor(n (r_0 + .. + r_{j-1}) / R)
 *     names (80,10,10 gives int(0.8 n), then up to int(0.9 n), as the
 *     lecture's n1, n2);
 *   - g is MT19937 seeded as torch.Generator().manual_seed(seed); with m
 *     names left and need_j names still wanted by part j, the next name
 *     draws x = (g() << 32) | g() (two 32-bit words, first high) until
 *     x < 2^64 - (2^64 mod m), then r = x mod m, and goes to the first
 *     part j with r < need_0 + .. + need_j.
 * Every partition with those sizes is equally likely (selection sampling,
 * Knuth's algorithm S), the same seed gives the same split on any machine,
 * and each part keeps the file's order.  The corpus is read through its
 * mapping, page by page, so it may be larger than memory; standard input is
 * read into memory first (it cannot be read twice).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "internal.h"

/* The next non-empty line of c at *pos: its start and length without the
 * line end; 0 at the end of the data. */
static int mm_next_name(const mm_corpus *c, size_t *pos, const uint8_t **s, size_t *len)
{
    while (*pos < c->size) {
        const uint8_t *p = c->data + *pos;
        const uint8_t *nl = memchr(p, '\n', c->size - *pos);
        size_t n = nl ? (size_t)(nl - p) : c->size - *pos;
        *pos += n + (nl != NULL);
        size_t e = n;
        if (e > 0 && p[e - 1] == '\r') {
            e--;
        }
        if (e > 0) {
            *s = p;
            *len = e;
            return 1;
        }
    }
    return 0;
}

/* Uniform in [0, m), m > 0, exactly (rejection of the biased top). */
static uint64_t mm_split_draw(mm_rng *g, uint64_t m)
{
    uint64_t limit = UINT64_MAX - (UINT64_MAX % m + 1) % m; /* largest multiple of m, minus 1 */
    for (;;) {
        uint64_t hi = mm_rng_u32(g);
        uint64_t x = (hi << 32) | mm_rng_u32(g);
        if (x <= limit) {
            return x % m;
        }
    }
}

mm_status mm_split_corpus(const char *path, const uint32_t *ratios, size_t parts,
                          uint64_t seed, const char *const *out_paths, uint64_t *sizes)
{
    if (path == NULL || ratios == NULL || out_paths == NULL || parts < 2 ||
        parts > MM_SPLIT_MAX_PARTS) {
        return mm_fail(MM_ERR_INVALID_ARG, "split: 2 to %d parts, each with a path",
                       MM_SPLIT_MAX_PARTS);
    }
    uint64_t R = 0;
    for (size_t j = 0; j < parts; j++) {
        R += ratios[j];
        if (out_paths[j] == NULL) {
            return mm_fail(MM_ERR_INVALID_ARG, "split: part %zu has no path", j);
        }
    }
    if (R == 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "split: the ratios sum to 0");
    }
    mm_corpus *c = NULL;
    mm_status st = mm_corpus_open(&c, path);
    if (st != MM_OK) {
        return st;
    }
    const uint8_t *s = NULL;
    size_t len = 0, pos = 0;
    uint64_t n = 0;
    while (mm_next_name(c, &pos, &s, &len)) {
        n++;
    }
    if (n == 0) {
        /* three empty parts would only hide the mistake, as count and train
         * refuse such a corpus too */
        mm_corpus_close(c);
        return mm_require_names(0, path, MM_NAMES_COUNT);
    }
    uint64_t need[MM_SPLIT_MAX_PARTS], cum = 0, prev = 0;
    for (size_t j = 0; j < parts; j++) {
        cum += ratios[j];
        uint64_t b = (uint64_t)((unsigned __int128)n * cum / R);
        need[j] = b - prev;
        prev = b;
        if (sizes != NULL) {
            sizes[j] = need[j];
        }
    }
    mm_outfile o[MM_SPLIT_MAX_PARTS];
    size_t opened = 0;
    for (; opened < parts && st == MM_OK; opened++) {
        st = mm_outfile_open(&o[opened], out_paths[opened]);
        if (st != MM_OK) {
            break;
        }
    }
    mm_rng g;
    mm_rng_seed(&g, seed);
    pos = 0;
    for (uint64_t left = n; st == MM_OK && left > 0; left--) {
        mm_next_name(c, &pos, &s, &len);
        uint64_t r = mm_split_draw(&g, left), acc = 0;
        size_t j = 0;
        while (r >= acc + need[j]) {
            acc += need[j];
            j++;
        }
        need[j]--;
        if (fwrite(s, 1, len, o[j].fp) != len || putc('\n', o[j].fp) == EOF) {
            st = mm_fail(MM_ERR_IO, "%s: write failed: %s", out_paths[j], strerror(errno));
        }
    }
    if (st == MM_OK) {
        st = mm_corpus_check_intact(c);
    }
    for (size_t j = 0; j < opened; j++) {
        if (st == MM_OK) {
            st = mm_outfile_commit(&o[j]);
        } else {
            mm_outfile_abort(&o[j]);
        }
    }
    mm_corpus_close(c);
    return st;
}
