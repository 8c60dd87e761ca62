#!/usr/bin/env bash
# arpa.sh - export --arpa read by IRSTLM (issue 13, item 3): for orders 2-5,
# compile-lm --eval on names.txt written as "<s> e m m a </s>" gives the
# perplexity of `makemore eval` on the same names; also on the names
# reversed (contexts never seen in training: the reader backs off, and must
# still get 1/V).  IRSTLM (Debian package irstlm, scripts/deps.sh group
# irstlm) counts each character and each </s> as a word, never <s>: Nw must
# equal eval's examples exactly.
#
# Tolerance on the total log10 probability: IRSTLM prints logPr with two
# decimals (+-0.005), reads each log10 P from the file's 7 decimals (+-5e-8)
# and stores it as a float (6e-8 relative, |log10 P| < 2 here): at most
# 0.005 + 2e-7 per word (0.05 for names.txt's 228,146 words), a relative
# error in perplexity of at most ln(10) * 2.2e-7 ~ 5e-7.
# Env: MAKEMORE, MM_NAMES, MM_TEST_TMP.
set -u

. "$(dirname "$0")/../lib/cli.bash"

CL=$(command -v compile-lm || ls /usr/lib/irstlm/bin/compile-lm 2>/dev/null)
if [ -z "$CL" ]; then
    echo "skip: IRSTLM's compile-lm not installed (scripts/deps.sh irstlm)"
    exit 77
fi
# names as IRSTLM text, forwards and reversed
sed 's/./& /g; s/^/<s> /; s/$/<\/s>/' "$N" >"$T/names.irst"
rev "$N" >"$T/rev.txt"
sed 's/./& /g; s/^/<s> /; s/$/<\/s>/' "$T/rev.txt" >"$T/rev.irst"

# compare MODEL TEXT IRSTTEXT ARPA WHAT
compare() {
    "$MM" eval "$1" "$2" --json >"$T/eval.json" || { fail "$5: makemore eval"; return; }
    # --debug=1: the summary line then carries logPr (the total log10 P)
    "$CL" --eval="$3" --debug=1 "$4" >"$T/irst.out" 2>&1 || { fail "$5: compile-lm failed: $(tail -3 "$T/irst.out")"; return; }
    local line
    line=$(grep -o '%% Nw=.*' "$T/irst.out" | tail -1)
    [ -n "$line" ] || { fail "$5: no perplexity line in $(tail -3 "$T/irst.out")"; return; }
    awk -v line="$line" -v what="$5" '
        BEGIN { getline j < "'"$T/eval.json"'";
                match(j, /"examples": [0-9]+/); ex = substr(j, RSTART + 12, RLENGTH - 12) + 0;
                match(j, /"log_likelihood": [-0-9.e+]+/); ll = substr(j, RSTART + 18, RLENGTH - 18) + 0;
                n = split(line, f, /[ =]/);
                for (i = 1; i < n; i++) { v[f[i]] = f[i + 1] }
                nw = v["Nw"] + 0; lp = v["logPr"] + 0; noov = v["Noov"] + 0;
                mine = ll / log(10); tol = 0.005 + 2e-7 * ex;
                printf "%s: Nw %d examples %d logPr %.2f makemore %.4f (tol %.4f) PP %s / %.4f Nbo %s\n",
                       what, nw, ex, lp, mine, tol, v["PP"], exp(-ll / ex), v["Nbo"];
                if (nw != ex || noov != 0) { print "FAIL: " what ": word counts differ" > "/dev/stderr"; exit 1 }
                d = lp - mine; if (d < 0) d = -d;
                if (d > tol) { print "FAIL: " what ": log10 totals differ by " d > "/dev/stderr"; exit 1 }
        }' || fails=$((fails + 1))
    echo "$line" >"$T/irst.last"
}

for K in 2 3 4 5; do
    "$MM" count "$N" --order $K --smoothing 0.5 -o "$T/k$K.model" 2>/dev/null ||
        fail "count --order $K"
    "$MM" export "$T/k$K.model" --arpa "$T/k$K.arpa" || fail "export --arpa order $K"
    head -c 300 "$T/k$K.arpa" | grep -q '^\\data\\$' || fail "order $K: no \\data\\ header"
    grep -q "^ngram $K=" "$T/k$K.arpa" || fail "order $K: no ngram $K= line"
    compare "$T/k$K.model" "$N" "$T/names.irst" "$T/k$K.arpa" "order $K, names.txt"
    compare "$T/k$K.model" "$T/rev.txt" "$T/rev.irst" "$T/k$K.arpa" "order $K, reversed names"
done
# the reversed names back off: IRSTLM must have used lower orders there
grep -q 'Nbo=0 ' "$T/irst.last" && fail "reversed names never backed off: the back-off path is untested"

# the ARPA counts in the header match the sections
awk '/^ngram [0-9]+=/ { split($2, a, "="); want[a[1]] = a[2] }
     /^\\[0-9]+-grams:/ { lev = substr($0, 2) + 0; next }
     /^\\end\\/ { lev = 0 }
     lev && NF { got[lev]++ }
     END { for (l in want) if (want[l] != got[l]) { print "level " l ": " got[l] " != " want[l]; bad = 1 } exit bad }' \
    "$T/k4.arpa" || fail "order 4: header counts differ from the sections"

# a neural model (order 2) exports too
printf 'emma\nava\nolivia\n' >"$T/small.txt"
"$MM" train "$T/small.txt" -o "$T/w.model" --steps 3 2>/dev/null || fail "train"
"$MM" export "$T/w.model" --arpa "$T/w.arpa" || fail "export --arpa of a neural model"
sed 's/./& /g; s/^/<s> /; s/$/<\/s>/' "$T/small.txt" >"$T/small.irst"
compare "$T/w.model" "$T/small.txt" "$T/small.irst" "$T/w.arpa" "neural bigram"

# the neural trigram too (every context's row is written)
"$MM" train "$N" --order 3 --steps 20 -o "$T/n3.model" 2>/dev/null || fail "train --order 3"
"$MM" export "$T/n3.model" --arpa "$T/n3.arpa" || fail "export --arpa of the neural trigram"
compare "$T/n3.model" "$N" "$T/names.irst" "$T/n3.arpa" "neural trigram"

# k = 0 is refused, and leaves no file
"$MM" count "$T/small.txt" --order 3 --smoothing 0 -o "$T/k0.model" 2>/dev/null
"$MM" export "$T/k0.model" --arpa "$T/k0.arpa" 2>"$T/err"
[ $? = 1 ] || fail "export --arpa of a k = 0 model: exit $?, want 1"
grep -q "smoothing k > 0" "$T/err" || fail "k = 0 message: $(cat "$T/err")"
grep -q "^makemore: $T/k0.model: " "$T/err" || fail "k = 0 message does not lead with the model: $(cat "$T/err")"
[ ! -e "$T/k0.arpa" ] || fail "a refused export left a file"
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
# usage: --probs without --npy; neither output
"$MM" export "$T/k3.model" --arpa "$T/x.arpa" --probs 2>/dev/null
[ $? = 2 ] || fail "--probs without --npy: want exit 2"
"$MM" export "$T/k3.model" 2>/dev/null
[ $? = 2 ] || fail "export without --npy or --arpa: want exit 2"

finish
