/*
 * bench_main.cc - makemore-bench's main(): options, the corpora, the checks
 * against the scalar kernels, then Google Benchmark.
 *
 * Options (besides Google Benchmark's --benchmark_*):
 *   --quick              small sizes and only names.txt plus a 4 MiB sampled
 *                        corpus in memory: the ctest smoke test
 *   --names PATH         names.txt (default $MM_NAMES, else
 *                        <source>/tests/data/names.txt, else
 *                        <source>/../shared/data/names.txt, else
 *                        ../shared/data/names.txt)
 *   --corpus NAME=PATH   count this corpus too (benchmark size NAME)
 *   --synth-bytes N      size of the synthetic corpus (default 1 GiB)
 *   --no-synth           no synthetic corpus
 *   --check-only         run the checks and exit
 *   --help, --version
 * --benchmark_list_tests lists the benchmarks without running the checks
 * (nor generating the synthetic corpus).  Tables and counters this CPU
 * cannot run are left out (a line on stderr says which).
 * The JSON's context records the CPU: vendor, family/model, model name and
 * flags from /proc/cpuinfo (cpu_* keys).
 * Environment: MM_CACHE_DIR (default ~/.cache/makemore), where
 * scripts/corpus.sh keeps ssa-all and ssa-births-10pct and where the
 * synthetic corpus is generated once.
 *
 * Exit status: 0 ok; 1 a variant disagrees with scalar, or setup failed;
 * 2 usage.
 */
#include <benchmark/benchmark.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#ifndef MM_SOURCE_DIR
#define MM_SOURCE_DIR "."
#endif

