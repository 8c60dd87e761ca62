/*
 * fuzz_corpus.c - libFuzzer target: the corpus reader, the vocabulary
 * builder and the counting driver.  Differential: every kernel table the CPU
 * runs must give the scalar reference's counts bit for bit, and the counts
 * must add up (row 0 = names, total = bigrams).
 */
#include <stdlib.h>
#include <string.h>

#include "count.h"
#include "kernels.h"
#include "makemore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_corpus *c = NULL;
    if (mm_corpus_from_memory(&c, data, size, "fuzz") != MM_OK) {
        if (mm_errmsg()[0] == '\0') {
            abort(); /* every failure must say why */
        }
        return 0;
    }
    const mm_vocab *v = mm_corpus_get_vocab(c);
    size_t V = v->size;
    uint64_t *ref = calloc(V * V, sizeof *ref);
    uint64_t *got = calloc(V * V, sizeof *got);
    mm_count_opts opts = {.threads = 1};
    if (mm_count_bigrams_with(c, v, &opts, &mm_counter_scalar, ref) != MM_OK) {
        abort();
    }
    uint64_t names = 0, total = 0;
    for (size_t j = 0; j < V; j++) {
        names += ref[j];
    }
    for (size_t i = 0; i < V * V; i++) {
        total += ref[i];
    }
    uint64_t ends = 0;
    for (size_t i = 0; i < V; i++) {
        ends += ref[i * V];
    }
    if (names != ends || total < names) {
        abort(); /* every name starts once and ends once */
    }
    for (const mm_counter *const *k = mm_counters_all(); *k; k++) {
        if (!(*k)->supported()) {
            continue;
        }
        for (int t = 1; t <= 3; t++) {
            opts.threads = t;
            if (mm_count_bigrams_with(c, v, &opts, *k, got) != MM_OK ||
                memcmp(ref, got, V * V * sizeof *ref) != 0) {
                abort();
            }
        }
    }
    free(ref);
    free(got);
    mm_corpus_close(c);
    return 0;
}
