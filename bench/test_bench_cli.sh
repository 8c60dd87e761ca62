#!/usr/bin/env bash
# test_bench_cli.sh BENCH - makemore-bench's own command line (issue 14 item 8):
# --help lists its flags, --version works, --benchmark_list_tests lists
# without running the checks and leaves out what this CPU cannot run.
set -euo pipefail
bench=$1
fail() { echo "FAIL: $*" >&2; exit 1; }

help=$("$bench" --help) || fail "--help exited $?"
for flag in --quick --names --corpus --synth-bytes --no-synth --check-only --version \
    --benchmark_filter --benchmark_list_tests; do
    grep -q -- "$flag" <<<"$help" || fail "--help does not mention $flag"
done
[ "$("$bench" -h)" = "$help" ] || fail "-h differs from --help"

version=$("$bench" --version) || fail "--version exited $?"
grep -Eq '^makemore-bench [0-9]+\.[0-9]+\.[0-9]+ \(built: [a-z0-9,]+; this CPU runs: [a-z0-9,]+\)$' \
    <<<"$version" || fail "--version printed '$version'"
built=$(sed 's/.*built: \([^;]*\);.*/\1/' <<<"$version")
runs=$(sed 's/.*this CPU runs: \([^)]*\)).*/\1/' <<<"$version")

# Listing: no checks (they print "checking every variant"), nothing timed,
# a second at most even without the synthetic corpus in the cache.
cache=$(mktemp -d "${MM_TEST_TMP:-/tmp}/bench-cli.XXXXXX")
trap 'rm -rf "$cache"' EXIT
list=$(MM_CACHE_DIR=$cache timeout 20 "$bench" --benchmark_list_tests 2>"$cache/err") ||
    fail "--benchmark_list_tests exited $?"
! grep -q "checking every variant" "$cache/err" || fail "--benchmark_list_tests ran the checks"
[ ! -e "$cache/corpora/synth-1g.txt" ] || fail "--benchmark_list_tests generated the corpus"
grep -q '^count_file/auto/t1/synth-1g' <<<"$list" || fail "count_file/auto/t1/synth-1g not listed"
grep -qx 'count_pairs/pairs/synth-1g' <<<"$list" || fail "count_pairs/pairs/synth-1g not listed"
grep -q '^count_file/scalar/t1/synth-1g/pread' <<<"$list" &&
    grep -q '^count_file/scalar/t1/synth-1g/map' <<<"$list" ||
    fail "count_file/<counter>/t1/synth-1g/<way> (read way forced) not listed"
! grep -qv '^[a-z0-9_]*/[A-Za-z0-9_./-]*$' <<<"$list" ||
    fail "--benchmark_list_tests printed more than names: $(grep -v '^[a-z0-9_]*/' <<<"$list" | head -3)"
IFS=, read -ra all <<<"$built"
for isa in "${all[@]}"; do
    if [[ ",$runs," == *",$isa,"* ]]; then
        grep -q "^example_pass/$isa/" <<<"$list" || fail "$isa runs here but is not listed"
    else
        echo "this CPU lacks $isa: checking that it is left out"
        ! grep -q "/$isa/" <<<"$list" || fail "$isa is listed though this CPU cannot run it"
    fi
done
# The same as a CPU without AVX-512 would list (MM_CPU_HIDE), so that the
# "left out" half above runs on AVX-512 machines too.
if [[ ",$runs," == *",avx512,"* ]]; then
    hidden=$(MM_CPU_HIDE=avx512 MM_CACHE_DIR=$cache timeout 20 "$bench" --benchmark_list_tests \
        2>"$cache/err") || fail "MM_CPU_HIDE=avx512 --benchmark_list_tests exited $?"
    ! grep -q "/avx512/" <<<"$hidden" || fail "MM_CPU_HIDE=avx512: avx512 is still listed"
    grep -q "^example_pass/avx2/" <<<"$hidden" || fail "MM_CPU_HIDE=avx512: avx2 is no longer listed"
    v=$(MM_CPU_HIDE=avx512 "$bench" --version)
    grep -q 'this CPU runs: scalar,avx2)' <<<"$v" && grep -qx 'kernels hidden (MM_CPU_HIDE): avx512' <<<"$v" ||
        fail "MM_CPU_HIDE=avx512: --version: $v"
fi
# an unknown name: refused before anything runs (a run would measure the wrong CPU)
if MM_CPU_HIDE=avx512,sse9 MM_CACHE_DIR=$cache timeout 20 "$bench" --benchmark_list_tests \
    >/dev/null 2>"$cache/err"; then
    fail "MM_CPU_HIDE=avx512,sse9: exit 0"
fi
grep -q "MM_CPU_HIDE: 'sse9' is not" "$cache/err" || fail "MM_CPU_HIDE=avx512,sse9: $(cat "$cache/err")"
echo "ok: --help, --version, --benchmark_list_tests ($(wc -l <<<"$list") benchmarks; runs $runs)"
