#!/usr/bin/env bash
# init_seed.sh - --init takes numpy's default float64 .npy (rounded to
# float32, with a note when that loses precision), says when --seed is not
# what W comes from, and a negative --seed is taken modulo 2^64 as
# torch.Generator().manual_seed does (issue 14, item 7).
# Env: MAKEMORE, MM_TEST_TMP.  Needs /usr/bin/python3 with numpy (torch for
# the negative-seed draws); skipped without.
. "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
if ! { [ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; }; then
    echo "skip: no /usr/bin/python3 with numpy"
    exit 77
fi

printf 'emma\nolivia\nava\nisabella\nsophia\n' >"$T/c.txt"
V=$("$MM" count "$T/c.txt" -o "$T/c.mm" 2>&1 | sed -n 's/.*V = \([0-9]*\).*/\1/p')
"$PY" - "$T" "$V" <<'PY'
import sys, numpy as np
t, V = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(1)
np.save(f"{t}/w64.npy", rng.standard_normal((V, V)))                  # float64, inexact
np.save(f"{t}/w64exact.npy", np.arange(V * V, dtype=np.float64).reshape(V, V) / 4)
np.save(f"{t}/w64big.npy", np.full((V, V), 1e300))
PY
# float64: accepted, the same model as its float32 rounding, with a note
"$MM" train "$T/c.txt" -o "$T/a.mm" --init "$T/w64.npy" --steps 3 -q 2>"$T/err" ||
    fail "--init float64: $(cat "$T/err")"
grep -q "note: .*w64.npy is float64: rounded to float32, $((V * V)) of $((V * V)) values lost precision" "$T/err" ||
    fail "--init float64: no precision note: $(cat "$T/err")"
"$PY" -c "import numpy as np, sys; np.save(sys.argv[2], np.load(sys.argv[1]).astype(np.float32))" \
    "$T/w64.npy" "$T/w32.npy"
"$MM" train "$T/c.txt" -o "$T/b.mm" --init "$T/w32.npy" --steps 3 -q 2>/dev/null || fail "--init float32"
cmp -s "$T/a.mm" "$T/b.mm" || fail "--init float64 differs from its float32 rounding"
"$MM" train "$T/c.txt" -o "$T/e.mm" --init "$T/w64exact.npy" --steps 1 -q 2>"$T/err" ||
    fail "--init exact float64: $(cat "$T/err")"
grep -q "lost precision" "$T/err" && fail "--init exact float64: a note though nothing was lost"
"$MM" train "$T/c.txt" -o "$T/x.mm" --init "$T/w64big.npy" --steps 1 -q 2>"$T/err"
[ $? = 1 ] || fail "--init float64 beyond float32's range must fail"
grep -q "beyond float32's range" "$T/err" || fail "--init 1e300: $(cat "$T/err")"
# --seed with --init
"$MM" train "$T/c.txt" -o "$T/x.mm" --init "$T/w32.npy" --seed 5 --steps 1 -q 2>"$T/err"
grep -q "note: W comes from --init, not from --seed 5 (full-batch training draws nothing: --seed is ignored)" "$T/err" ||
    fail "--seed with --init: no note: $(cat "$T/err")"
"$MM" train "$T/c.txt" -o "$T/x.mm" --init "$T/w32.npy" --seed 5 --batch 4 --steps 1 -q 2>"$T/err"
grep -q "which seeds only the minibatch draws" "$T/err" || fail "--seed, --init, --batch: $(cat "$T/err")"

# negative seeds: -1 is 2^64 - 1, and the draws are torch's
"$MM" sample "$T/c.mm" -n 20 --seed -1 >"$T/s1" || fail "sample --seed -1"
"$MM" sample "$T/c.mm" -n 20 --seed 18446744073709551615 >"$T/s2" || fail "sample --seed 2^64-1"
cmp -s "$T/s1" "$T/s2" || fail "sample: --seed -1 is not --seed 2^64 - 1"
"$MM" sample "$T/c.mm" -n 1 --seed -9223372036854775808 >/dev/null || fail "--seed -2^63"
"$MM" sample "$T/c.mm" -n 1 --seed -9223372036854775809 >/dev/null 2>&1
[ $? = 2 ] || fail "--seed below -2^63 must be a usage error"
"$MM" train "$T/c.txt" -o "$T/n.mm" --seed -7 --steps 0 -q 2>/dev/null || fail "train --seed -7"
"$MM" info "$T/n.mm" | grep -q "^seed  *18446744073709551609$" || fail "train --seed -7: $("$MM" info "$T/n.mm")"
if "$PY" -c 'import torch' 2>/dev/null; then
    "$MM" export "$T/n.mm" --npy "$T/W.npy" || fail "export W"
    "$PY" - "$T" "$V" <<'PY' || fail "W of --seed -7 is not torch.randn with manual_seed(-7)"
import sys, numpy as np, torch
t, V = sys.argv[1], int(sys.argv[2])
W = np.load(f"{t}/W.npy")
g = torch.Generator().manual_seed(-7)
ref = torch.randn((V, V), generator=g).numpy()
ok = np.allclose(W, ref, rtol=1e-6, atol=1e-6)   # mm_rng_randn: within a few ulp of torch
print("max |W - torch| =", float(np.abs(W - ref).max()))
sys.exit(0 if ok else 1)
PY
else
    echo "skip: no torch (the negative-seed draws against torch)"
fi

finish
