/*
 * count_stream.c - count a corpus that can be read only once, front to back
 * (standard input, a pipe), in bounded memory: `zcat huge.gz | makemore
 * count - -o m.mm` works for a corpus larger than RAM.
 *
 * The input is read in chunks of whole lines (MM_CS_CHUNK bytes, more only
 * for a line longer than that); each chunk is validated and counted as a
 * corpus of its own (mm_corpus_from_chunk + mm_count_bigrams, in parallel as
 * for a file).  Chunks meet at line starts, so no character, CRLF or bigram
 * straddles two of them and their counts add up to the whole input's (each
 * chunk counts "." before its first name, as every line start has).  The
 * counts are kept in an index space numbered in order of first appearance
 * and sorted by code point at the end, which gives the vocabulary and
 * counts of mm_corpus_open + mm_count_bigrams.  Messages name the line,
 * column and byte offset in the stream.  One difference: a file with several
 * kinds of error reports the kind the whole-file scan checks first, a stream
 * the first one in its chunk order.
 *
 * Which counter counts the chunks: a forced one (--isa, MM_ISA,
 * MM_COUNT_KERNEL) counts every chunk.  Else the choice is by measurement,
 * as for a file, but not by the auto counter on every chunk: its trial
 * (kernels/count_auto.c: the first piece, a check against scalar, then 4
 * timed pieces per counter, per thread) would start again on each one and
 * not even finish in 4 MiB.  So a "trial chunk" is counted by auto, read
 * large enough (MM_CS_TRIAL_SLACK pieces more than the trial takes, per
 * thread) that its first thread's trial finishes in it, and the counter it
 * chose counts the following chunks, plain.  The first chunk is a trial
 * chunk, and so is the first after MM_CS_RECHECK bytes per thread, then
 * after twice as many each time, up to 8 times as many (as auto times
 * again after 64 MiB, 128 more, ...: a trial can be fooled by another
 * process).  A trial's extra work, with four counters whose speeds differ
 * by up to 2x: the check (a piece counted five times) and 12 timed pieces
 * by slower counters, 4 to 16 pieces (2-8 MiB): 1-3% of the first
 * MM_CS_RECHECK, and less after each.
 * A trial that does not finish (a small input, a UTF-8 chunk of mostly
 * multi-byte characters: its pieces are symbols) leaves the counter in use
 * (at first the best ISA's, auto's own first candidate) until the next one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "count.h"
#include "internal.h"
#include "count_auto.h"
#include "kernels.h"

#define MM_CS_CHUNK ((size_t)4 << 20)
#define MM_CS_PIECE ((size_t)512 << 10)      /* trial pieces: as count.c's and count_file.c's */
#define MM_CS_RECHECK ((uint64_t)256 << 20)  /* bytes per thread before the 2nd trial */
#define MM_CS_TRIAL_SLACK 2                  /* pieces per thread beyond the trial's */

typedef struct mm_cs {
    const char *name;
    uint64_t *acc;                  /* MM_MAX_VOCAB^2, first-appearance index space */
    uint32_t cp[MM_MAX_VOCAB];      /* code point of each index; '.' is 0 */
    mm_cp_pos pos[MM_MAX_VOCAB];    /* where each index first occurs */
    size_t n;                       /* indices in use */
    uint64_t lines, bytes;          /* before the current chunk */
    int ascii;
    const mm_counter *run;          /* counts the chunks (between trials) */
    const mm_counter *chooser;      /* auto (counts trial chunks), NULL if forced */
    const mm_counter *used;         /* what counted the last chunk: info->counter */
    uint64_t next_trial;            /* the chunk starting at or after this is a trial */
    uint64_t recheck, recheck_max;  /* bytes to the next trial (all threads), its cap */
    size_t trial_bytes;             /* a trial chunk's size */
    size_t piece;                   /* a trial chunk's pieces (bytes) */
    int trials, choices;            /* trial chunks, and those whose trial finished */
    mm_count_opts copts;            /* the threads of every count */
} mm_cs;

static int mm_cs_index(const mm_cs *s, uint32_t cp)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->cp[i] == cp) {
            return (int)i;
        }
    }
    return -1;
}

