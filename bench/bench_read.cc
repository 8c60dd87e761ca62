/*
 * bench_read.cc - where the bytes come from: the same count (one thread,
 * the auto counter, 512 KiB pieces) over one file corpus read seven ways, to
 * find out why the mapped driver (mm_count_bigrams) is slower than the
 * streaming reader (mm_count_file) on some machines (issue 11 item 5).
 *
 *   read/pread/<corpus>         pread into a 512 KiB buffer, count it
 *                               (what mm_count_file does, minus the vocabulary)
 *   read/map-open/<corpus>      the corpus's own mapping, made and scanned
 *                               once at open (what mm_count_bigrams reads)
 *   read/map-copy/<corpus>      the same mapping, each piece copied (memcpy)
 *                               into the 512 KiB buffer first
 *   read/map-fresh/<corpus>     a new mapping each time, no MAP_POPULATE: a
 *                               page fault per page on first touch
 *   read/map-populate/<corpus>  a new mapping each time with MAP_POPULATE
 *   read/anon/<corpus>          a private anonymous copy made before timing
 *                               (the same bytes in memory that is not page cache)
 *   read/anon-thp/<corpus>      the same with MADV_HUGEPAGE (2 MiB pages where
 *                               the kernel grants them: fewer TLB misses)
 * Each reports minor page faults per run (counter minflt, from getrusage)
 * and runs on file corpora of at least 64 MiB only (synth-1g).  Real time.
 */
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include "bench.h"

extern "C" {
#include "corpus.h"
}

namespace mmb {

static const size_t k_piece = (size_t)1 << 19;

static long minflt()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* Count b[0..n) in pieces, each copied to buf first when copy is set. */
static void count_span(void *work, const uint8_t *b, size_t n, uint8_t *buf, bool copy)
{
    const mm_counter *k = &mm_counter_auto;
    if (!copy) {
        mm_count_feed_pieces(k, work, b, n, k_piece);
        return;
    }
    for (size_t at = 0; at + 1 < n; at += k_piece) {
        size_t len = n - at < k_piece + 1 ? n - at : k_piece + 1;
        std::memcpy(buf, b + at, len);
        k->count_feed(work, buf, len);
    }
}

enum class How { pread, map_open, map_copy, map_fresh, map_populate, anon, anon_thp };

static void BM_read(benchmark::State &st, Corpus *k, How how)
{
    uint8_t code[256];
    ascii_code_table(k->c, code);
    const size_t K = mm_corpus_get_vocab(k->c)->size;
    const size_t n = k->bytes;
    std::vector<uint64_t> counts(K * K);
    Aligned w(mm_counter_auto.count_work_size(K));
    Aligned buf(k_piece + 64);
    int fd = open(k->path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        st.SkipWithError("cannot open the corpus");
        return;
    }
    uint8_t *anon = nullptr;
    if (how == How::anon || how == How::anon_thp) {
        anon = static_cast<uint8_t *>(mmap(nullptr, n, PROT_READ | PROT_WRITE,
                                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
        if (anon == MAP_FAILED) {
            close(fd);
            st.SkipWithError("no memory for the anonymous copy");
            return;
        }
        if (how == How::anon_thp) {
            (void)madvise(anon, n, MADV_HUGEPAGE);
        }
        std::memcpy(anon, k->c->data, n);
    }
    long faults = 0;
    for (auto _ : st) {
        long f0 = minflt();
        mm_counter_auto.count_begin(w.p, code, K);
        switch (how) {
        case How::pread: {
            uint8_t *b = buf.as<uint8_t>();
            size_t carry = 0;
            for (size_t pos = 0; pos < n;) {
                size_t want = n - pos < k_piece ? n - pos : k_piece;
                if (pread(fd, b + carry, want, (off_t)pos) != (ssize_t)want) {
                    st.SkipWithError("short read");
                    break;
                }
                mm_counter_auto.count_feed(w.p, b, carry + want);
                b[0] = b[carry + want - 1];
                carry = 1;
                pos += want;
            }
            break;
        }
        case How::map_open:
        case How::map_copy:
            count_span(w.p, k->c->data, n, buf.as<uint8_t>(), how == How::map_copy);
            break;
        case How::map_fresh:
        case How::map_populate: {
            int flags = MAP_PRIVATE | (how == How::map_populate ? MAP_POPULATE : 0);
            void *m = mmap(nullptr, n, PROT_READ, flags, fd, 0);
            if (m == MAP_FAILED) {
                st.SkipWithError("mmap failed");
                break;
            }
            count_span(w.p, static_cast<const uint8_t *>(m), n, nullptr, false);
            munmap(m, n);
            break;
        }
        case How::anon:
        case How::anon_thp:
            count_span(w.p, anon, n, nullptr, false);
            break;
        }
        std::fill(counts.begin(), counts.end(), 0);
        mm_counter_auto.count_end(w.p, counts.data());
        benchmark::DoNotOptimize(counts.data());
        faults += minflt() - f0;
    }
    st.counters["minflt"] = benchmark::Counter((double)faults / (double)st.iterations());
    st.SetBytesProcessed((int64_t)st.iterations() * (int64_t)n);
    if (anon != nullptr) {
        munmap(anon, n);
    }
    close(fd);
}

void register_read()
{
    const struct {
        const char *name;
        How how;
    } hows[] = {{"pread", How::pread},         {"map-open", How::map_open},
                {"map-copy", How::map_copy},   {"map-fresh", How::map_fresh},
                {"map-populate", How::map_populate}, {"anon", How::anon},
                {"anon-thp", How::anon_thp}};
    for (Corpus *k : g_corpora) {
        if (k->path.empty() || k->bytes < ((uint64_t)64 << 20)) {
            continue;
        }
        for (const auto &h : hows) {
            benchmark::RegisterBenchmark(("read/" + std::string(h.name) + "/" + k->name).c_str(),
                                         BM_read, k, h.how)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
        }
    }
}

} // namespace mmb
