/*
 * fuzz_count_file.c - libFuzzer target: mm_count_file, the one-pass
 * streaming counter, against the general path (mm_corpus_open +
 * mm_count_bigrams) on the same file: the same status and message, and on
 * success the same vocabulary and counts, bit for bit.  The input's first
 * byte picks the probe and piece sizes (1..16 and 1..64 bytes), so that
 * characters first seen after the probe and pairs across pieces come up in
 * small inputs; every kernel table, 1 to 3 threads, read with pread (1),
 * from a mapping (2) and MM_COUNT_READ=auto (3: with pieces this small,
 * under MM_READ_MIN_PIECE, it never times anything and reads by pread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "count.h"
#include "count_auto.h"
#include "kernels.h"
#include "makemore.h"

static char g_path[256];

static void write_input(const uint8_t *data, size_t size)
{
    if (g_path[0] == '\0') {
        const char *dir = getenv("TMPDIR");
        snprintf(g_path, sizeof g_path, "%s/fuzz_count_file.%ld", dir ? dir : "/tmp",
                 (long)getpid());
    }
    FILE *f = fopen(g_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    size_t probe = 1 + (data[0] & 15), piece = 1 + (data[0] >> 2);
    data++;
    size--;
    write_input(data, size);
    if (mm_sigbus_guard_install() != MM_OK) { /* reading from a mapping needs it */
        abort();
    }

    mm_corpus *c = NULL;
    mm_vocab rv;
    uint64_t *ref = NULL;
    mm_status rst = mm_corpus_open(&c, g_path);
    char rmsg[1024];
    if (rst == MM_OK) {
        rv = *mm_corpus_get_vocab(c);
        ref = calloc((size_t)rv.size * rv.size, sizeof *ref);
        mm_count_opts o1 = {.threads = 1};
        rst = mm_count_bigrams_with(c, &rv, &o1, &mm_counter_scalar, ref);
        mm_corpus_close(c);
    }
    snprintf(rmsg, sizeof rmsg, "%s", rst == MM_OK ? "" : mm_errmsg());
    const mm_counter *all[16];
    size_t nk = 0;
    for (const mm_counter *const *k = mm_counters_all(); *k; k++) {
        all[nk++] = *k;
    }
    all[nk++] = &mm_counter_auto;
    for (const mm_counter *const *k = all; k < all + nk; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        mm_counter_set_active(*k);
        for (int t = 1; t <= 3; t++) {
            static const char *const ways[] = {"pread", "map", "auto"};
            setenv("MM_COUNT_READ", ways[t - 1], 1);
            mm_count_opts o = {.threads = t};
            mm_vocab v;
            uint64_t *got = NULL;
            mm_status st = mm_count_file_sized(g_path, &o, probe, piece, &v, &got, NULL);
            if (st != rst || (st != MM_OK && strcmp(mm_errmsg(), rmsg) != 0)) {
                abort();
            }
            if (st == MM_OK &&
                (v.size != rv.size || memcmp(v.cp, rv.cp, v.size * sizeof v.cp[0]) != 0 ||
                 memcmp(got, ref, (size_t)v.size * v.size * sizeof *got) != 0)) {
                abort();
            }
            free(got);
        }
    }
    mm_counter_set_active(NULL);
    unsetenv("MM_COUNT_READ");
    free(ref);
    unlink(g_path);
    return 0;
}
