#!/usr/bin/env bash
# stdin_stream.sh - `count -` and `eval ... -` stream standard input (issue
# 14, item 3): the same model file, vocabulary and messages as for the file
# (named <stdin>:LINE:COL), also past the 4 MiB chunks the stream is read
# in; and the peak RSS stays bounded for an input far larger than the bound.
# Env: MAKEMORE, MM_TEST_TMP, MM_NAMES (optional).
. "$(dirname "$0")/lib.bash"

# same WHAT FILE: count FILE and count - <FILE give the same bytes (or the
# same message and exit code, with <stdin> for the file name)
same() {
    local what=$1 f=$2 rc1 rc2
    "$MM" count "$f" -o "$T/f.mm" >/dev/null 2>"$T/f.err"; rc1=$?
    "$MM" count - -o "$T/s.mm" <"$f" >/dev/null 2>"$T/s.err"; rc2=$?
    [ "$rc1" = "$rc2" ] || fail "$what: exit $rc1 for the file, $rc2 for stdin: $(cat "$T/s.err")"
    if [ "$rc1" = 0 ]; then
        cmp -s "$T/f.mm" "$T/s.mm" || fail "$what: the models differ"
    else
        sed "s|$f|<stdin>|" "$T/f.err" >"$T/f.want"
        cmp -s "$T/f.want" "$T/s.err" ||
            fail "$what: messages differ: '$(cat "$T/f.want")' vs '$(cat "$T/s.err")'"
    fi
    rm -f "$T/f.mm" "$T/s.mm"
}

printf 'emma\nolivia\nava\n' >"$T/small.txt"
same "small" "$T/small.txt"
printf 'emma\r\nzoë\r\n\r\n\nłukasz\nx' >"$T/mixed.txt"
same "UTF-8, CRLF, empty lines, no final newline" "$T/mixed.txt"
printf '' >"$T/empty.txt"
same "empty" "$T/empty.txt"
if [ -r "${MM_NAMES:-}" ]; then
    same "names.txt" "$MM_NAMES"
fi

# Past the first chunk (4 MiB): 700,000 lines of 7 bytes, then the tail.
awk 'BEGIN { for (i = 0; i < 700000; i++) printf "%c%c%c%c%c%c\n", 97 + i % 26, 97 + (i / 26) % 26, 97 + (i / 676) % 26, 97 + i % 7, 98, 99 }' >"$T/big.txt"
cp "$T/big.txt" "$T/late.txt"
printf 'zoë\nAÇ\n' >>"$T/late.txt"
same "characters first seen after 4 MiB" "$T/late.txt"
for bad in 'ab.c' 'ab\rc' 'a\xc0\xafb' 'a\x00b'; do
    cp "$T/big.txt" "$T/bad.txt"
    printf "ok\n$bad\n" >>"$T/bad.txt"
    same "error after 4 MiB: $bad" "$T/bad.txt"
done
grep -q "<stdin>:700002:" "$T/s.err" || fail "line number past the chunks: $(cat "$T/s.err")"
# a 256th distinct character after the first chunk (U+0100 onwards: 2 bytes)
{
    cat "$T/big.txt"
    for ((c = 256; c < 540; c++)); do
        printf -v e '\\x%02x\\x%02x' $((0xc0 | (c >> 6))) $((0x80 | (c & 63)))
        printf "a$e\n"
    done
} >"$T/many.txt"
same "a 256th character after 4 MiB" "$T/many.txt"
grep -q "256th distinct" "$T/s.err" || fail "256th: $(cat "$T/s.err")"

