/*
 * modelfile.c - the versioned binary model file.
 *
 * Layout (all little-endian):
 *   0  char[8]  magic "MMBIGRAM"
 *   8  u32      format version (2; version 1 files are still read)
 *  12  u32      kind (1 = counts, 2 = neural)
 *  16  u32      V, the vocabulary size (1..256)
 *  20  u32      order K (2..6; neural: 2); version 1: reserved, 0 (= order 2)
 *  24  u64      payload bytes (what follows the header, before the CRC)
 *  32  payload:
 *        u32[V]   code points of the vocabulary ('.' first, then ascending)
 *        counts, K = 2:  f64 smoothing, u64[V*V] counts
 *        counts, K > 2:  f64 smoothing, u64 n, then n pairs (u64 key,
 *                 u64 count), keys ascending (include/makemore.h), counts > 0
 *        neural:  u64 step, f64 lr, f64 reg, u64 seed, u32 driver, u32 batch,
 *                 u32[624] generator state, u32 generator index, u32 0,
 *                 f32[(K-1)*V*V] W (K = 3: the neural trigram's [W1; W2])
 *   end u32      CRC-32C of every byte before it
 *
 * A bigram model's version 2 file differs from its version 1 file only in
 * the version and order words (and the CRC).
 *
 * The reader trusts nothing: it checks the length against V before reading
 * anything large, then the checksum, the vocabulary, and every number.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "model.h"
#include "ngram.h"

#define MM_MAGIC "MMBIGRAM"
#define MM_FORMAT_VERSION 2u
#define MM_HEADER_BYTES 32u
#define MM_NEURAL_FIXED (8 + 8 + 8 + 8 + 4 + 4 + 624 * 4 + 4 + 4)

static size_t mm_payload_bytes(uint32_t kind, size_t V, uint32_t order, uint64_t ngrams)
{
    size_t n = V * 4;
    if (kind == MM_MODEL_COUNTS && order > 2) {
        return n + 8 + 8 + (size_t)ngrams * 16;
    }
    if (kind == MM_MODEL_COUNTS) {
        n += 8 + V * V * 8;
    } else {
        n += MM_NEURAL_FIXED + (size_t)(order - 1) * V * V * 4; /* W: (K-1)V x V */
    }
    return n;
}

/* Little-endian cursor over a buffer. */
typedef struct mm_buf {
    uint8_t *p;
    size_t pos;
} mm_buf;

static void put_u32(mm_buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        b->p[b->pos++] = (uint8_t)(v >> (8 * i));
    }
}

static void put_u64(mm_buf *b, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        b->p[b->pos++] = (uint8_t)(v >> (8 * i));
    }
}

static void put_f64(mm_buf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static void put_f32(mm_buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

static uint32_t get_u32(mm_buf *b)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        v |= (uint32_t)b->p[b->pos++] << (8 * i);
    }
    return v;
}

static uint64_t get_u64(mm_buf *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v |= (uint64_t)b->p[b->pos++] << (8 * i);
    }
    return v;
}

static double get_f64(mm_buf *b)
{
    uint64_t v = get_u64(b);
    double d;
    memcpy(&d, &v, 8);
    return d;
}

static float get_f32(mm_buf *b)
{
    uint32_t v = get_u32(b);
    float f;
    memcpy(&f, &v, 4);
    return f;
}

