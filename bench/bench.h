/*
 * bench.h - shared pieces of makemore-bench: the corpora the suite runs on,
 * the run options, and the register/check entry points of each bench_*.cc.
 *
 * The benchmark files are thin C++ over the C kernels (kernels/kernels.h)
 * and drivers (src/count.h, the Training API): they allocate and fill inputs
 * outside the timed loop, call one C function per iteration, and report
 * bytes/s or items/s.  Each area first checks every kernel table against
 * mm_kernels_scalar (check_*), and main() exits non-zero if one disagrees,
 * before anything is timed.
 */
#ifndef MM_BENCH_H
#define MM_BENCH_H

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

extern "C" {
#include "makemore.h"
#include "kernels.h"
#include "count.h"
#include "count_auto.h"
}

namespace mmb {

/* A corpus the counting benchmarks run on, opened (mapped and validated)
 * once, before any benchmark. */
struct Corpus {
    std::string name;          /* the size part of the benchmark name */
    std::string path;          /* file, or "" for an in-memory corpus */
    mm_corpus *c = nullptr;
    std::vector<uint8_t> mem;  /* bytes of an in-memory corpus */
    uint64_t bytes = 0;
};

struct Options {
    bool quick = false;
    std::string names_path;    /* names.txt, or "" if not found */
    std::string cache_dir;     /* $MM_CACHE_DIR or ~/.cache/makemore */
    uint64_t synth_bytes = 1ull << 30;
    bool synth = true;         /* --no-synth: skip the synthetic corpus */
    bool list_only = false;    /* --benchmark_list_tests: corpora named, not opened */
    std::vector<std::pair<std::string, std::string>> extra; /* --corpus N=PATH */
};

extern Options g_opt;
/* Every corpus that could be opened, in benchmark order.  names first. */
extern std::vector<Corpus *> g_corpora;
/* names.txt, or nullptr when it is missing (names benchmarks then skip). */
extern Corpus *g_names;

/* The tables built in, as mm_kernels_all() lists them. */
std::vector<const mm_kernels *> all_tables();
/* The counters built in (mm_counters_all()), then "auto". */
std::vector<const mm_counter *> all_counters();
/* The best table this CPU runs (the last supported one). */
const mm_kernels *best_table();

/* Open the corpora; generate the synthetic corpus into the cache if needed.
 * Prints what it uses or skips on stderr.  Returns false on a hard error. */
bool setup_corpora();
void close_corpora();

/* Draw names from the +1-smoothed count model of names.txt (or, without it,
 * of a fixed tiny corpus) with mm_model_sample, torch's multinomial, from
 * seed, until about `bytes` bytes: one name a line, empty names skipped. */
bool sample_corpus_bytes(uint64_t bytes, uint64_t seed, std::vector<uint8_t> &out);

/* Byte-class table of an ASCII corpus as the counting driver builds it:
 * code['\n'] = 0 (the boundary), code[ch] = index of ch in the vocabulary. */
void ascii_code_table(const mm_corpus *c, uint8_t code[256]);

/* Does table t have every neural kernel (softmax_rows, example_pass,
 * counts_grad, weight_update)? */
bool have_neural(const mm_kernels *t);

/* An allocator giving 64-byte aligned memory, so that a std::vector handed
 * to a kernel is laid out as the library lays out its own buffers
 * (mm_alloc64).  With malloc's 16-byte alignment every 512-bit load of a
 * row crosses a cache line: on the Intel Xeon of 2026-12-05 that made
 * weight_update/avx512 lose to avx2 at V = 256 (9.86 us against 7.44),
 * a cost the library never pays (6.59 us against 6.80 aligned). */
template <class T> struct AlignedAllocator {
    using value_type = T;
    AlignedAllocator() = default;
    template <class U> AlignedAllocator(const AlignedAllocator<U> &) {}
    T *allocate(size_t n)
    {
        size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
        void *p = std::aligned_alloc(64, bytes ? bytes : 64);
        if (p == nullptr) {
            throw std::bad_alloc();
        }
        return static_cast<T *>(p);
    }
    void deallocate(T *p, size_t) { std::free(p); }
    template <class U> bool operator==(const AlignedAllocator<U> &) const { return true; }
    template <class U> bool operator!=(const AlignedAllocator<U> &) const { return false; }
};

/* A vector whose data() is 64-byte aligned. */
template <class T> using avector = std::vector<T, AlignedAllocator<T>>;

/* A 64-byte aligned buffer. */
struct Aligned {
    void *p = nullptr;
    explicit Aligned(size_t bytes);
    ~Aligned();
    Aligned(const Aligned &) = delete;
    Aligned &operator=(const Aligned &) = delete;
    template <class T> T *as() const { return static_cast<T *>(p); }
};

/* Each area: verify every supported table against scalar (print a line per
 * check; return false if one disagrees), then register its benchmarks. */
bool check_count();
void register_count();
bool check_neural();
void register_neural();
bool check_train();
void register_train();
bool check_sample();
void register_sample();
/* No check: the read benchmarks run the auto counter, checked in check_count. */
void register_read();
bool check_ngram();
void register_ngram();

} // namespace mmb

#endif /* MM_BENCH_H */
