/*
 * count_file.c - count a corpus file in one streaming pass.
 *
 * Why one pass: mm_corpus_open reads the whole file once to build the
 * vocabulary and validate it, then counting reads it again.  How each piece
 * is read, by pread into a buffer or in place from a mapping of the file, is
 * chosen per thread by measurement (src/count_read.c says why both).
 *
 * So: read the first MiB and take its characters as the vocabulary; give
 * every other byte value one extra "unknown" class; count the whole file in
 * that class space, in 512 KiB pieces handed out to the threads as they ask
 * (each piece reads the next one's first byte too, so no pair is lost).  Every byte
 * lands in some pair, so the unknown class has a count if and only if the
 * file holds a byte that is not in the vocabulary of its first MiB: a later
 * first use of a character, or one of the bytes the corpus rules forbid
 * (NUL, '.', CR, non-ASCII).  Then, and for anything unusual from the start
 * (standard input, not a regular file, empty, non-ASCII or CR in the first
 * MiB), the result comes from mm_corpus_open + mm_count_bigrams instead:
 * the same vocabulary, counts and error messages, the slower way (the
 * "general path").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "count.h"
#include "count_auto.h"
#include "count_read.h"
#include "internal.h"
#include "kernels.h"
#include "stream.h"

int mm_count_file_maps;

#define MM_CF_PIECE ((size_t)1 << 19) /* bytes per read: buffer and tables stay in L2 */
#define MM_CF_PROBE ((size_t)1 << 20) /* bytes whose characters are the vocabulary */

/* Read exactly n bytes at off; returns 0, or the errno (ENODATA: end of
 * file came first, the file shrank). */
static int mm_pread_all(int fd, uint8_t *buf, size_t n, size_t off)
{
    while (n > 0) {
        ssize_t r = pread(fd, buf, n, (off_t)off);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        if (r == 0) {
            return ENODATA;
        }
        buf += r;
        n -= (size_t)r;
        off += (size_t)r;
    }
    return 0;
}

/* The slow, general way (see the top of the file). */
static mm_status mm_count_file_general(const char *path, const mm_count_opts *opts,
                                      mm_vocab *v, uint64_t **counts, mm_corpus_info *info)
{
    mm_corpus *c = NULL;
    mm_status st = mm_corpus_open(&c, path);
    if (st != MM_OK) {
        return st;
    }
    *v = *mm_corpus_get_vocab(c);
    *counts = malloc((size_t)v->size * v->size * sizeof **counts);
    if (*counts == NULL) {
        mm_corpus_close(c);
        return mm_fail(MM_ERR_NOMEM, "%s: out of memory", path);
    }
    st = mm_count_bigrams(c, v, opts, *counts);
    if (st != MM_OK) {
        free(*counts);
        *counts = NULL;
    } else if (info != NULL) {
        mm_corpus_get_info(c, info);
        info->streamed = 0;
        info->counter = mm_counter_active()->name;
    }
    mm_corpus_close(c);
    return st;
}

/* The class table from the characters of the probe; 0 if the probe holds
 * anything that needs the general path.  Classes: '\n' 0, the probe's
 * characters 1..n in byte order (= code point order), unknown n + 1. */
static size_t mm_probe_classes(const mm_kernels *k, const uint8_t *b, size_t n,
                               uint8_t code[256], uint8_t cps[128])
{
    uint8_t seen[256] = {0};
    if (k->scan_ascii(seen, b, n) != n || seen[0] || seen[MM_BOUNDARY] || seen['\r']) {
        return 0;
    }
    size_t nk = 0;
    for (int x = 1; x < 128; x++) {
        if (seen[x] && x != '\n') {
            cps[nk++] = (uint8_t)x;
        }
    }
    memset(code, (int)(nk + 1), 256);
    code['\n'] = 0;
    for (size_t i = 0; i < nk; i++) {
        code[cps[i]] = (uint8_t)(i + 1);
    }
    return nk + 2;
}

typedef struct mm_cf_thread {
    uint64_t *counts; /* K*K */
    void *work;
    uint8_t *buf;     /* piece + 1 */
    mm_read_pick read; /* pread or the mapping, piece by piece (count_read.c) */
    uint64_t pieces[2]; /* pieces read each way (mm_read_way) */
    int err;          /* errno of a failed read, ENODATA if the file shrank */
    size_t err_off;
} mm_cf_thread;

