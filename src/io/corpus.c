/*
 * corpus.c - open a corpus (one name per line, UTF-8), validate it and build
 * its vocabulary, without copying it: the file is mapped, so a corpus larger
 * than RAM works.
 *
 * Rules (README "Corpus format"): LF or CRLF line ends; a missing final
 * newline is the same as a present one; empty lines are skipped.  Errors:
 * a NUL byte, the boundary character '.', invalid UTF-8, a carriage return
 * not followed by a line feed, more than 255 distinct characters.  Each error
 * names the file, line, column and byte offset.
 *
 * Pure-ASCII files take a fast path: one pass that only marks which byte
 * values occur (stores, no loads), split across OpenMP threads; the checks
 * for NUL, '.', CR and non-ASCII bytes then look only where the mark says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "corpus.h"
#include "count.h"
#include "internal.h"
#include "kernels.h"
#include "stream.h"

/* The first byte of the file: a part of a file (mm_corpus_open_part) keeps
 * the whole file mapped, so its messages count lines and offsets from there. */
static const uint8_t *mm_corpus_file_start(const mm_corpus *c)
{
    return c->map != NULL ? (const uint8_t *)c->map : c->data;
}

void mm_corpus_locate(const mm_corpus *c, size_t off, uint64_t *line, uint64_t *col)
{
    uint64_t n = 1;
    const uint8_t *base = mm_corpus_file_start(c);
    size_t line_start = 0;
    const uint8_t *p = base;
    const uint8_t *end = c->data + off;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL) {
            break;
        }
        n++;
        line_start = (size_t)(nl - base) + 1;
        p = nl + 1;
    }
    *line = c->line0 + n;
    *col = (size_t)(end - base) - line_start + 1;
}

void mm_describe_cp(uint32_t cp, char *buf, size_t size)
{
    if (cp >= 0x20 && cp < 0x7f) {
        snprintf(buf, size, "'%c'", (char)cp);
    } else if (cp >= 0xa0) {
        char u[5];
        size_t n = mm_utf8_encode(cp, u);
        u[n] = '\0';
        snprintf(buf, size, "'%s' (U+%04X)", u, (unsigned)cp);
    } else {
        snprintf(buf, size, "U+%04X", (unsigned)cp);
    }
}

mm_status mm_corpus_error_at(const mm_corpus *c, size_t off, const char *what)
{
    uint64_t line, col;
    mm_corpus_locate(c, off, &line, &col);
    return mm_fail(MM_ERR_CORPUS, "%s:%llu:%llu: %s (byte offset %llu)", c->name,
                   (unsigned long long)line, (unsigned long long)col, what,
                   (unsigned long long)(c->off0 + (size_t)(c->data + off -
                                                           mm_corpus_file_start(c))));
}

size_t mm_corpus_find_cp(const mm_corpus *c, uint32_t cp)
{
    if (cp < 0x80) {
        const uint8_t *hit = memchr(c->data, (int)cp, c->size);
        return hit ? (size_t)(hit - c->data) : c->size;
    }
    size_t i = 0;
    while (i < c->size) {
        uint32_t got = 0;
        const char *why = NULL;
        size_t len = mm_utf8_decode(c->data + i, c->size - i, &got, &why);
        if (len == 0) {
            return c->size;
        }
        if (got == cp) {
            return i;
        }
        i += len;
    }
    return c->size;
}

/* Every CR must end a line (be followed by LF, or end the file). */
static mm_status mm_check_cr(const mm_corpus *c)
{
    const uint8_t *p = c->data, *end = c->data + c->size;
    while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
        if (p + 1 < end && p[1] != '\n') {
            return mm_corpus_error_at(c, (size_t)(p - c->data),
                                      "carriage return not followed by a line feed");
        }
        p++;
    }
    return MM_OK;
}

