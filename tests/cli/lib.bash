# lib.bash - sourced by tests/cli/*.sh (not a test itself: ctest runs *.sh).
# The set-up the CLI tests share, written once: the makemore binary, a scratch
# directory $T of the test's own (removed on exit, so that no test writes
# outside it), a failure count that lets a script report every failed check
# rather than stop at the first, and run/expect for the checks of a command's
# exit code and message.  Env (tests/CMakeLists.txt): MAKEMORE, MM_TEST_TMP.
set -u

MM=${MAKEMORE:?set MAKEMORE to the makemore binary}
mkdir -p "${MM_TEST_TMP:-/tmp}"
T=$(mktemp -d "${MM_TEST_TMP:-/tmp}/cli_$(basename "$0" .sh).XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# run CMD...: its standard output in $T/out, its standard error in $T/err,
# its exit code in $rc, for expect and expect_rc to judge.
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
expect() { # expect RC NEEDLE WHAT: after run
    if [ "$rc" != "$1" ]; then fail "$3: exit $rc, want $1; stderr: $(head -c 400 "$T/err")"; return 1; fi
    if [ -n "$2" ] && ! grep -qF -- "$2" "$T/err"; then fail "$3: stderr lacks '$2': $(head -c 400 "$T/err")"; return 1; fi
    ok "$3"
}
expect_rc() { # expect_rc RC WHAT: after run, the exit code alone
    [ "$rc" = "$1" ] || fail "$2: exit $rc, want $1; stderr: $(head -c 600 "$T/err")"
}

# finish: the script's last word: exit 1 if any check failed, else 0.
finish() {
    if [ "$fails" != 0 ]; then
        echo "$fails check(s) failed"
        exit 1
    fi
    echo "ok"
    exit 0
}
