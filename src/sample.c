/*
 * sample.c - draw names from a model with torch's multinomial, so a seed
 * gives the notebook's names exactly.
 */
#include "internal.h"
#include "model.h"

size_t mm_model_sample(const mm_model *m, mm_rng *g, uint8_t *out, size_t max_len,
                       float *scratch)
{
    size_t V = m->vocab.size;
    size_t ix = 0, n = 0;
    while (n < max_len) {
        ix = mm_rng_multinomial(g, m->probs + ix * V, V, scratch);
        if (ix == 0) {
            break;
        }
        out[n++] = (uint8_t)ix;
    }
    return n;
}