namespace mmb {

Options g_opt;
std::vector<Corpus *> g_corpora;
Corpus *g_names = nullptr;

Aligned::Aligned(size_t bytes)
{
    size_t n = (bytes + 63) / 64 * 64;
    p = std::aligned_alloc(64, n ? n : 64);
    if (p == nullptr) {
        std::fprintf(stderr, "makemore-bench: out of memory (%zu bytes)\n", bytes);
        std::exit(1);
    }
    std::memset(p, 0, n ? n : 64);
}

Aligned::~Aligned()
{
    std::free(p);
}

std::vector<const mm_kernels *> all_tables()
{
    std::vector<const mm_kernels *> v;
    for (const mm_kernels *const *k = mm_kernels_all(); *k; k++) {
        if ((*k)->supported()) {
            v.push_back(*k);
        }
    }
    return v;
}

std::vector<const mm_counter *> all_counters()
{
    std::vector<const mm_counter *> v;
    for (const mm_counter *const *c = mm_counters_all(); *c; c++) {
        if ((*c)->supported()) {
            v.push_back(*c);
        }
    }
    v.push_back(&mm_counter_auto);
    return v;
}

const mm_kernels *best_table()
{
    const mm_kernels *best = &mm_kernels_scalar;
    for (const mm_kernels *k : all_tables()) {
        if (k->supported()) {
            best = k;
        }
    }
    return best;
}

void ascii_code_table(const mm_corpus *c, uint8_t code[256])
{
    const mm_vocab *v = mm_corpus_get_vocab(c);
    std::memset(code, 0, 256);
    for (uint32_t i = 1; i < v->size; i++) {
        if (v->cp[i] < 128) {
            code[v->cp[i]] = (uint8_t)i;
        }
    }
    code['\n'] = 0;
}

static bool file_exists(const std::string &p)
{
    struct stat sb;
    return !p.empty() && stat(p.c_str(), &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Used only when names.txt is missing, so that --quick still runs. */
static const char k_fallback_names[] =
    "emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\n"
    "abigail\nemily\nelizabeth\nmila\nella\navery\nsofia\ncamila\naria\nscarlett\n"
    "liam\nnoah\noliver\nelijah\njames\nwilliam\nbenjamin\nlucas\nhenry\ntheodore\n"
    "zoe\nquinn\nxavier\njude\nkai\nyusuf\n";

/* Stream names drawn from the +1-smoothed count model of names.txt into
 * sink(buf, len), until adding the next name would pass `bytes`.  The names
 * are those of `makemore sample MODEL --seed SEED` (max length 256), minus
 * the empty ones (the corpus reader would skip them anyway). */
template <class Sink>
static bool sample_names(uint64_t bytes, uint64_t seed, Sink sink)
{
    mm_corpus *c = nullptr;
    mm_model *m = nullptr;
    bool ok = false;
    const mm_corpus *src = g_names != nullptr ? g_names->c : nullptr;
    if (src == nullptr) {
        if (mm_corpus_from_memory(&c, k_fallback_names, sizeof k_fallback_names - 1,
                                  "<fallback names>") != MM_OK) {
            std::fprintf(stderr, "makemore-bench: %s\n", mm_errmsg());
            return false;
        }
        src = c;
    }
    const mm_vocab *v = mm_corpus_get_vocab(src);
    std::vector<uint64_t> counts((size_t)v->size * v->size);
    std::vector<char> out;
    std::vector<uint8_t> name(256);
    std::vector<uint8_t> syms(1 << 16);
    char sym[MM_MAX_VOCAB][5];
    size_t symlen[MM_MAX_VOCAB];
    uint64_t total = 0;
    mm_rng g;
    mm_count_opts o = {};
    if (mm_count_bigrams(src, v, &o, counts.data()) != MM_OK ||
        mm_model_from_counts(&m, v, counts.data(), 1.0) != MM_OK) {
        std::fprintf(stderr, "makemore-bench: %s\n", mm_errmsg());
        goto cleanup;
    }
    for (size_t i = 0; i < v->size; i++) {
        symlen[i] = mm_vocab_utf8(v, i, sym[i]);
    }
    mm_rng_seed(&g, seed);
    out.reserve((1u << 20) + 4 * 256 + 1);
    for (bool done = false; !done;) {
        /* in bulk (the same names as one mm_model_sample call each) */
        uint64_t left = 4096;
        size_t n = mm_model_sample_many(m, &g, &left, name.size(), syms.data(), syms.size());
        for (size_t i = 0, start = 0; i < n && !done; start = ++i) {
            while (syms[i] != 0) {
                i++;
            }
            if (i == start) {
                continue; /* an empty name */
            }
            size_t nb = 1;
            for (size_t j = start; j < i; j++) {
                nb += symlen[syms[j]];
            }
            if (total + nb > bytes) {
                done = true;
                break;
            }
            for (size_t j = start; j < i; j++) {
                out.insert(out.end(), sym[syms[j]], sym[syms[j]] + symlen[syms[j]]);
            }
            out.push_back('\n');
            total += nb;
            if (out.size() >= (1u << 20) && !sink(out.data(), out.size())) {
                goto cleanup;
            }
            if (out.size() >= (1u << 20)) {
                out.clear();
            }
        }
    }
    ok = out.empty() || sink(out.data(), out.size());
cleanup:
    mm_model_destroy(m);
    mm_corpus_close(c);
    return ok;
}

bool sample_corpus_bytes(uint64_t bytes, uint64_t seed, std::vector<uint8_t> &out)
{
    out.clear();
    out.reserve(bytes);
    return sample_names(bytes, seed, [&](const char *p, size_t n) {
        out.insert(out.end(), p, p + n);
        return true;
    });
}

static const uint64_t k_synth_seed = 2147483647ull;

static std::string synth_name(uint64_t bytes)
{
    if (bytes % (1ull << 30) == 0) {
        return "synth-" + std::to_string(bytes >> 30) + "g";
    }
    if (bytes % (1ull << 20) == 0) {
        return "synth-" + std::to_string(bytes >> 20) + "m";
    }
    return "synth-" + std::to_string(bytes);
}

static int mkdir_p(const std::string &dir)
{
    std::string cur;
    size_t pos = 0;
    while (pos != std::string::npos) {
        pos = dir.find('/', pos + 1);
        cur = dir.substr(0, pos);
        if (!cur.empty() && mkdir(cur.c_str(), 0777) != 0 && errno != EEXIST) {
            return -1;
        }
    }
    return 0;
}

/* Generate the synthetic corpus into the cache once (to a temporary file,
 * renamed into place when complete). */
static bool make_synth_file(const std::string &path, uint64_t bytes)
{
    std::string dir = path.substr(0, path.rfind('/'));
    if (mkdir_p(dir) != 0) {
        std::fprintf(stderr, "makemore-bench: cannot create %s: %s\n", dir.c_str(),
                     std::strerror(errno));
        return false;
    }
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    FILE *f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) {
        std::fprintf(stderr, "makemore-bench: cannot write %s: %s\n", tmp.c_str(),
                     std::strerror(errno));
        return false;
    }
    std::fprintf(stderr, "makemore-bench: generating %s (%llu bytes, once; names sampled "
                         "from the +1 count model of %s, seed %llu)\n",
                 path.c_str(), (unsigned long long)bytes,
                 g_names ? g_names->path.c_str() : "a fallback list",
                 (unsigned long long)k_synth_seed);
    bool ok = sample_names(bytes, k_synth_seed, [&](const char *p, size_t n) {
        return std::fwrite(p, 1, n, f) == n;
    });
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::fprintf(stderr, "makemore-bench: writing %s failed\n", path.c_str());
        std::remove(tmp.c_str());
        return false;
    }
    return true;
}

static Corpus *open_file_corpus(const std::string &name, const std::string &path)
{
    Corpus *k = new Corpus;
    k->name = name;
    k->path = path;
    if (g_opt.list_only) {
        struct stat sb;
        k->bytes = stat(path.c_str(), &sb) == 0 ? (uint64_t)sb.st_size : 0;
        return k; /* named only: nothing runs */
    }
    if (mm_corpus_open(&k->c, path.c_str()) != MM_OK) {
        std::fprintf(stderr, "makemore-bench: %s: %s\n", name.c_str(), mm_errmsg());
        delete k;
        return nullptr;
    }
    mm_corpus_info info;
    mm_corpus_get_info(k->c, &info);
    k->bytes = info.bytes;
    std::fprintf(stderr, "makemore-bench: corpus %-18s %12llu bytes  %s\n", name.c_str(),
                 (unsigned long long)k->bytes, path.c_str());
    return k;
}

bool setup_corpora()
{
    if (!g_opt.names_path.empty()) {
        g_names = open_file_corpus("names", g_opt.names_path);
        if (g_names == nullptr) {
            return false;
        }
        g_corpora.push_back(g_names);
    } else {
        std::fprintf(stderr, "makemore-bench: names.txt not found (set MM_NAMES or --names): "
                             "names benchmarks skipped\n");
    }
    if (!g_opt.quick) {
        for (const char *n : {"ssa-all", "ssa-births-10pct"}) {
            std::string p = g_opt.cache_dir + "/corpora/" + n + ".txt";
            if (!file_exists(p)) {
                std::fprintf(stderr, "makemore-bench: %s not in %s/corpora: skipped "
                                     "(build it with scripts/corpus.sh %s)\n",
                             n, g_opt.cache_dir.c_str(), n);
                continue;
            }
            Corpus *k = open_file_corpus(n, p);
            if (k == nullptr) {
                return false;
            }
            g_corpora.push_back(k);
        }
    }
    if (g_opt.synth) {
        std::string name = synth_name(g_opt.synth_bytes);
        if (g_opt.list_only) {
            Corpus *k = new Corpus;
            k->name = name;
            if (!g_opt.quick) {
                k->path = g_opt.cache_dir + "/corpora/" + name + ".txt";
                k->bytes = g_opt.synth_bytes;
            }
            g_corpora.push_back(k);
        } else if (g_opt.quick) {
            Corpus *k = new Corpus;
            k->name = name;
            if (!sample_corpus_bytes(g_opt.synth_bytes, k_synth_seed, k->mem) ||
                mm_corpus_from_memory(&k->c, k->mem.data(), k->mem.size(),
                                      name.c_str()) != MM_OK) {
                std::fprintf(stderr, "makemore-bench: %s: %s\n", name.c_str(), mm_errmsg());
                delete k;
                return false;
            }
            k->bytes = k->mem.size();
            std::fprintf(stderr, "makemore-bench: corpus %-18s %12llu bytes  (in memory)\n",
                         name.c_str(), (unsigned long long)k->bytes);
            g_corpora.push_back(k);
        } else {
            std::string p = g_opt.cache_dir + "/corpora/" + name + ".txt";
            if (!file_exists(p) && !make_synth_file(p, g_opt.synth_bytes)) {
                return false;
            }
            Corpus *k = open_file_corpus(name, p);
            if (k == nullptr) {
                return false;
            }
            g_corpora.push_back(k);
        }
    }
    for (auto &e : g_opt.extra) {
        Corpus *k = open_file_corpus(e.first, e.second);
        if (k == nullptr) {
            return false;
        }
        g_corpora.push_back(k);
    }
    return true;
}

void close_corpora()
{
    for (Corpus *k : g_corpora) {
        mm_corpus_close(k->c);
        delete k;
    }
    g_corpora.clear();
    g_names = nullptr;
}

} // namespace mmb

