#!/usr/bin/env bash
# eval_outputs.sh - eval of several corpora (one row / one JSON object
# each), --unk skip|error, one JSON document with --words, nll_sum and nll
# named alike in text and JSON, JSON numbers that round-trip a double,
# info --json of a neural model, plurals (issue 14, items 1, 2, 5).
# Env: MAKEMORE, MM_TEST_TMP.  The JSON and number checks need
# /usr/bin/python3 (with numpy for the --unk figures); skipped without.
. "$(dirname "$0")/lib.bash"
PY=/usr/bin/python3
havepy=0
[ -x "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null && havepy=1

printf 'emma\nolivia\nava\nisabella\nsophia\nmia\nemily\nella\navery\nabigail\n' >"$T/train.txt"
printf 'mia\nemily\n' >"$T/a.txt"
printf 'ella\navery\nabigail\n' >"$T/b.txt"
printf 'zoë\nmax\nemma\n' >"$T/oov.txt"     # z, ë, x are not in train.txt
"$MM" count "$T/train.txt" -o "$T/m.mm" 2>"$T/err" || fail "count: $(cat "$T/err")"
grep -q "wrote .*: 10 names," "$T/err" || fail "count message: $(cat "$T/err")"
printf 'emma\n' | "$MM" count - -o "$T/one.mm" 2>"$T/err"
grep -q ": 1 name, 5 bigrams," "$T/err" || fail "plural: $(cat "$T/err")"

# ---- several files: one row each, the same figures as one at a time ----
"$MM" eval "$T/m.mm" "$T/a.txt" "$T/b.txt" >"$T/rows" 2>"$T/err" || fail "eval 2 files: $(cat "$T/err")"
[ "$(wc -l <"$T/rows")" = 3 ] || fail "eval 2 files: want a header and 2 rows: $(cat "$T/rows")"
for f in a b; do
    "$MM" eval "$T/m.mm" "$T/$f.txt" >"$T/one" || fail "eval $f"
    want=$(awk '$1 == "nll" { print $2 }' "$T/one")
    got=$(awk -v f="$T/$f.txt" '$NF == f { print $2 }' "$T/rows")
    [ -n "$want" ] && [ "$want" = "$got" ] || fail "row of $f.txt: nll $got, want $want"
done
"$MM" eval "$T/m.mm" - - <"$T/a.txt" >/dev/null 2>"$T/err"
[ $? = 2 ] || fail "eval - -: standard input twice must be a usage error"

# ---- --unk ----
"$MM" eval "$T/m.mm" "$T/oov.txt" >/dev/null 2>"$T/err"
[ $? = 1 ] || fail "eval of a character the model lacks: default --unk error must fail"
# (the lowest code point the model lacks, where it first occurs)
grep -q "oov.txt:2:3: character 'x' (U+0078) is not in the model's vocabulary" "$T/err" ||
    fail "--unk error message: $(cat "$T/err")"
"$MM" eval "$T/m.mm" "$T/oov.txt" --unk error >/dev/null 2>&1 && fail "--unk error succeeded"
"$MM" eval "$T/m.mm" "$T/oov.txt" --unk bogus >/dev/null 2>&1
[ $? = 2 ] || fail "--unk bogus: want usage error 2"
"$MM" eval "$T/m.mm" "$T/oov.txt" --unk skip >"$T/skip" 2>"$T/err" || fail "--unk skip: $(cat "$T/err")"
# zoë max emma: the unknown z, ë, x occur 3 times; skipped bigrams: .z zo oë ë.
# (z and ë) and ax x. -> 6; scored: .m ma .e em mm ma a. -> 7
grep -q "^oov  *3$" "$T/skip" || fail "--unk skip: oov: $(cat "$T/skip")"
grep -q "^oov_bigrams  *6$" "$T/skip" || fail "--unk skip: oov_bigrams: $(cat "$T/skip")"
grep -q "^examples  *7$" "$T/skip" || fail "--unk skip: examples: $(cat "$T/skip")"
"$MM" eval "$T/m.mm" - --unk skip <"$T/oov.txt" >"$T/skip2" 2>&1 || fail "--unk skip on stdin"
cmp -s "$T/skip" "$T/skip2" || fail "--unk skip: stdin differs from the file"

# ---- --words: nll_sum and nll in text and JSON; one JSON document ----
"$MM" eval "$T/m.mm" --words emma >"$T/w" || fail "eval --words"
grep -q "^nll_sum=" "$T/w" || fail "--words text lacks nll_sum=: $(cat "$T/w")"
grep -q "^nll=" "$T/w" || fail "--words text lacks nll=: $(cat "$T/w")"
grep -q "avg nll" "$T/w" && fail "--words text still says avg nll"

if [ "$havepy" = 1 ]; then
    "$MM" export "$T/m.mm" --npy "$T/P.npy" --probs || fail "export --probs"
    "$MM" eval "$T/m.mm" "$T/a.txt" "$T/b.txt" --json --words emma,ava >"$T/j1" || fail "json 1"
    "$MM" eval "$T/m.mm" "$T/a.txt" "$T/b.txt" --json >"$T/j2" || fail "json 2"
    "$MM" eval "$T/m.mm" "$T/a.txt" --json >"$T/j3" || fail "json 3"
    "$MM" eval "$T/m.mm" "$T/oov.txt" --json --unk skip >"$T/j4" || fail "json 4"
    "$MM" eval "$T/m.mm" --json --words emma >"$T/j5" || fail "json 5"
    "$MM" train "$T/train.txt" -o "$T/n.mm" --steps 3 --driver examples --batch 4 -q ||
        fail "train"
    "$MM" info "$T/n.mm" --json >"$T/j6" || fail "info --json"
    "$MM" eval "$T/m.mm" "$T/a.txt" >"$T/t3" || fail "text 3"
    "$PY" - "$T" <<'PYEOF' || fail "JSON checks (above)"
import json, math, sys
import numpy as np
T = sys.argv[1]
bad = 0
def check(ok, what):
    global bad
    if not ok:
        print("FAIL:", what); bad += 1
def load(name):
    with open(f"{T}/{name}") as f:
        text = f.read()
    return json.loads(text), text      # one document: json.loads rejects two
j1, _ = load("j1"); j2, _ = load("j2"); j3, t3 = load("j3"); j4, _ = load("j4")
j5, _ = load("j5"); j6, _ = load("j6")
check(set(j1) == {"words", "files"}, f"--words + files: keys {sorted(j1)}")
check(isinstance(j2, list) and len(j2) == 2, "two files: an array of two objects")
check([d["file"] for d in j2] == [f"{T}/a.txt", f"{T}/b.txt"], "file names in order")
check(j1["files"] == j2, "--words + files: the same file objects")
check(isinstance(j3, dict) and j3["file"] == f"{T}/a.txt", "one file: one object")
w = j5
check(w["nll_sum"] == -w["log_likelihood"], "nll_sum = -log_likelihood")
check(w["nll"] == w["nll_sum"] / w["examples"], "nll = nll_sum / examples, to the last bit")
# round trip: every number parses back to the double it was printed from
P = np.load(f"{T}/P.npy")
for b in w["bigrams"]:
    check(float(np.float32(b["prob"])) == b["prob"], f"prob {b['prob']} is not a float32 exactly")
    check(math.log(b["prob"]) == b["logprob"], f"logprob of {b['bigram']} does not round-trip")
check(j3["nll"] == -j3["log_likelihood"] / j3["examples"], "nll = -ll / n to the last bit")
check(j3["perplexity"] == math.exp(j3["nll"]), "perplexity = exp(nll) to the last bit")
# (with fewer than 17 significant digits these equalities fail: the printed
# log_likelihood or nll would be rounded)
# --unk skip figures from P: skip every bigram with an unknown character
V = P.shape[0]
vs = sorted(set("".join(open(f"{T}/train.txt").read().split())))
idx = {c: i + 1 for i, c in enumerate(vs)}
ll, n, skipped, oov = 0.0, 0, 0, 0
for name in open(f"{T}/oov.txt").read().split():
    chs = ["."] + list(name) + ["."]
    oov += sum(c not in idx for c in name)
    for a, b in zip(chs, chs[1:]):
        ia = 0 if a == "." else idx.get(a); ib = 0 if b == "." else idx.get(b)
        if ia is None or ib is None:
            skipped += 1
        else:
            ll += math.log(float(P[ia, ib])); n += 1
check(j4["examples"] == n and j4["oov_bigrams"] == skipped and j4["oov"] == oov,
      f"--unk skip counts {j4['examples']} {j4['oov_bigrams']} {j4['oov']}, want {n} {skipped} {oov}")
check(abs(j4["log_likelihood"] - ll) <= 1e-9 * abs(ll), f"--unk skip ll {j4['log_likelihood']} vs {ll}")
with_oov = -(ll - skipped * math.log(V)) / (n + skipped)
check(abs(j4["nll_with_oov"] - with_oov) <= 1e-9 * with_oov, f"nll_with_oov {j4['nll_with_oov']} vs {with_oov}")
check(abs(j4["perplexity_with_oov"] - math.exp(with_oov)) <= 1e-9 * math.exp(with_oov), "perplexity_with_oov")
# info --json of a neural model
for k in ("driver", "batch", "steps", "lr", "reg", "seed"):
    check(k in j6, f"info --json of a neural model lacks {k}")
check(None not in j6.values(), f"info --json has a null: {j6}")
check(j6.get("driver") == "examples" and j6.get("batch") == 4 and j6.get("steps") == 3,
      f"info --json values: {j6}")
sys.exit(1 if bad else 0)
PYEOF
else
    echo "skip: no /usr/bin/python3 with numpy (the JSON checks)"
fi
finish
