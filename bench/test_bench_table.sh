#!/usr/bin/env bash
# test_bench_table.sh SOURCE-DIR - scripts/bench-table.py's dispatch check
# (--rank) on a made-up run whose answers are known: the ISA-rank default of
# each kernel against its fastest variant, a row flagged when the default is
# more than 5% slower, exit 1 then; a variant the CPU skipped is not the
# default; counting rows (chosen by measurement) are left out.
set -euo pipefail
src=$1
py=/usr/bin/python3
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d "${MM_TEST_TMP:-/tmp}/bench-table.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# One median per benchmark, items/s as given (bytes/s for count).
make_run() {
    "$py" - "$1" <<'EOF'
import json, sys
rows = {
    # avx512 10% slower than avx2: flagged
    "weight_update/scalar/V27": 100, "weight_update/avx2/V27": 200,
    "weight_update/avx512/V27": 180,
    # avx512 3% slower: within the slack
    "softmax_rows/scalar/V27": 10, "softmax_rows/avx2/V27": 100,
    "softmax_rows/avx512/V27": 97,
    # avx512 skipped (the CPU lacks it): avx2 is the default, and the fastest
    "counts_grad/scalar/V59": 50, "counts_grad/avx2/V59": 90,
    "counts_grad/avx512/V59": None,
    # the training drivers: work = kernel/driver/corpus
    "train_step/scalar/counts/names": 1, "train_step/avx2/counts/names": 3,
    "train_step/avx512/counts/names": 4,
    # counting is chosen by measurement: never in the check, however slow
    "count/scalar/t1/names": 900, "count/avx512/t1/names": 100,
}
bench = []
for name, v in rows.items():
    if v is None:
        bench.append({"name": name, "run_name": name, "run_type": "iteration",
                      "error_occurred": True, "error_message": "CPU lacks ISA"})
        continue
    key = "bytes_per_second" if name.startswith("count/") else "items_per_second"
    bench.append({"name": name + "_median", "run_name": name, "run_type": "aggregate",
                  "aggregate_name": "median", "real_time": 1e9 / v, "cpu_time": 1e9 / v,
                  "time_unit": "ns", key: v})
json.dump({"context": {}, "benchmarks": bench}, open(sys.argv[1], "w"))
EOF
}

make_run "$tmp/run.json"
rc=0
out=$("$py" "$src/scripts/bench-table.py" --rank "$tmp/run.json") || rc=$?
[ "$rc" = 1 ] || fail "--rank exited $rc with a slow default (want 1): $out"
row() { grep -E "^$1 " <<<"$out" || fail "no row for $1 in: $out"; }
row 'weight_update/V27' | grep -Eq 'avx512 +avx2 +x 0\.9 +NO$' ||
    fail "weight_update/V27 not flagged: $(row 'weight_update/V27')"
row 'softmax_rows/V27' | grep -Eq 'avx512 +avx2 +x 0\.97 +yes$' ||
    fail "softmax_rows/V27 (3% slower) flagged: $(row 'softmax_rows/V27')"
row 'counts_grad/V59' | grep -Eq 'avx2 +avx2 +x 1 +yes$' ||
    fail "counts_grad/V59: the skipped avx512 taken as the default: $(row 'counts_grad/V59')"
row 'train_step/counts/names' | grep -Eq 'avx512 +avx512 +x 1 +yes$' ||
    fail "train_step/counts/names: $(row 'train_step/counts/names')"
! grep -q '^count/' <<<"$out" || fail "a counting row is in the dispatch check: $out"
grep -q '^1 of 4 defaults more than 5% slower than the fastest variant: weight_update/V27$' \
    <<<"$out" || fail "no summary naming weight_update/V27: $out"

# The same check under the main table, in both formats.
table=$("$py" "$src/scripts/bench-table.py" --no-peers "$tmp/run.json")
grep -q '^dispatch by ISA rank: .*1 of 4 defaults more than 5% slower' <<<"$table" ||
    fail "the main table has no dispatch check: $table"
md=$("$py" "$src/scripts/bench-table.py" --no-peers --format md "$tmp/run.json")
grep -q '^| weight_update/V27 | avx512 | avx2 | x 0.9 | NO |$' <<<"$md" ||
    fail "markdown dispatch row missing: $md"

# Every default the fastest (or within 5%): exit 0.
"$py" - "$tmp/run.json" "$tmp/ok.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    if b["run_name"] == "weight_update/avx512/V27":
        b["items_per_second"] = 250
json.dump(d, open(sys.argv[2], "w"))
EOF
out=$("$py" "$src/scripts/bench-table.py" --rank "$tmp/ok.json") ||
    fail "--rank exited $? with every default within 5%: $out"
! grep -q 'NO$' <<<"$out" || fail "a row flagged in: $out"
table=$("$py" "$src/scripts/bench-table.py" --no-peers "$tmp/ok.json")
grep -q '^dispatch by ISA rank: the default against the fastest variant (every default within 5%)$' \
    <<<"$table" || fail "the main table's dispatch title: $(grep '^dispatch' <<<"$table")"
echo "bench_table: ok"
