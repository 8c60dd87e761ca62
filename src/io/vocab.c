/*
 * vocab.c - the vocabulary: '.' at index 0, then the corpus's characters in
 * code-point order, exactly as the notebook's sorted(set(''.join(words))).
 */
#include <stdlib.h>

#include "internal.h"

int mm_vocab_index(const mm_vocab *v, uint32_t cp)
{
    if (cp == MM_BOUNDARY) {
        return 0;
    }
    /* symbols 1..V-1 are sorted: binary search */
    size_t lo = 1, hi = v->size;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->cp[mid] < cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < v->size && v->cp[lo] == cp) ? (int)lo : -1;
}

size_t mm_vocab_utf8(const mm_vocab *v, size_t i, char *buf)
{
    size_t n = mm_utf8_encode(v->cp[i], buf);
    buf[n] = '\0';
    return n;
}