/* The file as the counting threads see it: its descriptor, and its mapping
 * (NULL if it is read with pread only). */
typedef struct mm_cf_file {
    int fd;
    size_t size;
    const uint8_t *map;
    size_t page; /* the mapping's page size */
    int guard;   /* the mapping's SIGBUS guard slot */
} mm_cf_file;

/* Map the file when `way` allows it and the SIGBUS guard is there to turn a
 * truncation under the mapping into an error (count_read.c says why both
 * ways exist).  Returns the way the threads start from: MM_READ_PREAD when
 * the file is not mapped.  Forced to map but cannot: MM_ERR_INVALID_ARG. */
static mm_status mm_cf_map_open(mm_cf_file *f, const char *path, mm_read_way *way)
{
    if (*way == MM_READ_PREAD) {
        return MM_OK;
    }
    const char *why = NULL;
    if (!mm_sigbus_guard_active()) {
        why = "the SIGBUS guard is not installed (mm_sigbus_guard_install)";
    } else {
        void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
        long page = sysconf(_SC_PAGESIZE);
        if (m == MAP_FAILED) {
            why = strerror(errno);
            if (*way == MM_READ_MAP) {
                return mm_fail(MM_ERR_IO, "%s: MM_COUNT_READ=map, but mmap failed: %s", path,
                               why);
            }
        } else if (page <= 0) {
            munmap(m, f->size);
            why = "no page size";
        } else if ((f->guard = mm_map_guard_register(m, f->size)) < 0) {
            munmap(m, f->size);
            why = "no free SIGBUS guard slot";
        } else {
            f->map = m;
            f->page = (size_t)page;
            __atomic_add_fetch(&mm_count_file_maps, 1, __ATOMIC_RELAXED);
            return MM_OK;
        }
    }
    if (*way == MM_READ_MAP) {
        return mm_fail(MM_ERR_INVALID_ARG, "%s: MM_COUNT_READ=map, but it cannot be mapped: %s",
                       path, why);
    }
    *way = MM_READ_PREAD;
    return MM_OK;
}

/* 1 if a read of the mapping went beyond the file's end (it shrank).  The
 * guard's slot is let go before the mapping: a slot outliving its mapping
 * would absorb the SIGBUS of another mapping given the same addresses. */
static int mm_cf_map_close(mm_cf_file *f)
{
    int tripped = 0;
    if (f->map != NULL) {
        tripped = mm_map_guard_tripped(f->guard);
        mm_map_guard_unregister(f->guard);
        munmap((void *)f->map, f->size);
        f->map = NULL;
    }
    return tripped;
}

/* The pieces, handed out to the threads as they ask (not a fixed range
 * each): piece j holds the pairs whose first byte is in [j piece,
 * (j + 1) piece), so it reads its bytes and the next piece's first.  Why
 * handed out: choosing how to count and read (count_auto.c, count_read.c)
 * costs the thread that chooses about 10 ms of CPU time (a fixed cost) on the
 * Zen 5 of 2026-12-05 (family 26 model 2), and with fixed halves that
 * thread ended last, so the choice's cost was the count's (the default ran
 * 4-8% behind the fastest counter forced on two threads,
 * docs/notes/2026-12-05/s21.md).  Handed out, the other threads count
 * while one chooses, and a thread the machine holds up (a shared VM) holds
 * the count up by one run at most.  A thread takes a run of consecutive
 * pieces at a time: a share of what is left, at most MM_CF_RUN, so the
 * last runs are single pieces and the threads end together. */
#define MM_CF_RUN 16
typedef struct mm_cf_sched {
    size_t next;   /* the next piece to hand out (atomic) */
    size_t pieces; /* ceil((size - 1) / piece): every pair */
    size_t threads;
    int stop;      /* a read failed: hand out nothing more (atomic) */
} mm_cf_sched;

/* The length of the run that starts at piece j. */
static size_t mm_cf_run_at(const mm_cf_sched *s, size_t j)
{
    size_t run = (s->pieces - j) / (2 * s->threads);
    return run < 1 ? 1 : run > MM_CF_RUN ? MM_CF_RUN : run;
}

