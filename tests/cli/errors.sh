#!/usr/bin/env bash
# errors.sh - every bad input gives its message and exit code 1, every usage
# error exit code 2, --help and --version exit 0, and a failed command leaves
# no half-written output.  Needs no names.txt: it makes its own small corpora.
# Env: MAKEMORE, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"

expect_err() { # expect_err FIXED-STRING WHAT
    grep -qF -- "$1" "$T/err" || fail "$2: stderr lacks '$1': $(head -c 600 "$T/err")"
}
# bad_input WHAT FILE NEEDLE...: `count FILE` exits 1 naming each needle, and
# writes nothing
bad_input() {
    local what=$1 file=$2
    shift 2
    run "$MM" count "$file" -o "$T/bad.model"
    expect_rc 1 "$what"
    for needle in "$@"; do
        expect_err "$needle" "$what"
    done
    [ ! -e "$T/bad.model" ] || fail "$what: a model was written"
    [ ! -s "$T/out" ] || fail "$what: something on stdout: $(head -c 200 "$T/out")"
}

printf 'emma\nolivia\nava\n' >"$T/good.txt"
run "$MM" count "$T/good.txt" -o "$T/good.model"
expect_rc 0 "count good.txt"

# ---- bad corpora: exit 1, message names file, line:column and the problem ----
printf 'emma\nol\0via\n' >"$T/nul.txt"
bad_input "NUL byte" "$T/nul.txt" "$T/nul.txt:2:3:" "NUL" "byte offset 7"
printf 'ab\ncd\ne.f\n' >"$T/dot.txt"
bad_input "boundary '.'" "$T/dot.txt" "$T/dot.txt:3:2:" "'.'"
printf 'ab\n\xc0\xaf\n' >"$T/overlong.txt"
bad_input "overlong UTF-8" "$T/overlong.txt" "$T/overlong.txt:2:1:" "invalid UTF-8" "overlong"
printf 'a\x80b\n' >"$T/cont.txt"
bad_input "lone continuation byte" "$T/cont.txt" "$T/cont.txt:1:2:" "invalid UTF-8"
printf 'x\xed\xa0\x80\n' >"$T/surrogate.txt"
bad_input "encoded surrogate" "$T/surrogate.txt" "$T/surrogate.txt:1:2:" "surrogate"
printf 'ab\nc\xc3' >"$T/trunc.txt"
bad_input "truncated UTF-8 at end of file" "$T/trunc.txt" "$T/trunc.txt:2:2:" "truncated"
printf 'ok\n\xf4\x90\x80\x80\n' >"$T/big.txt"
bad_input "beyond U+10FFFF" "$T/big.txt" "$T/big.txt:2:1:" "U+10FFFF"
printf 'ab\rcd\n' >"$T/cr.txt"
bad_input "stray carriage return" "$T/cr.txt" "$T/cr.txt:1:3:" "carriage return"
# a CR as the file's last byte ends the last line (a CRLF file that lost its
# final LF): the same model as LF line ends
printf 'ab\r\ncd\r' >"$T/crend.txt"
printf 'ab\ncd\n' >"$T/lfend.txt"
run "$MM" count "$T/crend.txt" -o "$T/crend.model"
expect_rc 0 "a CR as the last byte"
"$MM" count "$T/lfend.txt" -o "$T/lfend.model" 2>/dev/null
cmp -s "$T/crend.model" "$T/lfend.model" || fail "a final CR: not the model of LF line ends"
# a UTF-8 byte-order mark is the character U+FEFF of the first name, as
# Python's open(path).read() keeps it (the notebook's vocabulary would hold it)
printf '\xef\xbb\xbfab\ncd\n' >"$T/bom.txt"
run "$MM" count "$T/bom.txt" -o "$T/bom.model"
expect_rc 0 "a byte-order mark"
"$MM" info "$T/bom.model" --json >"$T/bom.json"
grep -qF "\"vocab\": \".abcd$(printf '\xef\xbb\xbf')\", \"V\": 6" "$T/bom.json" ||
    fail "a byte-order mark is not the character U+FEFF: $(cat "$T/bom.json")"
bad_input "missing file" "$T/no-such-file.txt" "$T/no-such-file.txt" "cannot open"
mkdir -p "$T/adir"
bad_input "directory" "$T/adir" "$T/adir" "directory"
: >"$T/empty.txt"
bad_input "empty corpus" "$T/empty.txt" "no names"
printf '\n\r\n\n' >"$T/blank.txt"
bad_input "blank lines only" "$T/blank.txt" "no names"

