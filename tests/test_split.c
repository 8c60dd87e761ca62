/*
 * test_split.c - mm_split_corpus against the rule written in src/split.c,
 * re-implemented here the plain way (all names in memory, one draw per name):
 * the parts must be byte-identical.  Also the sizes (floor of the cumulative
 * ratios), the partition, and the same result for the same seed.  Exact:
 * there is nothing approximate in a split.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "makemore.h"
#include "testutil.h"

static uint64_t g_seed;

static int setup(void **state)
{
    (void)state;
    g_seed = mm_test_seed();
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    *len = (size_t)n;
    return buf;
}

/* The rule of src/split.c, written out. */
static void reference_split(char **names, size_t n, const uint32_t *ratios, size_t parts,
                            uint64_t seed, char **out, size_t *out_len)
{
    uint64_t R = 0, cum = 0, prev = 0, need[MM_SPLIT_MAX_PARTS];
    for (size_t j = 0; j < parts; j++) {
        R += ratios[j];
    }
    for (size_t j = 0; j < parts; j++) {
        cum += ratios[j];
        uint64_t b = (uint64_t)((unsigned __int128)n * cum / R);
        need[j] = b - prev;
        prev = b;
        out[j] = calloc(1, 1 << 20);
        out_len[j] = 0;
    }
    mm_rng g;
    mm_rng_seed(&g, seed);
    for (size_t i = 0; i < n; i++) {
        uint64_t m = n - i, x;
        /* x uniform over [0, 2^64): keep it if below the largest multiple of m */
        unsigned __int128 top = ((unsigned __int128)1 << 64) / m * m;
        do {
            uint64_t hi = mm_rng_u32(&g);
            x = (hi << 32) | mm_rng_u32(&g);
        } while ((unsigned __int128)x >= top);
        uint64_t r = x % m, acc = 0;
        size_t j = 0;
        while (r >= acc + need[j]) {
            acc += need[j++];
        }
        need[j]--;
        size_t l = strlen(names[i]);
        memcpy(out[j] + out_len[j], names[i], l);
        out_len[j] += l;
        out[j][out_len[j]++] = '\n';
    }
}

static void test_against_rule(void **state)
{
    (void)state;
    uint64_t rs = g_seed;
    static const uint32_t ratio_sets[][MM_SPLIT_MAX_PARTS] = {
        {80, 10, 10}, {1, 1}, {3, 0, 5, 1}, {1, 1, 1, 1, 1, 1, 1, 1}, {0, 7}};
    static const size_t ratio_parts[] = {3, 2, 4, 8, 2};
    static const size_t sizes[] = {0, 1, 2, 3, 10, 97, 1000, 5000};
    char dir[256];
    snprintf(dir, sizeof dir, "%s/test_split_%d", mm_test_tmpdir(), (int)getpid());
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    assert_int_equal(system(cmd), 0);
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        char **names = malloc((n ? n : 1) * sizeof *names);
        char in[300];
        snprintf(in, sizeof in, "%s/in.txt", dir);
        FILE *fp = fopen(in, "wb");
        for (size_t i = 0; i < n; i++) {
            size_t len = 1 + mm_test_rand(&rs) % 8;
            names[i] = malloc(len + 1);
            for (size_t k = 0; k < len; k++) {
                names[i][k] = (char)('a' + mm_test_rand(&rs) % 26);
            }
            names[i][len] = '\0';
            /* blank lines and CRLF in between are not names */
            fprintf(fp, "%s%s%s", mm_test_rand(&rs) % 5 == 0 ? "\n" : "", names[i],
                    mm_test_rand(&rs) % 3 == 0 ? "\r\n" : "\n");
        }
        fclose(fp);
        for (size_t ri = 0; ri < sizeof ratio_parts / sizeof ratio_parts[0]; ri++) {
            size_t parts = ratio_parts[ri];
            uint64_t seed = mm_test_rand(&rs) % 3 == 0 ? 2147483647u : mm_test_rand(&rs);
            char paths[MM_SPLIT_MAX_PARTS][300];
            const char *pp[MM_SPLIT_MAX_PARTS];
            for (size_t j = 0; j < parts; j++) {
                snprintf(paths[j], sizeof paths[j], "%s/part%zu.txt", dir, j);
                pp[j] = paths[j];
            }
            uint64_t got_sizes[MM_SPLIT_MAX_PARTS];
            if (n == 0) {
                /* no names: refused, as count refuses it, and nothing written */
                for (size_t j = 0; j < parts; j++) {
                    unlink(paths[j]);
                }
                assert_int_equal(mm_split_corpus(in, ratio_sets[ri], parts, seed, pp,
                                                 got_sizes), MM_ERR_CORPUS);
                assert_non_null(strstr(mm_errmsg(), "no names"));
                for (size_t j = 0; j < parts; j++) {
                    assert_int_equal(access(paths[j], F_OK), -1);
                }
                continue;
            }
            assert_int_equal(mm_split_corpus(in, ratio_sets[ri], parts, seed, pp, got_sizes),
                             MM_OK);
            char *ref[MM_SPLIT_MAX_PARTS];
            size_t ref_len[MM_SPLIT_MAX_PARTS];
            reference_split(names, n, ratio_sets[ri], parts, seed, ref, ref_len);
            uint64_t total = 0;
            for (size_t j = 0; j < parts; j++) {
                size_t len = 0;
                char *got = read_all(paths[j], &len);
                if (len != ref_len[j] || memcmp(got, ref[j], len) != 0) {
                    fail_msg("n %zu ratios %zu part %zu seed %llu: differs from the rule", n,
                             ri, j, (unsigned long long)seed);
                }
                size_t lines = 0;
                for (size_t k = 0; k < len; k++) {
                    lines += got[k] == '\n';
                }
                assert_int_equal(lines, got_sizes[j]);
                total += got_sizes[j];
                free(got);
                free(ref[j]);
            }
            assert_int_equal(total, n);
            /* the lecture's sizes for 80/10/10 */
            if (ri == 0) {
                assert_int_equal(got_sizes[0], n * 8 / 10);
                assert_int_equal(got_sizes[0] + got_sizes[1], n * 9 / 10);
            }
        }
        for (size_t i = 0; i < n; i++) {
            free(names[i]);
        }
        free(names);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uint32_t r[2] = {0, 0};
    const char *pp[2] = {"a", "b"};
    assert_int_equal(mm_split_corpus("x", r, 2, 1, pp, NULL), MM_ERR_INVALID_ARG);
    r[0] = 1;
    assert_int_equal(mm_split_corpus("x", r, 1, 1, pp, NULL), MM_ERR_INVALID_ARG);
    assert_int_equal(mm_split_corpus("/nonexistent/x", r, 2, 1, pp, NULL), MM_ERR_IO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_rule),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