/* The next run [*first, *end); 0 when none is left. */
static int mm_cf_take_run(mm_cf_sched *s, size_t *first, size_t *end)
{
    size_t j = __atomic_load_n(&s->next, __ATOMIC_RELAXED);
    while (j < s->pieces && !__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
        size_t run = mm_cf_run_at(s, j);
        if (__atomic_compare_exchange_n(&s->next, &j, j + run, 0, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED)) {
            *first = j;
            *end = j + run;
            return 1;
        }
    }
    return 0;
}

/* The pages of the mapping in [lo, hi) are let go once a run read from it
 * is counted.  Why: each mapped page stays in the process's page tables
 * until the end, so `makemore count` of 1 GiB showed a peak RSS of 1 GB
 * where pread's is 4 MB, and the final munmap of 262,144 pages took 16 ms
 * on one thread; dropped run by run, the peak is about MM_CF_RUN pieces
 * (8 MiB) per thread and each thread clears its own (madvise needs no
 * exclusive lock).  Correctness never depends on it: a dropped page that is
 * read again (the byte a run shares with the next) is mapped again from
 * the file. */
static void mm_cf_map_drop(const mm_cf_file *f, size_t lo, size_t hi)
{
    const size_t page = f->page;
    size_t a = (lo + page - 1) & ~(page - 1), b = hi & ~(page - 1);
    if (b > a) {
        madvise((void *)(f->map + a), b - a, MADV_DONTNEED); /* only a hint if it fails */
    }
}

/* How the threads read their last pieces: one way's name, or "mixed". */
static const char *mm_cf_read_name(const mm_cf_thread *th, int used)
{
    for (int t = 1; t < used; t++) {
        if (th[t].read.way != th[0].read.way) {
            return "mixed";
        }
    }
    return mm_read_way_name(th[0].read.way);
}

/* One thread: runs of pieces until none is left, starting with
 * [0, first_end) if that is not empty (the calling thread's: see the
 * caller).  Every thread adds what it read to *done; the calling thread
 * (report) passes it to the progress callback. */
static void mm_cf_count_pieces(const mm_counter *k, const mm_cf_file *f, mm_cf_sched *s,
                               size_t first_end, size_t piece, mm_cf_thread *t,
                               uint64_t *done, const mm_count_opts *report)
{
    const size_t size = f->size;
    size_t first = 0, end = first_end;
    while (first < end || mm_cf_take_run(s, &first, &end)) {
        int mapped = 0;
        for (size_t j = first; j < end; j++) {
            const size_t lo = j * piece;
            const size_t n = size - lo < piece + 1 ? size - lo : piece + 1;
            /* the counter's own timed rounds and the reader's never overlap */
            int settled = !mm_counter_is_auto(k) || mm_count_auto_settled(t->work);
            const mm_read_way way = mm_read_pick_next(&t->read, n, settled);
            if (way == MM_READ_MAP) {
                k->count_feed(t->work, f->map + lo, n);
                mapped = 1;
            } else {
                int e = mm_pread_all(f->fd, t->buf, n, lo);
                if (e != 0) {
                    t->err = e;
                    t->err_off = lo;
                    __atomic_store_n(&s->stop, 1, __ATOMIC_RELAXED);
                    return;
                }
                k->count_feed(t->work, t->buf, n);
            }
            mm_read_pick_done(&t->read, n);
            t->pieces[way]++;
            size_t mine = n - 1 + (lo + n == size); /* its bytes, the next piece's not */
            uint64_t d = __atomic_add_fetch(done, (uint64_t)mine, __ATOMIC_RELAXED);
            if (report != NULL) {
                report->on_progress(d < size ? d : size, size, report->user);
            }
        }
        if (mapped) {
            mm_cf_map_drop(f, first * piece, end * piece < size ? end * piece : size);
        }
        first = end; /* the next run is taken */
    }
}

mm_status mm_count_file(const char *path, const mm_count_opts *opts, mm_vocab *v,
                        uint64_t **counts, mm_corpus_info *info)
{
    mm_corpus_info local;
    info = info != NULL ? info : &local;
    info->threads = 0;
    info->read_way = NULL;
    info->pieces_pread = 0;
    info->pieces_map = 0;
    mm_status st = mm_count_file_sized(path, opts, MM_CF_PROBE, MM_CF_PIECE, v, counts, info);
    if (st == MM_OK && info->threads == 0) {
        info->threads = mm_threads_used(opts != NULL ? opts->threads : 0);
    }
    if (st == MM_OK && opts != NULL && opts->on_progress != NULL) {
        /* the whole file is read (the mapped path reports only this) */
        opts->on_progress(info->bytes, strcmp(path, "-") == 0 ? 0 : info->bytes, opts->user);
    }
    return st;
}

