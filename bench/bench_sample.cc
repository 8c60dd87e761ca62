/*
 * bench_sample.cc - sampling names from the +1-smoothed count model of a
 * corpus with mm_model_sample (torch's multinomial on MT19937), in names/s
 * (and characters + newlines as bytes/s, the size of `makemore sample`'s
 * output).  sample/<corpus>: no ISA in the name, sampling has one variant.
 *
 * Checked first: with seed 2147483647 the model of names.txt gives the
 * notebook's five names.
 */
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench.h"

namespace mmb {

static const size_t k_names_per_iter = 1000;
static const size_t k_max_len = 256;   /* `makemore sample`'s default --max-len */

static mm_model *model_of(const Corpus *k)
{
    const mm_vocab *v = mm_corpus_vocab(k->c);
    std::vector<uint64_t> counts((size_t)v->size * v->size);
    mm_count_opts o = {0};
    mm_model *m = nullptr;
    if (mm_count_bigrams(k->c, v, &o, counts.data()) != MM_OK ||
        mm_model_from_counts(&m, v, counts.data(), 1.0) != MM_OK) {
        return nullptr;
    }
    return m;
}

static std::vector<const Corpus *> sample_corpora()
{
    std::vector<const Corpus *> v;
    for (const Corpus *k : g_corpora) {
        if (k->name == "names" || k->name == "ssa-all") {
            v.push_back(k);
        }
    }
    return v;
}

bool check_sample()
{
    if (g_names == nullptr) {
        std::fprintf(stderr, "  sample: no names.txt, reference names not checked\n");
        return true;
    }
    static const char *const want[] = {"mor", "axx", "minaymoryles", "kondlaisah",
                                       "anchshizarie"};
    mm_model *m = model_of(g_names);
    if (m == nullptr) {
        std::fprintf(stderr, "  FAIL sample/names: %s\n", mm_errmsg());
        return false;
    }
    const mm_vocab *v = mm_model_vocab(m);
    std::vector<uint8_t> name(k_max_len);
    std::vector<float> scratch(v->size);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    bool ok = true;
    for (const char *w : want) {
        size_t len = mm_model_sample(m, &g, name.data(), k_max_len, scratch.data());
        std::string s;
        for (size_t j = 0; j < len; j++) {
            char buf[5];
            s.append(buf, mm_vocab_utf8(v, name[j], buf));
        }
        if (s != w) {
            std::fprintf(stderr, "  FAIL sample/names: got '%s', the notebook gives '%s'\n",
                         s.c_str(), w);
            ok = false;
        }
    }
    mm_model_destroy(m);
    if (ok) {
        std::fprintf(stderr, "  sample names: seed 2147483647 gives the notebook's 5 names\n");
    }
    return ok;
}

static void BM_sample(benchmark::State &st, const Corpus *k)
{
    mm_model *m = model_of(k);
    if (m == nullptr) {
        st.SkipWithError(mm_errmsg());
        return;
    }
    const mm_vocab *v = mm_model_vocab(m);
    size_t symlen[MM_MAX_VOCAB];
    for (size_t i = 0; i < v->size; i++) {
        char buf[5];
        symlen[i] = mm_vocab_utf8(v, i, buf);
    }
    std::vector<uint8_t> name(k_max_len);
    std::vector<float> scratch(v->size);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    uint64_t bytes = 0;
    for (auto _ : st) {
        for (size_t i = 0; i < k_names_per_iter; i++) {
            size_t len = mm_model_sample(m, &g, name.data(), k_max_len, scratch.data());
            bytes += 1;
            for (size_t j = 0; j < len; j++) {
                bytes += symlen[name[j]];
            }
        }
        benchmark::DoNotOptimize(bytes);
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)k_names_per_iter);
    st.SetBytesProcessed((int64_t)bytes);
    mm_model_destroy(m);
}

void register_sample()
{
    for (const Corpus *k : sample_corpora()) {
        benchmark::RegisterBenchmark(("sample/" + k->name).c_str(), BM_sample, k)
            ->Unit(benchmark::kMicrosecond);
    }
}

} // namespace mmb