/* The 256th distinct character of the stream is in chunk c: name it where
 * it first occurs, as the whole-file scan does. */
static mm_status mm_cs_overflow(const mm_cs *s, const mm_corpus *c)
{
    size_t best = c->size;
    uint32_t cp = 0;
    size_t need = MM_MAX_VOCAB + 1 - s->n; /* the new characters that fit, + 1 */
    /* the need-th new character in order of first occurrence */
    size_t *offs = malloc(c->vocab.size * sizeof *offs);
    size_t k = 0;
    if (offs == NULL) {
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", s->name);
    }
    for (size_t i = 1; i < c->vocab.size; i++) {
        if (mm_cs_index(s, c->vocab.cp[i]) < 0) {
            offs[k++] = mm_corpus_find_cp(c, c->vocab.cp[i]);
        }
    }
    for (size_t r = 0; r < need && r < k; r++) { /* partial selection sort */
        size_t m = r;
        for (size_t j = r + 1; j < k; j++) {
            m = offs[j] < offs[m] ? j : m;
        }
        size_t t = offs[r];
        offs[r] = offs[m];
        offs[m] = t;
    }
    best = offs[need - 1];
    free(offs);
    const char *why = NULL;
    mm_utf8_decode(c->data + best, c->size - best, &cp, &why);
    char d[48], what[160];
    mm_describe_cp(cp, d, sizeof d);
    snprintf(what, sizeof what, "character %s is the 256th distinct one; at most %d are "
             "supported (plus the boundary '.')", d, MM_MAX_VOCAB - 1);
    mm_corpus_error_at(c, best, what);
    return MM_ERR_VOCAB;
}

/* The '\n' bytes of data[0, n), eight at a time: a byte of w ^ 0x0a..0a is
 * zero exactly where w has a '\n', and ~(((x & 0x7f..) + 0x7f..) | x | 0x7f..)
 * has the top bit of each zero byte of x set and nothing else. */
static uint64_t mm_cs_newlines(const uint8_t *data, size_t n)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, nl = 0x0a0a0a0a0a0a0a0aull;
    uint64_t count = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, data + i, 8);
        uint64_t x = w ^ nl;
        uint64_t top = ~(((x & lo7) + lo7) | x | lo7) >> 7; /* 1 in each '\n' byte */
        count += (top * 0x0101010101010101ull) >> 56;       /* their sum (<= 8) */
    }
    for (; i < n; i++) {
        count += data[i] == '\n';
    }
    return count;
}

static int mm_cs_trial_due(const mm_cs *s)
{
    return s->chooser != NULL && s->bytes >= s->next_trial;
}

/* cc = the counts of chunk c, by the counter in use or, in a trial chunk, by
 * auto, whose choice then counts the next chunks (see the top of the file). */
static mm_status mm_cs_count(mm_cs *s, const mm_corpus *c, uint64_t *cc)
{
    if (!mm_cs_trial_due(s)) {
        s->used = s->run;
        return mm_count_bigrams_with(c, &c->vocab, &s->copts, s->run, cc);
    }
    /* UTF-8 pieces are symbols: half as many bytes, so that names of
     * two-byte characters still finish the trial */
    size_t piece = c->ascii ? s->piece : s->piece / 2;
    piece = piece < MM_AUTO_MIN_PIECE ? MM_AUTO_MIN_PIECE : piece;
    const mm_counter *chosen = NULL;
    mm_status st = mm_count_bigrams_pieces(c, &c->vocab, &s->copts, s->chooser, piece, cc,
                                           &chosen);
    s->next_trial = s->bytes + c->size + s->recheck;
    s->recheck = mm_recheck_next(s->recheck, s->recheck_max);
    s->trials++;
    if (chosen != NULL) {
        s->choices++;
        s->run = chosen;
        s->used = chosen;
    } else if (s->used == NULL) {
        s->used = s->chooser; /* as a file too small to choose: "auto" */
    }
    return st;
}