# Which counter counts a stream (--stats names it): a forced one; with auto,
# the one its first chunk's trial chose, not "auto" (15 MiB: more than the
# trial's chunk, 10 MiB or less at one thread); the model is the file's.
cat "$T/big.txt" "$T/big.txt" "$T/big.txt" >"$T/big3.txt"
"$MM" count "$T/big3.txt" -o "$T/f3.mm" 2>/dev/null || fail "count big3.txt"
counter_of() { # counter_of [VAR=VALUE...] [FLAG...]: the counter of count - <big3.txt
    local envs=()
    while [ $# -gt 0 ] && [[ $1 == *=* ]]; do envs+=("$1"); shift; done
    env "${envs[@]}" "$MM" count - -o "$T/s3.mm" --stats "$@" <"$T/big3.txt" \
        2>"$T/s3.err" >/dev/null || fail "count - ${envs[*]} $*: $(cat "$T/s3.err")"
    cmp -s "$T/f3.mm" "$T/s3.mm" || fail "count - ${envs[*]} $*: the model differs"
    sed -n 's/^count: .*, counter \([a-z0-9-]*\), .*/\1/p' "$T/s3.err"
}
got=$(counter_of MM_COUNT_KERNEL=pairs)
[ "$got" = pairs ] || fail "count - with MM_COUNT_KERNEL=pairs: counter '$got'"
got=$(counter_of --isa scalar)
[ "$got" = scalar ] || fail "count - --isa scalar: counter '$got'"
got=$(counter_of MM_ISA=scalar --threads 2)
[ "$got" = scalar ] || fail "count - with MM_ISA=scalar, 2 threads: counter '$got'"
got=$(counter_of)
case "$got" in
scalar | pairs | avx2 | avx512) ;;
*) fail "count - with auto: counter '$got', want the one its trial chose" ;;
esac

# eval -: the same result as for the file; a character the model lacks is
# named where it first occurs
"$MM" count "$T/big.txt" -o "$T/big.mm" 2>/dev/null || fail "count big.txt"
"$MM" eval "$T/big.mm" "$T/big.txt" --json >"$T/e1" 2>&1 || fail "eval big.txt"
"$MM" eval "$T/big.mm" - --json <"$T/big.txt" >"$T/e2" 2>&1 || fail "eval -"
sed 's|"file": "[^"]*"|"file": X|' "$T/e1" >"$T/e1n"
sed 's|"file": "[^"]*"|"file": X|' "$T/e2" >"$T/e2n"
cmp -s "$T/e1n" "$T/e2n" || fail "eval - differs: $(cat "$T/e1") vs $(cat "$T/e2")"
"$MM" eval "$T/big.mm" "$T/late.txt" >/dev/null 2>"$T/e1"
"$MM" eval "$T/big.mm" - <"$T/late.txt" >/dev/null 2>"$T/e2"
sed "s|$T/late.txt|<stdin>|" "$T/e1" >"$T/e1n"
cmp -s "$T/e1n" "$T/e2" || fail "eval - message differs: '$(cat "$T/e1")' vs '$(cat "$T/e2")'"
# (the lowest code point the model lacks, where it first occurs)
grep -q "<stdin>:700002:1: character 'A'" "$T/e2" || fail "eval - message: $(cat "$T/e2")"

# Bounded memory: 320 MiB through a pipe; its peak RSS (VmHWM, printed by
# --stats) must exceed that of 1 MiB through the same pipe by less than
# 32 MB (the baseline takes in a sanitizer's own overhead).  Reading it
# all, as before, needs over 320 MB more.
# (ASan's quarantine would keep the freed chunk buffers: keep it small.)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
peak_of() { # peak_of BYTES: peak RSS in MB of count - of BYTES bytes
    yes 'abcdefghij' | head -c "$1" | "$MM" count - -o "$T/huge.mm" --stats \
        2>"$T/huge.err" >/dev/null || fail "count - of $1 bytes: $(cat "$T/huge.err")"
    local bytes
    bytes=$(sed -n 's/^count: \([0-9]*\) bytes.*/\1/p' "$T/huge.err")
    [ "$bytes" = "$1" ] || fail "count - read $bytes bytes, want $1"
    sed -n 's/^count: peak RSS \([0-9.]*\) MB.*/\1/p' "$T/huge.err"
}
base=$(peak_of $((1 << 20)))
peak=$(peak_of $((320 << 20)))
awk -v p="${peak:-999999}" -v b="${base:-0}" 'BEGIN { exit !(p < b + 32) }' ||
    fail "peak RSS ${peak:-?} MB for 320 MiB on standard input, ${base:-?} MB for 1 MiB (bound: + 32 MB)"
echo "count - : peak RSS $base MB for 1 MiB, $peak MB for 320 MiB"

finish
