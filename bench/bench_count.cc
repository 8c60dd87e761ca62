/*
 * bench_count.cc - counting: the count_pairs kernel alone, the OpenMP
 * counting driver, and the driver end to end from the file, in bytes/s.
 *
 *   count_pairs/<isa>/<corpus>       one thread, the kernel over the mapped
 *                                    bytes of an ASCII corpus
 *   count/<isa>/t<T>/<corpus>        mm_count_bigrams_with on an open corpus
 *                                    (ranges, per-thread tables, merge)
 *   count_file/<isa>/t<T>/<corpus>   mm_count_file: read, validate, build the
 *                                    vocabulary and count, from the path, in
 *                                    one pass: what `makemore count` does
 *                                    before it writes the model; the
 *                                    way it reads chosen by measurement
 *   count_file/<isa>/t<T>/<corpus>/<way>  the same with the way forced:
 *                                    pread or map (MM_COUNT_READ)
 * Threaded benchmarks report real time.  Corpora are in the page cache:
 * each is opened once before timing (count_file reopens it each time).
 */
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench.h"

extern "C" {
#include "corpus.h"
}

namespace mmb {

static const int k_threads[] = {1, 2};

static size_t count_classes(const mm_corpus *c)
{
    return mm_corpus_get_vocab(c)->size + (c->has_cr ? 1 : 0);
}

static void ascii_codes(const mm_corpus *c, uint8_t code[256])
{
    ascii_code_table(c, code);
    if (c->has_cr) {
        code['\r'] = (uint8_t)mm_corpus_get_vocab(c)->size;
    }
}

/* ---- checks ---------------------------------------------------------------- */

static bool same_counts(const std::vector<uint64_t> &ref, const std::vector<uint64_t> &got,
                        size_t V, const char *what, const char *isa, const char *corpus)
{
    for (size_t i = 0; i < ref.size(); i++) {
        if (ref[i] != got[i]) {
            std::fprintf(stderr,
                         "  FAIL %s/%s/%s: counts[%zu][%zu] = %llu, scalar says %llu\n", what,
                         isa, corpus, i / V, i % V, (unsigned long long)got[i],
                         (unsigned long long)ref[i]);
            return false;
        }
    }
    return true;
}

bool check_count()
{
    bool ok = true;
    for (Corpus *k : g_corpora) {
        const mm_vocab *v = mm_corpus_get_vocab(k->c);
        const size_t V = v->size;
        std::vector<uint64_t> ref(V * V), got(V * V);
        mm_count_opts o1 = {}; o1.threads = 1;
        if (mm_count_bigrams_with(k->c, v, &o1, &mm_counter_scalar, ref.data()) != MM_OK) {
            std::fprintf(stderr, "  FAIL count/scalar/%s: %s\n", k->name.c_str(), mm_errmsg());
            return false;
        }
        /* The kernel alone over the raw bytes (ASCII corpora only). */
        std::vector<uint64_t> kref, kgot;
        uint8_t code[256];
        const size_t K = count_classes(k->c);
        if (k->c->ascii) {
            ascii_codes(k->c, code);
            kref.assign(K * K, 0);
            Aligned w(mm_counter_scalar.count_work_size(K));
            mm_count_pairs(&mm_counter_scalar, kref.data(), k->c->data, k->c->size, code, K, w.p);
        }
        for (const mm_counter *t : all_counters()) {
            if (!t->supported()) {
                std::fprintf(stderr, "  skip count/%s/%s: CPU lacks ISA\n", t->name,
                             k->name.c_str());
                continue;
            }
            for (int T : k_threads) {
                mm_count_opts o = {}; o.threads = T;
                std::string what = "count/t" + std::to_string(T);
                if (mm_count_bigrams_with(k->c, v, &o, t, got.data()) != MM_OK) {
                    std::fprintf(stderr, "  FAIL %s/%s/%s: %s\n", what.c_str(), t->name,
                                 k->name.c_str(), mm_errmsg());
                    ok = false;
                    continue;
                }
                ok = same_counts(ref, got, V, what.c_str(), t->name, k->name.c_str()) && ok;
            }
            for (int T : k_threads) {
                if (k->path.empty()) {
                    break;
                }
                /* mm_count_file runs the active counter */
                mm_counter_set_active(t);
                mm_count_opts o = {}; o.threads = T;
                mm_vocab fv;
                uint64_t *fc = nullptr;
                std::string what = "count_file/t" + std::to_string(T);
                if (mm_count_file(k->path.c_str(), &o, &fv, &fc, nullptr) != MM_OK ||
                    fv.size != V || std::memcmp(fv.cp, v->cp, V * sizeof v->cp[0]) != 0) {
                    std::fprintf(stderr, "  FAIL %s/%s/%s: %s\n", what.c_str(), t->name,
                                 k->name.c_str(), fc ? "another vocabulary" : mm_errmsg());
                    ok = false;
                } else {
                    got.assign(fc, fc + V * V);
                    ok = same_counts(ref, got, V, what.c_str(), t->name, k->name.c_str()) && ok;
                }
                std::free(fc);
                mm_counter_set_active(nullptr);
            }
            if (k->c->ascii) {
                kgot.assign(K * K, 0);
                Aligned w(t->count_work_size(K));
                mm_count_pairs(t, kgot.data(), k->c->data, k->c->size, code, K, w.p);
                ok = same_counts(kref, kgot, K, "count_pairs", t->name, k->name.c_str()) && ok;
            }
        }
        std::fprintf(stderr, "  count %-18s every variant x t1,t2 bit-exact with scalar%s\n",
                     k->name.c_str(), ok ? "" : " ... NOT ALL");
    }
    return ok;
}

/* ---- benchmarks -------------------------------------------------------- */

static void BM_count_pairs(benchmark::State &st, const mm_counter *t, Corpus *k)
{
    if (!t->supported()) {
        st.SkipWithError("CPU lacks ISA");
        return;
    }
    if (!k->c->ascii) {
        st.SkipWithError("count_pairs runs on ASCII corpora only");
        return;
    }
    uint8_t code[256];
    ascii_codes(k->c, code);
    const size_t K = count_classes(k->c);
    std::vector<uint64_t> counts(K * K);
    Aligned w(t->count_work_size(K));
    for (auto _ : st) {
        mm_count_pairs(t, counts.data(), k->c->data, k->c->size, code, K, w.p);
        benchmark::DoNotOptimize(counts.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)k->bytes);
}

static void BM_count(benchmark::State &st, const mm_counter *t, Corpus *k, int T)
{
    if (!t->supported()) {
        st.SkipWithError("CPU lacks ISA");
        return;
    }
    const mm_vocab *v = mm_corpus_get_vocab(k->c);
    std::vector<uint64_t> counts((size_t)v->size * v->size);
    mm_count_opts o = {}; o.threads = T;
    for (auto _ : st) {
        if (mm_count_bigrams_with(k->c, v, &o, t, counts.data()) != MM_OK) {
            st.SkipWithError(mm_errmsg());
            break;
        }
        benchmark::DoNotOptimize(counts.data());
        benchmark::ClobberMemory();
    }
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)k->bytes);
}

