#!/usr/bin/env bash
# split.sh - `makemore split` and `makemore tune` end to end (issue 13, item
# 2): exact part sizes, a partition of the names in file order, the same
# split for the same seed (a pinned checksum: the rule of src/split.c gives
# it on any machine) and from standard input; tune's curve equals count +
# eval at the same k, its best k is the curve's minimum, --json, --svg, -o;
# usage errors exit 2, bad input exits 1 naming file and line, and nothing
# half-written is left.  Env: MAKEMORE, MM_NAMES, MM_TEST_TMP.
set -u
. "$(dirname "$0")/../lib/cli.bash"

# ---- split -------------------------------------------------------------------
run "$MM" split "$N" -o "$T/s" --seed 42
expect_rc 0 "split"
expect_grep "$T/err" "s.train.txt: 25626 names" "train size int(0.8 n)"
expect_grep "$T/err" "s.dev.txt: 3203 names" "dev size int(0.9 n) - int(0.8 n)"
expect_grep "$T/err" "s.test.txt: 3204 names" "test size n - int(0.9 n)"
[ "$(cat "$T/s.train.txt" "$T/s.dev.txt" "$T/s.test.txt" | sort | md5sum)" = "$(sort "$N" | md5sum)" ] ||
    fail "the parts are not a partition of the names"
for p in train dev test; do # each part keeps the file's order: a subsequence of it
    awk 'NR == FNR { want[FNR] = $0; n = FNR; next } i < n && $0 == want[i + 1] { i++ }
         END { exit i != n }' "$T/s.$p.txt" "$N" || fail "part $p is not in file order"
done
# pinned: the documented rule (MT19937 of manual_seed(42), one exact draw per name)
expect_out <(md5sum <"$T/s.dev.txt" | cut -d' ' -f1) 96964b1a2e5219ae52905bd7e6c9f4f7 "seed 42 dev part"
expect_out <(md5sum <"$T/s.test.txt" | cut -d' ' -f1) 819140111eb0cf4718c05ed2682ff736 "seed 42 test part"
run "$MM" split - -o "$T/i" --seed 42 <"$N"
expect_rc 0 "split from standard input"
cmp -s "$T/s.dev.txt" "$T/i.dev.txt" || fail "standard input split differently"
run "$MM" split "$N" -o "$T/o" --seed 43
cmp -s "$T/s.dev.txt" "$T/o.dev.txt" && fail "seeds 42 and 43 gave the same dev part"
run "$MM" split "$N" -o "$T/two" --ratios 1,1
expect_rc 0 "split --ratios 1,1"
[ "$(wc -l <"$T/two.train.txt")" = 16016 ] && [ "$(wc -l <"$T/two.test.txt")" = 16017 ] ||
    fail "--ratios 1,1 sizes: $(wc -l <"$T/two.train.txt") $(wc -l <"$T/two.test.txt")"
run "$MM" split "$N" -o "$T/four" --ratios 1,0,2,1
expect_rc 0 "split in four"
[ -e "$T/four.part2.txt" ] && [ ! -s "$T/four.part2.txt" ] || fail "a 0 ratio gives an empty part2"
[ "$(wc -l <"$T/four.part1.txt")" = 8008 ] || fail "four parts: part1 has $(wc -l <"$T/four.part1.txt")"
# CRLF, blank lines, no final newline
printf 'ab\r\n\r\n\ncd\nef' >"$T/crlf.txt"
run "$MM" split "$T/crlf.txt" -o "$T/c" --ratios 1,2
expect_rc 0 "split a CRLF file"
[ "$(cat "$T/c.train.txt" "$T/c.test.txt" | sort | tr '\n' ' ')" = "ab cd ef " ] ||
    fail "CRLF split: $(cat "$T/c.train.txt" "$T/c.test.txt")"
# errors
for bad in 80 a,b 1,,2 0,0 1,2,3,4,5,6,7,8,9 -1,2; do
    run "$MM" split "$N" -o "$T/bad" --ratios "$bad"
    expect_rc 2 "split --ratios '$bad'"
done
run "$MM" split "$N"
expect_rc 2 "split without -o"
run "$MM" split "$N" -o "$T/bad" --seed x
expect_rc 2 "split --seed x"
printf 'ab\nc.d\n' >"$T/dot.txt"
run "$MM" split "$T/dot.txt" -o "$T/bad"
expect_rc 1 "split a corpus holding '.'"
expect_grep "$T/err" "$T/dot.txt:2:" "bad corpus message names file:line"
run "$MM" split "$T/missing.txt" -o "$T/bad"
expect_rc 1 "split a missing file"
: >"$T/nothing.txt"
printf '\n\r\n' >"$T/blanks.txt"
for f in nothing blanks; do
    run "$MM" split "$T/$f.txt" -o "$T/bad"
    expect 1 "$T/$f.txt: no names" "split of a corpus without names ($f)"
