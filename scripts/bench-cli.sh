#!/usr/bin/env bash
# bench-cli.sh - time the command-line tool end to end with hyperfine, as a
# user runs it: `makemore count` of the 1 GiB synthetic corpus on 1 and 2
# threads (read, validate, count, write the model), and issue 4's corpus
# generator, `makemore sample MODEL -n 100000000 --seed S > FILE`.
#
# Usage: scripts/bench-cli.sh [--runs N]
#
# Writes results/<date>-<cpu>.cli.json: hyperfine's JSON with, for each
# command, the bytes it reads or writes ("bytes") added, and prints the
# median rates.  The corpus is the one makemore-bench generates
# ($MM_CACHE_DIR/corpora/synth-1g.txt, default ~/.cache/makemore); the
# output of `sample` goes to a file under $TMPDIR and is deleted.
# Environment: MM_BENCH_BUILD (default build-bench), MM_NAMES, MM_CACHE_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
python=/usr/bin/python3
runs=5
while [ $# -gt 0 ]; do
    case "$1" in
    --runs) runs=$2; shift ;;
    -h | --help) sed -n '2,14{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
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

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1 | tr 'A-Z ' 'a-z-')
out=$root/results/$(date -u +%Y-%m-%d)-${cpu:-cpu}.cli.json
n=2
while [ -e "$out" ]; do out=${out%.cli.json}; out=${out%-[0-9]*}-$n.cli.json; n=$((n + 1)); done
mkdir -p "$root/results"

hyperfine --runs "$runs" --warmup 1 --export-json "$tmp/h.json" \
    -n "count/t1/synth-1g" "$mm count $corpus -o $tmp/c1.mm --threads 1" \
    -n "count/t2/synth-1g" "$mm count $corpus -o $tmp/c2.mm --threads 2" \
    -n "sample/100M-names" "$mm sample $tmp/names.mm -n 100000000 --seed 7 > $tmp/big.txt" \
    >&2
sample_bytes=$(stat -c %s "$tmp/big.txt")
corpus_bytes=$(stat -c %s "$corpus")

"$python" - "$tmp/h.json" "$out" "$corpus_bytes" "$sample_bytes" "$(git -C "$root" describe --always --dirty)" <<'EOF'
import json, os, sys
src, dst, cbytes, sbytes, commit = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
d = json.load(open(src))
d["context"] = {"git": commit, "load_avg": os.getloadavg(), "nproc": os.cpu_count()}
for r in d["results"]:
    r["bytes"] = sbytes if r["command"].startswith("sample") else cbytes
    rate = r["bytes"] / r["median"]
    unit = "GB/s" if rate >= 1e9 else "MB/s"
    print("%-20s median %.3f s  %.2f %s" % (r["command"], r["median"], rate / (1e9 if unit == "GB/s" else 1e6), unit))
json.dump(d, open(dst, "w"), indent=1)
print("wrote", dst)
EOF
