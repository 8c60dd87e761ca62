#!/usr/bin/env bash
# count.sh - makemore-mpi count and eval on $MM_MPI_NP ranks give makemore's
# results to the last bit: the model file (hence the counts, as export --npy
# shows) and the eval output are byte-identical, with --threads 1 and 2 per
# rank, on names.txt, data/ssa-2018.txt, generated corpora that reach every
# path (long lines, so that parts are empty or end mid-file; CRLF, blank
# lines, UTF-8, a 90-character alphabet) and small corpora whose part
# boundaries fall inside a CRLF, inside a UTF-8 character, on blank lines
# and past the last newline.  An mpirun costs about a second here, so the
# cases are chosen rather than swept.
. "$(dirname "$0")/lib.bash"

# gen SEED MODE LINES: as tests/cli/determinism.sh (ascii | utf8 | wide)
gen() {
    awk -v seed="$1" -v mode="$2" -v lines="$3" '
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
        long = (mode == "wide" || lines < 1000) ? 0 : 3
        for (i = 0; i < lines; i++) {
            r = rand()
            if (r < 0.05) {
                len = 0
            } else if (i % 20000 == 7 && long-- > 0) {
                len = 100000 + int(rand() * 200000)
            } else {
                len = 1 + int(rand() * 12)
            }
            for (j = 0; j < len; j++) printf "%s", pick()
            if (i + 1 < lines || rand() < 0.5) printf (rand() < 0.3 ? "\r\n" : "\n")
        }
    }'
}

check() { # name file
    local c=$1 f=$2
    if ! "$MM" count "$f" -o "$T/ref.mm" 2>"$T/err"; then
        fail "$c: makemore count failed: $(cat "$T/err")"
        return
    fi
    "$MM" export "$T/ref.mm" --npy "$T/ref.npy" 2>/dev/null
    "$MM" eval "$T/ref.mm" "$f" --json >"$T/ref.eval" 2>&1
    for t in ${THREADS:-2}; do
        local tag="$c threads=$t"
        rm -f "$T/m.mm" "$T/m.npy"
        if ! mpi count "$f" -o "$T/m.mm" --threads "$t" 2>"$T/err"; then
            fail "$tag: makemore-mpi count failed: $(cat "$T/err")"
            continue
        fi
        cmp -s "$T/ref.mm" "$T/m.mm" || fail "$tag: the model file differs from makemore's"
        "$MM" export "$T/m.mm" --npy "$T/m.npy" 2>/dev/null
        cmp -s "$T/ref.npy" "$T/m.npy" || fail "$tag: export --npy bytes differ"
        [ "${EVAL:-1}" = 1 ] || continue
        mpi eval "$T/ref.mm" "$f" --json --threads "$t" >"$T/m.eval" 2>"$T/err" ||
            fail "$tag: makemore-mpi eval failed: $(cat "$T/err")"
        cmp -s "$T/ref.eval" "$T/m.eval" ||
            fail "$tag: eval differs: $(cat "$T/ref.eval") vs $(cat "$T/m.eval")"
    done
}
# eval --words W CORPUS: the same output, text and one JSON document (issue 14)
words() { # name file names
    "$MM" count "$2" -o "$T/w.mm" 2>/dev/null || { fail "$1: count"; return; }
    for j in "" --json; do
        # shellcheck disable=SC2086
        "$MM" eval "$T/w.mm" "$2" --words "$3" $j >"$T/w.ref" 2>&1
        # shellcheck disable=SC2086
        mpi eval "$T/w.mm" "$2" --words "$3" $j >"$T/w.out" 2>"$T/err" ||
            fail "$1: makemore-mpi eval --words $j failed: $(cat "$T/err")"
        cmp -s "$T/w.ref" "$T/w.out" ||
            fail "$1: eval --words $j differs: $(cat "$T/w.ref") vs $(cat "$T/w.out")"
    done
}

# ---- real corpora -------------------------------------------------------------
if [ -n "${MM_NAMES:-}" ] && [ -r "$MM_NAMES" ]; then
    check names "$MM_NAMES"
    "$MM" info "$T/ref.mm" --json >"$T/ref.info"
    "$MM" info "$T/m.mm" --json >"$T/m.info"
    cmp -s "$T/ref.info" "$T/m.info" || fail "names: info --json differs"
else
    echo "note: names.txt not found"
fi
THREADS=1 check ssa-2018 "$MM_SOURCE_DIR/data/ssa-2018.txt"
words ssa-2018 "$MM_SOURCE_DIR/data/ssa-2018.txt" emma,olivia

# ---- generated: every path ------------------------------------------------------
gen 1 ascii 60000 >"$T/ascii.txt"
gen 2 utf8 60000 >"$T/utf8.txt"
gen 3 wide 60000 >"$T/wide.txt"
grep -q $'\r' "$T/ascii.txt" || fail "the generated corpus has no CRLF"
THREADS="1 2" check ascii "$T/ascii.txt"
check utf8 "$T/utf8.txt"
EVAL=0 check wide "$T/wide.txt"
# --smoothing reaches the model file too
mpi count "$T/utf8.txt" -o "$T/m.mm" -k 0.5 2>/dev/null &&
    "$MM" count "$T/utf8.txt" -o "$T/ref.mm" -k 0.5 2>/dev/null &&
    cmp -s "$T/ref.mm" "$T/m.mm" || fail "utf8 -k 0.5: model differs"

# ---- small corpora: part boundaries everywhere ------------------------------------
printf 'ab\r\ncd\r\n' >"$T/s1.txt"          # CRLF, boundary in a CRLF
printf 'a\r\nb\n' >"$T/s2.txt"
printf '\n\n\nab\n\n' >"$T/s3.txt"          # blank lines around one name
printf 'abc' >"$T/s4.txt"                   # no final newline
printf 'x\ny\nzz\r' >"$T/s5.txt"            # CR at the end of the file
printf 'é\nü\n中文\n😀' >"$T/s6.txt"         # multi-byte characters, no final newline
printf 'a\n' >"$T/s7.txt"                   # fewer lines than ranks
printf 'abcdefghijklmnopqrstuvwxyz\n' >"$T/s8.txt"  # one line: the other parts are empty
for i in 1 2 3 4 5 6 7 8; do
    EVAL=$((i % 2)) check "small$i" "$T/s$i.txt"
done
for seed in $(seq 11 18); do
    mode=ascii
    [ $((seed % 3)) = 0 ] && mode=utf8
    gen "$seed" "$mode" $((1 + seed % 7)) >"$T/r.txt"
    [ -s "$T/r.txt" ] && tr -d '\r\n' <"$T/r.txt" | grep -q . || continue
    EVAL=0 check "random$seed-$mode" "$T/r.txt"
done

finish