done
run "$MM" split "$N" -o ''
expect 2 "-o needs a file name" "split -o ''"
mkdir "$T/sp"
run "$MM" split "$N" -o "$T/sp/"
expect 2 "PREFIX ends in '/'" "split -o DIR/"
[ -z "$(ls -A "$T/sp")" ] || fail "split -o DIR/ wrote $(ls -A "$T/sp")"
ls "$T" | grep -q '^bad' && fail "a failed split left files: $(ls "$T" | grep '^bad')"

# ---- tune --------------------------------------------------------------------
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --order 3 --json --svg "$T/t.svg" -o "$T/best.model"
expect_rc 0 "tune --order 3"
cp "$T/out" "$T/tune.json"
json_check "$T/tune.json" "len(d['curve']) == 21 and d['order'] == 3 and d['dev']['examples'] == 22842 and d['best']['dev_nll'] == min(p['dev_nll'] for p in d['curve']) and abs(d['curve'][0]['smoothing'] - 0.001) < 1e-15 and d['curve'][-1]['smoothing'] == 100"
# the curve at k = 1 is count + eval at k = 1, to the printed digit
"$MM" count "$T/s.train.txt" --order 3 -k 1 -o "$T/k1.model" 2>/dev/null
"$MM" eval "$T/k1.model" "$T/s.dev.txt" --json >"$T/k1.json"
json_check "$T/tune.json" "[p for p in d['curve'] if p['smoothing'] == 1][0]['dev_nll'] == json.load(open('$T/k1.json'))['nll']"
run "$MM" info "$T/best.model" --json
json_check "$T/out" "d['order'] == 3 and abs(d['smoothing'] - json.load(open('$T/tune.json'))['best']['smoothing']) < 1e-9"
[ "$(grep -c '<path' "$T/t.svg")" -ge 2 ] && grep -q 'best k = ' "$T/t.svg" ||
    fail "tune --svg drew no dev and train curves"
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt"
expect_rc 0 "tune, text"
expect_grep "$T/out" "<- best" "tune marks the best k"
expect_grep "$T/out" "best smoothing" "tune prints the best k"
# -o - / --svg -: stdout carries the model or the drawing alone, byte for byte
# the file's, and the curve goes to stderr (with -q, stderr is the JSON alone)
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --order 3 --json -q -o -
expect_rc 0 "tune -o -"
cmp -s "$T/out" "$T/best.model" || fail "tune -o -: stdout is not the model -o FILE writes"
json_check "$T/err" "d['best'] == json.load(open('$T/tune.json'))['best']"
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --order 3 --svg -
expect_rc 0 "tune --svg -"
cmp -s "$T/out" "$T/t.svg" || fail "tune --svg -: stdout is not the SVG --svg FILE writes"
expect_grep "$T/err" "<- best" "tune --svg -: the curve on stderr"
# stdout named another way: /dev/stdout (stdout is the file $T/out here)
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --order 3 -o /dev/stdout
expect_rc 0 "tune -o /dev/stdout"
cmp -s "$T/out" "$T/best.model" || fail "tune -o /dev/stdout: stdout is not the model alone"
expect_grep "$T/err" "<- best" "tune -o /dev/stdout: the curve on stderr"
# errors
for bad in 0..1 2..1 x -1; do
    run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --smoothing "$bad"
    expect_rc 2 "tune --smoothing '$bad'"
done
run "$MM" tune "$T/s.train.txt"
expect_rc 2 "tune without --dev"
run "$MM" tune "$T/s.train.txt" --dev "$T/s.dev.txt" --points 0
expect_rc 2 "tune --points 0"
: >"$T/empty.txt"
run "$MM" tune "$T/s.train.txt" --dev "$T/empty.txt" -o "$T/e.model"
expect 1 "$T/empty.txt: no names" "tune --dev EMPTY names the dev file"
[ ! -e "$T/e.model" ] || fail "tune --dev EMPTY wrote a model"
printf 'abc\n' >"$T/tiny.txt"
run "$MM" tune "$T/tiny.txt" --dev "$T/s.dev.txt" -o "$T/tiny.model"
expect_rc 1 "tune with a dev character missing from the training names"
expect_grep "$T/err" "s.dev.txt:" "missing character message names the dev file"
[ ! -e "$T/tiny.model" ] || fail "a failed tune wrote a model"
ls "$T" | grep -q '\.tmp\.' && fail "a temporary file was left behind"

finish
