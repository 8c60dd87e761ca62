/*
 * npy.h - internal entry point of the .npy reader.  mm_npy_read_f32 (public)
 * reads a whole file and hands it to mm_npy_parse_f32, which works on bytes
 * in memory so that the fuzzer and the tests can drive the parser without
 * touching the file system.
 */
#ifndef MM_NPY_H
#define MM_NPY_H

#include <stddef.h>

#include "makemore.h"

/* Parse a complete .npy image buf[0..len) holding a 2-D float32 C-order
 * little-endian array ('<f4', fortran_order False, versions 1.0, 2.0, 3.0).
 * Never reads outside buf; allocates at most one buffer, whose size is
 * checked against len first.  name (may be NULL) is used in messages.
 *
 * On MM_OK, *out is a malloc'd rows*cols array (never NULL, even when a
 * dimension is 0: free() it); rows or cols may be 0.  On failure *out is
 * NULL, *rows and *cols are 0, and the status is MM_ERR_FORMAT for anything
 * wrong with the bytes (bad magic or version, truncated header or data,
 * header syntax, dtype other than '<f4', fortran_order True, not 2-D,
 * negative or overflowing dimensions, data size not matching the shape
 * exactly, a NaN or infinite value), MM_ERR_INVALID_ARG for NULL
 * out-pointers, MM_ERR_NOMEM if the array cannot be allocated. */
mm_status mm_npy_parse_f32(const unsigned char *buf, size_t len,
                           const char *name, float **out, size_t *rows,
                           size_t *cols);

/* The same with mm_npy_read_weights's choice: allow_f8 also takes '<f8'
 * (float64) arrays, rounded to float32 (a value beyond float32's range is
 * MM_ERR_FORMAT); info (may be NULL) says what was read. */
mm_status mm_npy_parse_weights(const unsigned char *buf, size_t len, const char *name,
                               int allow_f8, float **out, size_t *rows, size_t *cols,
                               mm_npy_info *info);

#endif /* MM_NPY_H */
