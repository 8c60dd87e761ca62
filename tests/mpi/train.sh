#!/usr/bin/env bash
# train.sh - makemore-mpi train on $MM_MPI_NP ranks against makemore train:
#   counts driver   the model file and the --log CSV are byte-identical (the
#                   reduced counts are exact, every rank runs the same steps),
#                   also after --resume;
#   examples        full batch, gradients reduced every step: the loss of
#                   every step within 1e-5 relative, --threads 1 and 2 per
#                   rank, and the trained model's NLL too; every rank ends
#                   with the same W (no warning);
#   onehot          the same, a few steps;
#   --batch B       mpirun -np 1 is makemore exactly; K ranks draw other
#                   batches (per-rank streams): the run is reproducible, a
#                   resumed run equals one long run, and the trained model is
#                   as good as makemore's (NLL within 0.02);
#   divergence      the same message and exit status as makemore.
# Corpus: names.txt if present, else data/ssa-2018.txt.
. "$(dirname "$0")/lib.bash"

C=${MM_NAMES:-}
if [ -z "$C" ] || [ ! -r "$C" ]; then
    C="$MM_SOURCE_DIR/data/ssa-2018.txt"
fi
echo "corpus: $C"

# compare_logs REF GOT LABEL: same steps, loss within 1e-5 relative
compare_logs() {
    local worst
    worst=$(paste -d, "$1" "$2" | awk -F, '
        NR == 1 { next }
        $1 != $3 { print "step mismatch at line " NR; exit }
        { d = ($2 - $4) / $2; if (d < 0) d = -d; if (d > w) w = d }
        END { if (NR < 2) print "empty"; else printf "%.3g\n", w }')
    case "$worst" in
    step*|empty) fail "$3: $worst" ;;
    *) awk -v w="$worst" 'BEGIN { exit !(w <= 1e-5) }' ||
           fail "$3: loss differs by $worst relative (limit 1e-5)"
       echo "$3: largest relative loss difference $worst" ;;
    esac
    [ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] || fail "$3: logs have different lengths"
}
nll_of() { "$MM" eval "$1" "$C" --json | sed 's/.*"nll": \([^,]*\),.*/\1/'; }

# ---- counts driver: bit-identical ----------------------------------------------
"$MM" train "$C" -o "$T/ref.mm" --log "$T/ref.csv" --every 1000 2>/dev/null ||
    fail "makemore train failed"
mpi train "$C" -o "$T/m.mm" --log "$T/m.csv" --every 1000 2>"$T/err" ||
    fail "counts: makemore-mpi train failed: $(cat "$T/err")"
cmp -s "$T/ref.mm" "$T/m.mm" || fail "counts: the model differs from makemore's"
cmp -s "$T/ref.csv" "$T/m.csv" || fail "counts: the loss log differs from makemore's"
grep -q "^step 99/100  loss " "$T/err" || fail "counts: no progress line: $(cat "$T/err")"
[ "$(grep -c '^step ' "$T/err")" = 2 ] || fail "counts: progress printed by more than rank 0"
# 40 steps, then --resume to 100
mpi train "$C" -o "$T/half.mm" --steps 40 2>/dev/null &&
    mpi train "$C" -o "$T/res.mm" --resume "$T/half.mm" 2>/dev/null ||
    fail "counts: resume run failed"
cmp -s "$T/ref.mm" "$T/res.mm" || fail "counts: 40 steps + --resume differs from 100 steps"

# ---- examples driver, full batch: within 1e-5 ----------------------------------------
"$MM" train "$C" -o "$T/ref.mm" --driver examples --steps 15 --threads 2 \
    --log "$T/ref.csv" 2>/dev/null || fail "makemore train --driver examples failed"
for t in 1 2; do
    mpi train "$C" -o "$T/m.mm" --driver examples --steps 15 --threads "$t" \
        --log "$T/m.csv" 2>"$T/err" || fail "examples: makemore-mpi failed: $(cat "$T/err")"
    compare_logs "$T/ref.csv" "$T/m.csv" "examples threads=$t"
    ! grep -q warning "$T/err" || fail "examples threads=$t: $(grep warning "$T/err")"
    a=$(nll_of "$T/ref.mm")
    b=$(nll_of "$T/m.mm")
    rel_close "$b" "$a" 1e-5 || fail "examples threads=$t: NLL $b, makemore $a"
done

# ---- onehot driver -------------------------------------------------------------
"$MM" train "$C" -o "$T/ref.mm" --driver onehot --steps 3 --log "$T/ref.csv" 2>/dev/null ||
    fail "makemore train --driver onehot failed"
mpi train "$C" -o "$T/m.mm" --driver onehot --steps 3 --log "$T/m.csv" 2>"$T/err" ||
    fail "onehot: makemore-mpi failed: $(cat "$T/err")"
compare_logs "$T/ref.csv" "$T/m.csv" "onehot"

# ---- minibatch SGD ---------------------------------------------------------------
B="--batch 2000 --lr 10 --every 1000 --threads 1"
"$MM" train "$C" -o "$T/ref.mm" --steps 300 $B --log "$T/ref.csv" 2>/dev/null ||
    fail "makemore train --batch failed"
NP=1 mpi train "$C" -o "$T/one.mm" --steps 300 $B --log "$T/one.csv" 2>"$T/err" ||
    fail "batch: mpirun -np 1 failed: $(cat "$T/err")"
cmp -s "$T/ref.mm" "$T/one.mm" || fail "batch: mpirun -np 1 differs from makemore"
cmp -s "$T/ref.csv" "$T/one.csv" || fail "batch: mpirun -np 1 log differs from makemore's"
mpi train "$C" -o "$T/k1.mm" --steps 300 $B 2>/dev/null &&
    mpi train "$C" -o "$T/k2.mm" --steps 300 $B 2>/dev/null || fail "batch: K-rank runs failed"
cmp -s "$T/k1.mm" "$T/k2.mm" || fail "batch: two runs on $NP ranks differ"
mpi train "$C" -o "$T/h.mm" --steps 120 $B 2>/dev/null &&
    mpi train "$C" -o "$T/r.mm" --steps 300 --resume "$T/h.mm" --every 1000 --threads 1 \
        2>/dev/null ||
    fail "batch: resume runs failed"
cmp -s "$T/k1.mm" "$T/r.mm" || fail "batch: 120 steps + --resume differs from 300 steps"
a=$(nll_of "$T/ref.mm")
b=$(nll_of "$T/k1.mm")
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.02) }' ||
    fail "batch: NLL after 300 steps on $NP ranks $b, makemore $a"
echo "batch: NLL after 300 steps: makemore $a, $NP ranks $b"

# ---- divergence ------------------------------------------------------------------
"$MM" train "$C" -o "$T/d.mm" --lr 1e38 --steps 5 2>"$T/ref.err"
ref_rc=$?
mpi train "$C" -o "$T/d.mm" --lr 1e38 --steps 5 2>"$T/m.err"
rc=$?
[ "$rc" = "$ref_rc" ] || fail "divergence: exit $rc, makemore $ref_rc"
[ "$(message "$T/ref.err")" = "$(message "$T/m.err")" ] ||
    fail "divergence: '$(message "$T/m.err")', makemore '$(message "$T/ref.err")'"

finish