static int mm_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Build c->vocab from a set of code points (excluding '\n', '\r'). */
static mm_status mm_vocab_from_set(mm_corpus *c, uint32_t *cps, size_t n)
{
    if (n > MM_MAX_VOCAB - 1) {
        return mm_fail(MM_ERR_VOCAB,
                       "%s: %zu distinct characters; at most %d are supported "
                       "(plus the boundary '.')",
                       c->name, n, MM_MAX_VOCAB - 1);
    }
    qsort(cps, n, sizeof *cps, mm_cmp_u32);
    c->vocab.size = (uint32_t)(n + 1);
    c->vocab.cp[0] = MM_BOUNDARY;
    for (size_t i = 0; i < n; i++) {
        c->vocab.cp[i + 1] = cps[i];
    }
    return MM_OK;
}

static mm_status mm_scan_utf8(mm_corpus *c)
{
    /* Sequential strict decode; non-ASCII corpora are small in practice
     * and this path names every problem precisely. */
    uint8_t *seen = calloc(0x110000 / 8, 1);
    uint32_t *cps = NULL;
    size_t ncps = 0;
    mm_status st = MM_OK;
    if (seen == NULL) {
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", c->name);
    }
    cps = malloc(MM_MAX_VOCAB * sizeof *cps);
    if (cps == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", c->name);
        goto cleanup;
    }
    size_t i = 0;
    while (i < c->size) {
        uint32_t cp = 0;
        const char *why = NULL;
        size_t len = mm_utf8_decode(c->data + i, c->size - i, &cp, &why);
        if (len == 0) {
            char what[128];
            snprintf(what, sizeof what, "invalid UTF-8: %s (byte 0x%02X)", why,
                     c->data[i]);
            st = mm_corpus_error_at(c, i, what);
            goto cleanup;
        }
        if (cp == 0) {
            st = mm_corpus_error_at(c, i, "NUL byte (binary file?)");
            goto cleanup;
        }
        if (cp == MM_BOUNDARY) {
            st = mm_corpus_error_at(c, i, "the boundary character '.' cannot appear in a name");
            goto cleanup;
        }
        if (cp == '\r') {
            c->has_cr = 1;
        } else if (cp != '\n' && !(seen[cp >> 3] & (1u << (cp & 7)))) {
            seen[cp >> 3] |= (uint8_t)(1u << (cp & 7));
            if (ncps == MM_MAX_VOCAB - 1) {
                char d[48], what[160];
                mm_describe_cp(cp, d, sizeof d);
                snprintf(what, sizeof what,
                         "character %s is the 256th distinct one; at most %d are "
                         "supported (plus the boundary '.')", d, MM_MAX_VOCAB - 1);
                st = mm_corpus_error_at(c, i, what);
                st = MM_ERR_VOCAB;
                goto cleanup;
            }
            cps[ncps++] = cp;
        }
        i += len;
    }
    st = mm_check_cr(c);
    if (st == MM_OK) {
        st = mm_vocab_from_set(c, cps, ncps);
    }
cleanup:
    free(cps);
    free(seen);
    return st;
}

static mm_status mm_scan(mm_corpus *c)
{
    uint8_t seen[256] = {0};
    const uint8_t *data = c->data;
    size_t size = c->size;
    const mm_kernels *k = mm_kernels_active();
    int non_ascii = 0;

#pragma omp parallel num_threads(mm_threads_used(c->threads))
    {
        uint8_t local[256] = {0};
        size_t t, T;
        mm_omp_team(&t, &T);
        size_t lo = size / T * t, hi = (t + 1 == T) ? size : size / T * (t + 1);
        size_t stop = k->scan_ascii(local, data + lo, hi - lo);
#pragma omp critical
        {
            for (int b = 0; b < 256; b++) {
                seen[b] |= local[b];
            }
            non_ascii |= stop != hi - lo;
        }
    }

    if (non_ascii) {
        c->ascii = 0;
        return mm_scan_utf8(c);
    }
    c->ascii = 1;
    if (seen[0]) {
        const uint8_t *z = memchr(data, 0, size);
        return mm_corpus_error_at(c, (size_t)(z - data), "NUL byte (binary file?)");
    }
    if (seen[MM_BOUNDARY]) {
        const uint8_t *d = memchr(data, MM_BOUNDARY, size);
        return mm_corpus_error_at(c, (size_t)(d - data),
                                  "the boundary character '.' cannot appear in a name");
    }
    if (seen['\r']) {
        c->has_cr = 1;
        mm_status st = mm_check_cr(c);
        if (st != MM_OK) {
            return st;
        }
    }
    uint32_t cps[128];
    size_t n = 0;
    for (uint32_t b = 1; b < 128; b++) {
        if (seen[b] && b != '\n' && b != '\r') {
            cps[n++] = b;
        }
    }
    return mm_vocab_from_set(c, cps, n);
}

