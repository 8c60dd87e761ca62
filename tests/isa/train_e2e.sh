#!/bin/bash
# train_e2e.sh - end-to-end test of `makemore train` under one kernel set.
#
# CTest runs it once per ISA with MM_ISA=scalar|avx2|avx512 (and MAKEMORE,
# MM_NAMES, MM_TEST_TMP).  Exit 77 (skipped) when this CPU cannot run
# $MM_ISA; a missing names.txt (shipped in tests/data) is a failure.
#
# Checks: the notebook's figures as printed (loss 3.768618/9 at step 0,
# 2.490130 at step 99, within 2e-5 of PyTorch's 3.7686186 and 2.4901304),
# the same from the examples driver on 2 threads and from --init W0.npy,
# the onehot driver's first steps, resume bit-identical to one run, the
# --log CSV and its plot, sample/eval/info/export on the neural model (the
# notebook's five names), divergence, and usage errors.
set -u

fail() { echo "FAIL [$MM_ISA]: $*" >&2; exit 1; }

: "${MAKEMORE:?MAKEMORE must name the makemore binary}"
MM_ISA=${MM_ISA:-scalar}
export MM_ISA
NAMES=${MM_NAMES:-}
if [ -z "$NAMES" ] || [ ! -r "$NAMES" ]; then
    echo "FAIL: MM_NAMES (names.txt) is not set or unreadable" >&2
    exit 1
fi
runs=$("$MAKEMORE" --version | sed -n 's/^kernels this CPU runs: //p')
case ",$runs," in
*",$MM_ISA,"*) ;;
*) echo "skip: this CPU cannot run $MM_ISA (it runs: $runs)"; exit 77 ;;
esac