mm_status mm_model_write(const mm_model *m, mm_outfile *o)
{
    size_t V = m->vocab.size;
    size_t payload = mm_payload_bytes(m->kind, V, (uint32_t)m->order, m->ng_n);
    size_t total = MM_HEADER_BYTES + payload + 4;
    /* Never write what the reader would refuse: a checkpoint that cannot be
     * loaded is worse than none (it may replace a good one). */
    if (m->kind == MM_MODEL_NEURAL) {
        for (size_t i = 0; i < (size_t)(m->order - 1) * V * V; i++) {
            if (!isfinite(m->W[i])) {
                return mm_fail(MM_ERR_INVALID_ARG, "%s: refusing to save a model whose "
                               "weight %zu is not finite", o->path, i);
            }
        }
    }
    mm_buf b = {malloc(total), 0};
    if (b.p == NULL) {
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", o->path);
    }
    memcpy(b.p, MM_MAGIC, 8);
    b.pos = 8;
    put_u32(&b, MM_FORMAT_VERSION);
    put_u32(&b, (uint32_t)m->kind);
    put_u32(&b, (uint32_t)V);
    put_u32(&b, (uint32_t)m->order);
    put_u64(&b, payload);
    for (size_t i = 0; i < V; i++) {
        put_u32(&b, m->vocab.cp[i]);
    }
    if (m->order > 2 && m->kind == MM_MODEL_COUNTS) {
        put_f64(&b, m->smoothing);
        put_u64(&b, m->ng_n);
        for (size_t i = 0; i < m->ng_n; i++) {
            put_u64(&b, m->ng_keys[i]);
            put_u64(&b, m->ng_counts[i]);
        }
    } else if (m->kind == MM_MODEL_COUNTS) {
        put_f64(&b, m->smoothing);
        for (size_t i = 0; i < V * V; i++) {
            put_u64(&b, m->counts[i]);
        }
    } else {
        const mm_neural_state *n = &m->neural;
        put_u64(&b, n->step);
        put_f64(&b, n->lr);
        put_f64(&b, n->reg);
        put_u64(&b, n->seed);
        put_u32(&b, n->driver);
        put_u32(&b, n->batch);
        for (int i = 0; i < 624; i++) {
            put_u32(&b, n->rng.state[i]);
        }
        put_u32(&b, n->rng.index);
        put_u32(&b, 0);
        for (size_t i = 0; i < (size_t)(m->order - 1) * V * V; i++) {
            put_f32(&b, m->W[i]);
        }
    }
    put_u32(&b, mm_crc32c(0, b.p, b.pos));
    mm_status st = MM_OK;
    if (fwrite(b.p, 1, total, o->fp) != total) {
        st = mm_fail(MM_ERR_IO, "%s: write failed: %s", o->path, strerror(errno));
    }
    free(b.p);
    return st;
}

mm_status mm_model_save(const mm_model *m, const char *path)
{
    mm_outfile o;
    mm_status st = mm_outfile_open(&o, path);
    if (st == MM_OK) {
        st = mm_model_write(m, &o);
        if (st == MM_OK) {
            st = mm_outfile_commit(&o);
        } else {
            mm_outfile_abort(&o);
        }
    }
    return st;
}