# ---- no names: every command that reads names refuses a corpus without them,
# at every order and from standard input, with one sentence that names the
# file ('-' is <stdin>) and says what it was read for; exit 1, nothing written
run "$MM" count "$T/good.txt" -o "$T/good3.model" --order 3
expect_rc 0 "count good.txt --order 3"
why="(the file is empty or has only blank lines)"
no_names() { # no_names WHAT PURPOSE ARGS... (EMPTY in ARGS: the corpus without names)
    local what=$1 purpose=$2 src name a
    shift 2
    for src in file stdin; do
        local args=()
        for a in "$@"; do
            if [ "$a" = EMPTY ]; then
                if [ $src = file ]; then a=$T/blank.txt; else a=-; fi
            fi
            args+=("$a")
        done
        if [ $src = file ]; then name=$T/blank.txt; else name="<stdin>"; fi
        rm -rf "$T/nn" && mkdir "$T/nn"
        "$MM" "${args[@]}" <"$T/blank.txt" >"$T/out" 2>"$T/err"
        rc=$?
        expect_rc 1 "$what ($src)"
        expect_err "makemore: $name: no names$purpose $why" "$what ($src)"
        [ -z "$(ls -A "$T/nn")" ] || fail "$what ($src): wrote $(ls -A "$T/nn")"
        [ ! -s "$T/out" ] || fail "$what ($src): output on stdout: $(head -c 200 "$T/out")"
    done
}
no_names "count" "" count EMPTY -o "$T/nn/m"
no_names "count --order 3" "" count EMPTY -o "$T/nn/m" --order 3
no_names "train" " to train on" train EMPTY -o "$T/nn/m" --steps 1
no_names "train --order 3" " to train on" train EMPTY -o "$T/nn/m" --steps 1 --order 3
no_names "train --dev" " to evaluate" train "$T/good.txt" -o "$T/nn/m" --steps 1 --dev EMPTY
no_names "eval" " to evaluate" eval "$T/good.model" EMPTY
no_names "eval, order 3" " to evaluate" eval "$T/good3.model" EMPTY
no_names "eval --json" " to evaluate" eval "$T/good.model" EMPTY --json
no_names "split" "" split EMPTY -o "$T/nn/p"
no_names "tune, training corpus" "" tune EMPTY --dev "$T/good.txt" -o "$T/nn/m"
no_names "tune --order 3, training corpus" "" tune EMPTY --dev "$T/good.txt" --order 3
no_names "tune --dev" " to evaluate" tune "$T/good.txt" --dev EMPTY -o "$T/nn/m"
no_names "tune --order 3 --dev" " to evaluate" tune "$T/good.txt" --dev EMPTY --order 3

# 256 distinct characters (U+00A0..U+019F, two bytes each, 8 a line) vs 255
make_distinct() { # make_distinct N FILE
    local n=$1 i cp fmt=""
    for ((i = 0; i < n; i++)); do
        cp=$((0xa0 + i))
        fmt+=$(printf '\\x%02x\\x%02x' $((0xc0 | (cp >> 6))) $((0x80 | (cp & 0x3f))))
        if (((i + 1) % 8 == 0)); then fmt+='\n'; fi
    done
    printf "$fmt\\n" >"$2"
}
make_distinct 256 "$T/256.txt"
bad_input "256 distinct characters" "$T/256.txt" "$T/256.txt:32:15:" "256" "255"
make_distinct 255 "$T/255.txt"
run "$MM" count "$T/255.txt" -o "$T/255.model"
expect_rc 0 "255 distinct characters"
run "$MM" info "$T/255.model" --json
expect_rc 0 "info of the 255-character model"
grep -qF '"V": 256' "$T/out" || fail "255 characters: V is not 256: $(cat "$T/out")"

# standard input is named in messages
printf 'ab\na.b\n' | "$MM" count - -o "$T/bad.model" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "bad corpus on standard input"
expect_err "<stdin>:2:2:" "bad corpus on standard input"
[ ! -e "$T/bad.model" ] || fail "bad standard input: a model was written"

# ---- bad model files: exit 1 for every command that reads one -------------------
size=$(wc -c <"$T/good.model")
head -c $((size / 2)) "$T/good.model" >"$T/trunc.model"
cp "$T/good.model" "$T/flip.model"
# flip one bit in the middle of the counts
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N 1 "$T/flip.model" | tr -d ' ')
printf "$(printf '\\x%02x' $((byte ^ 0x10)))" |
    dd of="$T/flip.model" bs=1 seek="$off" conv=notrunc status=none
