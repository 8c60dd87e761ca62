/*
 * bench_train.cc - the training drivers on names.txt, every kernel table:
 *
 *   train_step/<isa>/<driver>/names  one full-batch step (loss, gradient,
 *                                    update), examples/s; the time is the
 *                                    step's own wall time as mm_train_with
 *                                    measures it (reported to on_step), so
 *                                    a run's setup (for the counts driver,
 *                                    counting the corpus) is not in it
 *   train100/<isa>/<driver>/names    the notebook's whole training cell:
 *                                    create the model (W = torch.randn), then
 *                                    100 steps from the open corpus, real
 *                                    time; examples/s = 100 N / time
 * Drivers: counts, examples, onehot (train100: counts and examples, and
 * with --quick counts only; the onehot driver's 100 steps are train_step's
 * time 100 times over).
 * Threads: the OpenMP default, that is OMP_NUM_THREADS (bench.sh pins it).
 *
 * Checked first: every table and driver gives scalar's counts-driver loss
 * and gradient at the initial W (rtol 1e-5, the drivers' stated agreement),
 * the notebook's step-0 loss 3.768618 and, after 100 steps, 2.490130
 * (within 2e-5).
 */
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "bench.h"

extern "C" {
#include "train.h"
}

namespace mmb {

static const mm_train_driver k_drivers[] = {MM_DRIVER_COUNTS, MM_DRIVER_EXAMPLES,
                                            MM_DRIVER_ONEHOT};

static mm_train_config config(mm_train_driver d, uint64_t steps)
{
    mm_train_config cfg;
    mm_train_config_init(&cfg);
    cfg.driver = d;
    cfg.steps = steps;
    return cfg;
}

struct LastLoss {
    double first = NAN, last = NAN;
};

static int record_loss(const mm_train_progress *p, void *user)
{
    LastLoss *l = static_cast<LastLoss *>(user);
    if (p->step == 0) {
        l->first = p->loss;
    }
    l->last = p->loss;
    return 0;
}

bool check_train()
{
    if (g_names == nullptr) {
        std::fprintf(stderr, "  train: no names.txt: training checks and benchmarks skipped\n");
        return true;
    }
    if (!have_neural(&mm_kernels_scalar)) {
        std::fprintf(stderr, "  train: neural kernels not in this build yet: skipped\n");
        return true;
    }
    const mm_vocab *v = mm_corpus_get_vocab(g_names->c);
    const size_t V = v->size;
    bool ok = true;
    double ref_loss = 0;
    std::vector<float> ref(V * V), got(V * V);
    {
        mm_train_config cfg = config(MM_DRIVER_COUNTS, 100);
        mm_model *m = nullptr;
        if (mm_train_model_create(&m, v, &cfg, nullptr) != MM_OK ||
            mm_train_loss_grad(m, g_names->c, &cfg, &mm_kernels_scalar, &ref_loss, ref.data(),
                               nullptr) != MM_OK) {
            std::fprintf(stderr, "  FAIL train/scalar/counts: %s\n", mm_errmsg());
            mm_model_destroy(m);
            return false;
        }
        mm_model_destroy(m);
    }
    double gmax = 0;
    for (float g : ref) {
        gmax = std::max(gmax, (double)std::fabs(g));
    }
    if (!(std::fabs(ref_loss - 3.768618) <= 2e-5)) {
        std::fprintf(stderr, "  FAIL train/scalar/counts: step-0 loss %.7f, the notebook "
                             "prints 3.768618\n", ref_loss);
        ok = false;
    }
    for (const mm_kernels *t : all_tables()) {
        if (!t->supported()) {
            std::fprintf(stderr, "  skip train/%s: CPU lacks ISA\n", t->name);
            continue;
        }
        if (!have_neural(t)) {
            std::fprintf(stderr, "  skip train/%s: neural kernels not in this table yet\n",
                         t->name);
            continue;
        }
        for (mm_train_driver d : k_drivers) {
            const char *dn = mm_train_driver_name(d);
            mm_train_config cfg = config(d, 100);
            mm_model *m = nullptr;
            double loss = 0;
            if (mm_train_model_create(&m, v, &cfg, nullptr) != MM_OK ||
                mm_train_loss_grad(m, g_names->c, &cfg, t, &loss, got.data(), nullptr) !=
                    MM_OK) {
                std::fprintf(stderr, "  FAIL train/%s/%s: %s\n", t->name, dn, mm_errmsg());
                mm_model_destroy(m);
                ok = false;
                continue;
            }
            if (!(std::fabs(loss - ref_loss) <= 1e-5 * std::fabs(ref_loss))) {
                std::fprintf(stderr, "  FAIL train/%s/%s: loss %.9g, scalar counts %.9g\n",
                             t->name, dn, loss, ref_loss);
                ok = false;
            }
            for (size_t i = 0; i < V * V; i++) {
                double tol = 1e-5 * gmax + 1e-5 * std::fabs(ref[i]);
                if (!(std::fabs(got[i] - ref[i]) <= tol)) {
                    std::fprintf(stderr, "  FAIL train/%s/%s: grad[%zu][%zu] %.9g, scalar "
                                         "counts %.9g, tol %.3g\n",
                                 t->name, dn, i / V, i % V, got[i], ref[i], tol);
                    ok = false;
                    break;
                }
            }
            /* 100 steps of the examples driver take seconds in scalar:
             * --quick checks the counts driver's only. */
            if (d == MM_DRIVER_COUNTS || (d == MM_DRIVER_EXAMPLES && !g_opt.quick)) {
                LastLoss ll;
                cfg.on_step = record_loss;
                cfg.user = &ll;
                if (mm_train_with(m, g_names->c, &cfg, t) != MM_OK ||
                    !(std::fabs(ll.last - 2.490130) <= 2e-5)) {
                    std::fprintf(stderr, "  FAIL train/%s/%s: step-99 loss %.7f, the notebook "
                                         "prints 2.490130 (%s)\n",
                                 t->name, dn, ll.last, mm_errmsg());
                    ok = false;
                }
            }
            mm_model_destroy(m);
        }
    }
    std::fprintf(stderr, "  train names: every table x driver gives scalar's loss and gradient, "
                         "and the notebook's losses%s\n", ok ? "" : " ... NOT ALL");
    return ok;
}

/* One benchmark iteration per training step: the steps run inside one
 * mm_train_with call (re-entered should it end), and on_step hands each
 * step's own time to Google Benchmark. */
struct StepCtx {
    benchmark::State *st;
    bool running;
    uint64_t examples;
};

static int on_step(const mm_train_progress *p, void *user)
{
    StepCtx *s = static_cast<StepCtx *>(user);
    s->st->SetIterationTime(p->seconds);
    s->examples = p->examples;
    s->running = s->st->KeepRunning();
    return s->running ? 0 : 1;
}

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

static void BM_train_step(benchmark::State &st, const mm_kernels *t, mm_train_driver d)
{
    if (!usable(st, t)) {
        return;
    }
    const mm_vocab *v = mm_corpus_get_vocab(g_names->c);
    mm_train_config cfg = config(d, 0);
    mm_model *m = nullptr;
    if (mm_train_model_create(&m, v, &cfg, nullptr) != MM_OK) {
        st.SkipWithError(mm_errmsg());
        return;
    }
    StepCtx s = {&st, st.KeepRunning(), 0};
    cfg.on_step = on_step;
    cfg.user = &s;
    uint64_t steps = 0;
    while (s.running) {
        cfg.steps = steps + (1u << 30);
        if (mm_train_with(m, g_names->c, &cfg, t) != MM_OK) {
            st.SkipWithError(mm_errmsg());
            /* Drain the loop Google Benchmark expects to finish. */
            while (st.KeepRunning()) {
                st.SetIterationTime(1e-9);
            }
            break;
        }
        steps = cfg.steps;
    }
    st.SetItemsProcessed((int64_t)st.iterations() * (int64_t)s.examples);
    mm_model_destroy(m);
}

static void BM_train100(benchmark::State &st, const mm_kernels *t, mm_train_driver d)
{
    if (!usable(st, t)) {
        return;
    }
    const mm_vocab *v = mm_corpus_get_vocab(g_names->c);
    mm_train_config cfg = config(d, 100);
    uint64_t examples = 0;
    for (auto _ : st) {
        mm_model *m = nullptr;
        if (mm_train_model_create(&m, v, &cfg, nullptr) != MM_OK ||
            mm_train_with(m, g_names->c, &cfg, t) != MM_OK) {
            st.SkipWithError(mm_errmsg());
            mm_model_destroy(m);
            break;
        }
        benchmark::DoNotOptimize(mm_model_get_probs(m));
        mm_model_destroy(m);
    }
    if (examples == 0) {
        /* N of names.txt's examples: the bigrams, the sum of the counts. */
        std::vector<uint64_t> c((size_t)v->size * v->size);
        mm_count_opts o = {};
        if (mm_count_bigrams(g_names->c, v, &o, c.data()) == MM_OK) {
            for (uint64_t x : c) {
                examples += x;
            }
        }
    }
    st.SetItemsProcessed((int64_t)st.iterations() * 100 * (int64_t)examples);
}

void register_train()
{
    if (g_names == nullptr || !have_neural(&mm_kernels_scalar)) {
        return;
    }
    for (mm_train_driver d : k_drivers) {
        for (const mm_kernels *t : all_tables()) {
            benchmark::RegisterBenchmark(("train_step/" + std::string(t->name) + "/" +
                                          mm_train_driver_name(d) + "/names")
                                             .c_str(),
                                         BM_train_step, t, d)
                ->Unit(benchmark::kMicrosecond)
                ->UseManualTime();
        }
    }
    for (mm_train_driver d : {MM_DRIVER_COUNTS, MM_DRIVER_EXAMPLES}) {
        if (g_opt.quick && d != MM_DRIVER_COUNTS) {
            continue;
        }
        for (const mm_kernels *t : all_tables()) {
            benchmark::RegisterBenchmark(("train100/" + std::string(t->name) + "/" +
                                          mm_train_driver_name(d) + "/names")
                                             .c_str(),
                                         BM_train100, t, d)
                ->Unit(benchmark::kMillisecond)
                ->UseRealTime();
        }
    }
}

} // namespace mmb