/* Parse a model from memory (the loader and the fuzzer use this). */
mm_status mm_model_parse(mm_model **out, const uint8_t *data, size_t len,
                         const char *name)
{
    *out = NULL;
    mm_model *m = NULL;
    mm_status st = MM_OK;
    if (len < MM_HEADER_BYTES + 4 || memcmp(data, MM_MAGIC, 8) != 0) {
        return mm_fail(MM_ERR_FORMAT, "%s: not a makemore model file (bad magic or "
                       "too short: %zu bytes)", name, len);
    }
    mm_buf b = {(uint8_t *)data, 8};
    uint32_t version = get_u32(&b);
    uint32_t kind = get_u32(&b);
    uint32_t V = get_u32(&b);
    uint32_t order = get_u32(&b);
    uint64_t payload = get_u64(&b);
    if (version != 1 && version != MM_FORMAT_VERSION) {
        return mm_fail(MM_ERR_FORMAT, "%s: model format version %u is not supported "
                       "(this build reads versions 1 to %u)", name, version,
                       MM_FORMAT_VERSION);
    }
    if (kind != MM_MODEL_COUNTS && kind != MM_MODEL_NEURAL) {
        return mm_fail(MM_ERR_FORMAT, "%s: unknown model kind %u", name, kind);
    }
    if (V == 0 || V > MM_MAX_VOCAB) {
        return mm_fail(MM_ERR_FORMAT, "%s: vocabulary size %u out of range 1..%d", name,
                       V, MM_MAX_VOCAB);
    }
    if (version == 1) {
        if (order != 0) {
            return mm_fail(MM_ERR_FORMAT, "%s: reserved header word is %u, not 0", name,
                           order);
        }
        order = 2;
    }
    if (order < MM_MIN_ORDER || order > MM_MAX_ORDER ||
        (kind == MM_MODEL_NEURAL && order > 3)) {
        return mm_fail(MM_ERR_FORMAT, "%s: order %u out of range (%s models: %s)", name,
                       order, kind == MM_MODEL_COUNTS ? "count" : "neural",
                       kind == MM_MODEL_COUNTS ? "2..6" : "2..3");
    }
    /* an order-K file says how many n-grams it holds, after the vocabulary
     * and the smoothing: read that count only once it is inside the file */
    uint64_t ngrams = 0;
    size_t fixed = MM_HEADER_BYTES + (size_t)V * 4 + 16;
    if (kind == MM_MODEL_COUNTS && order > 2 && len >= fixed + 4) {
        mm_buf nb = {(uint8_t *)data, fixed - 8};
        ngrams = get_u64(&nb);
        if (ngrams > (len - fixed) / 16) {
            ngrams = (len - fixed) / 16 + 1; /* the size check below fails */
        }
    }
    size_t want_len = MM_HEADER_BYTES + mm_payload_bytes(kind, V, order, ngrams) + 4;
    if (payload != want_len - MM_HEADER_BYTES - 4 || len != want_len) {
        return mm_fail(MM_ERR_FORMAT, "%s: file is %zu bytes; a %s model with V = %u "
                       "has %zu (truncated or corrupt)", name, len,
                       kind == MM_MODEL_COUNTS ? "count" : "neural", V, want_len);
    }
    mm_buf tail = {(uint8_t *)data, len - 4};
    uint32_t want = get_u32(&tail);
    uint32_t got = mm_crc32c(0, data, len - 4);
    if (want != got) {
        return mm_fail(MM_ERR_FORMAT, "%s: checksum mismatch (stored %08x, computed "
                       "%08x): the file is corrupt", name, want, got);
    }
    mm_vocab v;
    v.size = V;
    for (uint32_t i = 0; i < V; i++) {
        v.cp[i] = get_u32(&b);
    }
    st = mm_vocab_validate(&v, name);
    if (st != MM_OK) {
        return st;
    }
    if (kind == MM_MODEL_COUNTS && order > 2) {
        double k = get_f64(&b);
        (void)get_u64(&b); /* ngrams, read above */
        uint64_t *kc = malloc((ngrams ? ngrams : 1) * 2 * sizeof *kc);
        if (kc == NULL) {
            return mm_fail(MM_ERR_NOMEM, "%s: out of memory", name);
        }
        for (uint64_t i = 0; i < ngrams; i++) {
            kc[i] = get_u64(&b);
            kc[ngrams + i] = get_u64(&b);
        }
        if (!isfinite(k) || k < 0) {
            st = mm_fail(MM_ERR_FORMAT, "%s: smoothing %g is not a finite number >= 0",
                         name, k);
        } else {
            st = mm_ngram_model_create(out, &v, (int)order, kc, kc + ngrams, ngrams, k,
                                       name);
            if (st == MM_ERR_INVALID_ARG) { /* the smoothing overflows float32 */
                char why[256];
                snprintf(why, sizeof why, "%s", mm_errmsg());
                st = mm_fail(MM_ERR_FORMAT, "%s: %s", name, why);
            }
        }
        free(kc);
        return st;
    }
    st = order == 3 ? mm_neural3_alloc(&m, &v) : mm_model_alloc(&m, (mm_model_kind)kind, &v);
    if (st != MM_OK) {
        return st;
    }
    size_t VV = (size_t)V * V;
    if (kind == MM_MODEL_COUNTS) {
        m->smoothing = get_f64(&b);
        if (!isfinite(m->smoothing) || m->smoothing < 0) {
            st = mm_fail(MM_ERR_FORMAT, "%s: smoothing %g is not a finite number >= 0",
                         name, m->smoothing);
            goto cleanup;
        }
        uint64_t total = 0;
        for (size_t i = 0; i < VV; i++) {
            m->counts[i] = get_u64(&b);
            if (__builtin_add_overflow(total, m->counts[i], &total)) {
                /* no corpus has 2^64 bigrams: totals would wrap around */
                st = mm_fail(MM_ERR_FORMAT, "%s: the counts add up to more than 2^64 - 1 "
                             "(corrupt)", name);
                goto cleanup;
            }
        }
        if (m->smoothing == 0) {
            for (size_t i = 0; i < V; i++) {
                uint64_t any = 0;
                for (size_t j = 0; j < V; j++) {
                    any |= m->counts[i * V + j];
                }
                if (any == 0 && V > 1) {
                    /* a row of zeros with k = 0 has no distribution: 0/0 */
                    st = mm_fail(MM_ERR_FORMAT, "%s: row %zu has no counts and smoothing "
                                 "is 0", name, i);
                    goto cleanup;
                }
            }
        }
    } else {
        mm_neural_state *n = &m->neural;
        n->step = get_u64(&b);
        n->lr = get_f64(&b);
        n->reg = get_f64(&b);
        n->seed = get_u64(&b);
        n->driver = get_u32(&b);
        n->batch = get_u32(&b);
        for (int i = 0; i < 624; i++) {
            n->rng.state[i] = get_u32(&b);
        }
        n->rng.index = get_u32(&b);
        mm_rng_temper_all(&n->rng);
        n->rng.seed = n->seed;
        (void)get_u32(&b);
        if (!isfinite(n->lr) || !isfinite(n->reg) || n->rng.index > 624) {
            st = mm_fail(MM_ERR_FORMAT, "%s: invalid training state", name);
            goto cleanup;
        }
        /* MT19937 never reaches a state whose words are all zero (the top
         * bit of the first aside): from it every draw is 0, and minibatch
         * training would redraw forever. */
        uint32_t any = n->rng.state[0] & 0x80000000u;
        for (int i = 1; i < 624; i++) {
            any |= n->rng.state[i];
        }
        if (any == 0) {
            st = mm_fail(MM_ERR_FORMAT, "%s: the generator state is all zeros (no seed "
                         "gives it; it would draw only zeros)", name);
            goto cleanup;
        }
        for (size_t i = 0; i < (order - 1) * VV; i++) {
            m->W[i] = get_f32(&b);
            if (!isfinite(m->W[i])) {
                st = mm_fail(MM_ERR_FORMAT, "%s: weight %zu is not finite", name, i);
                goto cleanup;
            }
        }
    }
    if (order == 3) {
        mm_neural3_update_probs(m);
    } else {
        mm_model_update_probs(m);
    }
    if (kind == MM_MODEL_COUNTS) {
        /* a smoothing near FLT_MAX / V overflows float32: P would be NaN, or
         * all zeros when only the row sum overflows */
        long bad = mm_model_bad_row(m);
        if (bad >= 0) {
            st = mm_fail(MM_ERR_FORMAT, "%s: smoothing %g gives no float32 "
                         "probabilities (row %ld is 0/0 or overflows)", name,
                         m->smoothing, bad);
            goto cleanup;
        }
    }
cleanup:
    if (st != MM_OK) {
        mm_model_destroy(m);
        return st;
    }
    *out = m;
    return MM_OK;
}

