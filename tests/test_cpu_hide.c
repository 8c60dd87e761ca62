/*
 * test_cpu_hide.c - $MM_CPU_HIDE (kernels/cpu.c): the named instruction sets
 * count as absent everywhere, so an AVX-512 machine runs, tests and measures
 * what a CPU without them gets.  ctest runs this file three times: with
 * MM_CPU_HIDE unset, =avx512 and =avx2 (tests/CMakeLists.txt).
 * - the hidden sets are neither supported nor chosen: mm_cpu_has_*,
 *   mm_isa_supported, mm_dispatch_init's best table, forcing one (an error),
 *   every counter's supported(), and the auto counter's choice;
 * - counts are still the scalar reference's, bit for bit (no tolerance);
 * - the parser refuses unknown and empty names (then nothing is hidden and
 *   mm_dispatch_init fails naming it: tests/cli/cpu_hide.sh), and the value
 *   is read once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "count.h"
#include "count_auto.h"
#include "kernels.h"
#include "makemore.h"
#include "testutil.h"

static int g_hide512, g_hide2; /* what this run's environment hides */

static int listed(const char *csv, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = csv; (p = strstr(p, name)) != NULL; p += n) {
        if ((p == csv || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) {
            return 1;
        }
    }
    return 0;
}

/* Assertions that name what they compared when they fail. */
#define assert_listed(csv, name)                                                      \
    do {                                                                              \
        if (!listed((csv), (name))) {                                                 \
            print_message("'%s' is not in '%s'\n", (name), (csv));                    \
            fail();                                                                   \
        }                                                                             \
    } while (0)
#define assert_not_listed(csv, name)                                                  \
    do {                                                                              \
        if (listed((csv), (name))) {                                                  \
            print_message("'%s' is in '%s'\n", (name), (csv));                        \
            fail();                                                                   \
        }                                                                             \
    } while (0)

static void test_hidden_sets_absent(void **state)
{
    (void)state;
    if (g_hide512) {
        assert_false(mm_cpu_has_avx512());
        assert_not_listed(mm_isa_supported(), "avx512");
        assert_listed(mm_isa_hidden(), "avx512");
    }
    if (g_hide2) {
        assert_false(mm_cpu_has_avx2_fma());
        assert_false(mm_cpu_has_avx512()); /* avx512 builds on avx2 */
        assert_not_listed(mm_isa_supported(), "avx2");
        assert_string_equal(mm_isa_hidden(), "avx2,avx512");
    }
    if (!g_hide512 && !g_hide2) {
        assert_string_equal(mm_isa_hidden(), "");
    }
    assert_listed(mm_isa_supported(), "scalar");
    /* the best table is one that is not hidden */
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    assert_listed(mm_isa_supported(), mm_isa_name());
    assert_not_listed(mm_isa_hidden(), mm_isa_name());
    /* forcing a hidden set is an error, as on a CPU without it */
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        mm_status st = mm_dispatch_init((*k)->name);
        if (listed(mm_isa_hidden(), (*k)->name)) {
            assert_int_equal(st, MM_ERR_UNSUPPORTED_ISA);
            assert_non_null(strstr(mm_errmsg(), "cannot run"));
            assert_false((*k)->supported());
        } else {
            assert_int_equal(st, MM_OK);
        }
    }
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    for (const mm_counter *const *c = mm_counters_all(); *c; c++) {
        if (listed(mm_isa_hidden(), (*c)->name)) {
            assert_false((*c)->supported());
        }
    }
}

/* Long enough for the trial and a later round: the choice is a counter
 * that is not hidden, and the counts are scalar's. */
