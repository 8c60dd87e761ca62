/*
 * arpa.c - a model as an ARPA back-off file (the text format of SRILM,
 * IRSTLM and KenLM): characters are words, a name is "<s> e m m a </s>".
 *
 * The file states exactly the model's probabilities, so a reader scores a
 * text with the same perplexity as `makemore eval` (IRSTLM's compile-lm
 * --eval counts every character and each </s>, never <s>: the examples of
 * makemore eval).  How the model maps to ARPA n-grams:
 *   - a context of d leading pads and K-1-d characters is the history
 *     "<s> c1 .. c_{K-1-d}" (d >= 1) or "c1 .. c_{K-1}" (d = 0); the next
 *     symbol is a character or, for the boundary, </s>;
 *   - every context seen in training is written with its whole row: all V
 *     continuations with their smoothed log10 P (add-k gives each one P > 0),
 *     so a reader never backs off from a seen context;
 *   - a context never seen has P = 1/V for every symbol: the reader backs
 *     off, and every n-gram it can back off to (the unigrams of the
 *     characters and </s>, and the lower-order n-grams without <s> written
 *     only because readers store an n-gram under its prefix) has log10 1/V
 *     and every back-off weight is 0 (log10 1);
 *   - <s> is a unigram with log10 P = -99 (never predicted).
 * N-grams are sorted by word code, codes in the order the unigrams are
 * listed (</s>, <s>, then the characters as the vocabulary sorts them):
 * IRSTLM binary-searches the n-grams in that order, and misses n-grams
 * written otherwise.  The file has V x (contexts seen) n-grams plus the
 * prefixes, so a large order-K model gives a large file.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "model.h"
#include "ngram.h"

#define MM_ARPA_BITS 9 /* word codes 0..V (<= 256) in 9 bits; 6 words in 54 */

typedef struct mm_arpa_gram {
    uint64_t words; /* codes, first word in the most significant place */
    double logp;    /* log10 P */
} mm_arpa_gram;

typedef struct mm_arpa_level {
    mm_arpa_gram *g;
    size_t n, cap;
} mm_arpa_level;

static int mm_arpa_push(mm_arpa_level *l, uint64_t words, double logp)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 1024;
        mm_arpa_gram *g = realloc(l->g, cap * sizeof *g);
        if (g == NULL) {
            return 0;
        }
        l->g = g;
        l->cap = cap;
    }
    l->g[l->n].words = words;
    l->g[l->n].logp = logp;
    l->n++;
    return 1;
}

static int mm_arpa_cmp(const void *a, const void *b)
{
    uint64_t x = ((const mm_arpa_gram *)a)->words, y = ((const mm_arpa_gram *)b)->words;
    return x < y ? -1 : x > y;
}

/* Sort a level and drop repeated prefixes (an event and a prefix never
 * share words: events of order < K start with <s>, prefixes never do). */
static void mm_arpa_sort_unique(mm_arpa_level *l)
{
    qsort(l->g, l->n, sizeof *l->g, mm_arpa_cmp);
    size_t w = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (w == 0 || l->g[w - 1].words != l->g[i].words) {
            l->g[w++] = l->g[i];
        }
    }
    l->n = w;
}

static void mm_arpa_word(FILE *fp, const mm_vocab *v, unsigned code)
{
    if (code == 0) {
        fputs("</s>", fp);
    } else if (code == 1) {
        fputs("<s>", fp);
    } else {
        char u[5];
        size_t n = mm_vocab_utf8(v, code - 1, u);
        fwrite(u, 1, n, fp);
    }
}

/* log10 of a float32 probability, with ARPA's -99 for log 0. */
static double mm_arpa_log10(float p)
{
    return p > 0.0f ? log10((double)p) : -99.0;
}

