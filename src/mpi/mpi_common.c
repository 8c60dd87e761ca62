/*
 * mpi_common.c - what every makemore-mpi command shares: agreeing on a
 * failure, the corpus split into one part per rank with a merged vocabulary,
 * and the distributed bigram count.
 *
 * Parts: rank r of K opens part r of K of the file (mm_corpus_open_part in
 * src/corpus.c): from the first line start at or after r/K of the file to
 * the first line start at or after (r+1)/K.  Parts meet at line starts, so
 * no bigram, character or CRLF straddles two parts: each part is counted as
 * a corpus of its own ("." before its first name, as every line start is)
 * and the counts add up to exactly the whole file's, for any K.  A rank
 * reads only its part (plus, to find its end, the bytes up to the next
 * newline); the file stays mapped whole but unread, so messages can name
 * the line and byte offset in the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "count.h"
#include "internal.h"
#include "mm_mpi.h"

int mmp_rank = 0, mmp_size = 1;

/* A status and its message, as one broadcast. */
typedef struct mmp_error {
    int status;
    char msg[1024];
} mmp_error;

mm_status mmp_agree(mm_status st)
{
    int mine = st != MM_OK ? mmp_rank : mmp_size, first = mmp_size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == mmp_size) {
        return MM_OK;
    }
    mmp_error e;
    memset(&e, 0, sizeof e);
    if (mmp_rank == first) {
        e.status = (int)st;
        snprintf(e.msg, sizeof e.msg, "%s", mm_errmsg());
    }
    MPI_Bcast(&e, (int)sizeof e, MPI_BYTE, first, MPI_COMM_WORLD);
    return mm_fail((mm_status)e.status, "%s", e.msg);
}

