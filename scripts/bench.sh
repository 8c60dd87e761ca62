#!/usr/bin/env bash
# bench.sh - run the benchmark suite the way BENCHMARKS.md's figures were
# made: build makemore-bench (Release), pin the thread count, run every
# benchmark with 5 repetitions, save Google Benchmark's JSON under results/,
# and print the table (median throughput, speed-up over scalar, and with
# --peers the ratio to PyTorch and numpy on the same work, timed in the same
# run).
#
# Usage: scripts/bench.sh [--quick] [--peers] [--peers-only REGEX] [--plots]
#                         [-- MAKEMORE-BENCH-ARGS...]
#   --quick    small sizes, names.txt and an in-memory 4 MiB corpus only,
#              short timings, 3 repetitions; written under the build
#              directory, not results/
#   --peers    also time bench/peers/ (PyTorch, numpy) on the same corpora
#   --peers-only REGEX  with --peers: time only the peers matching REGEX
#              (e.g. '^count/' with -- --benchmark_filter='^count')
#   --plots    also draw the PNGs (scripts/plot-bench.py)
#   after --:  passed to makemore-bench, e.g. --benchmark_filter=/avx2/
#
# Environment:
#   MM_BENCH_THREADS  OMP_NUM_THREADS for the run (default: nproc)
#   MM_BENCH_BUILD    build directory (default: build-bench in the checkout)
#   MM_NAMES          names.txt (default tests/data/names.txt)
#   MM_CACHE_DIR      corpus cache (default ~/.cache/makemore): ssa-all and
#                     ssa-births-10pct from scripts/corpus.sh, the synthetic
#                     1 GiB corpus makemore-bench generates
#
# Output: results/<date>-<cpu>.json (ours), <same>.peers.json (--peers),
# <same>.txt and <same>.md (the table).  A file that exists is never
# overwritten: a -2, -3, ... suffix is added.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
python=/usr/bin/python3

quick=0 peers=0 plots=0 peers_only=
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --peers) peers=1 ;;
    --peers-only) peers_only=$2; shift ;;
    --plots) plots=1 ;;
    --) shift; break ;;
    -h | --help)
        sed -n '/^# Usage:/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
        exit 0 ;;
    *) echo "bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { printf 'bench.sh: %s\n' "$*" >&2; }

# shellcheck source=deps.sh
. "$here/deps.sh"
groups=(build bench python)
[ "$peers" = 0 ] || groups+=(torch)
[ "$plots" = 0 ] || groups+=(plot)
mm_install_deps "${groups[@]}"

build=${MM_BENCH_BUILD:-$root/build-bench}
log "building makemore-bench in $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMM_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target makemore-bench makemore >/dev/null
bench="$build/bench/makemore-bench"
[ -x "$bench" ] || { log "makemore-bench was not built (is libbenchmark-dev installed?)"; exit 1; }

threads=${MM_BENCH_THREADS:-$(nproc)}
export OMP_NUM_THREADS=$threads
cache=${MM_CACHE_DIR:-${HOME:-/tmp}/.cache/makemore}
names=${MM_NAMES:-$root/tests/data/names.txt}
[ -f "$names" ] || names=$root/../shared/data/names.txt

# The corpora: scripts/corpus.sh builds each once, or re-checks the cached
# file against the SHA-256 recorded in data/corpora.sha256.
ctx=()
peer_corpora=()
if [ "$quick" = 0 ]; then
    for c in ssa-all ssa-births-10pct; do
        if out=$("$here/corpus.sh" "$c"); then
            ctx+=("--benchmark_context=sha256:$c=$(awk -v n="$c" '$2 == n { print $1 }' \
                "$root/data/corpora.sha256")")
            peer_corpora+=(--corpus "$c=$out")
        else
            log "$c could not be built or verified: makemore-bench will skip it"
        fi
    done
fi
if [ -f "$names" ]; then
    export MM_NAMES=$names
    ctx+=("--benchmark_context=sha256:names=$(sha256sum "$names" | cut -d' ' -f1)")
else
    log "no names.txt at $names: names benchmarks are skipped"
fi

cpu=$(LC_ALL=C lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1)
if [ "$quick" = 1 ]; then
    outdir="$build/results"
else
    outdir="$root/results"
fi
mkdir -p "$outdir"
# <date>-<cpu>[-hide-<sets>][-N]: the name every bench script gives a run
stem=$("$python" "$here/results_name.py" stem "$outdir")
out="$stem.json"

git_rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    git_rev="$git_rev+dirty"
fi
# --quick: 3 repetitions (a median still), as every row costs at least
# repetitions x min_time and the whole must stay under a minute
reps=5
[ "$quick" = 0 ] || reps=3
args=(--benchmark_repetitions=$reps --benchmark_report_aggregates_only=true
      --benchmark_out="$out" --benchmark_out_format=json
      --benchmark_context=git="$git_rev" --benchmark_context=cpu="$cpu"
      --benchmark_context=omp_num_threads="$threads"
      --benchmark_context=load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
      "${ctx[@]}")
if [ "$quick" = 1 ]; then
    args+=(--quick --benchmark_min_time=0.05)
fi

load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
    log "warning: load average $load before the run: other processes share the CPUs, so"
    log "  real-time figures (threaded benchmarks, peers) will be low and noisy"
fi
log "OMP_NUM_THREADS=$threads; writing $out"
"$bench" "${args[@]}" "$@"

# Load at the end, for the record: the figures are only as quiet as this.
# And the synthetic corpus's SHA-256 (generated by makemore-bench on its
# first run, so known only now).
synth_sha=""
synth="$cache/corpora/synth-1g.txt"
if [ "$quick" = 0 ] && [ -f "$synth" ]; then
    synth_sha=$(sha256sum "$synth" | cut -d' ' -f1)
fi
"$python" - "$out" "$(cut -d' ' -f1-3 /proc/loadavg)" "$synth_sha" <<'EOF'
import json, sys
path, load, synth_sha = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path) as f:
    doc = json.load(f)
doc["context"]["load_after"] = load
if synth_sha:
    doc["context"]["sha256:synth-1g"] = synth_sha
with open(path + ".tmp", "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
import os
os.replace(path + ".tmp", path)
EOF

if [ "$peers" = 1 ]; then
    pargs=(--makemore "$build/makemore" --out "$stem.peers.json" --threads "$threads"
           --repetitions 5)
    [ ! -f "$names" ] || pargs+=(--names "$names")
    pargs+=("${peer_corpora[@]}")
    synth="$cache/corpora/synth-1g.txt"
    if [ "$quick" = 0 ] && [ -f "$synth" ]; then
        pargs+=(--corpus "synth-1g=$synth")
    fi
    [ "$quick" = 0 ] || pargs+=(--quick)
    [ -z "$peers_only" ] || pargs+=(--only "$peers_only")
    log "timing the peers (PyTorch, numpy) on the same corpora"
    # OpenBLAS settings meant for older builds slow a current numpy: unset
    # for this command only (see /work/.library/env); the JSON records it.
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$root/bench/peers/run_peers.py" \
        "${pargs[@]}"
fi

"$python" "$here/bench-table.py" "$out" | tee "$stem.txt"
"$python" "$here/bench-table.py" --format md "$out" >"$stem.md"
if [ "$plots" = 1 ]; then
    "$python" "$here/plot-bench.py" "$out"
fi
log "results: $out (table: $stem.txt, $stem.md)"
