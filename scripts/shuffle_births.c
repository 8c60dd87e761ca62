/*
 * shuffle_births.c - stream a seeded random permutation of a multiset of
 * names: the "one line per birth" corpora of scripts/corpus.sh.
 *
 * Input (stdin): one "COUNT<TAB>NAME" line per distinct name.
 * Output (stdout): each NAME repeated COUNT times, one per line, in a
 * uniformly random order fixed by the seed; with -d D, only the first
 * floor(total / D) lines of that same order (a uniform sample without
 * replacement, and a prefix of the full corpus).
 *
 * Why this shape: the full SSA corpus is 372 M lines (2.56 GB), too big to
 * shuffle in memory and slow to shuffle through temporary files.  Drawing
 * without replacement from an urn needs only the remaining count per name:
 * each step picks r uniform in [0, remaining) and emits the name whose slice
 * of the running counts holds r, then decrements it.  A Fenwick tree over the
 * counts (padded to a power of two, so one descent both finds the name and
 * decrements every node that covers it) makes a step O(log n) in ~0.5 MB,
 * and the output is a single streaming write.
 *
 * Determinism: only fixed-width integer arithmetic.  The generator is
 * xoshiro256** seeded by splitmix64 (Blackman and Vigna, public domain); a
 * draw in [0, n) is Lemire's multiply-shift with rejection, so it is exactly
 * uniform.  The same input and seed give the same bytes on any platform.
 *
 * Build: cc -O2 -o shuffle_births shuffle_births.c (corpus.sh does this).
 * Usage: shuffle_births [-s SEED] [-d DIVISOR] < counts > lines
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OUTBUF_SIZE (1u << 20)
#define DEFAULT_SEED UINT64_C(0x6d616b656d6f7265) /* "makemore" in ASCII */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void rng_seed(rng *g, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        g->s[i] = splitmix64(&seed);
    }
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *g)
{
    uint64_t *s = g->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n), n > 0: Lemire, "Fast random integer generation in an
 * interval" (2019), on the generator's high 32 bits. */