double mmp_max(double x)
{
    double m = x;
    MPI_Allreduce(&x, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    return m;
}

static int mmp_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* More than 255 distinct characters in the file, though no part alone has
 * that many: find, as the single-process reader does, the first place where
 * the 256th distinct one occurs.  sets[r * MM_MAX_VOCAB] is rank r's count
 * then its sorted code points.  Collective. */
static mm_status mmp_vocab_overflow(const mmp_corpus *c, const uint32_t *sets)
{
    uint8_t *seen = calloc(0x110000 / 8, 1);
    mm_status st = MM_OK;
    int first = -1;
    uint32_t nseen = 0;
    if (seen == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* The first rank whose part brings the union past 255 characters. */
    uint32_t before = 0;
    for (int r = 0; r < mmp_size && first < 0; r++) {
        const uint32_t *s = sets + (size_t)r * MM_MAX_VOCAB;
        before = nseen;
        for (uint32_t i = 0; i < s[0]; i++) {
            uint32_t cp = s[1 + i];
            if (!(seen[cp >> 3] & (1u << (cp & 7)))) {
                seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
                nseen++;
            }
        }
        if (nseen > MM_MAX_VOCAB - 1) {
            first = r;
        }
    }
    if (first != mmp_rank) {
        goto done;
    }
    /* Rank `first` walks its part: seen holds the earlier parts only. */
    memset(seen, 0, 0x110000 / 8);
    for (int r = 0; r < first; r++) {
        const uint32_t *s = sets + (size_t)r * MM_MAX_VOCAB;
        for (uint32_t i = 0; i < s[0]; i++) {
            seen[s[1 + i] >> 3] |= (uint8_t)(1u << (s[1 + i] & 7));
        }
    }
    nseen = before;
    const mm_corpus *p = c->part;
    size_t i = 0;
    st = mm_fail(MM_ERR_VOCAB, "%s: more than %d distinct characters; at most %d are "
                 "supported (plus the boundary '.')", p->name, MM_MAX_VOCAB - 1,
                 MM_MAX_VOCAB - 1);
    while (i < p->size) {
        uint32_t cp = 0;
        const char *why = NULL;
        size_t len = mm_utf8_decode(p->data + i, p->size - i, &cp, &why);
        if (len == 0) {
            break; /* cannot happen: the part was validated */
        }
        if (cp != '\n' && cp != '\r' && !(seen[cp >> 3] & (1u << (cp & 7)))) {
            seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
            if (++nseen == MM_MAX_VOCAB) {
                char d[48];
                uint64_t line, col;
                mm_describe_cp(cp, d, sizeof d);
                mm_corpus_locate(p, i, &line, &col);
                st = mm_fail(MM_ERR_VOCAB, "%s:%llu:%llu: character %s is the 256th "
                             "distinct one; at most %d are supported (plus the boundary "
                             "'.') (byte offset %llu)", p->name, (unsigned long long)line,
                             (unsigned long long)col, d, MM_MAX_VOCAB - 1,
                             (unsigned long long)(c->lo + i));
                break;
            }
        }
        i += len;
    }
done:
    free(seen);
    st = mmp_agree(st);
    return st != MM_OK ? st : mm_fail(MM_ERR_VOCAB, "too many distinct characters");
}

mm_status mmp_corpus_open(mmp_corpus *c, const char *path)
{
    uint32_t *sets = NULL, *all = NULL;
    memset(c, 0, sizeof *c);
    double t0 = MPI_Wtime();
    mm_status st = MM_OK;
    if (strcmp(path, "-") == 0) {
        /* Every rank would need the whole stream: not a distributed input. */
        st = mm_fail(MM_ERR_INVALID_ARG, "standard input cannot be split "
                     "across ranks; give the corpus as a file");
    } else {
        st = mm_corpus_open_part(&c->part, path, (size_t)mmp_rank, (size_t)mmp_size);
    }
    st = mmp_agree(st);
    if (st != MM_OK) {
        goto cleanup;
    }
    const mm_corpus *p = c->part;
    c->lo = p->map != NULL ? (uint64_t)(p->data - (const uint8_t *)p->map) : 0;

    /* Every rank's character set, then their union, sorted, on every rank. */
    uint32_t mine[MM_MAX_VOCAB] = {0};
    mine[0] = p->vocab.size - 1;
    memcpy(mine + 1, p->vocab.cp + 1, (size_t)mine[0] * sizeof *mine);
    sets = malloc((size_t)mmp_size * MM_MAX_VOCAB * sizeof *sets);
    all = malloc((size_t)mmp_size * MM_MAX_VOCAB * sizeof *all);
    st = (sets && all) ? MM_OK : mm_fail(MM_ERR_NOMEM, "out of memory");
    st = mmp_agree(st);
    if (st != MM_OK) {
        goto cleanup;
    }
    MPI_Allgather(mine, MM_MAX_VOCAB, MPI_UINT32_T, sets, MM_MAX_VOCAB, MPI_UINT32_T,
                  MPI_COMM_WORLD);
    size_t n = 0;
    for (int r = 0; r < mmp_size; r++) {
        const uint32_t *s = sets + (size_t)r * MM_MAX_VOCAB;
        memcpy(all + n, s + 1, (size_t)s[0] * sizeof *all);
        n += s[0];
    }
    qsort(all, n, sizeof *all, mmp_cmp_u32);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u == 0 || all[u - 1] != all[i]) {
            all[u++] = all[i];
        }
    }
    if (u > MM_MAX_VOCAB - 1) {
        st = mmp_vocab_overflow(c, sets);
        goto cleanup;
    }
    c->vocab.size = (uint32_t)(u + 1);
    c->vocab.cp[0] = MM_BOUNDARY;
    memcpy(c->vocab.cp + 1, all, u * sizeof *all);
    c->open_seconds = MPI_Wtime() - t0;
cleanup:
    free(sets);
    free(all);
    if (st != MM_OK) {
        mmp_corpus_close(c);
    }
    return st;
}

void mmp_corpus_close(mmp_corpus *c)
{
    mm_corpus_close(c->part);
    c->part = NULL;
}

mm_status mmp_count(const mmp_corpus *c, const mm_vocab *v, const mm_count_opts *opts,
                    uint64_t *counts, uint64_t *local, double *count_seconds)
{
    const size_t VV = (size_t)v->size * v->size;
    double t0 = MPI_Wtime();
    mm_status st = mmp_agree(mm_count_bigrams(c->part, v, opts, counts));
    if (count_seconds != NULL) {
        *count_seconds = MPI_Wtime() - t0;
    }
    if (st != MM_OK) {
        return st;
    }
    if (local != NULL) {
        memcpy(local, counts, VV * sizeof *counts);
    }
    /* Integers: the sum is exact, so any K gives the single-process counts. */
    MPI_Allreduce(MPI_IN_PLACE, counts, (int)VV, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    if (count_seconds != NULL) {
        *count_seconds = MPI_Wtime() - t0;
    }
    return MM_OK;
}
