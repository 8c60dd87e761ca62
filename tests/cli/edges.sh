#!/usr/bin/env bash
# edges.sh - edge values and hostile inputs of issue 10 at the command line:
# training never saves a model it cannot load (item 3), a second signal always
# ends train and removes its temporaries (8, 14), no input hangs or is read
# whole when it is not what it should be (7, 9, 10, 11), numbers are parsed
# strictly (13), messages keep their problem text (15), and the smaller
# answers of item 16.  Device nodes are never written; FIFOs are our own.
set -u
MM=${MAKEMORE:?set MAKEMORE to the makemore binary}
mkdir -p "${MM_TEST_TMP:-/tmp}"
T=$(mktemp -d "${MM_TEST_TMP:-/tmp}/cli_edges.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
expect() { # expect RC NEEDLE WHAT: after run
    if [ "$rc" != "$1" ]; then fail "$3: exit $rc, want $1; stderr: $(head -c 400 "$T/err")"; return 1; fi
    if [ -n "$2" ] && ! grep -qF -- "$2" "$T/err"; then fail "$3: stderr lacks '$2': $(head -c 400 "$T/err")"; return 1; fi
    ok "$3"
}

printf 'emma\nolivia\nava\nisabella\nsophia\n' >"$T/c.txt"
"$MM" count "$T/c.txt" -o "$T/m.mm" 2>/dev/null || fail "count of the test corpus"
"$MM" train "$T/c.txt" -o "$T/ck.mm" --steps 3 2>/dev/null || fail "train of the test corpus"
cp "$T/ck.mm" "$T/ck.keep"

# ---- 3. training never saves weights it cannot load --------------------------------
run "$MM" train "$T/c.txt" --resume "$T/ck.mm" -o "$T/ck.mm" --lr 1e39 --steps 5
expect 2 "float32" "--lr 1e39 (inf as float32) is refused"
run "$MM" train "$T/c.txt" --resume "$T/ck.mm" -o "$T/ck.mm" --lr 1e-50 --steps 5
expect 2 "float32" "--lr 1e-50 (0 as float32) is refused"
run "$MM" train "$T/c.txt" --resume "$T/ck.mm" -o "$T/ck.mm" --lr 3e38 --reg 1e38 --steps 4
expect 1 "not finite" "an update that overflows: diverged, exit 1"
run "$MM" info "$T/ck.mm"
expect 0 "" "the checkpoint still loads after the overflowing update"
grep -q "^step *3$" "$T/out" || fail "the checkpoint is not the one of step 3: $(cat "$T/out")"

# ---- 8, 14. a second signal ends train and leaves no temporary -------------------
yes abcdefghijklmnopqrstuvwxyz | head -n 150000 >"$T/big.txt"
cp "$T/ck.keep" "$T/sig.mm"
"$MM" train "$T/big.txt" -o "$T/sig.mm" --driver onehot --threads 1 --steps 1000 \
    2>"$T/sig.err" &
pid=$!
# once training runs (its handler is in place), both signals in one go: the
# step in progress cannot end between them
for _ in $(seq 1 600); do
    grep -q "^step 0/" "$T/sig.err" 2>/dev/null && break
    sleep 0.05
done
[ -n "$(find "$T" -name 'sig.mm.tmp.*' | head -1)" ] && ok "train: the output's temporary exists while it runs" ||
    fail "train: no temporary of the output while it runs"
kill -INT "$pid"
kill -TERM "$pid" # a second signal, whatever the first is waiting for
wait "$pid"
rc=$?
# killed by one of the two (the kernel may run the handlers in either order)
[ "$rc" -eq 143 ] || [ "$rc" -eq 130 ] && ok "INT then TERM: train ends by the signal" ||
    fail "INT then TERM: exit $rc, want 130 or 143 (killed): $(tail -c 300 "$T/sig.err")"
leftovers=$(find "$T" -name '*.tmp.*' | head -3)
[ -z "$leftovers" ] && ok "second signal: no temporary left" || fail "second signal left $leftovers"
cmp -s "$T/sig.mm" "$T/ck.keep" && ok "second signal: the previous output is intact" ||
    fail "second signal changed the previous output"
rm -f "$T/big.txt"

if [ "$fails" != 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "ok"