static inline uint32_t rng_below(rng *g, uint32_t n)
{
    uint64_t m = (rng_next(g) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (rng_next(g) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    if (*s < '0' || *s > '9') {
        return -1;
    }
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 1;
    uint64_t seed = DEFAULT_SEED;
    uint64_t divisor = 1;
    char *line = NULL;
    size_t line_cap = 0;
    char *text = NULL;         /* every name followed by '\n', back to back */
    size_t text_len = 0, text_cap = 0;
    uint32_t *offset = NULL;   /* start of name i in text */
    uint32_t *left = NULL;     /* births of name i not yet written */
    size_t n = 0, cap = 0;
    uint64_t total = 0;
    uint32_t *tree = NULL;
    char *out = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &seed) != 0) {
                fprintf(stderr, "shuffle_births: bad seed '%s'\n", argv[i]);
                goto cleanup;
            }
        } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
            if (parse_u64(argv[++i], &divisor) != 0 || divisor == 0) {
                fprintf(stderr, "shuffle_births: bad divisor '%s'\n", argv[i]);
                goto cleanup;
            }
        } else {
            fprintf(stderr, "usage: shuffle_births [-s SEED] [-d DIVISOR] < counts > lines\n");
            goto cleanup;
        }
    }

    /* Read "COUNT\tNAME" lines. */
    ssize_t got;
    size_t lineno = 0;
    while ((got = getline(&line, &line_cap, stdin)) != -1) {
        lineno++;
        size_t len = (size_t)got;
        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
        }
        char *tab = memchr(line, '\t', len);
        uint64_t count = 0;
        if (tab == NULL) {
            fprintf(stderr, "shuffle_births: stdin line %zu: expected COUNT<TAB>NAME\n", lineno);
            goto cleanup;
        }
        *tab = '\0';
        const char *name = tab + 1;
        size_t name_len = len - (size_t)(name - line);
        if (parse_u64(line, &count) != 0 || count == 0 || count > UINT32_MAX) {
            fprintf(stderr, "shuffle_births: stdin line %zu: bad count '%s'\n", lineno, line);
            goto cleanup;
        }
        if (name_len == 0 || memchr(name, '\0', name_len) || memchr(name, '\t', name_len) ||
            memchr(name, '\r', name_len)) {
            fprintf(stderr, "shuffle_births: stdin line %zu: empty or bad name\n", lineno);
            goto cleanup;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 4096;
            uint32_t *o = realloc(offset, cap * sizeof *o);
            if (o == NULL) {
                goto nomem;
            }
            offset = o;
            uint32_t *l = realloc(left, cap * sizeof *l);
            if (l == NULL) {
                goto nomem;
            }
            left = l;
        }
        while (text_len + name_len + 1 > text_cap) {
            text_cap = text_cap ? 2 * text_cap : 1u << 16;
            char *t = realloc(text, text_cap);
            if (t == NULL) {
                goto nomem;
            }
            text = t;
        }
        if (text_len + name_len + 1 > UINT32_MAX) {
            fprintf(stderr, "shuffle_births: names too long in total\n");
            goto cleanup;
        }
        offset[n] = (uint32_t)text_len;
        memcpy(text + text_len, name, name_len);
        text[text_len + name_len] = '\n';
        text_len += name_len + 1;
        left[n] = (uint32_t)count;
        total += count;
        n++;
    }
    if (ferror(stdin)) {
        perror("shuffle_births: reading stdin");
        goto cleanup;
    }
    if (n == 0) {
        fprintf(stderr, "shuffle_births: no names on stdin\n");
        goto cleanup;
    }
    if (total > UINT32_MAX || n >= (size_t)1 << 31) {
        fprintf(stderr, "shuffle_births: %" PRIu64 " lines is over the 2^32-1 this tool handles\n",
                total);
        goto cleanup;
    }

    /* Fenwick tree over the counts, 1-based, size a power of two so that the
     * descent from the root meets exactly the nodes that cover the chosen
     * name (the ones where it turns left). */
    size_t size = 1;
    while (size < n) {
        size <<= 1;
    }
    tree = calloc(size + 1, sizeof *tree);
    out = malloc(OUTBUF_SIZE);
    if (tree == NULL || out == NULL) {
        goto nomem;
    }
    for (size_t i = 0; i < n; i++) {
        tree[i + 1] = left[i];
    }
    for (size_t i = 1; i <= size; i++) {
        size_t parent = i + (i & (~i + 1));
        if (parent <= size) {
            tree[parent] += tree[i];
        }
    }

    rng g;
    rng_seed(&g, seed);
    uint64_t lines = total / divisor;
    uint32_t remaining = (uint32_t)total;
    unsigned decile = 1;
    uint64_t next_report = lines / 10;
    size_t used = 0;
    for (uint64_t k = 0; k < lines; k++, remaining--) {
        uint32_t r = rng_below(&g, remaining);
        size_t pos = 0;
        for (size_t step = size; step > 0; step >>= 1) {
            size_t node = pos + step;
            uint32_t v = tree[node];
            if (v <= r) {
                r -= v;
                pos = node;
            } else {
                tree[node] = v - 1;
            }
        }
        /* pos is the 0-based index of the chosen name; left[] re-checks the
         * tree, so a bug here fails loudly instead of skewing the corpus. */
        if (pos >= n || left[pos] == 0) {
            fprintf(stderr, "shuffle_births: internal error: drew name %zu with no births left\n",
                    pos);
            goto cleanup;
        }
        left[pos]--;
        const char *s = text + offset[pos];
        size_t len = (size_t)((pos + 1 < n ? offset[pos + 1] : text_len) - offset[pos]);
        if (used + len > OUTBUF_SIZE) {
            if (fwrite(out, 1, used, stdout) != used) {
                perror("shuffle_births: writing stdout");
                goto cleanup;
            }
            used = 0;
        }
        memcpy(out + used, s, len);
        used += len;
        if (k + 1 == next_report) {
            fprintf(stderr, "shuffle_births: %" PRIu64 " / %" PRIu64 " lines (%u%%)\n",
                    k + 1, lines, decile * 10);
            decile++;
            next_report = lines * decile / 10;
        }
    }
    if (used > 0 && fwrite(out, 1, used, stdout) != used) {
        perror("shuffle_births: writing stdout");
        goto cleanup;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("shuffle_births: writing stdout");
        goto cleanup;
    }
    if (divisor == 1) {
        for (size_t i = 0; i < n; i++) {
            if (left[i] != 0) {
                fprintf(stderr, "shuffle_births: internal error: name %zu has %" PRIu32
                        " births left\n", i, left[i]);
                goto cleanup;
            }
        }
    }
    rc = 0;
    goto cleanup;

nomem:
    fprintf(stderr, "shuffle_births: out of memory\n");
cleanup:
    free(out);
    free(tree);
    free(left);
    free(offset);
    free(text);
    free(line);
    return rc;
}
