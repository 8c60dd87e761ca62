/*
 * test_count_ws.c - the counting threads' memory (mm_count_ws_alloc,
 * src/count.c): one allocation, a slice per thread.
 *
 * - Layout, for every counter, 1 to 5 threads, and `extra` from 0 to a
 *   read buffer of 512 KiB + 1: counts, work and extra lie inside their
 *   slice, 64-byte aligned, and slices do not overlap; successive slices
 *   start 256 bytes apart modulo 4 KiB (hot table entries of different
 *   threads never share L1 sets).
 * - mm_alloc_huge (util.c, the probe buffer): the same mark and 2 MiB
 *   alignment from MM_HUGE_MIN bytes on.
 * - A slice of MM_WS_HUGE_MIN bytes or more (one holding a read buffer)
 *   starts a 2 MiB region of its own plus that 256-byte step, and the
 *   allocation is marked for transparent huge pages (the "hg" flag of its
 *   mapping in /proc/self/smaps), where the kernel has them: each small
 *   page's first touch cost about 18 us on the Zen 5 VM of 2026-12-06, so
 *   a count touched ~300 of them per thread before it read a byte.
 *   Smaller slices keep 4 KiB alignment and no mark (a count of a small
 *   model in many threads should not take 2 MiB per thread).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <malloc.h>

#include "count.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"
#include "util.h"


/* 1 if the mapping holding p has flag `flag` in /proc/self/smaps; -1 if
 * no mapping holds p (or smaps cannot be read). */
static int vma_has_flag(const void *p, const char *flag)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL) {
        return -1;
    }
    char line[512];
    int in = 0, found = -1;
    uintptr_t a = (uintptr_t)p;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = a >= lo && a < hi;
            continue;
        }
        if (in && strncmp(line, "VmFlags:", 8) == 0) {
            char want[8];
            snprintf(want, sizeof want, " %s", flag);
            const char *s = line + 8;
            found = 0;
            for (const char *q = strstr(s, want); q != NULL; q = strstr(q + 1, want)) {
                if (q[strlen(want)] == ' ' || q[strlen(want)] == '\n') {
                    found = 1;
                }
            }
            break;
        }
    }
    fclose(f);
    return found;
}

static int thp_available(void)
{
    return access("/sys/kernel/mm/transparent_hugepage/enabled", R_OK) == 0;
}

static void test_layout(void **state)
{
    (void)state;
    static const size_t extras[] = {0, 1, 4096, (512 << 10) + 1};
    static const size_t Ks[] = {2, 27, 64};
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        for (size_t ki = 0; ki < sizeof Ks / sizeof Ks[0]; ki++) {
            for (size_t e = 0; e < sizeof extras / sizeof extras[0]; e++) {
                for (int T = 1; T <= 5; T++) {
                    const size_t K = Ks[ki];
                    char what[160];
                    snprintf(what, sizeof what, "counter %s, K %zu, extra %zu, %d threads",
                             (*k)->name, K, extras[e], T);
                    mm_count_ws ws;
                    if (mm_count_ws_alloc(&ws, T, K, extras[e], *k) != MM_OK) {
                        fail_msg("%s: %s", what, mm_errmsg());
                    }
                    const size_t slice =
                        ws.counts_bytes + ws.work_bytes + ((extras[e] + 63) & ~(size_t)63);
                    if (ws.counts_bytes < K * K * sizeof(uint64_t) ||
                        ws.work_bytes < (*k)->count_work_size(K) || ws.stride < slice ||
                        ws.counts_bytes % 64 != 0 || ws.work_bytes % 64 != 0 ||
                        (uintptr_t)ws.base % 64 != 0) {
                        fail_msg("%s: counts %zu, work %zu, stride %zu", what, ws.counts_bytes,
                                 ws.work_bytes, ws.stride);
                    }
                    if (ws.stride % 4096 != 256) {
                        fail_msg("%s: stride %zu is not 256 mod 4096", what, ws.stride);
                    }
                    /* every byte of every slice can be written (ASan checks
                     * the bounds of the allocation) */
                    for (int t = 0; t < T; t++) {
                        memset(ws.base + (size_t)t * ws.stride, 0xa5, slice);
                    }
                    if (slice >= MM_WS_HUGE_MIN) {
                        if ((uintptr_t)ws.base % MM_HUGE_PAGE != 0 ||
                            (ws.stride - 256) % MM_HUGE_PAGE != 0) {
                            fail_msg("%s: a big slice (%zu bytes) not on its own 2 MiB region "
                                     "(base %p, stride %zu)", what, slice, (void *)ws.base,
                                     ws.stride);
                        }
                        if (thp_available() && vma_has_flag(ws.base, "hg") != 1) {
                            fail_msg("%s: the allocation is not marked for huge pages", what);
                        }
                    } else if (ws.stride > slice + 4096 + 256) {
                        fail_msg("%s: a small slice (%zu bytes) given a stride of %zu", what,
                                 slice, ws.stride);
                    }
                    free(ws.base);
                }
            }
        }
    }
}

/* mm_alloc_huge (the probe buffer): from MM_HUGE_MIN bytes on, 2 MiB
 * aligned and marked for huge pages; below, plain memory; every byte
 * writable either way. */
static void test_alloc_huge(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, MM_HUGE_MIN - 1, MM_HUGE_MIN, 228145,
                                   MM_HUGE_PAGE + 1, (size_t)1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = mm_alloc_huge(sizes[i]);
        assert_non_null(p);
        memset(p, 0x5a, sizes[i]);
        if (sizes[i] >= MM_HUGE_MIN) {
            if ((uintptr_t)p % MM_HUGE_PAGE != 0) {
                fail_msg("%zu bytes: %p is not 2 MiB aligned", sizes[i], (void *)p);
            }
            if (thp_available() && vma_has_flag(p, "hg") != 1) {
                fail_msg("%zu bytes: not marked for huge pages", sizes[i]);
            }
        }
        free(p);
    }
}

int main(void)
{
    /* every big allocation a fresh mapping: with glibc's dynamic threshold
     * a freed one raises it, later ones come from the heap, and a heap range
     * an earlier allocation marked keeps the mark (the "hg" check would
     * pass without the madvise under test) */
    mallopt(M_MMAP_THRESHOLD, 64 << 10);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_alloc_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