using namespace mmb;

static const char k_help[] =
    "usage: makemore-bench [OPTIONS] [--benchmark_* options of Google Benchmark]\n"
    "\n"
    "Check every kernel variant against the scalar one, then time them (Google\n"
    "Benchmark).  Exit 1 if a variant disagrees with scalar; nothing is timed then.\n"
    "\n"
    "  --quick              names.txt and a 4 MiB corpus sampled in memory, small sizes\n"
    "  --names PATH         names.txt (default $MM_NAMES, else tests/data/names.txt)\n"
    "  --corpus NAME=PATH   count this corpus too (benchmarks named .../NAME)\n"
    "  --synth-bytes N      size of the synthetic corpus (default 1 GiB, generated once\n"
    "                       into $MM_CACHE_DIR/corpora, default ~/.cache/makemore)\n"
    "  --no-synth           no synthetic corpus\n"
    "  --check-only         run the checks against scalar and exit\n"
    "  --version            version, instruction sets built in and run by this CPU\n"
    "  -h, --help           this text\n"
    "\n"
    "Google Benchmark's options (all of them: --benchmark_* as documented upstream):\n"
    "  --benchmark_filter=REGEX         e.g. '/avx2/' (one ISA), '^count_file/'\n"
    "  --benchmark_list_tests           list the benchmarks this CPU runs; no checks\n"
    "  --benchmark_repetitions=N        (scripts/bench.sh: 5, medians in the tables)\n"
    "  --benchmark_min_time=SECONDS\n"
    "  --benchmark_out=FILE --benchmark_out_format=json\n"
    "  --benchmark_context=KEY=VALUE    recorded in the JSON\n"
    "\n"
    "Benchmarks are named kernel/variant/[tTHREADS/]size; variants this CPU cannot\n"
    "run are left out.  Counting variants: scalar, pairs, avx2, avx512 and auto\n"
    "(chosen by measurement, what `makemore count` runs).  See BENCHMARKS.md.\n";

