#!/usr/bin/env bash
# completion.sh - the bash completion (share/bash-completion/makemore)
# completes commands, each command's options (read from its --help), the
# values of --driver, --unk and --isa, and file names (issue 14, item 9).
# Env: MAKEMORE, MM_SOURCE_DIR, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"
SRC=${MM_SOURCE_DIR:?}
# shellcheck disable=SC1091
. "$SRC/share/bash-completion/makemore"
complete -p makemore >/dev/null 2>&1 || fail "no completion registered for makemore"

# comp WORDS...: complete the last word; the answers in $got, space-separated
comp() {
    COMP_WORDS=("$MM" "$@")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMPREPLY=()
    _makemore
    got=" ${COMPREPLY[*]} "
}
want() { # want WHAT WORD
    case $got in *" $2 "*) ;; *) fail "$1: '$2' not among:$got" ;; esac
}

comp ""
for c in count train eval sample info export plot help; do want "commands" "$c"; done
comp co
[ "$got" = " count " ] || fail "co: got$got"
comp help tr
[ "$got" = " train " ] || fail "help tr: got$got"
comp count x.txt --sm
[ "$got" = " --smoothing " ] || fail "count --sm: got$got"
comp train x.txt --d
want "train --d" --dev; want "train --d" --driver
comp eval m.mm --u
want "eval --u" --unk
comp train x.txt --driver ""
for d in counts examples onehot; do want "--driver" "$d"; done
comp eval m.mm x.txt --unk s
[ "$got" = " skip " ] || fail "--unk s: got$got"
comp count x.txt --isa a
want "--isa a" avx2
touch "$T/corpus-one.txt" "$T/corpus-two.txt"
comp count "$T/corpus-o"
[ "$got" = " $T/corpus-one.txt " ] || fail "file names: got$got"
# every option of every command's --help is offered
for cmd in count train eval sample info export plot; do
    comp "$cmd" --
    for opt in $("$MM" "$cmd" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        want "$cmd --" "$opt"
    done
done

finish
