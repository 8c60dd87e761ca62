#!/usr/bin/env bash
# determinism.sh - the counts (export --npy bytes), the model file and the
# eval output are identical for --threads 1, 2, 3, 8 and every --isa this CPU
# runs (and MM_ISA), on names.txt (if present) and on generated corpora made
# to reach the optimised paths: a few lines of hundreds of KB (range
# boundaries fall mid-line; the triples path runs), CRLF and blank lines,
# non-ASCII names, a 90-character alphabet.  Line-end variants of a corpus
# (LF vs CRLF, blank lines, final newline) give the same bytes too.
# Env: MAKEMORE, MM_NAMES (optional), MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"

isas=$("$MM" --version | sed -n 's/^kernels this CPU runs: //p' | tr ',' ' ')
[ -n "$isas" ] || { echo "FAIL: --version lists no runnable kernels"; exit 1; }
echo "kernels: $isas"

# ---- corpora ----------------------------------------------------------------
# gen SEED MODE: MODE ascii (a-z, CRLF on some lines, blank lines, long lines),
# utf8 (a-z plus é ö ñ ü 中 文 😀), wide (90 printable ASCII characters)
gen() {
    awk -v seed="$1" -v mode="$2" '
    function pick() { return sym[1 + int(rand() * nsym)] }
    BEGIN {
        srand(seed)
        nsym = split("a b c d e f g h i j k l m n o p q r s t u v w x y z", sym, " ")
        if (mode == "utf8") {
            nsym = split("a b c d e f g h i j k l m n o p q r s t u v w x y z é ö ñ ü 中 文 😀", sym, " ")
        } else if (mode == "wide") {
            nsym = 0
            for (c = 33; c < 127; c++) {
                ch = sprintf("%c", c)
                if (ch != "." && ch != "\\" && ch != "\"" && ch != "|") sym[++nsym] = ch
            }
        }
        long = (mode == "wide") ? 0 : 4
        for (i = 0; i < 120000; i++) {
            r = rand()
            if (r < 0.02) {
                len = 0                               # a blank line
            } else if (i % 30000 == 7 && long-- > 0) {
                len = 200000 + int(rand() * 300000)   # a long line
            } else {
                len = 1 + int(rand() * 12)
            }
            for (j = 0; j < len; j++) printf "%s", pick()
            if (i + 1 < 120000) printf (rand() < 0.3 ? "\r\n" : "\n")
        }
    }'
}
gen 1 ascii >"$T/ascii.txt"
gen 2 utf8 >"$T/utf8.txt"
gen 3 wide >"$T/wide.txt"
corpora="ascii utf8 wide"
N=${MM_NAMES:-}
if [ -n "$N" ] && [ -r "$N" ]; then
    cp "$N" "$T/names.txt"
    corpora="names $corpora"
else
    echo "note: names.txt not found; generated corpora only"
fi
for c in ascii utf8 wide; do
    [ "$(wc -c <"$T/$c.txt")" -gt 500000 ] || fail "generated corpus $c is too small"
done
grep -q $'\r' "$T/ascii.txt" || fail "the generated corpus has no CRLF"

# ---- every ISA x threads gives the same bytes ---------------------------------
for c in $corpora; do
    ref=
    for isa in $isas; do
        for t in 1 2 3 8; do
            tag="$c isa=$isa threads=$t"
            if ! "$MM" count "$T/$c.txt" -o "$T/m" --isa "$isa" --threads "$t" 2>"$T/err"; then
                fail "$tag: count failed: $(cat "$T/err")"
                continue
            fi
            "$MM" export "$T/m" --npy "$T/c.npy" 2>"$T/err" || fail "$tag: export: $(cat "$T/err")"
            "$MM" eval "$T/m" "$T/$c.txt" --json --isa "$isa" --threads "$t" >"$T/eval" 2>"$T/err" ||
                fail "$tag: eval: $(cat "$T/err")"
            if [ -z "$ref" ]; then
                ref=$tag
                mv "$T/c.npy" "$T/ref.npy"
                mv "$T/m" "$T/ref.model"
                mv "$T/eval" "$T/ref.eval"
                continue
            fi
            cmp -s "$T/ref.npy" "$T/c.npy" || fail "$tag: counts (.npy) differ from $ref"
            cmp -s "$T/ref.model" "$T/m" || fail "$tag: model file differs from $ref"
            cmp -s "$T/ref.eval" "$T/eval" || fail "$tag: eval differs from $ref: $(cat "$T/eval")"
        done
    done
    # MM_ISA selects the same way
    for isa in $isas; do
        MM_ISA=$isa "$MM" count "$T/$c.txt" -o "$T/m" --threads 2 2>"$T/err" ||
            fail "$c MM_ISA=$isa: $(cat "$T/err")"
        cmp -s "$T/ref.model" "$T/m" || fail "$c MM_ISA=$isa: model differs from $ref"
    done
    # the counts are what they should be: every name has a start and an end
    # bigram, so row 0 and column 0 have the same sum (checked through --words
    # would be circular; info gives names and bigrams)
    "$MM" info "$T/ref.model" >"$T/info"
    names=$(sed -n 's/^names *//p' "$T/info")
    want=$(tr -d '\r' <"$T/$c.txt" | grep -c .)
    [ "$names" = "$want" ] || fail "$c: info says $names names, the file has $want non-empty lines"
    cp "$T/ref.npy" "$T/$c.ref.npy"
    cp "$T/ref.model" "$T/$c.ref.model"
done

# ---- line-end variants of one corpus give the same counts ------------------------
variant() { # variant NAME: count $T/v.txt and compare with the ascii corpus
    if ! "$MM" count "$T/v.txt" -o "$T/v.model" --threads 3 2>"$T/err"; then
        fail "variant $1: count failed: $(cat "$T/err")"
        return
    fi
    cmp -s "$T/ascii.ref.model" "$T/v.model" || fail "variant $1: model differs from the original"
}
tr -d '\r' <"$T/ascii.txt" >"$T/v.txt"
variant "LF only"
sed 's/$/\r/' <"$T/v.txt" >"$T/v2.txt" && mv "$T/v2.txt" "$T/v.txt"
variant "CRLF only"
tr -d '\r' <"$T/ascii.txt" | grep . >"$T/v.txt"
variant "no blank lines, final newline"
{ printf '\n\r\n\n'; cat "$T/ascii.txt"; printf '\n\n'; } >"$T/v.txt"
variant "extra blank lines at both ends"
for t in 1 8; do
    "$MM" count - -o "$T/v.model" --threads "$t" <"$T/ascii.txt" 2>"$T/err" ||
        fail "standard input: $(cat "$T/err")"
    cmp -s "$T/ascii.ref.model" "$T/v.model" || fail "count - ($t threads) differs from count FILE"
done

finish
