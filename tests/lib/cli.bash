# cli.bash - shared start of the end-to-end tests that read names.txt
# (sourced by tests/cli/reference.sh, ngram.sh, arpa.sh, split.sh): what every
# CLI test has (tests/cli/lib.bash: the binary, a scratch directory removed
# at exit, fail, run, expect_rc and finish), then names.txt (skip with 77
# without it), the Python that json_check uses, and the checks of outputs.
# Env: MAKEMORE, MM_NAMES, MM_TEST_TMP.
. "$(dirname "${BASH_SOURCE[0]}")/../cli/lib.bash"
N=${MM_NAMES:-}
if [ -z "$N" ] || [ ! -r "$N" ]; then
    echo "skip: names.txt not found (set MM_NAMES)"
    exit 77
fi

PY=
if [ -x /usr/bin/python3 ]; then
    PY=/usr/bin/python3
fi
HAVE_NUMPY=0
if [ -n "$PY" ] && "$PY" -c 'import numpy' 2>/dev/null; then
    HAVE_NUMPY=1
fi

expect_out() { # expect_out FILE WANT WHAT: exact content
    local got
    got=$(cat "$1")
    [ "$got" = "$2" ] || fail "$3: got [$got], want [$2]"
}
expect_grep() { # expect_grep FILE FIXED-STRING WHAT
    grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(head -c 600 "$1")"
}
# json_check FILE PYTHON-EXPR: the expression over d (the parsed JSON) is true
json_check() {
    if [ -n "$PY" ]; then
        "$PY" -c 'import json, math, sys
d = json.load(open(sys.argv[1]))
ok = eval("(" + sys.argv[2] + ")")
sys.exit(0 if ok else 1)' "$1" "$2" || fail "json: $2 is false for $(cat "$1")"
        return 0
    fi
    return 1
}