TMP=$(mktemp -d "${MM_TEST_TMP:-/tmp}/train_e2e_${MM_ISA}.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT

# |a - b| <= tol, in awk
close_to() {
    awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}
# the loss printed for step $1 in progress file $2
loss_at() {
    awk -v s="$1" '$1 == "step" { split($2, p, "/"); if (p[1] == s) { print $4; exit } }' "$2"
}
check_notebook() { # progress-file label
    local l0 l99
    l0=$(loss_at 0 "$1")
    l99=$(loss_at 99 "$1")
    [ -n "$l0" ] && [ -n "$l99" ] || fail "$2: no step 0/99 progress lines: $(cat "$1")"
    close_to "$l0" 3.7686186 2e-5 || fail "$2: step 0 loss $l0, torch 3.7686186"
    close_to "$l99" 2.4901304 2e-5 || fail "$2: step 99 loss $l99, torch 2.4901304"
    echo "[$MM_ISA] $2: step 0 loss $l0, step 99 loss $l99"
}

# 1. the notebook: counts driver, full batch, defaults
"$MAKEMORE" train "$NAMES" -o "$TMP/m.mm" --log "$TMP/loss.csv" 2>"$TMP/p1" ||
    fail "train exited $?: $(cat "$TMP/p1")"
check_notebook "$TMP/p1" "counts driver"
grep -q "isa $MM_ISA" "$TMP/p1" || fail "the run did not use $MM_ISA: $(tail -1 "$TMP/p1")"
# the counts driver's step is O(V^2) whatever N is: ms/step and steps/s
grep -Eq '^step 0/100  loss [0-9.]+  [0-9.e+-]+ ms/step, [0-9.e+-]+ steps/s$' "$TMP/p1" ||
    fail "progress line format: $(head -1 "$TMP/p1")"

# 2. the log and its plot
[ "$(head -1 "$TMP/loss.csv")" = "step,loss" ] || fail "log header"
[ "$(wc -l < "$TMP/loss.csv")" -eq 101 ] || fail "log has $(wc -l < "$TMP/loss.csv") lines, not 101"
l99=$(awk -F, '$1 == 99 { print $2 }' "$TMP/loss.csv")
close_to "$l99" 2.4901304 2e-5 || fail "log step 99: $l99"
"$MAKEMORE" plot --loss "$TMP/loss.csv" -o "$TMP/loss.svg" || fail "plot --loss"
grep -q '<svg' "$TMP/loss.svg" || fail "plot --loss wrote no SVG"
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary files left behind"

# 3. the other drivers agree
"$MAKEMORE" train "$NAMES" -o "$TMP/e.mm" --driver examples --threads 2 --every 99 \
    2>"$TMP/p2" || fail "examples driver: $(cat "$TMP/p2")"
check_notebook "$TMP/p2" "examples driver, 2 threads"
"$MAKEMORE" train "$NAMES" -o "$TMP/o.mm" --driver onehot --steps 3 2>"$TMP/p3" ||
    fail "onehot driver: $(cat "$TMP/p3")"
for s in 0 1 2; do
    a=$(loss_at $s "$TMP/p1")
    b=$(loss_at $s "$TMP/p3")
    close_to "$a" "$b" 2e-6 || fail "onehot step $s loss $b, counts $a"
done

# 4. --init W0.npy: export the step-0 weights, start from them
"$MAKEMORE" train "$NAMES" -o "$TMP/w0.mm" --steps 0 2>/dev/null || fail "--steps 0"
"$MAKEMORE" export "$TMP/w0.mm" --npy "$TMP/W0.npy" || fail "export W0"
"$MAKEMORE" train "$NAMES" -o "$TMP/i.mm" --init "$TMP/W0.npy" 2>"$TMP/p4" ||
    fail "--init: $(cat "$TMP/p4")"
check_notebook "$TMP/p4" "--init W0.npy"

# 5. resume: 40 steps, then to 100, equals one run of 100 (bit for bit)
"$MAKEMORE" train "$NAMES" -o "$TMP/r40.mm" --steps 40 2>/dev/null || fail "40 steps"
"$MAKEMORE" train "$NAMES" --resume "$TMP/r40.mm" -o "$TMP/r100.mm" 2>"$TMP/p5" ||
    fail "resume: $(cat "$TMP/p5")"
grep -q '^step 40/100' "$TMP/p5" || fail "resume did not start at step 40"
cmp -s "$TMP/r100.mm" "$TMP/m.mm" || fail "resumed model differs from one run"
# minibatches too (fixed thread count)
"$MAKEMORE" train "$NAMES" -o "$TMP/b.mm" --batch 500 --steps 12 -t 2 2>/dev/null || fail "batch"
"$MAKEMORE" train "$NAMES" -o "$TMP/b5.mm" --batch 500 --steps 5 -t 2 2>/dev/null || fail "batch 5"
"$MAKEMORE" train "$NAMES" --resume "$TMP/b5.mm" -o "$TMP/b12.mm" --steps 12 -t 2 2>/dev/null ||
    fail "batch resume"
cmp -s "$TMP/b.mm" "$TMP/b12.mm" || fail "resumed minibatch model differs from one run"

# 6. the neural model works with the other commands
names=$("$MAKEMORE" sample "$TMP/m.mm" -n 5 | tr '\n' ' ')
[ "$names" = "mor axx minaymoryles kondmaisah anchthizarie " ] ||
    fail "sample: '$names' (the notebook: mor axx minaymoryles kondmaisah anchthizarie)"
nll=$("$MAKEMORE" eval "$TMP/m.mm" "$NAMES" --json | sed -n 's/.*"nll": \([0-9.]*\).*/\1/p')
close_to "$nll" 2.4747 1e-4 || fail "eval nll $nll"
"$MAKEMORE" info "$TMP/m.mm" | grep -q '^step *100$' || fail "info step"
"$MAKEMORE" export "$TMP/m.mm" --npy "$TMP/W.npy" || fail "export"
[ "$(stat -c %s "$TMP/W.npy")" -eq $((128 + 27 * 27 * 4)) ] || fail "export size"

# 7. divergence: exit 1, a clear message, the last finite model kept
"$MAKEMORE" train "$NAMES" -o "$TMP/d.mm" --lr 1e6 --every 1000 2>"$TMP/p7"
rc=$?
[ $rc -eq 1 ] || fail "divergence exited $rc"
grep -q 'diverged at step' "$TMP/p7" || fail "no divergence message: $(cat "$TMP/p7")"
step=$("$MAKEMORE" info "$TMP/d.mm" | awk '$1 == "step" { print $2 }')
[ -n "$step" ] && [ "$step" -gt 0 ] && [ "$step" -lt 100 ] || fail "kept model step '$step'"
"$MAKEMORE" train "$NAMES" -o "$TMP/d2.mm" --lr 1e6 --steps "$step" 2>/dev/null ||
    fail "a run to step $step should not diverge"
cmp -s "$TMP/d.mm" "$TMP/d2.mm" || fail "the kept model is not the run to step $step"

# 8. usage errors exit 2
"$MAKEMORE" train --help | grep -q -- '--resume' || fail "--help"
for args in "" "$NAMES" "$NAMES -o x --driver bogus" "$NAMES -o x --lr -1" \
    "$NAMES -o x --batch 0" "$NAMES -o x --driver counts --batch 10" \
    "$NAMES -o x --resume $TMP/m.mm --seed 1"; do
    # shellcheck disable=SC2086
    "$MAKEMORE" train $args 2>/dev/null
    rc=$?
    [ $rc -eq 2 ] || fail "'train $args' exited $rc, not 2"
done
"$MAKEMORE" train "$NAMES" -o "$TMP/x.mm" --isa bogus 2>/dev/null && fail "--isa bogus ran"

echo "[$MM_ISA] train end-to-end: ok"
exit 0