/* /proc/cpuinfo's first value of key ("" if absent). */
static std::string cpuinfo(const char *key)
{
    FILE *f = std::fopen("/proc/cpuinfo", "r");
    if (f == nullptr) {
        return "";
    }
    std::string out;
    char line[8192];
    size_t kl = std::strlen(key);
    while (std::fgets(line, sizeof line, f) != nullptr) {
        if (std::strncmp(line, key, kl) == 0 && (line[kl] == '\t' || line[kl] == ' ' ||
                                                 line[kl] == ':')) {
            const char *c = std::strchr(line, ':');
            if (c != nullptr) {
                out = c + 1;
                out.erase(0, out.find_first_not_of(' '));
                out.erase(out.find_last_not_of(" \n") + 1);
            }
            break;
        }
    }
    std::fclose(f);
    return out;
}

/* The CPU in the JSON's context: which machine a figure belongs to. */
static void add_cpu_context()
{
    std::string fam = cpuinfo("cpu family"), model = cpuinfo("model");
    benchmark::AddCustomContext("cpu_vendor", cpuinfo("vendor_id"));
    benchmark::AddCustomContext("cpu_family_model", fam + "/" + model);
    benchmark::AddCustomContext("cpu_model_name", cpuinfo("model name"));
    benchmark::AddCustomContext("cpu_flags", cpuinfo("flags"));
    if (*mm_isa_hidden() != '\0') { /* MM_CPU_HIDE: runs as a CPU without these */
        benchmark::AddCustomContext("cpu_hidden", mm_isa_hidden());
    }
    /* the OS kernel too: how many faults a mapped GiB costs changed with
     * the VM's kernel build (BENCHMARKS.md, Intel Xeon 2026-12-05) */
    struct utsname u;
    if (uname(&u) == 0) {
        benchmark::AddCustomContext("os_kernel", std::string(u.sysname) + " " + u.release);
    }
}

