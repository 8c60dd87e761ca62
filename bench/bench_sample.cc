/*
 * bench_sample.cc - sampling names from the +1-smoothed count model of a
 * corpus (torch's multinomial on MT19937), in names/s (and characters +
 * newlines as bytes/s, the size of `makemore sample`'s output):
 *
 *   sample/<isa>/<corpus>        mm_model_sample_many with that kernel
 *                                table's sample_walk (what the CLI runs)
 *   sample/reference/<corpus>    mm_model_sample, one name per call (the
 *                                binary search over doubles, as torch)
 *
 * Checked first: with seed 2147483647 the model of names.txt gives the
 * notebook's five names, and every table's bulk sampler gives the
 * reference's names and generator state.
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
    const mm_vocab *v = mm_corpus_get_vocab(k->c);
    std::vector<uint64_t> counts((size_t)v->size * v->size);
    mm_count_opts o = {};
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
    const mm_vocab *v = mm_model_get_vocab(m);
    std::vector<uint8_t> name(k_max_len);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    bool ok = true;
    for (const char *w : want) {
        size_t len = mm_model_sample(m, &g, name.data(), k_max_len);
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
    if (ok) {
        std::fprintf(stderr, "  sample names: seed 2147483647 gives the notebook's 5 names\n");
    }
    /* every table's bulk sampler against the reference */
    const size_t count = 20000;
    std::vector<uint8_t> ref, got(1 << 16);
    mm_rng_seed(&g, 2147483647ull);
    for (size_t i = 0; i < count; i++) {
        size_t len = mm_model_sample(m, &g, name.data(), k_max_len);
        ref.insert(ref.end(), name.begin(), name.begin() + (long)len);
        ref.push_back(0);
    }
    for (const mm_kernels *t : all_tables()) {
        if (!t->supported()) {
            continue;
        }
        mm_dispatch_init(t->name);
        mm_rng h;
        mm_rng_seed(&h, 2147483647ull);
        uint64_t left = count;
        std::vector<uint8_t> all;
        while (left > 0) {
            size_t n = mm_model_sample_many(m, &h, &left, k_max_len, got.data(), got.size());
            all.insert(all.end(), got.begin(), got.begin() + (long)n);
        }
        if (all != ref || h.index != g.index ||
            std::memcmp(h.state, g.state, sizeof h.state) != 0) {
            std::fprintf(stderr, "  FAIL sample/%s/names: differs from the reference\n", t->name);
            ok = false;
        }
    }
    mm_dispatch_init(nullptr);
    mm_model_destroy(m);
    if (ok) {
        std::fprintf(stderr, "  sample names: every table's bulk sampler = the reference (%zu "
                     "names)\n", count);
    }
    return ok;
}

/* Bytes of output: one per boundary, the UTF-8 length of each symbol. */
static void symbol_bytes(const mm_model *m, size_t *symlen)
{
    const mm_vocab *v = mm_model_get_vocab(m);
    for (size_t i = 0; i < v->size; i++) {
        char buf[5];
        symlen[i] = mm_vocab_utf8(v, i, buf);
    }
    symlen[0] = 1; /* '\n' */
}

static void BM_sample(benchmark::State &st, const mm_kernels *t, const Corpus *k)
{
    if (!t->supported()) {
        st.SkipWithError("CPU lacks ISA");
        return;
    }
    mm_model *m = model_of(k);
    if (m == nullptr) {
        st.SkipWithError(mm_errmsg());
        return;
    }
    size_t symlen[MM_MAX_VOCAB];
    symbol_bytes(m, symlen);
    std::vector<uint8_t> buf(1 << 16);
    mm_dispatch_init(t->name);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    uint64_t bytes = 0;
    for (auto _ : st) {
        uint64_t left = k_names_per_iter;
        while (left > 0) {
            size_t n = mm_model_sample_many(m, &g, &left, k_max_len, buf.data(), buf.size());
            for (size_t j = 0; j < n; j++) {
                bytes += symlen[buf[j]];
            }
        }
        benchmark::DoNotOptimize(bytes);
    }
    mm_dispatch_init(nullptr);
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)k_names_per_iter);
    st.SetBytesProcessed((int64_t)bytes);
    mm_model_destroy(m);
}

static void BM_sample_reference(benchmark::State &st, const Corpus *k)
{
    mm_model *m = model_of(k);
    if (m == nullptr) {
        st.SkipWithError(mm_errmsg());
        return;
    }
    size_t symlen[MM_MAX_VOCAB];
    symbol_bytes(m, symlen);
    std::vector<uint8_t> name(k_max_len);
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    uint64_t bytes = 0;
    for (auto _ : st) {
        for (size_t i = 0; i < k_names_per_iter; i++) {
            size_t len = mm_model_sample(m, &g, name.data(), k_max_len);
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
        for (const mm_kernels *t : all_tables()) {
            benchmark::RegisterBenchmark(("sample/" + std::string(t->name) + "/" + k->name).c_str(),
                                         BM_sample, t, k)
                ->Unit(benchmark::kMicrosecond);
        }
        benchmark::RegisterBenchmark(("sample/reference/" + k->name).c_str(),
                                     BM_sample_reference, k)
            ->Unit(benchmark::kMicrosecond);
    }
}

} // namespace mmb
