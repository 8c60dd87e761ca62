#!/usr/bin/env bash
# robustness.sh - the hostile-input cases not covered by errors.sh: an
# unreadable file, a 100 MB single line, bad --init arrays, a model of a
# future format version, and every command run twice giving identical bytes.
set -u
MAKEMORE="${MAKEMORE:?}"
T="${MM_TEST_TMP:-/tmp}/robustness.$$"
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
expect() { # expect RC NEEDLE WHAT -- CMD...
    local want=$1 needle=$2 what=$3
    shift 4
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    if [ "$rc" -ne "$want" ]; then bad "$what: exit $rc, want $want ($(head -c 300 "$T/err"))"; return; fi
    if [ -n "$needle" ] && ! grep -qF -- "$needle" "$T/err"; then
        bad "$what: stderr lacks '$needle': $(head -c 300 "$T/err")"; return
    fi
    ok "$what"
}

printf 'emma\nolivia\nava\nisabella\nsophia\n' >"$T/c.txt"

# Unreadable file.  Root reads anything, so drop to nobody when we are root.
chmod 000 "$T/c.txt.noperm" 2>/dev/null || { cp "$T/c.txt" "$T/c.txt.noperm"; chmod 000 "$T/c.txt.noperm"; }
if [ "$(id -u)" -ne 0 ]; then
    expect 1 "Permission denied" "unreadable corpus" -- "$MAKEMORE" count "$T/c.txt.noperm" -o "$T/x.mm"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups \
        test -x "$MAKEMORE" 2>/dev/null; then
    chmod 777 "$T"
    expect 1 "Permission denied" "unreadable corpus (as nobody)" -- \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$MAKEMORE" count "$T/c.txt.noperm" -o "$T/x.mm"
else
    echo "skip: unreadable corpus (root, and cannot run as nobody)"
fi

# One line of 100 MB: one name, 100 M + 1 bigrams, no trouble.
head -c 100000000 /dev/zero | tr '\0' 'a' >"$T/long.txt"
expect 0 "" "a single line of 100 MB" -- "$MAKEMORE" count "$T/long.txt" -o "$T/long.mm"
if "$MAKEMORE" info "$T/long.mm" | grep -q "^bigrams *100000001$"; then ok "100 MB line: 100000001 bigrams"; else bad "100 MB line: bigram count"; fi
rm -f "$T/long.txt"

# --init arrays: wrong shape, wrong dtype, NaN, garbage.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import numpy" 2>/dev/null; then
    V=$("$MAKEMORE" count "$T/c.txt" -o "$T/c.mm" 2>&1 | sed -n 's/.*V = \([0-9]*\).*/\1/p')
    /usr/bin/python3 - "$T" "$V" <<'PY'
import sys, numpy as np
t, V = sys.argv[1], int(sys.argv[2])
np.save(f"{t}/shape.npy", np.zeros((V, V + 1), dtype="<f4"))
np.save(f"{t}/f8.npy", np.zeros((V, V), dtype="<f8"))
a = np.zeros((V, V), dtype="<f4"); a[1, 2] = np.nan
np.save(f"{t}/nan.npy", a)
np.save(f"{t}/good.npy", np.zeros((V, V), dtype="<f4"))
PY
    expect 1 "" "--init with the wrong shape" -- "$MAKEMORE" train "$T/c.txt" -o "$T/w.mm" --init "$T/shape.npy" --steps 1
    expect 0 "" "--init float64 (numpy's default; cli/init_seed.sh checks the values)" -- "$MAKEMORE" train "$T/c.txt" -o "$T/w.mm" --init "$T/f8.npy" --steps 1
    expect 1 "is NaN" "--init with a NaN" -- "$MAKEMORE" train "$T/c.txt" -o "$T/w.mm" --init "$T/nan.npy" --steps 1
    expect 1 "" "--init a corpus file" -- "$MAKEMORE" train "$T/c.txt" -o "$T/w.mm" --init "$T/c.txt" --steps 1
    expect 0 "" "--init zeros" -- "$MAKEMORE" train "$T/c.txt" -o "$T/w.mm" --init "$T/good.npy" --steps 2
else
    echo "skip: --init cases (no numpy for /usr/bin/python3)"
fi

# A model of a future format version is refused by name.
"$MAKEMORE" count "$T/c.txt" -o "$T/c.mm" 2>/dev/null
cp "$T/c.mm" "$T/v2.mm"
printf '\x03' | dd of="$T/v2.mm" bs=1 seek=8 conv=notrunc 2>/dev/null
expect 1 "version 3" "model of format version 3" -- "$MAKEMORE" info "$T/v2.mm"
# An oversized header: V = 60000 claimed in a small file.
cp "$T/c.mm" "$T/bigv.mm"
printf '\x60\xea' | dd of="$T/bigv.mm" bs=1 seek=16 conv=notrunc 2>/dev/null
expect 1 "out of range" "model claiming V = 60000" -- "$MAKEMORE" info "$T/bigv.mm"

# Determinism: every command twice, the same bytes.
"$MAKEMORE" train "$T/c.txt" -o "$T/n.mm" --steps 5 2>/dev/null
twice() { # twice WHAT OUTFILE CMD... (OUTFILE "-" = stdout)
    local what=$1 out=$2
    shift 2
    for r in 1 2; do
        if [ "$out" = "-" ]; then "$@" >"$T/run$r" 2>/dev/null; else "$@" >/dev/null 2>&1; cp "$out" "$T/run$r"; fi
    done
    if cmp -s "$T/run1" "$T/run2"; then ok "deterministic: $what"; else bad "not deterministic: $what"; fi
}
twice "count" "$T/d.mm" "$MAKEMORE" count "$T/c.txt" -o "$T/d.mm"
twice "eval --json" - "$MAKEMORE" eval "$T/c.mm" "$T/c.txt" --json
twice "eval --words" - "$MAKEMORE" eval "$T/c.mm" --words emma,ava
twice "sample" - "$MAKEMORE" sample "$T/c.mm" -n 50 --seed 7
twice "info --json" - "$MAKEMORE" info "$T/c.mm" --json
twice "export" "$T/d.npy" "$MAKEMORE" export "$T/c.mm" --npy "$T/d.npy"
twice "plot" "$T/d.svg" "$MAKEMORE" plot "$T/c.mm" -o "$T/d.svg"
for driver in counts examples onehot; do
    twice "train --driver $driver" "$T/t.mm" "$MAKEMORE" train "$T/c.txt" -o "$T/t.mm" --steps 5 --driver $driver --threads 2
done
twice "train --batch" "$T/t.mm" "$MAKEMORE" train "$T/c.txt" -o "$T/t.mm" --steps 5 --batch 4 --threads 2
twice "sample neural" - "$MAKEMORE" sample "$T/n.mm" -n 50
twice "plot --loss" "$T/l.svg" sh -c "'$MAKEMORE' train '$T/c.txt' -o '$T/n2.mm' --steps 5 --log '$T/l.csv' && '$MAKEMORE' plot --loss '$T/l.csv' -o '$T/l.svg'"

echo "$fails failed"
[ "$fails" -eq 0 ]