/* Validate and count one chunk of whole lines, add it to the totals. */
static mm_status mm_cs_chunk(mm_cs *s, const uint8_t *data, size_t size,
                             const mm_count_opts *opts)
{
    mm_corpus *c = NULL;
    uint64_t *cc = NULL;
    /* the scan is a small part of a chunk's work: one thread, so that the
     * OpenMP team wakes once per chunk, for the count */
    mm_status st = mm_corpus_from_chunk(&c, data, size, s->name, s->lines, s->bytes, 1);
    if (st != MM_OK) {
        return st;
    }
    const size_t Vc = c->vocab.size;
    int map[MM_MAX_VOCAB];
    size_t fresh = 0;
    for (size_t i = 0; i < Vc; i++) {
        map[i] = mm_cs_index(s, c->vocab.cp[i]);
        fresh += map[i] < 0;
    }
    if (s->n + fresh > MM_MAX_VOCAB) {
        st = mm_cs_overflow(s, c);
        goto done;
    }
    for (size_t i = 0; i < Vc; i++) {
        if (map[i] < 0) {
            size_t off = mm_corpus_find_cp(c, c->vocab.cp[i]);
            mm_cp_pos *p = &s->pos[s->n];
            mm_corpus_locate(c, off, &p->line, &p->col);
            p->off = s->bytes + off;
            s->cp[s->n] = c->vocab.cp[i];
            map[i] = (int)s->n++;
        }
    }
    cc = malloc(Vc * Vc * sizeof *cc);
    if (cc == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", s->name);
        goto done;
    }
    st = mm_cs_count(s, c, cc);
    if (st != MM_OK) {
        goto done;
    }
    for (size_t i = 0; i < Vc; i++) {
        for (size_t j = 0; j < Vc; j++) {
            s->acc[(size_t)map[i] * MM_MAX_VOCAB + (size_t)map[j]] += cc[i * Vc + j];
        }
    }
    s->ascii &= c->ascii;
    s->lines += mm_cs_newlines(data, size);
    s->bytes += size;
done:
    free(cc);
    mm_corpus_close(c);
    return st;
}

static int mm_cs_cmp(const void *a, const void *b, void *arg)
{
    const uint32_t *cp = arg;
    uint32_t x = cp[*(const uint16_t *)a], y = cp[*(const uint16_t *)b];
    return (x > y) - (x < y);
}

mm_status mm_count_stream(int fd, const char *name, const mm_count_opts *opts, mm_vocab *v,
                          uint64_t **counts, mm_corpus_info *info, mm_cp_pos *first)
{
    return mm_count_stream_sized(fd, name, opts, MM_CS_CHUNK, MM_CS_PIECE, MM_CS_RECHECK, v,
                                 counts, info, first, NULL);
}

/* Grow the buffer to want bytes (only ever grows). */
static mm_status mm_cs_reserve(uint8_t **buf, size_t *cap, size_t want, const char *name)
{
    if (want <= *cap) {
        return MM_OK;
    }
    uint8_t *nb = realloc(*buf, want);
    if (nb == NULL) {
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", name);
    }
    *buf = nb;
    *cap = want;
    return MM_OK;
}

