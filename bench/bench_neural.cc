/*
 * bench_neural.cc - the neural bigram kernels of every table at
 * V = 27, 59, 256 (kernels.h has their contracts):
 *
 *   softmax_rows/<isa>/V<V>    rows/s (4096 rows of N(0,1) logits)
 *   example_pass/<isa>/V<V>    examples/s: softmax + NLL + gradient per
 *                              example, in chunks of 4096 as the examples
 *                              driver calls it; at V = 27 the examples are
 *                              names.txt's 228,146 bigrams (random pairs
 *                              without names.txt, and at V = 59, 256)
 *   counts_grad/<isa>/V<V>     rows/s of the full-batch gradient from counts
 *   weight_update/<isa>/V<V>   rows/s of W -= lr (G/N + 2 reg W / V^2)
 *
 * W is torch.randn((V, V)) from seed 2147483647 (mm_rng_randn), so at V = 27
 * it is the notebook's initial W.  Single-threaded: kernels are.  Every buffer
 * handed to a kernel is 64-byte aligned (avector), as the trainer's are
 * (mm_alloc64): rows of ld floats then start on a cache line.
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench.h"

extern "C" {
#include "corpus.h"
}

namespace mmb {

static const size_t k_vs[] = {27, 59, 256};
static const size_t k_chunk = 4096;      /* examples per example_pass call */
static const size_t k_rows = 4096;       /* softmax_rows rows per call */
static const size_t k_random_examples = 1u << 18;

static size_t pad(size_t V)
{
    return (V + MM_VPAD - 1) / MM_VPAD * MM_VPAD;
}

bool have_neural(const mm_kernels *t)
{
    return t->softmax_rows && t->example_pass && t->counts_grad && t->weight_update;
}

/* Everything one V needs, made once (outside any timed loop). */
struct NeuralCase {
    size_t V = 0, ld = 0;
    bool from_names = false;
    avector<float> W, logits, rowmax;
    std::vector<uint8_t> x, y;
    avector<double> C, n;   /* counts of (x, y), V x ld, and row sums */
    double N = 0;
};

/* names.txt's examples: for every name, ('.', c1), (c1, c2), ..., (cn, '.'). */
static void names_examples(const mm_corpus *c, std::vector<uint8_t> &x,
                           std::vector<uint8_t> &y)
{
    uint8_t code[256];
    ascii_code_table(c, code);
    uint8_t prev = 0;
    bool in_name = false;
    for (size_t i = 0; i < c->size; i++) {
        uint8_t b = c->data[i];
        if (b == '\r') {
            continue;
        }
        if (b == '\n') {
            if (in_name) {
                x.push_back(prev);
                y.push_back(0);
            }
            prev = 0;
            in_name = false;
            continue;
        }
        x.push_back(prev);
        y.push_back(code[b]);
        prev = code[b];
        in_name = true;
    }
    if (in_name) {
        x.push_back(prev);
        y.push_back(0);
    }
}

static const NeuralCase &neural_case(size_t V)
{
    static std::vector<std::unique_ptr<NeuralCase>> cache;
    for (const auto &c : cache) {
        if (c->V == V) {
            return *c;
        }
    }
    cache.push_back(std::make_unique<NeuralCase>());
    NeuralCase *nc = cache.back().get();
    nc->V = V;
    nc->ld = pad(V);
    const size_t ld = nc->ld;
    mm_rng g;
    mm_rng_seed(&g, 2147483647ull);
    std::vector<float> w(V * V);
    mm_rng_randn(&g, w.data(), w.size());
    nc->W.assign(V * ld, 0.0f);
    nc->rowmax.assign(V, 0.0f);
    for (size_t r = 0; r < V; r++) {
        std::copy(w.begin() + r * V, w.begin() + (r + 1) * V, nc->W.begin() + r * ld);
        nc->rowmax[r] = *std::max_element(w.begin() + r * V, w.begin() + (r + 1) * V);
    }
    std::vector<float> l(k_rows * V);
    mm_rng_randn(&g, l.data(), l.size());
    nc->logits.assign(k_rows * ld, 0.0f);
    for (size_t r = 0; r < k_rows; r++) {
        std::copy(l.begin() + r * V, l.begin() + (r + 1) * V, nc->logits.begin() + r * ld);
    }
    if (V == 27 && g_names != nullptr && g_names->c->ascii &&
        mm_corpus_get_vocab(g_names->c)->size == 27) {
        names_examples(g_names->c, nc->x, nc->y);
        nc->from_names = true;
    } else {
        size_t n = g_opt.quick ? k_random_examples / 8 : k_random_examples;
        nc->x.resize(n);
        nc->y.resize(n);
        for (size_t i = 0; i < n; i++) {
            nc->x[i] = (uint8_t)(mm_rng_u32(&g) % V);
            nc->y[i] = (uint8_t)(mm_rng_u32(&g) % V);
        }
    }
    nc->C.assign(V * ld, 0.0);
    nc->n.assign(V, 0.0);
    for (size_t i = 0; i < nc->x.size(); i++) {
        nc->C[nc->x[i] * ld + nc->y[i]] += 1.0;
        nc->n[nc->x[i]] += 1.0;
    }
    nc->N = (double)nc->x.size();
    return *nc;
}

