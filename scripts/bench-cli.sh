#!/usr/bin/env bash
# bench-cli.sh - time the command-line tool end to end with hyperfine, as a
# user runs it: `makemore count` of the 1 GiB synthetic corpus on 1 and 2
# threads (read, validate, count, write the model) with the default counter
# (chosen by measurement) and with each counter this CPU runs forced
# (MM_COUNT_KERNEL), alone and with each way of reading the file forced
# (MM_COUNT_READ=pread|map), numpy's chunked bincount as a whole process
# (bench/peers/skilled.py: vocabulary pass + count, 1 thread), and issue 4's
# corpus generator, `makemore sample MODEL -n 100000000 --seed S > FILE`.
#
# Usage: scripts/bench-cli.sh [--runs N] [--no-sample] [--no-numpy]
#
# Writes results/<date>-<cpu>.cli.json: hyperfine's JSON with, for each
# command, the bytes it reads or writes ("bytes") added, the CPU (vendor,
# family/model, model name, flags) and the load in its context, and prints
# the median rates.  The corpus is the one makemore-bench generates
# ($MM_CACHE_DIR/corpora/synth-1g.txt, default ~/.cache/makemore); the
# output of `sample` goes to a file under $TMPDIR and is deleted.
# Environment: MM_BENCH_BUILD (default build-bench), MM_NAMES, MM_CACHE_DIR;
# MM_CPU_HIDE=avx512 (say) runs it as on a CPU without AVX-512 (the file name
# gets -hide-avx512, the context records it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
python=/usr/bin/python3
runs=5 sample=1 numpy=1
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift ;;
    --no-sample) sample=0 ;;
    --no-numpy) numpy=0 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench-cli.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=deps.sh
. "$here/deps.sh"
mm_install_deps build bench python hyperfine

build=${MM_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMM_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target makemore makemore-bench >/dev/null
mm=$build/makemore
names=${MM_NAMES:-$root/tests/data/names.txt}
[ -f "$names" ] || names=$root/../shared/data/names.txt
corpus=${MM_CACHE_DIR:-$HOME/.cache/makemore}/corpora/synth-1g.txt
if [ ! -f "$corpus" ]; then # makemore-bench generates it (once) when it starts
    "$build/bench/makemore-bench" --check-only >/dev/null
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$mm" count "$names" -o "$tmp/names.mm" 2>/dev/null

# <date>-<cpu>[-hide-<sets>][-N].cli.json: the name every bench script gives a run
mkdir -p "$root/results"
out=$("$python" "$here/results_name.py" stem "$root/results" --ext .cli.json).cli.json

# The counters this CPU runs: scalar, pairs and each supported ISA's.
counters=(scalar pairs)
for isa in $("$mm" --version | sed -n 's/.*this CPU runs: \([a-z0-9,]*\).*/\1/p' | tr , ' '); do
    [ "$isa" = scalar ] || counters+=("$isa")
done
cmds=()
for t in 1 2; do
    cmds+=(-n "count/default/t$t/synth-1g" "$mm count $corpus -o $tmp/c.mm --threads $t")
    for k in "${counters[@]}"; do
        cmds+=(-n "count/$k/t$t/synth-1g"
               "MM_COUNT_KERNEL=$k $mm count $corpus -o $tmp/c.mm --threads $t")
        for way in pread map; do
            cmds+=(-n "count/$k/t$t/synth-1g/$way"
                   "MM_COUNT_KERNEL=$k MM_COUNT_READ=$way $mm count $corpus -o $tmp/c.mm --threads $t")
        done
    done
done
if [ "$numpy" = 1 ] && "$python" -c 'import numpy' 2>/dev/null; then
    cmds+=(-n "count/numpy-bincount/t1/synth-1g"
           "OMP_NUM_THREADS=1 $python -c 'import sys; sys.path.insert(0, \"$root/bench/peers\"); import skilled; skilled.count_numpy(skilled.ByteCorpus(\"$corpus\"))'")
fi
[ "$sample" = 0 ] ||
    cmds+=(-n "sample/100M-names" "$mm sample $tmp/names.mm -n 100000000 --seed 7 > $tmp/big.txt")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
hyperfine --runs "$runs" --warmup 1 --export-json "$tmp/h.json" "${cmds[@]}" >&2
sample_bytes=$( [ "$sample" = 0 ] || stat -c %s "$tmp/big.txt")
corpus_bytes=$(stat -c %s "$corpus")

hidden=$("$mm" --version | sed -n 's/^kernels hidden (MM_CPU_HIDE): //p')
"$python" - "$tmp/h.json" "$out" "$corpus_bytes" "${sample_bytes:-0}" "$(git -C "$root" describe --always --dirty)" "$load_before" "$hidden" "$here" <<'EOF'
import json, os, re, sys
src, dst, cbytes, sbytes, commit, load_before, hidden, scripts = sys.argv[1:9]
sys.path.insert(0, scripts)
from results_name import cpu_context
cbytes, sbytes = int(cbytes), int(sbytes)
d = json.load(open(src))
d["context"] = dict({"git": commit, "load_before": load_before, "load_avg": os.getloadavg(),
                     "nproc": os.cpu_count()}, **cpu_context(hidden))
for r in d["results"]:
    r["bytes"] = sbytes if r["command"].startswith("sample") else cbytes
    if r["bytes"] == 0:
        continue
    rate = r["bytes"] / r["median"]
    unit = "GB/s" if rate >= 1e9 else "MB/s"
    print("%-20s median %.3f s  %.2f %s" % (r["command"], r["median"], rate / (1e9 if unit == "GB/s" else 1e6), unit))
json.dump(d, open(dst, "w"), indent=1)
# issue 11's targets: the default against the fastest counter forced, and
# against numpy, whole processes
rate = {r["command"]: r["bytes"] / r["median"] for r in d["results"] if r["bytes"]}
for t in (1, 2):
    dflt = rate.get("count/default/t%d/synth-1g" % t)
    forced = {c: v for c, v in rate.items()
              if re.match(r"count/[^/]+/t%d/synth-1g(/(pread|map))?$" % t, c)
              and "/default/" not in c and "numpy" not in c}
    if dflt and forced:
        fc = max(forced, key=forced.get)
        print("t%d: default / fastest forced (%s) = %.3f" % (t, fc, dflt / forced[fc]))
print("(hyperfine times each command in a block; load that drifts between blocks moves these\n"
      " ratios by several %: scripts/bench-alternate.py runs the same commands in turn)")
np_rate = rate.get("count/numpy-bincount/t1/synth-1g")
if np_rate and rate.get("count/default/t2/synth-1g"):
    print("default on 2 threads / numpy-bincount (whole processes) = x %.1f"
          % (rate["count/default/t2/synth-1g"] / np_rate))
print("wrote", dst)
EOF