mm_status mm_count_stream_sized(int fd, const char *name, const mm_count_opts *opts,
                                size_t chunk, size_t piece, uint64_t recheck, mm_vocab *v,
                                uint64_t **counts, mm_corpus_info *info, mm_cp_pos *first,
                                int trials[2])
{
    mm_status st = MM_OK;
    size_t cap = chunk, have = 0;
    size_t fill = chunk; /* an ordinary chunk's size: grows for a long line */
    uint8_t *buf = malloc(cap);
    mm_cs *s = calloc(1, sizeof *s);
    *counts = NULL;
    if (buf == NULL || s == NULL ||
        (s->acc = calloc((size_t)MM_MAX_VOCAB * MM_MAX_VOCAB, sizeof *s->acc)) == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    s->name = name;
    /* One thread unless asked for more: a pipe delivers about what one
     * thread counts (1.2 GB/s measured), and an OpenMP team woken for every
     * 4 MiB chunk spins while the chunk is read (0.5 GB/s with two threads
     * on the same 2-core machine, see issue-14 notes). */
    s->copts.threads = opts != NULL && opts->threads > 0 ? opts->threads : 1;
    /* A forced counter counts every chunk; auto counts the trial chunks
     * (see the top of the file) and, until one chooses, the best ISA's
     * counter the others, as auto gives it its first piece. */
    s->run = mm_counter_active();
    if (mm_counter_is_auto(s->run)) {
        const size_t T = (size_t)s->copts.threads;
        s->chooser = s->run;
        s->run = mm_kernels_active()->counter;
        s->piece = piece;
        s->trial_bytes = T * ((size_t)mm_count_auto_trial_pieces() + MM_CS_TRIAL_SLACK) * piece;
        s->recheck = T * recheck;
        s->recheck_max = 8 * s->recheck;
    }
    s->cp[0] = MM_BOUNDARY;
    s->n = 1;
    s->ascii = 1;
    int eof = 0;
    while (!eof) {
        size_t want = fill;
        if (mm_cs_trial_due(s) && want < s->trial_bytes) {
            want = s->trial_bytes;
        }
        st = mm_cs_reserve(&buf, &cap, want, name);
        if (st != MM_OK) {
            goto done;
        }
        while (have < want) {
            ssize_t r = read(fd, buf + have, want - have);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r < 0) {
                st = mm_fail(MM_ERR_IO, "%s: read error after %llu bytes: %s", name,
                             (unsigned long long)(s->bytes + have), strerror(errno));
                goto done;
            }
            if (r == 0) {
                eof = 1;
                break;
            }
            have += (size_t)r;
        }
        if (have == 0) {
            break;
        }
        /* everything at the end; else the whole lines read so far */
        const uint8_t *nl = eof ? buf + have - 1 : memrchr(buf, '\n', have);
        if (nl == NULL && memchr(buf, 0, have) != NULL) {
            /* binary data (/dev/zero): never a line to make room for; the
             * chunk's scan names the NUL */
            st = mm_cs_chunk(s, buf, have, opts);
            if (st != MM_OK) {
                goto done;
            }
        }
        if (nl == NULL) { /* a line longer than the buffer: make room for it */
            if (mm_cs_reserve(&buf, &cap, want * 2, name) != MM_OK) {
                st = mm_fail(MM_ERR_NOMEM, "%s: out of memory for a line of over %zu "
                             "bytes at byte offset %llu", name, have,
                             (unsigned long long)s->bytes);
                goto done;
            }
            fill = want * 2;
            continue;
        }
        size_t len = (size_t)(nl - buf) + 1;
        st = mm_cs_chunk(s, buf, len, opts);
        if (st != MM_OK) {
            goto done;
        }
        memmove(buf, buf + len, have - len);
        have -= len;
        if (opts != NULL && opts->on_progress != NULL) {
            opts->on_progress(s->bytes, 0, opts->user);
        }
    }
    /* sort the indices by code point ('.' sorts first: it is 0x2E, and the
     * index of the boundary, 0, must stay 0, so sort 1..n only) */
    uint16_t order[MM_MAX_VOCAB];
    for (size_t i = 0; i < s->n; i++) {
        order[i] = (uint16_t)i;
    }
    qsort_r(order + 1, s->n - 1, sizeof *order, mm_cs_cmp, s->cp);
    const size_t V = s->n;
    *counts = malloc(V * V * sizeof **counts);
    if (*counts == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", name);
        goto done;
    }
    v->size = (uint32_t)V;
    for (size_t i = 0; i < V; i++) {
        v->cp[i] = s->cp[order[i]];
        if (first != NULL) {
            first[i] = s->pos[order[i]];
        }
        for (size_t j = 0; j < V; j++) {
            (*counts)[i * V + j] = s->acc[(size_t)order[i] * MM_MAX_VOCAB + order[j]];
        }
    }
    if (info != NULL) {
        info->bytes = s->bytes;
        info->ascii = s->ascii;
        info->streamed = 1;
        /* nothing counted: the counter that would have */
        const mm_counter *said = s->used ? s->used : s->chooser ? s->chooser : s->run;
        info->counter = said->name;
        info->threads = s->copts.threads;
    }
    if (trials != NULL) {
        trials[0] = s->trials;
        trials[1] = s->choices;
    }
done:
    free(buf);
    if (s != NULL) {
        free(s->acc);
    }
    free(s);
    return st;
}
