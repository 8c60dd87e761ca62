#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets (clang, -fsanitize=fuzzer,address,
# undefined) and run each for SECONDS (default 60).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: corpus count_file model npy
#
# Seeds: tests/fuzz/seeds/<target>/ (committed).  Findings are written to
# fuzz-out/<target>/crash-* and make the script fail: turn each into a
# regression test (tests/fuzz/regressions/<target>/, replayed by ctest).
# OpenMP is required (libomp, deps group tsan) but runs one thread here
# (OMP_NUM_THREADS=1): the OpenMP drivers are covered by the TSan build.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
mm_install_deps fuzz tsan
export OMP_NUM_THREADS=1

seconds="${1:-60}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(corpus count_file model npy)
out="${MM_FUZZ_OUT:-fuzz-out}"
bin="$out/bin"
mkdir -p "$bin"

flags=(-g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -fopenmp -Iinclude -Isrc -Isrc/io -Ikernels
       -DMM_HAVE_AVX2 -DMM_HAVE_AVX512)
# The library's sources: every C file of src/, src/io/ and kernels/ (as
# CMakeLists.txt's mm_core and mm_kernels), globbed so that a new file needs no
# edit here; the ISA files are compiled below with their flags.
lib=()
for f in src/*.c src/io/*.c kernels/*.c; do
    case "$f" in kernels/avx2.c|kernels/avx512.c) ;; *) lib+=("$f") ;; esac
done
# include/makemore_version.h as CMake generates it (cmake/makemore_version.h.in).
ver=$(sed -n 's/^project(makemore VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
IFS=. read -r vmaj vmin vpat <<<"$ver"
mkdir -p "$bin/include"
sed -e "s/@PROJECT_VERSION_MAJOR@/$vmaj/; s/@PROJECT_VERSION_MINOR@/$vmin/" \
    -e "s/@PROJECT_VERSION_PATCH@/$vpat/; s/@PROJECT_VERSION@/$ver/" \
    cmake/makemore_version.h.in > "$bin/include/makemore_version.h"
flags+=(-I"$bin/include")
objs=()
for f in "${lib[@]}"; do
    o="$bin/$(echo "$f" | tr / _).o"
    extra=()
    [ "$f" != src/rng.c ] || extra=(-ffp-contract=off) # as CMakeLists.txt
    clang "${flags[@]}" "${extra[@]}" -c "$f" -o "$o"
    objs+=("$o")
done
clang "${flags[@]}" -mavx2 -mfma -c kernels/avx2.c -o "$bin/avx2.o"
clang "${flags[@]}" -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vbmi -mavx2 -mfma \
    -c kernels/avx512.c -o "$bin/avx512.o"
objs+=("$bin/avx2.o" "$bin/avx512.o")

status=0
for t in "${targets[@]}"; do
    clang "${flags[@]}" -fsanitize=fuzzer tests/fuzz/fuzz_"$t".c "${objs[@]}" -lm -o "$bin/fuzz_$t"
    mkdir -p "$out/$t/corpus" "tests/fuzz/seeds/$t"
    echo "fuzz: $t for ${seconds}s" >&2
    if ! "$bin/fuzz_$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
            -artifact_prefix="$out/$t/" "$out/$t/corpus" "tests/fuzz/seeds/$t" \
            > "$out/$t/log.txt" 2>&1; then
        echo "fuzz: $t FOUND A PROBLEM (see $out/$t/log.txt):" >&2
        tail -30 "$out/$t/log.txt" >&2
        status=1
    else
        grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$out/$t/log.txt" | tail -1 >&2 || true
    fi
done
exit $status
