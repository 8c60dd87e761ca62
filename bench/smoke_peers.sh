#!/usr/bin/env bash
# smoke_peers.sh - ctest's check that the benchmark pipeline holds together:
# makemore-bench --quick on a few kernels, the peers on names.txt (their
# checks against makemore included), then bench-table.py and plot-bench.py
# on the two JSON files.  No timing assertions.  Exit 77 (skipped) when
# /usr/bin/python3 lacks numpy or torch, or names.txt is missing.
# Arguments: MAKEMORE-BENCH MAKEMORE SOURCE-DIR SCRATCH-DIR
set -euo pipefail
bench=$1 makemore=$2 src=$3 tmp=$4
py=/usr/bin/python3
if ! [ -x "$py" ] || ! "$py" -c 'import numpy, torch' 2>/dev/null; then
    echo "skip: /usr/bin/python3 with numpy and torch is needed for the peers"
    exit 77
fi
if ! [ -f "${MM_NAMES:-}" ]; then
    echo "skip: names.txt not found (MM_NAMES)"
    exit 77
fi
mkdir -p "$tmp"
out="$tmp/smoke.json"
rm -f "$out" "$tmp/smoke.peers.json" "$tmp"/smoke-*.png
"$bench" --quick --no-synth --benchmark_filter='^(count|example_pass/avx2|train_step/[a-z0-9]+/counts|sample)/' \
    --benchmark_min_time=0.01 --benchmark_repetitions=2 \
    --benchmark_report_aggregates_only=true --benchmark_out="$out" \
    --benchmark_out_format=json >/dev/null
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$py" "$src/bench/peers/run_peers.py" \
    --quick --makemore "$makemore" --names "$MM_NAMES" --out "$tmp/smoke.peers.json" \
    --only 'python-loop|numpy|torch-index|multinomial'
"$py" "$src/scripts/bench-table.py" "$out"
if "$py" -c 'import matplotlib' 2>/dev/null; then
    "$py" "$src/scripts/plot-bench.py" "$out"
    for p in throughput threads peers; do
        [ -s "$tmp/smoke-$p.png" ] || { echo "no $tmp/smoke-$p.png"; exit 1; }
    done
fi
echo "smoke_peers: ok"