mm_status mm_model_load(mm_model **out, const char *path)
{
    *out = NULL;
    uint8_t *buf = NULL;
    mm_status st = MM_OK;
    struct stat sb;
    int fd = mm_open_input(path, &sb); /* a FIFO without writer: no hang */
    FILE *fp = fd < 0 ? NULL : fdopen(fd, "rb");
    if (fp == NULL) {
        st = mm_fail(MM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return st;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = mm_fail(MM_ERR_IO, "%s: %s", path, S_ISDIR(sb.st_mode) ? "is a directory"
                     : "not a regular file (a model is read from a file)");
        goto cleanup;
    }
    /* The largest valid bigram file: a count model with V = 256.  An
     * order-K file (version 2, header word 5 above 2) has no such bound. */
    size_t max = MM_HEADER_BYTES + mm_payload_bytes(MM_MODEL_COUNTS, MM_MAX_VOCAB, 2, 0) + 4;
    uint8_t head[24];
    int ngram_file = fread(head, 1, sizeof head, fp) == sizeof head &&
                     memcmp(head, MM_MAGIC, 8) == 0 && head[8] == 2 && head[20] > 2;
    rewind(fp);
    if ((uint64_t)sb.st_size > max && !ngram_file) {
        st = mm_fail(MM_ERR_FORMAT, "%s: %lld bytes is larger than any model file",
                     path, (long long)sb.st_size);
        goto cleanup;
    }
    size_t len = (size_t)sb.st_size;
    buf = malloc(len ? len : 1);
    if (buf == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", path);
        goto cleanup;
    }
    if (fread(buf, 1, len, fp) != len) {
        st = mm_fail(MM_ERR_IO, "%s: read error", path);
        goto cleanup;
    }
    st = mm_model_parse(out, buf, len, path);
cleanup:
    free(buf);
    fclose(fp);
    return st;
}