mm_status mm_count_file_sized(const char *path, const mm_count_opts *opts, size_t probe_bytes,
                              size_t piece, mm_vocab *v, uint64_t **counts,
                              mm_corpus_info *info)
{
    if (path == NULL || v == NULL || counts == NULL || probe_bytes == 0 || piece == 0) {
        return mm_fail(MM_ERR_INVALID_ARG, "mm_count_file: invalid argument");
    }
    *counts = NULL;
    if (info != NULL) {
        info->read_way = NULL;
        info->pieces_pread = 0;
        info->pieces_map = 0;
    }
    mm_read_way way; /* checked for every input, read by the one pass only */
    mm_status st = mm_read_way_from_env(&way);
    if (st != MM_OK) {
        return st;
    }
    if (strcmp(path, "-") == 0) {
        return mm_count_stream(STDIN_FILENO, "<stdin>", opts, v, counts, info, NULL);
    }
    struct stat sb;
    int fd = mm_open_input(path, &sb); /* never blocks on a FIFO */
    if (fd < 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0) {
        if (fd >= 0) {
            close(fd);
        }
        return mm_count_file_general(path, opts, v, counts, info); /* says why */
    }
    const size_t size = (size_t)sb.st_size;
    const mm_counter *k = mm_counter_active();
    /* Each thread gets one whole piece at least: with less, its start and its
     * work area cost more than its share of the counting saves (names.txt,
     * 228 KB, half a piece, on the Zen 5 of 2026-12-05, family 26 model 2:
     * 0.110 ms on one thread, 0.152 ms on two, in
     * results/2026-12-05-amd-epyc-3.json, count_file/auto/t[12]/names). */
    const size_t whole = size / piece > 0 ? size / piece : 1;
    const int asked = mm_count_threads(opts);
    const int T = (size_t)asked < whole ? asked : (int)whole;
    mm_cf_file f = {.fd = fd, .size = size, .map = NULL, .guard = -1};
    uint8_t code[256], cps[128], last = 0;
    uint8_t *probe = NULL;
    mm_cf_thread *th = NULL;
    uint8_t *wsbase = NULL;
    uint64_t *acc = NULL;
    int general = 1; /* fall back to the general path */

    size_t np = size < probe_bytes ? size : probe_bytes;
    probe = mm_alloc_huge(np);
    if (probe == NULL || mm_pread_all(fd, probe, np, 0) != 0 ||
        mm_pread_all(fd, &last, 1, size - 1) != 0) {
        goto done; /* the general path reports it */
    }
    size_t K = mm_probe_classes(mm_kernels_active(), probe, np, code, cps);
    if (K == 0) {
        goto done;
    }
    if (way == MM_READ_AUTO && size < (size_t)T * piece + MM_READ_MIN_PIECE) {
        /* after one piece per thread (a thread's first goes by pread,
         * count_read.c) no piece the reader would time is left, so nothing
         * would be read from a mapping: it would only cost its set-up */
        way = MM_READ_PREAD;
    }
    st = mm_cf_map_open(&f, path, &way);
    if (st != MM_OK) {
        general = 0;
        goto done;
    }

    /* per thread: counts, kernel work, read buffer (piece + the carried byte) */
    mm_count_ws ws;
    th = calloc((size_t)T, sizeof *th);
    if (th == NULL || mm_count_ws_alloc(&ws, T, K, piece + 1, k) != MM_OK) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory for %d counting threads", path, T);
        general = 0;
        goto done;
    }
    wsbase = ws.base;
    for (int t = 0; t < T; t++) {
        uint8_t *slice = ws.base + (size_t)t * ws.stride;
        th[t].counts = (uint64_t *)slice;
        th[t].work = slice + ws.counts_bytes;
        th[t].buf = slice + ws.counts_bytes + ws.work_bytes;
        mm_read_pick_begin(&th[t].read, way);
    }
    int used = T;
    uint64_t done = 0;
    const mm_count_opts *report = opts != NULL && opts->on_progress != NULL ? opts : NULL;
    mm_cf_sched sched = {.next = 0, .pieces = (size - 1 + piece - 1) / piece, .stop = 0};
    size_t first_run = 0;
    mm_count_auto_share share; /* thread 0 chooses the counter for all */
    mm_count_auto_share_init(&share);