/* Prefault the mapping in one go (much cheaper than a page fault per 64 KiB)
 * when the file fits comfortably in memory; a file larger than half of RAM is
 * faulted in as it is read, so it never has to fit. */
static int mm_populate_flag(size_t size)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && size / 2 < (size_t)pages / 4 * (size_t)page) {
        return MAP_POPULATE;
    }
    return 0;
}

static mm_status mm_corpus_alloc(mm_corpus **out, const char *name)
{
    mm_corpus *c = calloc(1, sizeof *c);
    if (c == NULL || (c->name = strdup(name)) == NULL) {
        free(c);
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", name);
    }
    c->guard = -1;
    *out = c;
    return MM_OK;
}

mm_status mm_corpus_from_memory(mm_corpus **out, const void *data, size_t size,
                                const char *name)
{
    return mm_corpus_from_chunk(out, data, size, name, 0, 0, 0);
}

mm_status mm_corpus_from_chunk(mm_corpus **out, const void *data, size_t size,
                               const char *name, uint64_t line0, uint64_t off0, int threads)
{
    mm_corpus *c = NULL;
    *out = NULL;
    if (data == NULL && size != 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "corpus data is NULL");
    }
    mm_status st = mm_corpus_alloc(&c, name ? name : "<memory>");
    if (st != MM_OK) {
        return st;
    }
    c->data = data;
    c->size = size;
    c->line0 = line0;
    c->off0 = off0;
    c->threads = threads;
    st = mm_scan(c);
    if (st != MM_OK) {
        mm_corpus_close(c);
        return st;
    }
    *out = c;
    return MM_OK;
}

/* A binary file is refused before it is mapped: mapping prefaults the
 * whole file (MAP_POPULATE), and a 2 GB file of NULs would be read whole
 * for a message about its first byte.  The first 64 KiB are enough to tell
 * a binary file.  Only a NUL that the scan would report first is reported
 * here (nothing before it that the UTF-8 path would name sooner: non-ASCII,
 * '.', a lone CR), so the message is the scan's whatever the rest holds. */
static mm_status mm_check_binary(mm_corpus *c, int fd)
{
    uint8_t head[1 << 16];
    size_t want = c->size < sizeof head ? c->size : sizeof head;
    ssize_t got = pread(fd, head, want, 0);
    const uint8_t *z = got > 0 ? memchr(head, 0, (size_t)got) : NULL;
    if (z == NULL) {
        return MM_OK;
    }
    for (const uint8_t *p = head; p < z; p++) {
        if (*p >= 0x80 || *p == MM_BOUNDARY || (*p == '\r' && p + 1 < z && p[1] != '\n')) {
            return MM_OK;
        }
    }
    const uint8_t *data = c->data;
    c->data = head; /* mm_corpus_locate counts lines from here */
    mm_status st = mm_corpus_error_at(c, (size_t)(z - head), "NUL byte (binary file?)");
    c->data = data;
    return st;
}

