/*
 * test_scan.c - every scan_ascii variant against the scalar one: the same
 * returned offset (the first byte >= 0x80, or n) and the same set of seen
 * bytes, on random ASCII with a growing alphabet, a non-ASCII byte at every
 * position of a buffer (so every block and tail position is hit), new
 * characters appearing late, pre-set entries kept, and misaligned starts.
 * Exact: a set and an offset have no tolerance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "testutil.h"

static void compare_all(const uint8_t *b, size_t n, const uint8_t *preset, const char *what)
{
    uint8_t ref[256], got[256];
    memcpy(ref, preset, 256);
    size_t r = mm_kernels_scalar.scan_ascii(ref, b, n);
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        memcpy(got, preset, 256);
        size_t g = (*k)->scan_ascii(got, b, n);
        if (g != r) {
            fail_msg("%s, %s, n=%zu: returned %zu, scalar %zu", (*k)->name, what, n, g, r);
        }
        for (int x = 0; x < 256; x++) {
            if ((ref[x] != 0) != (got[x] != 0)) {
                fail_msg("%s, %s, n=%zu: byte 0x%02x seen %d, scalar %d", (*k)->name, what, n,
                         x, got[x], ref[x]);
            }
        }
    }
}

static void test_scan_random(void **state)
{
    (void)state;
    uint64_t seed = mm_test_seed();
    const size_t N = 5000;
    uint8_t *buf = malloc(N + 1);
    uint8_t preset[256] = {0};
    for (int round = 0; round < 300; round++) {
        int alphabet = 1 + (int)(mm_test_rand(&seed) % 127);
        size_t n = mm_test_rand(&seed) % N;
        for (size_t i = 0; i < n; i++) {
            buf[1 + i] = (uint8_t)(1 + mm_test_rand(&seed) % (uint64_t)alphabet);
        }
        if (round % 3 == 0 && n > 0) { /* a new character late in the input */
            buf[1 + n - 1 - mm_test_rand(&seed) % (n < 300 ? n : 300)] = 0x7f;
        }
        memset(preset, 0, sizeof preset);
        if (round % 5 == 0) {
            preset['q'] = 1;
            preset[0xc3] = 1; /* pre-set entries, even >= 0x80, stay */
        }
        compare_all(buf + 1, n, preset, "random ascii (misaligned)");
        compare_all(buf + 1, n / 2, preset, "prefix");
    }
    free(buf);
}

static void test_scan_non_ascii_everywhere(void **state)
{
    (void)state;
    const size_t n = 700; /* beyond 2 x 256-byte blocks, with a tail */
    uint8_t buf[700];
    uint8_t preset[256] = {0};
    for (size_t i = 0; i < n; i++) {
        buf[i] = (uint8_t)('a' + i % 26);
    }
    for (size_t at = 0; at < n; at++) {
        uint8_t keep = buf[at];
        buf[at] = (uint8_t)(0x80 + at % 128);
        compare_all(buf, n, preset, "one non-ASCII byte");
        buf[at] = keep;
    }
    compare_all(buf, 0, preset, "empty");
    compare_all(buf, n, preset, "all ASCII");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_random),
        cmocka_unit_test(test_scan_non_ascii_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
