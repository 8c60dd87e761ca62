/*
 * sample.c - draw names from a model with torch's multinomial, so a seed
 * gives the notebook's names exactly.
 */
#include "internal.h"
#include "model.h"

size_t mm_model_sample(const mm_model *m, mm_rng *g, uint8_t *out, size_t max_len,
                       float *scratch)
{
    (void)scratch; /* kept for API stability; no longer needed */
    size_t V = m->vocab.size;
    size_t ix = 0, n = 0;
    while (n < max_len) {
        /* m->cum holds exactly the row torch.multinomial would build from
         * probs on every call, so this is the same draw, minus O(V) work. */
        ix = mm_rng_draw_cum(g, m->cum + ix * V, V);
        if (ix == 0) {
            break;
        }
        out[n++] = (uint8_t)ix;
    }
    return n;
}
