#!/usr/bin/env bash
# bench-ngram.sh - issue 13's order-K figures (BENCHMARKS.md, "Order-K
# n-grams"): the counting throughput per order and per-thread table
# (makemore-bench ngram/...), and whole processes against IRSTLM's build-lm
# on the same character corpus, timed with hyperfine.
#
# Usage: scripts/bench-ngram.sh [--runs N] [--names N]
#   --runs N    hyperfine runs per command (default 5)
#   --names N   names drawn for the larger corpus (default 400000, ~2.9 MB)
#   --cli-only  only the whole-process comparison (hyperfine)
#
# Corpora: names.txt, and N names drawn from its +1 bigram model with seed 1
# (`makemore sample`), as the words of IRSTLM a line "<s> e m m a </s>"
# (written before timing; build-lm adds nothing).  Commands, for K = 3 and 5:
#   makemore count C --order K -o M            count + write the model
#   makemore count ... && makemore export M --arpa A   the same, then ARPA
#   build-lm.sh -i C.irst -n K -k 1 -o LM.gz   IRSTLM: dictionary, n-gram
#                                              table, Witten-Bell estimates,
#                                              gzipped iARPA (not the same
#                                              smoothing: the same work shape)
# Writes results/<date>-<cpu>.ngram.json (makemore-bench's JSON) and
# results/<date>-<cpu>.ngram-cli.json (hyperfine's, with "bytes", "order",
# "tool" added per command); never overwrites (adds -2, -3, ...).
# Environment: MM_BENCH_BUILD (default build-bench), MM_NAMES,
# MM_BENCH_THREADS (OMP_NUM_THREADS, default nproc).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
python=/usr/bin/python3
runs=5 nnames=400000 cli_only=0
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift ;;
    --names) nnames=$2; shift ;;
    --cli-only) cli_only=1 ;;
    -h | --help) sed -n '2,26{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bench-ngram.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# shellcheck source=deps.sh
. "$here/deps.sh"
mm_install_deps build bench python hyperfine irstlm

build=${MM_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DMM_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target makemore makemore-bench >/dev/null
mm=$build/makemore
names=${MM_NAMES:-$root/tests/data/names.txt}
export OMP_NUM_THREADS=${MM_BENCH_THREADS:-$(nproc)}
export IRSTLM=/usr/lib/irstlm
buildlm=$IRSTLM/bin/build-lm.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ngram.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
"$mm" count "$names" -o "$tmp/names.mm" 2>/dev/null
"$mm" sample "$tmp/names.mm" -n "$nnames" --seed 1 >"$tmp/drawn.txt"
# no empty names: IRSTLM and makemore must see the same sentences
grep -v '^$' "$tmp/drawn.txt" >"$tmp/drawn2.txt" && mv "$tmp/drawn2.txt" "$tmp/drawn.txt"
cp "$names" "$tmp/names.txt"
for c in names drawn; do
    sed 's/./& /g; s/^/<s> /; s/$/<\/s>/' "$tmp/$c.txt" >"$tmp/$c.irst"
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
slug=$(printf '%s' "${cpu:-cpu}" | tr 'A-Z' 'a-z' | sed 's/([^)]*)//g; s/[^a-z0-9]\{1,\}/-/g; s/^-//; s/-$//')
stem=$root/results/$(date -u +%Y-%m-%d)-$slug
out=$stem.ngram.json
n=2
while [ -e "$out" ] || [ -e "${out%.json}-cli.json" ]; do out=$stem-$n.ngram.json; n=$((n + 1)); done
cli=${out%.json}-cli.json
mkdir -p "$root/results"

# 1. counting throughput per order and table (a check runs first)
if [ "$cli_only" = 0 ]; then
    "$build/bench/makemore-bench" --no-synth --names "$names" --corpus "drawn=$tmp/drawn.txt" \
        --benchmark_filter='^ngram/' --benchmark_repetitions=5 \
        --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json
fi

# 2. whole processes
args=()
meta=()
for c in names drawn; do
    bytes=$(stat -c %s "$tmp/$c.txt")
    for K in 3 5; do
        args+=(-n "makemore count $c K$K" "$mm count $tmp/$c.txt --order $K -o $tmp/m.mm 2>/dev/null")
        meta+=("makemore count|$c|$K|$bytes")
        args+=(-n "makemore count+arpa $c K$K"
               "$mm count $tmp/$c.txt --order $K -o $tmp/m.mm 2>/dev/null && $mm export $tmp/m.mm --arpa $tmp/m.arpa")
        meta+=("makemore count+arpa|$c|$K|$bytes")
        args+=(-n "irstlm build-lm $c K$K"
               "rm -rf $tmp/ir $tmp/lm.gz && $buildlm -i $tmp/$c.irst -n $K -k 1 -t $tmp/ir -o $tmp/lm.gz >/dev/null 2>&1")
        meta+=("irstlm build-lm|$c|$K|$bytes")
    done
done
hyperfine --runs "$runs" --warmup 1 --export-json "$tmp/hf.json" "${args[@]}" >&2
"$python" - "$tmp/hf.json" "$cli" "${meta[@]}" <<'PY'
import json, sys
src, dst, meta = sys.argv[1], sys.argv[2], sys.argv[3:]
d = json.load(open(src))
for r, m in zip(d["results"], meta):
    tool, corpus, order, nbytes = m.split("|")
    r.update(tool=tool, corpus=corpus, order=int(order), bytes=int(nbytes))
json.dump(d, open(dst, "w"), indent=1)
print("%-32s %10s %12s" % ("command", "median s", "MB/s"))
for r in d["results"]:
    print("%-32s %10.3f %12.1f" % (r["command"], r["median"], r["bytes"] / r["median"] / 1e6))
PY
[ "$cli_only" = 1 ] && echo "bench-ngram.sh: wrote $cli" >&2 || echo "bench-ngram.sh: wrote $out and $cli" >&2
