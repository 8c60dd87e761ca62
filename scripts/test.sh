#!/usr/bin/env bash
# test.sh - the project's test command (README, .ci/run): install what is
# missing, configure, build, run every test with ctest.
#
#   scripts/test.sh              release build + all tests
#   scripts/test.sh --sanitize   also the ASan+UBSan and TSan suites and a short
#                                run of each fuzzer (CI runs this)
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

mm_install_deps build test bench python pymod  # pymod: the Python module and its pytest tests
mm_install_deps mpi  # Open MPI: makemore-mpi and its mpirun tests (tests/mpi)
mm_install_deps irstlm  # IRSTLM: tests/cli/arpa.sh reads export --arpa with compile-lm
mm_install_deps png  # rsvg-convert: tests/cli/plot_formats.sh checks plot -o FILE.png
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() {
    local dir="$1"; shift
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    (cd "$dir" && ctest --output-on-failure -j"$jobs")
}

run_suite "${MM_BUILD_DIR:-build}" -DCMAKE_BUILD_TYPE=Release -DMM_WITH_MPI=ON
if [ "$sanitize" = 1 ]; then
    # AddressSanitizer + UndefinedBehaviorSanitizer over the whole suite.
    export MM_SKIP_HUGE=1 # test_scale reads 4 GiB: minutes under the sanitizers
    run_suite build-asan --preset asan
    # ThreadSanitizer over the OpenMP drivers: clang + libomp, whose Archer
    # tool (OMP_TOOL_LIBRARIES) tells TSan about OpenMP's barriers and locks;
    # gcc's libgomp is not instrumented and would only report false races.
    mm_install_deps tsan
    archer=$(ls /usr/lib/llvm-*/lib/libarcher.so 2>/dev/null | head -1)
    OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="ignore_noninstrumented_modules=1 halt_on_error=1" \
        run_suite build-tsan --preset tsan
    # Each libFuzzer target for a short fixed time (scripts/fuzz.sh SECONDS).
    scripts/fuzz.sh "${MM_FUZZ_SECONDS:-30}"
fi
