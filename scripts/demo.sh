#!/usr/bin/env bash
# demo.sh - the main job on a default corpus: install what is missing, build,
# count bigrams, print the NLL, sample names, draw the heatmap.
#
#   scripts/demo.sh [CORPUS]     default: data/ssa-2018.txt (committed)
#
# Outputs go to demo-out/ (MM_DEMO_OUT overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
mm_install_deps build

corpus="${1:-data/ssa-2018.txt}"
out="${MM_DEMO_OUT:-demo-out}"
mkdir -p "$out"
# its own build directory: configuring build/ without tests would leave a
# later ctest there running stale test binaries
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DMM_BUILD_TESTS=OFF -DMM_BUILD_BENCH=OFF >/dev/null
cmake --build build-demo -j"$(nproc 2>/dev/null || echo 2)" --target makemore >/dev/null
mm=build-demo/makemore

echo "== corpus: $corpus"
$mm count "$corpus" -o "$out/model.mm" --stats
$mm info "$out/model.mm"
echo "== average negative log-likelihood of the corpus under its own model"
$mm eval "$out/model.mm" "$corpus"
echo "== 10 names sampled with seed 2147483647"
$mm sample "$out/model.mm" -n 10 --seed 2147483647
$mm plot "$out/model.mm" -o "$out/bigrams.svg"
echo "== heatmap of the counts: $out/bigrams.svg"
