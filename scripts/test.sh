#!/usr/bin/env bash
# test.sh - the project's test command (README, .ci/run): install what is
# missing, configure, build, run every test with ctest.
#
#   scripts/test.sh              release build + all tests
#   scripts/test.sh --sanitize   also ASan+UBSan and TSan builds (issue 5)
#
# MM_BUILD_DIR overrides the build directory (default: build).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

sanitize=0
for arg in "$@"; do
    case "$arg" in
        --sanitize) sanitize=1 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option '$arg'" >&2; exit 2 ;;
    esac
done

mm_install_deps build test bench python
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() {
    local dir="$1"; shift
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

run_suite "${MM_BUILD_DIR:-build}" -DCMAKE_BUILD_TYPE=Release
if [ "$sanitize" = 1 ]; then
    run_suite build-asan --preset asan 2>/dev/null || run_suite build-asan \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMM_BUILD_BENCH=OFF \
        "-DCMAKE_C_FLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