static void BM_count_file(benchmark::State &st, const mm_counter *t, const char *way,
                          Corpus *k, int T)
{
    if (!t->supported()) {
        st.SkipWithError("CPU lacks ISA");
        return;
    }
    setenv("MM_COUNT_READ", way, 1);
    mm_count_opts o = {}; o.threads = T;
    // mm_count_file runs the active counter, as the CLI does after
    // mm_dispatch_init: time the variant under test.
    mm_counter_set_active(t);
    for (auto _ : st) {
        mm_vocab v;
        uint64_t *counts = nullptr;
        if (mm_count_file(k->path.c_str(), &o, &v, &counts, nullptr) != MM_OK) {
            st.SkipWithError(mm_errmsg());
            break;
        }
        benchmark::DoNotOptimize(counts);
        benchmark::ClobberMemory();
        std::free(counts);
    }
    mm_counter_set_active(nullptr);
    unsetenv("MM_COUNT_READ");
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)k->bytes);
}

void register_count()
{
    for (Corpus *k : g_corpora) {
        for (const mm_counter *t : all_counters()) {
            benchmark::RegisterBenchmark(
                ("count_pairs/" + std::string(t->name) + "/" + k->name).c_str(),
                BM_count_pairs, t, k)
                ->Unit(benchmark::kMillisecond);
        }
        for (int T : k_threads) {
            for (const mm_counter *t : all_counters()) {
                benchmark::RegisterBenchmark(("count/" + std::string(t->name) + "/t" +
                                              std::to_string(T) + "/" + k->name)
                                                 .c_str(),
                                             BM_count, t, k, T)
                    ->Unit(benchmark::kMillisecond)
                    ->UseRealTime();
            }
        }
        if (!k->path.empty()) {
            for (int T : k_threads) {
                for (const mm_counter *t : all_counters()) {
                    for (const char *way : {"auto", "pread", "map"}) {
                        std::string w = std::strcmp(way, "auto") == 0 ? "" : "/" + std::string(way);
                        benchmark::RegisterBenchmark(("count_file/" + std::string(t->name) + "/t" +
                                                      std::to_string(T) + "/" + k->name + w)
                                                         .c_str(),
                                                     BM_count_file, t, way, k, T)
                            ->Unit(benchmark::kMillisecond)
                            ->UseRealTime();
                    }
                }
            }
        }
    }
}

} // namespace mmb
