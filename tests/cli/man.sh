#!/usr/bin/env bash
# man.sh - docs/makemore.1 is what scripts/man.sh makes from this binary's
# --help texts (no drift), it formats, and `cmake --install` puts it and the
# bash completion in place (issue 14, item 9).  Env: MAKEMORE,
# MM_SOURCE_DIR, MM_BINARY_DIR, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"
SRC=${MM_SOURCE_DIR:?}

bash "$SRC/scripts/man.sh" "$MM" "$T/makemore.1" || fail "scripts/man.sh failed"
if ! cmp -s "$T/makemore.1" "$SRC/docs/makemore.1"; then
    fail "docs/makemore.1 drifted from the --help texts; run: scripts/man.sh build/makemore docs/makemore.1"
    diff "$SRC/docs/makemore.1" "$T/makemore.1" | head -20 >&2
fi
# every command and every option of every command's --help is in the page
for cmd in $("$MM" --help | sed -n '/^commands:/,/^$/ s/^  \([a-z][a-z]*\) .*/\1/p'); do
    grep -q "^\.SS $cmd$" "$SRC/docs/makemore.1" || fail "man page lacks the section of $cmd"
    for opt in $("$MM" "$cmd" --help | grep -o -- '--[a-z][a-z0-9-]*' | sort -u); do
        grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$SRC/docs/makemore.1" ||
            fail "man page lacks $cmd $opt"
    done
done
if command -v groff >/dev/null 2>&1; then
    groff -man -Tutf8 -ww "$SRC/docs/makemore.1" >"$T/page" 2>"$T/warn" || fail "groff failed"
    [ ! -s "$T/warn" ] || fail "groff warnings: $(head -5 "$T/warn")"
    grep -q "makemore help" "$T/page" || fail "formatted page lacks the usage text"
else
    echo "skip: no groff (formatting check)"
fi

# cmake --install puts the page and the completion in place
if [ -n "${MM_BINARY_DIR:-}" ] && [ -f "$MM_BINARY_DIR/cmake_install.cmake" ]; then
    cmake --install "$MM_BINARY_DIR" --prefix "$T/prefix" >/dev/null 2>"$T/err" ||
        fail "cmake --install: $(cat "$T/err")"
    [ -f "$T/prefix/share/man/man1/makemore.1" ] || fail "man page not installed"
    [ -f "$T/prefix/share/bash-completion/completions/makemore" ] ||
        fail "bash completion not installed"
    [ -x "$T/prefix/bin/makemore" ] || fail "makemore not installed"
fi

# CMake presets: configure, build and test presets named alike
(cd "$SRC" && cmake --list-presets=all) >"$T/presets" 2>&1 || fail "cmake --list-presets failed"
for kind in "configure" "build" "test"; do
    awk -v k="$kind" '/^Available/ { on = ($2 == k) } on && /"release"/ { f = 1 } END { exit !f }' "$T/presets" ||
        fail "no $kind preset 'release': $(cat "$T/presets")"
done
if [ -f "$SRC/build/CTestTestfile.cmake" ]; then
    (cd "$SRC" && ctest --preset release -N) >"$T/ctestN" 2>&1 || fail "ctest --preset release -N: $(tail -3 "$T/ctestN")"
    grep -q "Total Tests: [1-9]" "$T/ctestN" || fail "ctest --preset release lists no test"
fi

finish
