#!/usr/bin/env bash
# edges.sh - edge values and hostile inputs of issue 10 at the command line:
# training never saves a model it cannot load (item 3), a second signal always
# ends train and removes its temporaries (8, 14), no input hangs or is read
# whole when it is not what it should be (7, 9, 10, 11), numbers are parsed
# strictly (13), messages keep their problem text (15), and the smaller
# answers of item 16.  Device nodes are never written; FIFOs are our own.
. "$(dirname "$0")/lib.bash"

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
if grep -q "interrupted at step" "$T/sig.err"; then
    fail "second signal: train saved a checkpoint instead of ending at once"
fi
leftovers=$(find "$T" -name '*.tmp.*' | head -3)
[ -z "$leftovers" ] && ok "second signal: no temporary left" || fail "second signal left $leftovers"
cmp -s "$T/sig.mm" "$T/ck.keep" && ok "second signal: the previous output is intact" ||
    fail "second signal changed the previous output"
rm -f "$T/big.txt"

# ---- 7. eval of standard input with a character the model lacks -------------------
printf 'emma\nab\xc3\xa9\n' >"$T/unknown.txt"
run "$MM" eval "$T/m.mm" - <"$T/unknown.txt"
expect 1 "<stdin>:2:3: character 'é' (U+00E9) is not in the model's vocabulary" \
    "eval MODEL - with an unknown character names it (not 'no names')"
mkfifo "$T/fifo"
run timeout 20 "$MM" eval "$T/m.mm" "$T/fifo"
expect 1 "not a regular file" "eval MODEL FIFO (no writer): refused at once"

# ---- 9, 10, 11. inputs that are not what they should be: no hang, no slurp -----------
for cmd in "count $T/fifo -o $T/x.mm" "info $T/fifo" "train $T/c.txt -o $T/x.mm --init $T/fifo" \
    "plot --loss $T/fifo -o $T/x.svg" "train $T/fifo -o $T/x.mm"; do
    # shellcheck disable=SC2086
    run timeout 20 "$MM" $cmd
    expect 1 "$T/fifo" "FIFO without a writer: $cmd fails at once"
done
# reading a device node is harmless; these are refused before any read
run timeout 20 "$MM" plot --loss /dev/zero -o "$T/x.svg"
expect 1 "not a regular file" "plot --loss /dev/zero"
run timeout 20 "$MM" train "$T/c.txt" -o "$T/x.mm" --init /dev/zero
expect 1 "not a regular file" "--init /dev/zero"
printf 'step,loss\n0,1.5\n\0001,2\n' >"$T/nul.csv"
run "$MM" plot --loss "$T/nul.csv" -o "$T/x.svg"
expect 1 "nul.csv:3:1: NUL byte" "plot --loss: a line starting with NUL"
head -c 100000 /dev/zero >"$T/zeros.csv"
run timeout 20 "$MM" plot --loss "$T/zeros.csv" -o "$T/x.svg"
expect 1 "NUL byte" "plot --loss: a file of NULs"
# a 2 GB file behind a valid small .npy header (sparse: no disk used)
printf '\x93NUMPY\x01\x00v\x00{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': False, '"'"'shape'"'"': (12, 12), }' >"$T/huge.npy"
truncate -s 2G "$T/huge.npy"
run timeout 20 "$MM" train "$T/c.txt" -o "$T/x.mm" --init "$T/huge.npy"
expect 1 "larger than any array" "--init: 2 GB behind a small header is refused unread"
truncate -s 2G "$T/nul2g.txt"
run timeout 60 "$MM" count "$T/nul2g.txt" -o "$T/x.mm"
expect 1 "nul2g.txt:1:1: NUL byte (binary file?) (byte offset 0)" "count of a 2 GB file of NULs stops at once"
run timeout 60 "$MM" count - -o "$T/x.mm" <"$T/nul2g.txt"
expect 1 "<stdin>:1:1: NUL byte" "count - of a 2 GB stream of NULs stops at the first"
rm -f "$T/huge.npy" "$T/nul2g.txt"

# ---- 12. smoothing whose row sums overflow float32 -----------------------------------
run "$MM" count "$T/c.txt" -o "$T/x.mm" --smoothing 1e38
expect 1 "too large" "count --smoothing 1e38: refused, not a model of zeros"

# ---- 13. numbers are the whole argument -------------------------------------------
for args in "sample $T/m.mm -n  -1" "sample $T/m.mm --seed  -1" "train $T/c.txt -o $T/x.mm --steps  5" \
    "count $T/c.txt -o $T/x.mm --smoothing  1" "count $T/c.txt -o $T/x.mm --threads  2"; do
    set -- $args
    # the value with its leading space: the last word, re-spaced
    last=${*: -1}
    run timeout 20 "$MM" "${@:1:$#-1}" " $last"
    expect 2 "' $last'" "leading space refused: ${*:1:$#-1} ' $last'"
done
run "$MM" count "$T/c.txt" -o "$T/x.mm" --smoothing 1e-400
expect 2 "underflows" "--smoothing 1e-400: says it underflows"

# ---- 15. a long directory name: the problem text stays whole -------------------------
d="$T"
for i in 1 2 3 4 5; do d="$d/$(printf 'd%.0s' $(seq 1 200))"; done
mkdir -p "$d"
printf 'ab\0c\n' >"$d/nul.txt"
run "$MM" count "$d/nul.txt" -o "$T/x.mm"
expect 1 "nul.txt:1:3: NUL byte (binary file?) (byte offset 2)" "a message after a path of $(( ${#d} + 8 )) bytes keeps its problem text"

# ---- 16. the smaller ones ------------------------------------------------------------
run "$MM" eval "$T/m.mm" --words ''
expect 2 "at least one name" "eval --words ''"
run "$MM" eval "$T/m.mm" --words ',,,'
expect 2 "at least one name" "eval --words ',,,'"
run "$MM" eval "$T/m.mm" --words 'emma,a.b'
expect 1 "boundary character" "eval --words 'emma,a.b'"
[ ! -s "$T/out" ] && ok "eval --words with a bad name prints nothing" || fail "eval --words 'emma,a.b' printed: $(head -c 200 "$T/out")"
printf '1,abc\n2,3\n' >"$T/bad1.csv"
run "$MM" plot --loss "$T/bad1.csv" -o "$T/x.svg"
expect 1 "bad1.csv:1: expected 'step,loss'" "plot --loss: a malformed first line is no header"
: >"$T/empty.csv"
run "$MM" plot --loss "$T/empty.csv" -o "$T/x.svg"
expect 1 "no step,loss lines" "plot --loss of an empty CSV"
printf 'step,loss\n' >"$T/header.csv"
run "$MM" plot --loss "$T/header.csv" -o "$T/x.svg"
expect 1 "no step,loss lines" "plot --loss of a header only"
run "$MM" count "$T/$(printf 'x\033[31m').txt" -o "$T/x.mm"
expect 1 "U+001B[31m.txt" "a control character in a message is written U+001B"
if grep -q "$(printf '\033')" "$T/err"; then fail "a raw escape character in a message"; fi
run "$MM" count /proc/self/comm -o "$T/comm.mm"
expect 0 "1 name, " "count /proc/self/comm (size 0, not empty)"

finish