/* ---- checks ----------------------------------------------------------------
 * Tolerances are those of STYLE.md section 5: fp32 outputs
 * |got - ref| <= atol + rtol |ref| with softmax atol 1e-7, rtol 1e-5 and
 * gradients atol 1e-6 max|ref|, rtol 1e-5; sums in double rtol 1e-6.  The
 * unit tests hold the same bounds on many more cases; this check only makes
 * sure no timed variant computes something else. */

static bool close_all(const float *ref, const float *got, size_t rows, size_t V, size_t ld,
                      double atol, double rtol, const std::string &what)
{
    for (size_t r = 0; r < rows; r++) {
        for (size_t j = 0; j < V; j++) {
            double a = ref[r * ld + j], b = got[r * ld + j];
            double tol = atol + rtol * std::fabs(a);
            if (!(std::fabs(a - b) <= tol)) {
                std::fprintf(stderr, "  FAIL %s: [%zu][%zu] ref %.9g got %.9g tol %.3g\n",
                             what.c_str(), r, j, a, b, tol);
                return false;
            }
        }
    }
    return true;
}

static double max_abs(const avector<float> &v)
{
    double m = 0;
    for (float f : v) {
        m = std::max(m, (double)std::fabs(f));
    }
    return m;
}

static bool close_sum(double ref, double got, double rtol, const std::string &what)
{
    if (!(std::fabs(ref - got) <= rtol * std::fabs(ref))) {
        std::fprintf(stderr, "  FAIL %s: ref %.12g got %.12g rtol %.3g\n", what.c_str(), ref,
                     got, rtol);
        return false;
    }
    return true;
}

struct NeuralOut {
    avector<float> probs, lse, grad, G, W2, P, Plse;
    double nll = 0, cg = 0;
};

static void run_neural(const mm_kernels *t, const NeuralCase &nc, size_t rows, size_t n,
                       NeuralOut &o)
{
    const size_t V = nc.V, ld = nc.ld;
    o.probs.assign(rows * ld, -1.0f);
    o.lse.assign(rows, 0.0f);
    t->softmax_rows(o.probs.data(), o.lse.data(), nc.logits.data(), rows, V, ld);
    o.grad.assign(V * ld, 0.0f);
    o.nll = t->example_pass(o.grad.data(), nc.W.data(), nc.rowmax.data(), V, ld, nc.x.data(),
                            nc.y.data(), n);
    /* counts_grad takes P and lse of W from the same table's softmax. */
    o.P.assign(V * ld, 0.0f);
    o.Plse.assign(V, 0.0f);
    t->softmax_rows(o.P.data(), o.Plse.data(), nc.W.data(), V, V, ld);
    o.G.assign(V * ld, 0.0f);
    o.cg = t->counts_grad(o.G.data(), o.P.data(), o.Plse.data(), nc.W.data(), nc.C.data(),
                          nc.n.data(), V, ld);
    o.W2 = nc.W;
    t->weight_update(o.W2.data(), o.G.data(), V, V, ld, 50.0f, (float)(1.0 / nc.N),
                     (float)(2.0 * 0.01 / (double)(V * V)));
}

bool check_neural()
{
    if (!have_neural(&mm_kernels_scalar)) {
        std::fprintf(stderr, "  neural kernels are not in this build yet: skipped\n");
        return true;
    }
    bool ok = true;
    for (size_t V : k_vs) {
        const NeuralCase &nc = neural_case(V);
        const size_t rows = 257, n = std::min(nc.x.size(), k_chunk);
        NeuralOut ref, got;
        run_neural(&mm_kernels_scalar, nc, rows, n, ref);
        bool vok = true;
        for (const mm_kernels *t : all_tables()) {
            if (t == &mm_kernels_scalar) {
                continue;
            }
            if (!t->supported()) {
                std::fprintf(stderr, "  skip neural/%s/V%zu: CPU lacks ISA\n", t->name, V);
                continue;
            }
            if (!have_neural(t)) {
                std::fprintf(stderr, "  skip neural/%s/V%zu: kernels not in this table yet\n",
                             t->name, V);
                continue;
            }
            run_neural(t, nc, rows, n, got);
            std::string s = "/" + std::string(t->name) + "/V" + std::to_string(V);
            vok = close_all(ref.probs.data(), got.probs.data(), rows, V, nc.ld, 1e-7, 1e-5,
                            "softmax_rows" + s + " probs") && vok;
            vok = close_all(ref.lse.data(), got.lse.data(), rows, 1, 1, 0, 1e-6,
                            "softmax_rows" + s + " lse") && vok;
            vok = close_sum(ref.nll, got.nll, 1e-6, "example_pass" + s + " nll") && vok;
            vok = close_all(ref.grad.data(), got.grad.data(), V, V, nc.ld,
                            1e-6 * max_abs(ref.grad), 1e-5, "example_pass" + s + " grad") && vok;
            vok = close_sum(ref.cg, got.cg, 1e-6, "counts_grad" + s + " nll sum") && vok;
            vok = close_all(ref.G.data(), got.G.data(), V, V, nc.ld, 1e-6 * max_abs(ref.G),
                            1e-5, "counts_grad" + s + " G") && vok;
            vok = close_all(ref.W2.data(), got.W2.data(), V, V, nc.ld, 1e-6 * max_abs(ref.W2),
                            1e-5, "weight_update" + s + " W") && vok;
        }
        std::fprintf(stderr, "  neural V%-4zu %s examples: every variant within tolerance of "
                             "scalar%s\n",
                     V, nc.from_names ? "names.txt" : "random", vok ? "" : " ... NOT ALL");
        ok = ok && vok;
    }
    return ok;
}

