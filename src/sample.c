/*
 * sample.c - draw names from a model with torch's multinomial, so a seed
 * gives the notebook's names exactly.
 *
 * mm_model_sample is the reference: one binary search over doubles per
 * draw, as torch does it.  mm_model_sample_many gives the same names and
 * leaves the generator in the same state, faster: it converts a whole
 * buffer of generator words to float thresholds at once (without drawing
 * them) and walks the model with the active table's sample_walk kernel,
 * then draws exactly the words the walk used.
 */
#include <string.h>

#include "internal.h"
#include "kernels.h"
#include "model.h"
#include "ngram.h"

/* The generator's buffer of tempered words (mm_rng.out), two per draw. */
#define MM_MT_WORDS (sizeof ((mm_rng *)0)->out / sizeof(uint32_t))
#define MM_WALK_CHUNK (MM_MT_WORDS / 2)

size_t mm_model_sample(const mm_model *m, mm_rng *g, uint8_t *out, size_t max_len)
{
    if (m->order > 2) {
        return mm_ngram_sample(m, g, out, max_len);
    }
    size_t V = m->vocab.size;
    size_t ix = 0, n = 0;
    while (n < max_len) {
        /* m->cum holds exactly the row torch.multinomial would build from
         * probs on every call, so this is the same draw, minus O(V) work. */
        ix = mm_rng_draw_cum(g, m->cum + ix * m->cum_ld, V);
        if (ix == 0) {
            break;
        }
        out[n++] = (uint8_t)ix;
    }
    return n;
}

size_t mm_model_sample_many(const mm_model *m, mm_rng *g, uint64_t *names, size_t max_len,
                            uint8_t *out, size_t cap)
{
    if (m->order > 2) { /* order K: name by name (ngram_model.c) */
        size_t used = 0;
        while (*names > 0 && cap - used >= max_len + 1) {
            used += mm_ngram_sample(m, g, out + used, max_len);
            out[used++] = 0;
            (*names)--;
        }
        return used;
    }
    if (max_len == 0) { /* empty names: nothing is drawn */
        size_t n = *names < cap ? (size_t)*names : cap;
        memset(out, 0, n);
        *names -= n;
        return n;
    }
    const mm_kernels *k = mm_kernels_active();
    const size_t V = m->vocab.size, ld = m->cum_ld;
    const uint8_t *guide = mm_model_guide(m);
    const size_t reserve = max_len + 2; /* room to finish the name under way */
    mm_walk w = {0, 0, *names, 0};
    uint64_t r[MM_WALK_CHUNK];
    while (w.names > 0 && cap >= w.emitted + reserve + 2) {
        mm_rng_refill(g);
        size_t avail = (MM_MT_WORDS - g->index) / 2;
        if (avail == 0) { /* one word left: this draw spans a regeneration */
            r[0] = mm_rng_r53(g);
            k->sample_walk(&w, out + w.emitted, m->cum, guide, V, ld, r, 1, max_len);
            continue;
        }
        size_t room = (cap - w.emitted - reserve) / 2; /* a draw emits <= 2 */
        size_t n = avail < room ? avail : room;
        mm_rng_peek_r53(g, r, n);
        size_t used = k->sample_walk(&w, out + w.emitted, m->cum, guide, V, ld, r, n,
                                     max_len);
        g->index += (uint32_t)(2 * used);
    }
    while (w.run > 0) { /* out is nearly full: finish this name, draw by draw */
        r[0] = mm_rng_r53(g);
        k->sample_walk(&w, out + w.emitted, m->cum, guide, V, ld, r, 1, max_len);
    }
    *names = w.names;
    return w.emitted;
}