/* Standard input cannot be mapped: read it into memory.  So is a regular
 * file that says it is empty (procfs and sysfs files have size 0 and
 * content).  Reading stops after a NUL byte: the scan reports it, and a
 * binary stream (/dev/zero) is not read to the end of memory. */
static mm_status mm_read_stream(mm_corpus *c, int fd)
{
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    if (buf == NULL) {
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", c->name);
    }
    for (;;) {
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                return mm_fail(MM_ERR_NOMEM, "%s: out of memory", c->name);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            int e = errno;
            free(buf);
            return mm_fail(MM_ERR_IO, "%s: read error: %s", c->name, strerror(e));
        }
        if (r == 0 || memchr(buf + n, 0, (size_t)r) != NULL) {
            n += (size_t)r;
            break;
        }
        n += (size_t)r;
    }
    c->owned = buf;
    c->data = buf;
    c->size = n;
    return MM_OK;
}

/* Scan a mapped corpus; a truncation during the scan is the error, not the
 * zeros it left (whatever the scan made of them). */
static mm_status mm_scan_intact(mm_corpus *c)
{
    mm_status st = mm_scan(c);
    if (mm_corpus_check_intact(c) != MM_OK) {
        st = MM_ERR_IO;
    }
    return st;
}

/* The end both openers share: the descriptor is closed, and *out gets the
 * corpus only on success. */
static mm_status mm_corpus_open_end(mm_corpus *c, int fd, mm_status st, mm_corpus **out)
{
    if (fd >= 0) {
        close(fd);
    }
    if (st != MM_OK) {
        mm_corpus_close(c);
        return st;
    }
    *out = c;
    return MM_OK;
}