cmp -s "$T/good.model" "$T/flip.model" && fail "could not corrupt the model copy"
: >"$T/empty.model"
for m in trunc flip empty; do
    for cmd in "sample $T/$m.model -n 1" "info $T/$m.model" "info $T/$m.model --json" \
        "eval $T/$m.model $T/good.txt" "export $T/$m.model --npy $T/$m.npy" \
        "plot $T/$m.model -o $T/$m.svg"; do
        # shellcheck disable=SC2086
        run "$MM" $cmd
        expect_rc 1 "$m model: $cmd"
        expect_err "$T/$m.model" "$m model: $cmd"
        [ ! -s "$T/out" ] || fail "$m model: $cmd: output on stdout"
    done
    [ ! -e "$T/$m.npy" ] && [ ! -e "$T/$m.svg" ] || fail "$m model: an output file was written"
done
run "$MM" info "$T/trunc.model"
expect_err "truncated" "truncated model"
run "$MM" info "$T/flip.model"
expect_err "checksum" "bit-flipped model"
run "$MM" info "$T/good.txt"
expect_rc 1 "a corpus given as a model"
expect_err "not a makemore model file" "a corpus given as a model"
run "$MM" info "$T/no-such.model"
expect_rc 1 "missing model"
expect_err "$T/no-such.model" "missing model"

# ---- eval with a character the model lacks ---------------------------------------
printf 'emma\nabd\n' >"$T/unknown.txt"
run "$MM" eval "$T/good.model" "$T/unknown.txt"
expect_rc 1 "eval, unknown character"
expect_err "$T/unknown.txt:2:2:" "eval, unknown character"
expect_err "'b'" "eval, unknown character"
expect_err "not in the model's vocabulary" "eval, unknown character"
run "$MM" eval "$T/good.model" --words emmz
expect_rc 1 "eval --words, unknown character"
expect_err "'z'" "eval --words, unknown character"
printf 'zo\xc3\xab\n' >"$T/unknown8.txt"
run "$MM" eval "$T/good.model" "$T/unknown8.txt" --json
expect_rc 1 "eval, unknown non-ASCII character"
expect_err "not in the model's vocabulary" "eval, unknown non-ASCII character"
[ ! -s "$T/out" ] || fail "eval, unknown character: output on stdout"

# ---- usage errors: exit 2 and a pointer to --help ----------------------------------
usage() { # usage WHAT ARGS...
    local what=$1
    shift
    run "$MM" "$@"
    expect_rc 2 "usage: $what"
    grep -qi -- "usage\|--help" "$T/err" || fail "usage: $what: no usage hint: $(cat "$T/err")"
}
usage "no command"
usage "unknown command" frobnicate
usage "unknown option" count "$T/good.txt" -o "$T/x.model" --bogus
usage "missing -o" count "$T/good.txt"
usage "-o without a value" count "$T/good.txt" -o
usage "missing CORPUS" count -o "$T/x.model"
usage "two CORPUS" count "$T/good.txt" "$T/good.txt" -o "$T/x.model"
usage "--threads 0" count "$T/good.txt" -o "$T/x.model" --threads 0
usage "--threads -1" count "$T/good.txt" -o "$T/x.model" --threads -1
usage "--threads abc" count "$T/good.txt" -o "$T/x.model" --threads abc
usage "--threads 2x" count "$T/good.txt" -o "$T/x.model" --threads 2x
usage "--threads huge" count "$T/good.txt" -o "$T/x.model" --threads 99999999999999999999
usage "--smoothing -1" count "$T/good.txt" -o "$T/x.model" --smoothing -1
usage "--smoothing abc" count "$T/good.txt" -o "$T/x.model" --smoothing abc
usage "--smoothing nan" count "$T/good.txt" -o "$T/x.model" --smoothing nan
usage "--smoothing inf" count "$T/good.txt" -o "$T/x.model" --smoothing inf
usage "eval: missing CORPUS" eval "$T/good.model"
usage "eval: missing MODEL" eval
usage "eval: unknown option" eval "$T/good.model" "$T/good.txt" --bogus
usage "eval: --threads 0" eval "$T/good.model" "$T/good.txt" --threads 0
usage "sample: -n abc" sample "$T/good.model" -n abc
usage "sample: --seed below -2^63" sample "$T/good.model" --seed -9223372036854775809
usage "sample: --seed 2^64" sample "$T/good.model" --seed 18446744073709551616
usage "sample: missing MODEL" sample
usage "info: unknown option" info "$T/good.model" --bogus
usage "export: missing --npy" export "$T/good.model"
usage "plot: missing -o" plot "$T/good.model"
[ ! -e "$T/x.model" ] || fail "a usage error wrote a model"

