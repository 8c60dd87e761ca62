#!/usr/bin/env bash
# errors.sh - a failure on any rank stops every rank with makemore's message:
# a bad byte ('.', NUL, a lone CR, invalid UTF-8) placed in the first, a
# middle and the last part gives makemore's exact message (file, line,
# column, byte offset in the whole file) and exit status 1; so do a
# vocabulary of more than 255 characters spread over the parts, a character
# the model lacks (eval) found only in the last part, a missing file, a
# directory, and an unwritable output.  Standard input is refused.  Rank 0
# alone prints.  Usage errors exit 2, --help 0.
. "$(dirname "$0")/lib.bash"

BASE="$MM_SOURCE_DIR/data/ssa-2018.txt"
size=$(wc -c <"$BASE")

# same_failure LABEL ARGS... : makemore and makemore-mpi fail alike
same_failure() {
    local label=$1
    shift
    "$MM" "$@" 2>"$T/ref.err" >/dev/null
    local ref_rc=$?
    mpi "$@" 2>"$T/m.err" >/dev/null
    local rc=$?
    [ "$ref_rc" != 0 ] || fail "$label: makemore did not fail"
    [ "$rc" = "$ref_rc" ] || fail "$label: exit $rc, makemore $ref_rc"
    local a b
    a=$(message "$T/ref.err")
    b=$(message "$T/m.err")
    [ -n "$b" ] && [ "$a" = "$b" ] || fail "$label: message '$b', makemore '$a'"
    [ "$(grep -c '^makemore-mpi' "$T/m.err")" = 1 ] ||
        fail "$label: not printed exactly once: $(cat "$T/m.err")"
    echo "$label: $b"
}

# insert FRACTION BYTES: the base corpus with BYTES (printf format) inside
# the line at FRACTION of the file
insert() {
    local at=$(( size * $1 / 100 ))
    head -c "$at" "$BASE"
    printf "$2"
    tail -c +"$((at + 1))" "$BASE"
}

for pct in 3 50 97; do
    insert "$pct" 'x.y' >"$T/dot.txt"
    same_failure "'.' at $pct%" count "$T/dot.txt" -o "$T/m.mm"
done
insert 60 'a\0b' >"$T/nul.txt"
same_failure "NUL at 60%" count "$T/nul.txt" -o "$T/m.mm"
insert 80 'a\rb' >"$T/cr.txt"
same_failure "lone CR at 80%" count "$T/cr.txt" -o "$T/m.mm"
{ printf 'é\n'; insert 70 'a\303(b'; } >"$T/utf8.txt"
same_failure "invalid UTF-8 at 70%" count "$T/utf8.txt" -o "$T/m.mm"
"$MM" count "$BASE" -o "$T/base.mm" 2>/dev/null || fail "count $BASE failed"
same_failure "invalid UTF-8 at 70% (eval)" eval "$T/base.mm" "$T/utf8.txt"

# 300 distinct characters, 40 lines of each: no part alone has 256
python3 - "$T/wide.txt" <<'PY' 2>/dev/null
import sys
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for i in range(300):
        f.write((chr(0x100 + i) * 3 + "\n") * 40)
PY
if [ -s "$T/wide.txt" ]; then
    same_failure "256th distinct character" count "$T/wide.txt" -o "$T/m.mm"
    same_failure "256th distinct character (train)" train "$T/wide.txt" -o "$T/m.mm"
fi

# a character the model lacks, only in the last part
grep -v q "$BASE" >"$T/noq.txt"
"$MM" count "$T/noq.txt" -o "$T/noq.mm" 2>/dev/null || fail "count noq failed"
{ cat "$T/noq.txt"; printf 'qadir\n'; } >"$T/q.txt"
same_failure "character not in the model (eval)" eval "$T/noq.mm" "$T/q.txt"
"$MM" train "$T/noq.txt" -o "$T/noq-neural.mm" --steps 2 2>/dev/null || fail "train noq failed"
same_failure "character not in the model (train --resume)" train "$T/q.txt" \
    -o "$T/m.mm" --resume "$T/noq-neural.mm"
same_failure "a count model cannot be resumed" train "$T/q.txt" -o "$T/m.mm" \
    --resume "$T/noq.mm"

same_failure "missing file" count "$T/nonexistent.txt" -o "$T/m.mm"
same_failure "directory" count "$T" -o "$T/m.mm"
same_failure "unwritable output" count "$BASE" -o "$T/no/such/dir/m.mm"
printf '\n\r\n\n' >"$T/blank.txt"
same_failure "only blank lines" count "$T/blank.txt" -o "$T/m.mm"
same_failure "only blank lines (train)" train "$T/blank.txt" -o "$T/m.mm"
same_failure "only blank lines (eval)" eval "$T/base.mm" "$T/blank.txt"

mpi count - -o "$T/m.mm" <"$BASE" 2>"$T/m.err"
[ $? = 1 ] && grep -q "standard input cannot be split" "$T/m.err" ||
    fail "stdin: $(cat "$T/m.err")"

# usage
mpi count "$BASE" 2>"$T/m.err"
[ $? = 2 ] && [ "$(grep -c 'missing -o MODEL' "$T/m.err")" = 1 ] ||
    fail "missing -o: $(cat "$T/m.err")"
mpi train "$BASE" -o "$T/m.mm" --batch 10 --driver counts 2>"$T/m.err"
[ $? = 2 ] || fail "--batch with --driver counts: $(cat "$T/m.err")"
mpi frobnicate 2>"$T/m.err"
[ $? = 2 ] || fail "unknown command: $(cat "$T/m.err")"
for cmd in count eval train; do
    out=$(mpi "$cmd" --help 2>&1) && [ "$(printf '%s\n' "$out" | grep -c '^usage:')" = 1 ] ||
        fail "$cmd --help: $out"
done
mpi --version | grep -q '^makemore-mpi ' || fail "--version"

finish
