/*
 * bench_ngram.cc - order-K counting (src/ngram.c), in bytes/s, by order and
 * by per-thread table:
 *
 *   ngram/<table>/K<K>/t<T>/<corpus>   mm_count_ngrams_with on an open corpus
 *
 * table is dense (a V^K uint64 table per thread) or hash (open addressing
 * over the n-grams seen).  With names.txt's V = 27 the dense table is 27^2
 * cells (5.8 KB: L1), 27^3 (157 KB: L2), 27^4 (4.3 MB: L3) and 27^5 (115 MB:
 * RAM) for K = 2..5; `makemore count --order K` picks dense up to 2^20 cells
 * (K <= 4 here) and hash beyond.  The check first: both tables at 1-3
 * threads give the same counts, and K = 2 equals mm_count_bigrams.
 */
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench.h"

extern "C" {
#include "ngram.h"
}

namespace mmb {

static const int k_ngram_threads[] = {1, 2};

bool check_ngram()
{
    if (g_names == nullptr) {
        std::fprintf(stderr, "  ngram: no names.txt, nothing to check\n");
        return true;
    }
    const mm_corpus *c = g_names->c;
    const mm_vocab *v = mm_corpus_get_vocab(c);
    bool ok = true;
    for (int K = 2; K <= 5 && ok; K++) {
        mm_ngrams *ref = nullptr;
        mm_count_opts o1{}; o1.threads = 1;
        ok = mm_count_ngrams_with(c, v, K, &o1, MM_NGRAM_SPARSE, &ref) == MM_OK;
        for (int table = MM_NGRAM_DENSE; ok && table <= MM_NGRAM_SPARSE; table++) {
            for (int T = 1; ok && T <= 3; T++) {
                mm_count_opts o{}; o.threads = T;
                mm_ngrams *g = nullptr;
                ok = mm_count_ngrams_with(c, v, K, &o, (mm_ngram_table)table, &g) == MM_OK &&
                     mm_ngrams_get_size(g) == mm_ngrams_get_size(ref) &&
                     std::memcmp(mm_ngrams_get_keys(g), mm_ngrams_get_keys(ref),
                                 mm_ngrams_get_size(g) * sizeof(uint64_t)) == 0 &&
                     std::memcmp(mm_ngrams_get_values(g), mm_ngrams_get_values(ref),
                                 mm_ngrams_get_size(g) * sizeof(uint64_t)) == 0;
                if (!ok) {
                    std::fprintf(stderr, "  FAIL ngram K%d table %d t%d differs\n", K, table, T);
                }
                mm_ngrams_destroy(g);
            }
        }
        if (ok && K == 2) {
            size_t V = v->size;
            std::vector<uint64_t> big(V * V), dense(V * V);
            ok = mm_count_bigrams(c, v, nullptr, big.data()) == MM_OK &&
                 mm_ngrams_get_dense(ref, dense.data(), V * V) == MM_OK && big == dense;
            if (!ok) {
                std::fprintf(stderr, "  FAIL ngram K2 differs from mm_count_bigrams\n");
            }
        }
        mm_ngrams_destroy(ref);
    }
    if (ok) {
        std::fprintf(stderr, "  ngram: dense and hash tables, 1-3 threads, K = 2..5 agree\n");
    }
    return ok;
}

static void BM_ngram(benchmark::State &st, mm_ngram_table table, int K, int T, Corpus *k)
{
    mm_count_opts o{}; o.threads = T;
    const mm_vocab *v = mm_corpus_get_vocab(k->c);
    for (auto _ : st) {
        mm_ngrams *g = nullptr;
        if (mm_count_ngrams_with(k->c, v, K, &o, table, &g) != MM_OK) {
            st.SkipWithError(mm_errmsg());
            break;
        }
        benchmark::DoNotOptimize(g);
        benchmark::ClobberMemory();
        mm_ngrams_destroy(g);
    }
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)k->bytes);
    st.counters["cells"] = (double)mm_ngram_cells(v->size, K);
}

void register_ngram()
{
    /* --quick stops at K = 4: the K = 5 rows zero a 115 MB dense table per
     * call, and --quick (small sizes) must stay under a minute (issue 11) */
    const int max_K = g_opt.quick ? 4 : 5;
    for (Corpus *k : g_corpora) {
        for (int K = 2; K <= max_K; K++) {
            for (int T : k_ngram_threads) {
                for (mm_ngram_table table : {MM_NGRAM_DENSE, MM_NGRAM_SPARSE}) {
                    std::string name = std::string("ngram/") +
                                       (table == MM_NGRAM_DENSE ? "dense" : "hash") + "/K" +
                                       std::to_string(K) + "/t" + std::to_string(T) + "/" +
                                       k->name;
                    benchmark::RegisterBenchmark(name.c_str(), BM_ngram, table, K, T, k)
                        ->Unit(benchmark::kMillisecond)
                        ->UseRealTime();
                }
            }
        }
    }
}

} // namespace mmb
