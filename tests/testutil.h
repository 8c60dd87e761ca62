/*
 * testutil.h - shared helpers for the cmocka tests: tolerance checks that
 * fail on NaN (Debian's cmocka 1.1.5 assert_float_equal passes NaN), seeded
 * random data, the reference corpus path and scratch corpora written in the
 * test.
 */
#ifndef MM_TESTUTIL_H
#define MM_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* |got - ref| <= atol + rtol * |ref| for every element, else fail printing
 * what, the index, ref, got and the tolerance.  NaN never passes (unless both
 * are NaN at the same place and allow_nan). */
void mm_assert_close_f32(const float *ref, const float *got, size_t n, double atol,
                         double rtol, const char *what);
void mm_assert_close_f64(double ref, double got, double atol, double rtol,
                         const char *what);
/* Bit-exact comparison of count tables. */
void mm_assert_counts_equal(const uint64_t *ref, const uint64_t *got, size_t n,
                            const char *what);

/* splitmix64: small, seedable, good enough for test data. */
uint64_t mm_test_rand(uint64_t *state);
/* Every counter built in (mm_counters_all()) and then the auto counter,
 * NULL-terminated: what the counting tests walk. */
struct mm_counter;
const struct mm_counter *const *mm_test_counters(void);
/* The seed for this run: $MM_TEST_SEED or a fixed default; printed. */
uint64_t mm_test_seed(void);

/* Path of names.txt ($MM_NAMES).  If it is absent: a failure, or NULL (the
 * test then skips) with MM_ALLOW_SKIP=1. */
const char *mm_test_names_path(void);
/* A scratch directory ($MM_TEST_TMP or /tmp). */
const char *mm_test_tmpdir(void);
/* Write line (with its own newline) lines times to path: corpora of many
 * pages made in the test, so that none is committed.  Fails the test if the
 * file cannot be written. */
void mm_test_write_lines(const char *path, const char *line, size_t lines);
/* A scratch directory of the test's own, <tmpdir>/<name>.<pid>, into dir
 * (size bytes), created: 0, or -1 if it cannot be.  remove deletes it and
 * everything in it: 0 or -1. */
int mm_test_scratch_make(char *dir, size_t size, const char *name);
int mm_test_scratch_remove(const char *dir);
/* Write n bytes to <dir>/<name>; returns the path (a static buffer, valid
 * until the next call).  Fails the test if the file cannot be written. */
const char *mm_test_write_file(const char *dir, const char *name, const void *data, size_t n);

#endif /* MM_TESTUTIL_H */