mm_status mm_model_write_arpa(const mm_model *m, const char *path)
{
    const size_t V = m->vocab.size;
    const int K = m->order;
    if (m->kind == MM_MODEL_COUNTS && !(m->smoothing > 0.0)) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: ARPA needs a smoothing k > 0 (with k = 0 "
                       "an n-gram unseen in training has P = 0, which a back-off file "
                       "cannot state)", path);
    }
    /* Contexts to write in full: every row (K = 2, and the neural trigram's
     * V^2), else the ones seen in training. */
    size_t nctx = K == 2 ? V : m->kind == MM_MODEL_NEURAL ? V * V : m->nctx;
    mm_arpa_level lv[MM_MAX_ORDER + 1];
    memset(lv, 0, sizeof lv);
    float row[MM_MAX_VOCAB];
    uint8_t ctx[MM_MAX_ORDER];
    mm_status st = MM_OK;
    /* the float32 P of an unseen context, as the model computes it */
    float kf = (float)m->smoothing;
    double uniform = mm_arpa_log10(kf / (float)((double)V * (double)kf));
    if (m->kind == MM_MODEL_NEURAL) {
        uniform = log10(1.0 / (double)V); /* only for never-reached back-offs */
    }
    for (size_t c = 0; c < nctx && st == MM_OK; c++) {
        uint64_t key = K > 2 && m->kind == MM_MODEL_COUNTS ? m->ctx_keys[c] : c;
        mm_ngram_decode(key, V, K - 1, ctx);
        int d = 0;
        while (d < K - 1 && ctx[d] == 0) {
            d++;
        }
        int reachable = 1;
        for (int i = d; i < K - 1; i++) {
            reachable &= ctx[i] != 0;
        }
        if (!reachable) {
            continue; /* a pad after a character: no text reaches it */
        }
        uint64_t hist = 0;
        int hlen = 0;
        if (d > 0) {
            hist = 1; /* <s> */
            hlen = 1;
        }
        for (int i = d; i < K - 1; i++) {
            hist = (hist << MM_ARPA_BITS) | (uint64_t)(ctx[i] + 1);
            hlen++;
        }
        mm_model_get_row(m, ctx, row);
        int n = hlen + 1;
        for (size_t j = 0; j < V && st == MM_OK; j++) {
            uint64_t w = (hist << MM_ARPA_BITS) | (j == 0 ? 0 : (uint64_t)(j + 1));
            if (!mm_arpa_push(&lv[n], w, mm_arpa_log10(row[j]))) {
                st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", path);
            }
        }
        /* the prefixes a reader stores these n-grams under (with <s>, the
         * prefixes are rows of seen contexts, written as such) */
        for (int p = n - 1; d == 0 && p >= 2 && st == MM_OK; p--) {
            if (!mm_arpa_push(&lv[p], hist >> ((n - 1 - p) * MM_ARPA_BITS), uniform)) {
                st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", path);
            }
        }
    }
    for (int n = 2; n <= K && st == MM_OK; n++) {
        mm_arpa_sort_unique(&lv[n]);
    }
    mm_outfile o;
    if (st == MM_OK) {
        st = mm_outfile_open(&o, path);
    }
    if (st == MM_OK) {
        FILE *fp = o.fp;
        fprintf(fp, "\\data\\\nngram 1=%zu\n", V + 1);
        for (int n = 2; n <= K; n++) {
            fprintf(fp, "ngram %d=%zu\n", n, lv[n].n);
        }
        fprintf(fp, "\n\\1-grams:\n%.7f\t</s>\n-99\t<s>\t0\n", uniform);
        for (size_t j = 1; j < V; j++) {
            fprintf(fp, "%.7f\t", uniform);
            mm_arpa_word(fp, &m->vocab, (unsigned)(j + 1));
            fputs("\t0\n", fp);
        }
        for (int n = 2; n <= K; n++) {
            fprintf(fp, "\n\\%d-grams:\n", n);
            for (size_t i = 0; i < lv[n].n; i++) {
                fprintf(fp, "%.7f\t", lv[n].g[i].logp);
                for (int q = n - 1; q >= 0; q--) {
                    unsigned code = (unsigned)(lv[n].g[i].words >> (q * MM_ARPA_BITS)) &
                                    ((1u << MM_ARPA_BITS) - 1);
                    mm_arpa_word(fp, &m->vocab, code);
                    if (q > 0) {
                        fputc(' ', fp);
                    }
                }
                fputs(n < K ? "\t0\n" : "\n", fp);
            }
        }
        fputs("\n\\end\\\n", fp);
        if (ferror(fp)) {
            st = mm_fail(MM_ERR_IO, "%s: write failed: %s", path, strerror(errno));
            mm_outfile_abort(&o);
        } else {
            st = mm_outfile_commit(&o);
        }
    }
    for (int n = 0; n <= MM_MAX_ORDER; n++) {
        free(lv[n].g);
    }
    return st;
}
