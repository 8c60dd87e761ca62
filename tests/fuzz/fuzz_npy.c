/*
 * fuzz_npy.c - libFuzzer target: the .npy reader (--init W0.npy).  An
 * accepted array must fit in the input and hold only finite values.
 */
#include <math.h>
#include <stdlib.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *w = NULL;
    size_t rows = 0, cols = 0;
    if (mm_npy_parse_f32(data, size, "fuzz", &w, &rows, &cols) != MM_OK) {
        if (mm_errmsg()[0] == '\0') {
            abort();
        }
        free(w);
        return 0;
    }
    if (w == NULL || (rows && cols && rows * cols * 4 > size)) {
        abort();
    }
    for (size_t i = 0; i < rows * cols; i++) {
        if (!isfinite(w[i])) {
            abort();
        }
    }
    free(w);
    return 0;
}