#pragma omp parallel num_threads(T)
    {
        size_t t, Tn;
        mm_omp_team(&t, &Tn);
#pragma omp single
        {
            used = (int)Tn;
            sched.threads = Tn;
            /* the first run is the calling thread's: it reports the
             * progress, and so has read something when it first does even
             * if the others took every other piece before it asked */
            first_run = sched.pieces > 0 ? mm_cf_run_at(&sched, 0) : 0;
            sched.next = first_run;
        } /* the barrier: every thread sees sched as set */
        mm_cf_thread *me = &th[t];
        k->count_begin(me->work, code, K);
        if (Tn > 1) { /* thread 0 chooses the read way and the counter for all */
            if (t > 0) {
                mm_read_pick_follow(&me->read, &th[0].read);
            }
            if (mm_counter_is_auto(k)) {
                if (t == 0) {
                    mm_count_auto_lead(me->work, &share);
                } else {
                    mm_count_auto_follow(me->work, &share);
                }
            }
        }
        mm_cf_count_pieces(k, &f, &sched, t == 0 ? first_run : 0, piece, me, &done,
                           t == 0 ? report : NULL);
        memset(me->counts, 0, K * K * sizeof *me->counts);
        k->count_end(me->work, me->counts);
    }
    int bad = -1; /* a thread whose read failed */
    for (int t = 0; t < used && bad < 0; t++) {
        bad = th[t].err != 0 ? t : -1;
    }
    /* Shrunk within the last page: a mapping reads zeros there, no SIGBUS
     * (and the zeros would send the count down the general path, which
     * would count the shorter file), so the size is checked again too. */
    struct stat after;
    int shrank = fstat(fd, &after) != 0 || (size_t)after.st_size < size;
    if (mm_cf_map_close(&f) || shrank || (bad >= 0 && th[bad].err == ENODATA)) {
        general = 0;
        st = mm_fail(MM_ERR_IO, "%s: the file shrank while being read (truncated by another "
                     "process?); no result was produced", path);
        goto done;
    }
    if (bad >= 0) {
        general = 0;
        st = mm_fail(MM_ERR_IO, "%s: read error at byte offset %zu: %s", path, th[bad].err_off,
                     strerror(th[bad].err));
        goto done;
    }
    acc = mm_count_ws_merge(&ws, used, K * K);
    acc[code[probe[0]]]++; /* the implicit boundary before the first name */
    if (last != '\n') {
        acc[(size_t)code[last] * K]++; /* no final newline */
    }
    const size_t V = K - 1, unknown = K - 1;
    for (size_t i = 0; i < K; i++) {
        if (acc[unknown * K + i] != 0 || acc[i * K + unknown] != 0) {
            goto done; /* a byte outside the probe's vocabulary */
        }
    }
    *counts = malloc(V * V * sizeof **counts);
    if (*counts == NULL) {
        st = mm_fail(MM_ERR_NOMEM, "%s: out of memory", path);
        general = 0;
        goto done;
    }
    for (size_t r = 0; r < V; r++) {
        memcpy(*counts + r * V, acc + r * K, V * sizeof **counts);
    }
    (*counts)[0] = 0; /* empty lines */
    v->size = (uint32_t)V;
    v->cp[0] = MM_BOUNDARY;
    for (size_t i = 1; i < V; i++) {
        v->cp[i] = cps[i - 1];
    }
    if (info != NULL) {
        info->bytes = size;
        info->ascii = 1;
        info->streamed = 1;
        info->threads = used;
        info->counter = k->name;
        info->read_way = mm_cf_read_name(th, used);
        for (int t = 0; t < used; t++) {
            info->pieces_pread += th[t].pieces[MM_READ_PREAD];
            info->pieces_map += th[t].pieces[MM_READ_MAP];
        }
        if (k == &mm_counter_auto && mm_count_auto_chosen(th[0].work) != NULL) {
            info->counter = mm_count_auto_chosen(th[0].work)->name;
        }
    }
    general = 0;
done:
    mm_cf_map_close(&f);
    close(fd);
    free(probe);
    free(th);
    free(wsbase);
    if (general) {
        return mm_count_file_general(path, opts, v, counts, info);
    }
    return st;
}