/* ---- benchmarks -------------------------------------------------------- */

static bool usable(benchmark::State &st, const mm_kernels *t)
{
    if (!t->supported()) {
        st.SkipWithError("CPU lacks ISA");
        return false;
    }
    if (!have_neural(t)) {
        st.SkipWithError("kernel not in this table");
        return false;
    }
    return true;
}

static void BM_softmax_rows(benchmark::State &st, const mm_kernels *t, size_t V)
{
    if (!usable(st, t)) {
        return;
    }
    const NeuralCase &nc = neural_case(V);
    const size_t rows = g_opt.quick ? 256 : k_rows;
    avector<float> probs(rows * nc.ld), lse(rows);
    for (auto _ : st) {
        t->softmax_rows(probs.data(), lse.data(), nc.logits.data(), rows, V, nc.ld);
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)rows);
}

static void BM_example_pass(benchmark::State &st, const mm_kernels *t, size_t V)
{
    if (!usable(st, t)) {
        return;
    }
    const NeuralCase &nc = neural_case(V);
    avector<float> grad(V * nc.ld);
    const size_t n = nc.x.size();
    double sink = 0;
    for (auto _ : st) {
        for (size_t i = 0; i < n; i += k_chunk) {
            size_t m = std::min(k_chunk, n - i);
            sink += t->example_pass(grad.data(), nc.W.data(), nc.rowmax.data(), V, nc.ld,
                                    nc.x.data() + i, nc.y.data() + i, m);
        }
        benchmark::DoNotOptimize(sink);
        benchmark::ClobberMemory();
        /* The gradient only grows; reset it now and then, untimed, so it
         * stays in the range a real pass sees. */
        st.PauseTiming();
        std::fill(grad.begin(), grad.end(), 0.0f);
        st.ResumeTiming();
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)n);
    st.SetLabel(nc.from_names ? "names.txt bigrams" : "random pairs");
}

static void BM_counts_grad(benchmark::State &st, const mm_kernels *t, size_t V)
{
    if (!usable(st, t)) {
        return;
    }
    const NeuralCase &nc = neural_case(V);
    avector<float> P(V * nc.ld), lse(V), G(V * nc.ld);
    t->softmax_rows(P.data(), lse.data(), nc.W.data(), V, V, nc.ld);
    double sink = 0;
    for (auto _ : st) {
        sink += t->counts_grad(G.data(), P.data(), lse.data(), nc.W.data(), nc.C.data(),
                               nc.n.data(), V, nc.ld);
        benchmark::DoNotOptimize(sink);
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)V);
}

static void BM_weight_update(benchmark::State &st, const mm_kernels *t, size_t V)
{
    if (!usable(st, t)) {
        return;
    }
    const NeuralCase &nc = neural_case(V);
    avector<float> W = nc.W, G(V * nc.ld, 0.0f);
    /* A zero gradient and no decay keep W fixed however many iterations run,
     * at the same cost as any other values. */
    for (auto _ : st) {
        t->weight_update(W.data(), G.data(), V, V, nc.ld, 50.0f, 1.0f, 0.0f);
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)V);
}

void register_neural()
{
    if (!have_neural(&mm_kernels_scalar)) {
        return;
    }
    struct {
        const char *name;
        void (*fn)(benchmark::State &, const mm_kernels *, size_t);
    } const ks[] = {{"softmax_rows", BM_softmax_rows},
                    {"example_pass", BM_example_pass},
                    {"counts_grad", BM_counts_grad},
                    {"weight_update", BM_weight_update}};
    for (const auto &kk : ks) {
        for (size_t V : k_vs) {
            for (const mm_kernels *t : all_tables()) {
                benchmark::RegisterBenchmark((std::string(kk.name) + "/" + t->name + "/V" +
                                              std::to_string(V))
                                                 .c_str(),
                                             kk.fn, t, V)
                    ->Unit(benchmark::kMicrosecond);
            }
        }
    }
}

} // namespace mmb