mm_status mm_corpus_open(mm_corpus **out, const char *path)
{
    mm_corpus *c = NULL;
    int fd = -1;
    mm_status st;
    *out = NULL;
    if (path == NULL) {
        return mm_fail(MM_ERR_INVALID_ARG, "no corpus path given");
    }
    st = mm_corpus_alloc(&c, strcmp(path, "-") == 0 ? "<stdin>" : path);
    if (st != MM_OK) {
        return st;
    }
    if (strcmp(path, "-") == 0) {
        st = mm_read_stream(c, STDIN_FILENO);
        if (st != MM_OK) {
            goto cleanup;
        }
    } else {
        struct stat sb;
        fd = mm_open_input(path, &sb);
        if (fd < 0) {
            st = mm_fail(MM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
            goto cleanup;
        }
        if (S_ISDIR(sb.st_mode)) {
            st = mm_fail(MM_ERR_IO, "%s: is a directory, not a corpus file", path);
            goto cleanup;
        }
        if (!S_ISREG(sb.st_mode)) {
            st = mm_fail(MM_ERR_IO, "%s: not a regular file (use - for standard input)",
                         path);
            goto cleanup;
        }
        c->size = (size_t)sb.st_size;
        if (c->size == 0) {
            st = mm_read_stream(c, fd); /* empty, or a procfs file */
            if (st != MM_OK) {
                goto cleanup;
            }
        } else if ((st = mm_check_binary(c, fd)) != MM_OK) {
            goto cleanup;
        } else {
            c->map = mmap(NULL, c->size, PROT_READ, MAP_PRIVATE | mm_populate_flag(c->size), fd, 0);
            if (c->map == MAP_FAILED) {
                c->map = NULL;
                st = mm_fail(MM_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
                goto cleanup;
            }
            c->map_size = c->size;
            c->guard = mm_map_guard_register(c->map, c->map_size);
            (void)madvise(c->map, c->map_size, MADV_SEQUENTIAL);
            c->data = c->map;
        }
    }
    st = mm_scan_intact(c);
cleanup:
    return mm_corpus_open_end(c, fd, st, out);
}

mm_status mm_corpus_check_intact(const mm_corpus *c)
{
    if (mm_map_guard_tripped(c->guard)) {
        return mm_fail(MM_ERR_IO, "%s: the file shrank while being read (truncated by "
                       "another process?); no result was produced", c->name);
    }
    return MM_OK;
}

void mm_corpus_close(mm_corpus *c)
{
    if (c == NULL) {
        return;
    }
    if (c->map != NULL) {
        mm_map_guard_unregister(c->guard);
        munmap(c->map, c->map_size);
    }
    free(c->owned);
    free(c->name);
    free(c);
}

const mm_vocab *mm_corpus_get_vocab(const mm_corpus *c)
{
    return &c->vocab;
}

void mm_corpus_get_info(const mm_corpus *c, mm_corpus_info *info)
{
    info->bytes = c->size;
    info->ascii = c->ascii;
    info->streamed = 0;
    info->counter = NULL;
    info->threads = 0;
    info->read_way = NULL;
    info->pieces_pread = 0;
    info->pieces_map = 0;
}

/* ---- makemore-mpi: one part of a corpus file --------------------------------
 * Part p of P is the bytes from the first line start at or after p/P of the
 * file to the first line start at or after (p+1)/P of it.  Parts meet at line
 * starts, so a character, a CRLF and a name are never split and each part is
 * a corpus of its own: validating, counting and streaming the parts gives the
 * whole file's results.  Only the part (and, to find its ends, the bytes up
 * to the next newline) is read; the whole file stays mapped, unpopulated, so
 * that messages name the line and byte offset in the file. */

static size_t mm_part_start(const uint8_t *data, size_t size, size_t part, size_t parts)
{
    size_t x = size / parts * part + (part < size % parts ? part : size % parts);
    if (x == 0 || x >= size) {
        return x == 0 ? 0 : size;
    }
    const uint8_t *nl = memchr(data + x - 1, '\n', size - (x - 1));
    return nl ? (size_t)(nl - data) + 1 : size;
}

mm_status mm_corpus_open_part(mm_corpus **out, const char *path, size_t part, size_t parts)
{
    mm_corpus *c = NULL;
    int fd = -1;
    mm_status st;
    *out = NULL;
    if (path == NULL || parts == 0 || part >= parts) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_corpus_open_part: invalid argument");
    }
    st = mm_corpus_alloc(&c, path);
    if (st != MM_OK) {
        return st;
    }
    struct stat sb;
    fd = mm_open_input(path, &sb);
    if (fd < 0) {
        st = mm_fail(MM_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        st = mm_fail(MM_ERR_IO, "%s: %s", path, S_ISDIR(sb.st_mode)
                     ? "is a directory, not a corpus file" : "not a regular file");
    }
    if (st != MM_OK) {
        goto cleanup;
    }
    c->data = (const uint8_t *)"";
    if (sb.st_size > 0) {
        size_t size = (size_t)sb.st_size;
        c->map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (c->map == MAP_FAILED) {
            c->map = NULL;
            st = mm_fail(MM_ERR_IO, "%s: cannot map: %s", path, strerror(errno));
            goto cleanup;
        }
        c->map_size = size;
        c->guard = mm_map_guard_register(c->map, c->map_size);
        const uint8_t *file = c->map;
        size_t lo = mm_part_start(file, size, part, parts);
        size_t hi = part + 1 == parts ? size : mm_part_start(file, size, part + 1, parts);
        size_t page = (size_t)sysconf(_SC_PAGESIZE), a = lo / page * page;
        if (hi > lo) {
            (void)madvise((uint8_t *)c->map + a, hi - a, MADV_SEQUENTIAL);
#ifdef MADV_POPULATE_READ
            /* Prefault just this part (Linux 5.14+; else faulted as read). */
            if (mm_populate_flag(hi - lo) != 0) {
                (void)madvise((uint8_t *)c->map + a, hi - a, MADV_POPULATE_READ);
            }
#endif
        }
        c->data = file + lo;
        c->size = hi - lo;
    }
    st = mm_scan_intact(c);
cleanup:
    return mm_corpus_open_end(c, fd, st, out);
}
