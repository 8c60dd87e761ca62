/*
 * test_scale.c - counts past 2^32: every count_pairs variant over a 4 GiB + 1 MiB
 * input must give exact uint64 counts.  The input is an anonymous mapping
 * (MAP_NORESERVE): untouched pages read as zeros and cost no memory, and a
 * few names are planted at the start, the end, and around 4 GiB, where the
 * optimised kernels cut their uint32 tables into blocks.  Byte 0 is given a
 * class of its own, so the expected counts have a closed form.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "kernels.h"
#include "testutil.h"

#define GIB ((size_t)1 << 30)

typedef struct plant {
    size_t off;
    const char *text;
} plant;

static void test_counts_beyond_2_32(void **state)
{
    (void)state;
    if (getenv("MM_SKIP_HUGE") != NULL) {
        skip(); /* sanitizer builds: 4 GiB of shadow-checked reads take too long */
    }
    const size_t n = 4 * GIB + ((size_t)1 << 20) + 12345;
    uint8_t *b = mmap(NULL, n, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (b == MAP_FAILED) {
        print_message("skip: cannot map 4 GiB\n");
        skip();
    }
    const plant plants[] = {
        {0, "emma\nab\n"},
        {4 * GIB - 3, "ab\nba\n"},       /* across the 2^32-byte block edge */
        {4 * GIB + 4096, "\naa\n"}, /* past the edge */
        {n - 5, "\nbab"},
    };
    const size_t np = sizeof plants / sizeof plants[0];
    for (size_t p = 0; p < np; p++) {
        memcpy(b + plants[p].off, plants[p].text, strlen(plants[p].text));
    }
    /* classes: '\n' 0, 'a' 1, 'b' 2, 'e' 3, 'm' 4, byte 0 -> 5 */
    uint8_t code[256] = {0};
    code['a'] = 1;
    code['b'] = 2;
    code['e'] = 3;
    code['m'] = 4;
    code[0] = 5;
    const size_t K = 6;
    uint64_t expect[36] = {0};
    size_t special = 0;
    for (size_t p = 0; p < np; p++) {
        size_t lo = plants[p].off ? plants[p].off - 1 : 0;
        size_t hi = plants[p].off + strlen(plants[p].text); /* pair i uses i, i+1 */
        for (size_t i = lo; i < hi && i + 1 < n; i++) {
            expect[code[b[i]] * K + code[b[i + 1]]]++;
            special++;
        }
    }
    expect[5 * K + 5] += (n - 1) - special;
    print_message("expected zero-zero pairs: %llu (2^32 = %llu)\n",
                  (unsigned long long)expect[5 * K + 5], 1ULL << 32);

    void *work = NULL;
    for (const mm_counter *const *k = mm_test_counters(); *k; k++) {
        if (!(*k)->supported()) {
            print_message("skip %s\n", (*k)->name);
            continue;
        }
        size_t ws = (*k)->count_work_size(K);
        work = aligned_alloc(64, ws ? (ws + 63) / 64 * 64 : 64);
        assert_non_null(work);
        uint64_t got[36] = {0};
        mm_count_pairs(*k, got, b, n, code, K, work);
        mm_assert_counts_equal(expect, got, K * K, (*k)->name);
        free(work);
    }
    munmap(b, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_beyond_2_32),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