# ---- --help (exit 0, usage on stdout) and --version ---------------------------------
for cmd in count eval sample info export plot; do
    run "$MM" "$cmd" --help
    expect_rc 0 "$cmd --help"
    grep -qF "usage: makemore $cmd" "$T/out" || fail "$cmd --help: no usage line on stdout"
    run "$MM" "$cmd" -h
    expect_rc 0 "$cmd -h"
done
run "$MM" --help
expect_rc 0 "--help"
grep -qF "usage: makemore <command>" "$T/out" || fail "--help: no usage on stdout"
for cmd in count eval sample info export plot; do
    grep -qE "^  $cmd " "$T/out" || fail "--help does not list $cmd"
done
run "$MM" --version
expect_rc 0 "--version"
grep -qE '^makemore [0-9]+\.[0-9]+\.[0-9]+' "$T/out" || fail "--version: $(cat "$T/out")"
grep -qF "scalar" "$T/out" || fail "--version does not list the scalar kernels"

# ---- instruction sets: unknown or unsupported is an error, never a fallback ---------
# (an unknown --isa name is a usage mistake: 2; in MM_ISA, a bad environment: 1)
run "$MM" count "$T/good.txt" -o "$T/isa.model" --isa bogus
expect_rc 2 "--isa bogus"
expect_err "bogus" "--isa bogus"
expect_err "--isa takes one of" "--isa bogus"
run "$MM" eval "$T/good.model" "$T/good.txt" --isa bogus
expect_rc 2 "eval --isa bogus"
MM_ISA=bogus "$MM" count "$T/good.txt" -o "$T/isa.model" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 1 "MM_ISA=bogus"
expect_err "MM_ISA=bogus" "MM_ISA=bogus"
expect_err "unknown instruction set" "MM_ISA=bogus"
[ ! -e "$T/isa.model" ] || fail "an unknown ISA wrote a model"
MM_ISA=scalar "$MM" count "$T/good.txt" -o "$T/isa.model" >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "MM_ISA=scalar"
# --isa wins over MM_ISA
MM_ISA=bogus "$MM" count "$T/good.txt" -o "$T/isa.model" --isa scalar >"$T/out" 2>"$T/err"
rc=$?
expect_rc 0 "--isa scalar with MM_ISA=bogus"
"$MM" --version >"$T/ver"
built=$(sed -n 's/^kernels built: //p' "$T/ver" | tr ',' ' ')
runs=$(sed -n 's/^kernels this CPU runs: //p' "$T/ver" | tr ',' ' ')
[ -n "$built" ] || fail "--version: no 'kernels built' line"
for isa in $built; do
    case " $runs " in
    *" $isa "*)
        run "$MM" count "$T/good.txt" -o "$T/isa.model" --isa "$isa"
        expect_rc 0 "--isa $isa (supported)"
        ;;
    *)
        run "$MM" count "$T/good.txt" -o "$T/isa.model" --isa "$isa"
        expect_rc 1 "--isa $isa (built, not supported by this CPU)"
        expect_err "cannot run" "--isa $isa (unsupported)"
        ;;
    esac
done

# ---- no half-written output -----------------------------------------------------
cp "$T/good.model" "$T/keep.model"
cp "$T/good.model" "$T/prev.model"
run "$MM" count "$T/nul.txt" -o "$T/prev.model"
expect_rc 1 "count of a bad corpus over an existing model"
cmp -s "$T/keep.model" "$T/prev.model" || fail "a failed count changed the previous model"
run "$MM" count "$T/empty.txt" -o "$T/prev.model"
expect_rc 1 "count of an empty corpus over an existing model"
cmp -s "$T/keep.model" "$T/prev.model" || fail "a failed count (empty) changed the previous model"
run "$MM" export "$T/flip.model" --npy "$T/prev.model"
expect_rc 1 "export of a corrupt model over an existing file"
cmp -s "$T/keep.model" "$T/prev.model" || fail "a failed export changed the existing file"
run "$MM" count "$T/good.txt" -o "$T/prev.model" --smoothing 1e39
expect_rc 1 "count --smoothing 1e39 (P overflows float32)"
expect_err "too large" "count --smoothing 1e39"
cmp -s "$T/keep.model" "$T/prev.model" || fail "a failed count (smoothing) changed the previous model"
run "$MM" count "$T/good.txt" -o "$T/adir"
expect_rc 1 "count -o DIRECTORY"
[ -d "$T/adir" ] || fail "count -o DIRECTORY replaced the directory"
run "$MM" count "$T/good.txt" -o "$T/no-such-dir/m.model"
expect_rc 1 "count into a missing directory"
expect_err "$T/no-such-dir/m.model" "count into a missing directory"
leftovers=$(find "$T" -name '*.tmp*' | head -5)
[ -z "$leftovers" ] || fail "temporary files left behind: $leftovers"

finish