static void test_auto_never_hidden(void **state)
{
    (void)state;
    uint64_t rs = mm_test_seed() ^ 0x41de;
    const size_t K = 28, piece = MM_AUTO_MIN_PIECE;
    const size_t n = (2 + MM_AUTO_ROUNDS * MM_AUTO_MAX + MM_AUTO_RECHECK + 3) * piece + 1;
    uint8_t *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = mm_test_rand(&rs);
        b[i] = (uint8_t)((r & 7) ? 'a' + (r >> 8) % 26 : (r & 8) ? '\n' : (r >> 8));
    }
    uint8_t code[256];
    for (int i = 0; i < 256; i++) {
        code[i] = (uint8_t)(mm_test_rand(&rs) % K);
    }
    uint64_t *ref = calloc(K * K, sizeof *ref), *got = calloc(K * K, sizeof *got);
    void *sw = aligned_alloc(64, (mm_counter_scalar.count_work_size(K) + 63) / 64 * 64);
    void *w = aligned_alloc(64, (mm_counter_auto.count_work_size(K) + 63) / 64 * 64);
    assert_true(ref && got && sw && w);
    mm_count_pairs(&mm_counter_scalar, ref, b, n, code, K, sw);
    mm_counter_auto.count_begin(w, code, K);
    mm_count_feed_pieces(&mm_counter_auto, w, b, n, piece);
    mm_counter_auto.count_end(w, got);
    mm_assert_counts_equal(ref, got, K * K, "auto with MM_CPU_HIDE");
    const mm_counter *c = mm_count_auto_chosen(w);
    assert_non_null(c);
    assert_not_listed(mm_isa_hidden(), c->name);
    /* a hidden counter is not even a candidate: never timed (every
     * candidate is timed in the trial's first round) */
    for (const mm_counter *const *k = mm_counters_all(); *k; k++) {
        if (listed(mm_isa_hidden(), (*k)->name) && mm_count_auto_rate(w, *k) != 0.0) {
            print_message("hidden counter %s was timed\n", (*k)->name);
            fail();
        }
    }
    free(w);
    free(sw);
    free(ref);
    free(got);
    free(b);
}

/* The parser: known names give their mask, any other name (an empty one
 * too) is refused and copied out, cut to the buffer. */
static void test_parse(void **state)
{
    (void)state;
    char bad[8];
    static const struct {
        const char *s;
        int ok;
        const char *bad;
    } cases[] = {
        {"", 1, NULL},          {"avx512", 1, NULL},      {"avx2", 1, NULL},
        {"avx2,avx512", 1, NULL}, {"avx512,avx512", 1, NULL},
        {"sse9", 0, "sse9"},    {"avx512,sse9", 0, "sse9"}, {"avx512,", 0, ""},
        {",avx2", 0, ""},       {"avx2,,avx512", 0, ""},  {"scalar", 0, "scalar"},
        {"AVX512", 0, "AVX512"}, {" avx512", 0, " avx512"}, {"avx-512-and-more", 0, "avx-512"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        strcpy(bad, "?");
        int m = mm_cpu_hide_parse(cases[i].s, bad, sizeof bad);
        print_message("'%s' -> %d '%s'\n", cases[i].s, m, bad);
        if (cases[i].ok) {
            assert_true(m >= 0);
            assert_int_equal(m != 0, cases[i].s[0] != '\0');
        } else {
            assert_int_equal(m, -1);
            assert_string_equal(bad, cases[i].bad);
        }
    }
    /* avx2 hides avx512 as well */
    assert_int_equal(mm_cpu_hide_parse("avx2", bad, sizeof bad),
                     mm_cpu_hide_parse("avx2,avx512", bad, sizeof bad));
    assert_true(mm_cpu_hide_parse("avx2", bad, sizeof bad) !=
                mm_cpu_hide_parse("avx512", bad, sizeof bad));
    assert_int_equal(mm_cpu_hide_parse(NULL, bad, sizeof bad), 0);
}

/* Read once: changing the variable later changes nothing, not even into a
 * bad value (what the process runs as stays what it reported). */
static void test_read_once(void **state)
{
    (void)state;
    const char *was_hidden = mm_isa_hidden();
    assert_non_null(was_hidden);
    const char *was = getenv("MM_CPU_HIDE");
    char *saved = was ? strdup(was) : NULL;
    setenv("MM_CPU_HIDE", "sse9", 1);
    assert_int_equal(mm_dispatch_init(NULL), MM_OK);
    assert_string_equal(mm_isa_hidden(), was_hidden);
    setenv("MM_CPU_HIDE", "avx2", 1);
    assert_string_equal(mm_isa_hidden(), was_hidden);
    if (saved) {
        setenv("MM_CPU_HIDE", saved, 1);
        free(saved);
    } else {
        unsetenv("MM_CPU_HIDE");
    }
}

int main(void)
{
    const char *h = getenv("MM_CPU_HIDE");
    g_hide2 = h != NULL && listed(h, "avx2");
    g_hide512 = g_hide2 || (h != NULL && listed(h, "avx512"));
    (void)mm_test_seed(); /* printed: MM_TEST_SEED repeats a run */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hidden_sets_absent),
        cmocka_unit_test(test_auto_never_hidden),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_read_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
