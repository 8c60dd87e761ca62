/*
 * testutil.c - see testutil.h.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "count_auto.h"
#include "kernels.h"
#include "testutil.h"

void mm_assert_close_f32(const float *ref, const float *got, size_t n, double atol,
                         double rtol, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        double r = ref[i], g = got[i];
        double tol = atol + rtol * fabs(r);
        double d = fabs(g - r);
        int same_inf = isinf(r) && isinf(g) && ((r > 0) == (g > 0));
        if (!(d <= tol) && !same_inf) {
            fail_msg("%s: index %zu: ref %.9g got %.9g |diff| %.3g > tol %.3g (atol %g rtol %g)",
                     what, i, r, g, d, tol, atol, rtol);
        }
    }
}

void mm_assert_close_f64(double ref, double got, double atol, double rtol, const char *what)
{
    double tol = atol + rtol * fabs(ref);
    double d = fabs(got - ref);
    int same_inf = isinf(ref) && isinf(got) && ((ref > 0) == (got > 0));
    if (!(d <= tol) && !same_inf) {
        fail_msg("%s: ref %.17g got %.17g |diff| %.3g > tol %.3g", what, ref, got, d, tol);
    }
}

void mm_assert_counts_equal(const uint64_t *ref, const uint64_t *got, size_t n,
                            const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (ref[i] != got[i]) {
            fail_msg("%s: count %zu: ref %" PRIu64 " got %" PRIu64, what, i, ref[i], got[i]);
        }
    }
}

uint64_t mm_test_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t mm_test_seed(void)
{
    const char *s = getenv("MM_TEST_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : 20261125ULL;
    fprintf(stderr, "test seed %" PRIu64 " (set MM_TEST_SEED to change)\n", seed);
    return seed;
}

const char *mm_test_names_path(void)
{
    const char *p = getenv("MM_NAMES");
    if (p != NULL && access(p, R_OK) == 0) {
        return p;
    }
    /* names.txt is shipped (tests/data): its absence is a broken setup, not
     * a reason to pass quietly. */
    const char *allow = getenv("MM_ALLOW_SKIP");
    if (allow == NULL || strcmp(allow, "1") != 0) {
        fail_msg("names.txt not found (MM_NAMES=%s); set MM_ALLOW_SKIP=1 to skip", p ? p : "");
    }
    return NULL;
}

const char *mm_test_tmpdir(void)
{
    const char *p = getenv("MM_TEST_TMP");
    return p ? p : "/tmp";
}

void mm_test_write_lines(const char *path, const char *line, size_t lines)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < lines; i++) {
        fputs(line, fp);
    }
    assert_int_equal(fclose(fp), 0);
}

int mm_test_scratch_make(char *dir, size_t size, const char *name)
{
    int n = snprintf(dir, size, "%s/%s.%ld", mm_test_tmpdir(), name, (long)getpid());
    return n > 0 && (size_t)n < size && mkdir(dir, 0700) == 0 ? 0 : -1;
}

int mm_test_scratch_remove(const char *dir)
{
    char cmd[1200];
    int n = snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return n > 0 && (size_t)n < sizeof cmd && system(cmd) == 0 ? 0 : -1;
}

const char *mm_test_write_file(const char *dir, const char *name, const void *data, size_t n)
{
    static char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
    return path;
}

const struct mm_counter *const *mm_test_counters(void)
{
    static const mm_counter *list[16];
    if (list[0] == NULL) {
        size_t n = 0;
        for (const mm_counter *const *c = mm_counters_all(); *c && n < 14; c++) {
            list[n++] = *c;
        }
        list[n++] = &mm_counter_auto;
        list[n] = NULL;
    }
    return list;
}
