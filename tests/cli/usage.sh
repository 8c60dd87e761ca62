#!/usr/bin/env bash
# usage.sh - usage mistakes exit 2 (not 1), an unknown command suggests the
# nearest one, `makemore help CMD` is `makemore CMD --help`, and Ctrl-C
# (SIGINT) exits 130 leaving no temporary behind (issue 14, item 8).
# Env: MAKEMORE, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"
# usage.sh's own expect, in place of lib.bash's: the needle last and optional
expect() { # expect RC WHAT [FIXED-STRING-ON-STDERR]
    [ "$rc" = "$1" ] || fail "$2: exit $rc, want $1; stderr: $(head -c 400 "$T/err")"
    if [ $# -ge 3 ]; then
        grep -qF -- "$3" "$T/err" || fail "$2: stderr lacks '$3': $(head -c 400 "$T/err")"
    fi
}
printf 'emma\nolivia\nava\n' >"$T/c.txt"
run "$MM" count "$T/c.txt" -o "$T/m.mm"
expect 0 "count"

# ---- usage mistakes: 2 ----
for cmd in count train; do
    run "$MM" $cmd "$T/c.txt" -o "$T/x.mm" --isa sse
    expect 2 "$cmd --isa sse" "--isa takes one of"
    run "$MM" $cmd "$T/c.txt" -o ''
    expect 2 "$cmd -o ''" "needs a file name"
    run "$MM" $cmd "$T/c.txt" -o "$T/x.mm" --no-such-option
    expect 2 "$cmd unknown option" "unknown option"
    run "$MM" $cmd "$T/c.txt" -o
    expect 2 "$cmd -o without its value" "needs a value"
done
run "$MM" eval "$T/m.mm" "$T/c.txt" --isa sse
expect 2 "eval --isa sse" "--isa takes one of"
run "$MM" sample "$T/m.mm" --isa sse
expect 2 "sample --isa sse" "--isa takes one of"
# an empty --isa is a usage mistake (it was taken as "the default");
# --isa auto is the default choice and wins over MM_ISA
run "$MM" count "$T/c.txt" -o "$T/x.mm" --isa ''
expect 2 "count --isa ''" "--isa needs a value"
run "$MM" sample "$T/m.mm" --isa ''
expect 2 "sample --isa ''" "--isa needs a value"
run env MM_ISA=scalar "$MM" count "$T/c.txt" -o "$T/auto.mm" --isa auto --stats
expect 0 "count --isa auto"
best=$("$MM" --version | sed -n 's/^kernels this CPU runs: .*,\([a-z0-9]*\)$/\1/p; s/^kernels this CPU runs: \([a-z0-9]*\)$/\1/p')
if [ "$best" = scalar ]; then
    echo "skip: this CPU runs only scalar kernels: --isa auto over MM_ISA=scalar not told apart"
else
    grep -q "isa $best," "$T/err" || fail "--isa auto under MM_ISA=scalar: not the best set ($best): $(cat "$T/err")"
fi
run "$MM" export "$T/m.mm" --npy ''
expect 2 "export --npy ''" "needs a file name"
run "$MM" plot "$T/m.mm" -o ''
expect 2 "plot -o ''" "needs a file name"
run "$MM" train "$T/c.txt" -o "$T/x.mm" --log ''
expect 2 "train --log ''" "needs a file name"
[ ! -e "$T/x.mm" ] || fail "a usage mistake wrote a model"
# a known instruction set this CPU lacks is a failure of the machine (1), not usage
if ! "$MM" --version | grep -q "runs:.*avx512"; then
    if "$MM" --version | grep -q "built:.*avx512"; then
        run "$MM" count "$T/c.txt" -o "$T/x.mm" --isa avx512
        expect 1 "--isa avx512 on a CPU without it" "cannot run"
    fi
fi

# ---- unknown commands: 2, with the nearest command ----
run "$MM" cout "$T/c.txt"
expect 2 "cout" "did you mean count?"
run "$MM" trian
expect 2 "trian" "did you mean train?"
run "$MM" evla
expect 2 "evla" "did you mean eval?"
run "$MM" frobnicate
expect 2 "frobnicate" "unknown command 'frobnicate'"
grep -q "did you mean" "$T/err" && fail "frobnicate: suggested a command that is far from it"

# ---- help CMD ----
for cmd in count train eval sample info export plot; do
    run "$MM" help "$cmd"
    expect 0 "help $cmd"
    "$MM" "$cmd" --help >"$T/direct" 2>&1
    cmp -s "$T/out" "$T/direct" || fail "help $cmd differs from $cmd --help"
    head -1 "$T/out" | grep -q "^usage: makemore $cmd" || fail "help $cmd: $(head -1 "$T/out")"
done
# help, help help and help --help are the top-level usage; extra words are
# usage mistakes, not ignored
"$MM" --help >"$T/top"
for args in "help" "help help" "help --help"; do
    # shellcheck disable=SC2086
    run "$MM" $args
    expect 0 "$args"
    cmp -s "$T/out" "$T/top" || fail "$args is not the top-level usage"
done
run "$MM" help count extra
expect 2 "help count extra" "help takes one COMMAND"
run "$MM" --version extra
expect 2 "--version extra" "takes no arguments"
run "$MM" --help extra
expect 2 "--help extra" "takes no arguments"
# the top-level usage names every option of every command's own --help
for cmd in $("$MM" --help | sed -n '/^commands:/,/^$/ s/^  \([a-z][a-z]*\) .*/\1/p'); do
    # the command's lines: its own and the indented continuations after it
    line=$("$MM" --help | sed -n "/^  $cmd /,/^  [a-z]\|^\$/p" | sed '$d')
    [ -n "$line" ] || fail "makemore --help: no lines for $cmd"
    # every option of the command's option table (not only its synopsis);
    # -o and -n stand for --output and --count there
    for opt in $("$MM" "$cmd" --help | grep -oE '^ +(-[a-zA-Z0-9], )?--[a-z][a-z0-9-]*' |
                 grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
        case $opt in --help|--quiet|--progress|--output|--count) continue ;; esac
        printf '%s\n' "$line" | grep -q -- "$opt" || fail "makemore --help: $cmd lacks $opt"
    done
done
# every command, those added later too, takes -q/--quiet (its --help says so)
for cmd in $("$MM" --help | sed -n '/^commands:/,/^$/ s/^  \([a-z][a-z]*\) .*/\1/p'); do
    "$MM" "$cmd" --help | grep -q -- "-q, --quiet" || fail "$cmd --help lacks -q, --quiet"
done
run "$MM" help cuont
expect 2 "help cuont" "did you mean count?"
run "$MM" help
expect 0 "help"
grep -q "^usage: makemore <command>" "$T/out" || fail "help: no usage on stdout"

# ---- Ctrl-C: 130, no temporary left ----
# count reads standard input from a pipe that stays open: it blocks in read.
mkfifo "$T/fifo"
"$MM" count - -o "$T/int.mm" <"$T/fifo" 2>"$T/int.err" &
pid=$!
exec 3>"$T/fifo"
printf 'abc\n' >&3
for _ in $(seq 1 100); do
    [ "$(readlink /proc/$pid/exe 2>/dev/null)" = "$(readlink -f "$MM")" ] && break
    sleep 0.02
done
sleep 0.2
kill -INT "$pid"
wait "$pid"
rc=$?
exec 3>&-
[ "$rc" = 130 ] || fail "count interrupted by SIGINT: exit $rc, want 130"
[ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "a temporary was left: $(ls "$T")"
[ ! -e "$T/int.mm" ] || fail "an interrupted count wrote its model"

finish