static int usage(const char *why)
{
    std::fprintf(stderr,
                 "makemore-bench: %s\n"
                 "usage: makemore-bench [--quick] [--names PATH] [--corpus NAME=PATH]...\n"
                 "                      [--synth-bytes N] [--no-synth] [--check-only]\n"
                 "                      [--benchmark_* options of Google Benchmark]\n",
                 why);
    return 2;
}

/* An unknown name in MM_CPU_HIDE: the library hides nothing then, and a
 * run would measure the wrong CPU; mm_dispatch_init's message says why. */
static int bad_cpu_hide()
{
    mm_dispatch_init(nullptr);
    std::fprintf(stderr, "makemore-bench: %s\n", mm_errmsg());
    return 1;
}

int main(int argc, char **argv)
{
    /* before Google Benchmark's Initialize, which answers --help itself */
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(k_help, stdout);
            return 0;
        }
        if (a == "--version") {
            std::printf("makemore-bench %s (built: %s; this CPU runs: %s)\n", MM_VERSION_STRING,
                        mm_isa_built(), mm_isa_supported());
            if (mm_isa_hidden() == nullptr) {
                return bad_cpu_hide();
            }
            if (*mm_isa_hidden() != '\0') {
                std::printf("kernels hidden (MM_CPU_HIDE): %s\n", mm_isa_hidden());
            }
            return 0;
        }
        if (a == "--benchmark_list_tests" || a == "--benchmark_list_tests=true" ||
            a == "--benchmark_list_tests=1") {
            g_opt.list_only = true;
        }
    }
    if (mm_isa_hidden() == nullptr) {
        return bad_cpu_hide();
    }
    benchmark::Initialize(&argc, argv);
    /* as the makemore tools do: mm_count_file may then read from a mapping */
    if (mm_sigbus_guard_install() != MM_OK) {
        std::fprintf(stderr, "makemore-bench: %s\n", mm_errmsg());
        return 1;
    }
    const char *env_names = std::getenv("MM_NAMES");
    const char *env_cache = std::getenv("MM_CACHE_DIR");
    const char *home = std::getenv("HOME");
    std::string names_arg;
    bool check_only = false, synth_bytes_set = false;
    g_opt.cache_dir = env_cache && *env_cache ? env_cache
                                              : std::string(home ? home : "/tmp") + "/.cache/makemore";
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto value = [&](const char *opt) -> std::string {
            std::string pre = std::string(opt) + "=";
            if (a.compare(0, pre.size(), pre) == 0) {
                return a.substr(pre.size());
            }
            if (i + 1 >= argc) {
                std::exit(usage((std::string(opt) + " needs a value").c_str()));
            }
            return argv[++i];
        };
        if (a == "--quick") {
            g_opt.quick = true;
        } else if (a == "--no-synth") {
            g_opt.synth = false;
        } else if (a == "--check-only") {
            check_only = true;
        } else if (a.rfind("--names", 0) == 0) {
            names_arg = value("--names");
        } else if (a.rfind("--synth-bytes", 0) == 0) {
            char *end = nullptr;
            std::string s = value("--synth-bytes");
            g_opt.synth_bytes = std::strtoull(s.c_str(), &end, 10);
            if (end == s.c_str() || *end != '\0' || g_opt.synth_bytes < 1024) {
                return usage("--synth-bytes takes a number of bytes >= 1024");
            }
            synth_bytes_set = true;
        } else if (a.rfind("--corpus", 0) == 0) {
            std::string s = value("--corpus");
            size_t eq = s.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == s.size()) {
                return usage("--corpus takes NAME=PATH");
            }
            g_opt.extra.emplace_back(s.substr(0, eq), s.substr(eq + 1));
        } else {
            return usage(("unknown option " + a).c_str());
        }
    }
    if (g_opt.quick && !synth_bytes_set) {
        g_opt.synth_bytes = 4u << 20;
    }
    if (!names_arg.empty() && !file_exists(names_arg)) {
        std::fprintf(stderr, "makemore-bench: --names %s: no such file\n", names_arg.c_str());
        return 1;
    }
    for (const std::string &p :
         {names_arg, std::string(env_names ? env_names : ""),
          std::string(MM_SOURCE_DIR) + "/tests/data/names.txt",
          std::string(MM_SOURCE_DIR) + "/../shared/data/names.txt",
          std::string("../shared/data/names.txt")}) {
        if (file_exists(p)) {
            g_opt.names_path = p;
            break;
        }
    }

    if (!setup_corpora()) {
        close_corpora();
        return 1;
    }
    if (std::strcmp(mm_isa_built(), mm_isa_supported()) != 0) {
        std::fprintf(stderr, "makemore-bench: built %s, this CPU runs %s: the others' "
                             "benchmarks are left out\n",
                     mm_isa_built(), mm_isa_supported());
    }
    if (g_opt.list_only) {
        register_count();
        register_neural();
        register_train();
        register_sample();
        register_read();
        benchmark::RunSpecifiedBenchmarks(); /* lists, runs nothing */
        benchmark::Shutdown();
        close_corpora();
        return 0;
    }

    /* Where the numbers came from, in the JSON's context. */
    benchmark::AddCustomContext("makemore_version", MM_VERSION_STRING);
    benchmark::AddCustomContext("isa_built", mm_isa_built());
    benchmark::AddCustomContext("isa_supported", mm_isa_supported());
    add_cpu_context();
    benchmark::AddCustomContext("quick", g_opt.quick ? "true" : "false");
    benchmark::AddCustomContext("omp_max_threads", std::to_string(mm_threads_used(0)));
    for (Corpus *k : g_corpora) {
        benchmark::AddCustomContext("corpus:" + k->name,
                                    (k->path.empty() ? std::string("(in memory)") : k->path) +
                                        " " + std::to_string(k->bytes) + " bytes");
    }

    std::fprintf(stderr, "makemore-bench: checking every variant against scalar "
                         "(built: %s; this CPU runs: %s)\n",
                 mm_isa_built(), mm_isa_supported());
    bool ok = true;
    ok = check_count() && ok;
    ok = check_neural() && ok;
    ok = check_train() && ok;
    ok = check_sample() && ok;
    ok = check_ngram() && ok;
    if (!ok) {
        std::fprintf(stderr, "makemore-bench: a variant disagrees with scalar: not timing\n");
        close_corpora();
        return 1;
    }
    std::fprintf(stderr, "makemore-bench: all checks passed\n");
    if (check_only) {
        close_corpora();
        return 0;
    }

    register_count();
    register_neural();
    register_train();
    register_sample();
    register_read();
    register_ngram();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    close_corpora();
    return 0;
}
