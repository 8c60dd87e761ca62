#!/usr/bin/env bash
# train_dev.sh - held-out loss and honest progress (issue 14, items 1, 4):
# train --dev FILE gives the dev loss beside the training loss on each step
# line and in the --log CSV, at the same weights (checked against eval of the
# saved model); plot --loss draws both curves; the counts driver reports
# ms/step and steps/s, not the examples its counts stand for; the log is
# written as the run goes; count/eval print progress with GB/s on a terminal
# or with --progress, nothing with --quiet or into a pipe; --quiet on every
# command.  Env: MAKEMORE, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"

awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%c%c%c%c\n", 97 + i % 26, 97 + (i * 7) % 26, 97 + (i / 26) % 26, 97 + (i * 3) % 11 }' >"$T/train.txt"
awk 'BEGIN { for (i = 0; i < 500; i++) printf "%c%c%c\n", 97 + (i * 5) % 26, 97 + (i * 11) % 26, 97 + (i / 26) % 26 }' >"$T/dev.txt"

# ---- --dev: the dev loss at step s is at the weights after s steps ----
# With --reg 0 the loss is the mean NLL, so dev_loss at step 5 must be eval's
# nll of the model saved after 5 steps (eval takes logs of float32 P, the
# trainer a double log-sum-exp of W: rtol 1e-6).
"$MM" train "$T/train.txt" -o "$T/m5.mm" --steps 5 --reg 0 -q || fail "train 5 steps"
"$MM" train "$T/train.txt" -o "$T/m8.mm" --steps 8 --reg 0 --dev "$T/dev.txt" \
    --log "$T/log.csv" 2>"$T/err" || fail "train --dev: $(cat "$T/err")"
head -1 "$T/log.csv" | grep -qx "step,loss,dev_loss" || fail "log header: $(head -1 "$T/log.csv")"
[ "$(wc -l <"$T/log.csv")" = 9 ] || fail "log: want 8 rows: $(cat "$T/log.csv")"
dev5=$(awk -F, '$1 == 5 { print $3 }' "$T/log.csv")
nll5=$("$MM" eval "$T/m5.mm" "$T/dev.txt" | awk '$1 == "nll" { print $2 }')
awk -v a="$dev5" -v b="$nll5" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-6 * b + 5e-7) }' ||
    fail "dev_loss at step 5 ($dev5) is not eval's nll after 5 steps ($nll5)"
grep -q "^step 5/8  loss [0-9.]*  dev_loss $(printf '%.6f' "$dev5")  " "$T/err" ||
    fail "step line lacks the dev loss $dev5: $(grep '^step 5/' "$T/err")"
# a dev character the model lacks is named
printf 'abc\nq9\n' >"$T/baddev.txt"
"$MM" train "$T/train.txt" -o "$T/x.mm" --steps 2 --dev "$T/baddev.txt" -q 2>"$T/err"
[ $? = 1 ] || fail "--dev with an unknown character must fail"
grep -q "baddev.txt:2:2: character '9'" "$T/err" || fail "--dev message: $(cat "$T/err")"
[ ! -e "$T/x.mm" ] || fail "--dev failure wrote a model"
"$MM" train "$T/train.txt" -o "$T/x.mm" --log "$T/train.txt" --steps 1 -q 2>"$T/err"
[ $? = 1 ] || fail "--log naming the corpus must be refused (1, as every output naming an input)"
[ -s "$T/train.txt" ] || fail "--log truncated the corpus"

# ---- plot --loss draws the dev curve with a legend ----
"$MM" plot --loss "$T/log.csv" -o "$T/loss.svg" || fail "plot --loss with dev_loss"
[ "$(grep -c '<path fill="none"' "$T/loss.svg")" = 2 ] || fail "plot --loss: want 2 curves"
grep -q ">dev loss<" "$T/loss.svg" || fail "plot --loss: no legend"

# ---- rates: counts driver in steps/s; examples driver in examples/s ----
"$MM" train "$T/train.txt" -o "$T/c.mm" --steps 3 2>"$T/err" || fail "train counts"
grep -q "^step 0/3  loss [0-9.]*  [0-9.e+-]* ms/step, [0-9.e+-]* steps/s$" "$T/err" ||
    fail "counts driver step line: $(head -1 "$T/err")"
grep -q "examples/s" "$T/err" && fail "counts driver claims examples/s: $(cat "$T/err")"
"$MM" train "$T/train.txt" -o "$T/e.mm" --steps 3 --driver examples 2>"$T/err" || fail "train examples"
grep -q "^step 0/3  loss [0-9.]*  [0-9.e+-]* ms/step, [0-9.e+-]* examples/s$" "$T/err" ||
    fail "examples driver step line: $(head -1 "$T/err")"
# the examples/s of a full-batch step is examples / seconds: 15000 examples here
grep -q "^3 steps in " "$T/err" || fail "summary: $(tail -2 "$T/err")"

# ---- --log is written as the run goes ----
"$MM" train "$T/train.txt" -o "$T/long.mm" --steps 100000000 --driver onehot --threads 1 \
    --log "$T/live.csv" -q 2>/dev/null &
pid=$!
ok=0
for _ in $(seq 1 200); do
    [ "$({ wc -l <"$T/live.csv"; } 2>/dev/null || echo 0)" -ge 3 ] && { ok=1; break; }
    sleep 0.05
done
kill -INT "$pid" 2>/dev/null
wait "$pid"
[ "$ok" = 1 ] || fail "--log: no rows appeared while training ran"
tail -1 "$T/live.csv" | grep -q '^[0-9]*,[0-9.]*$' || fail "--log: last line not whole: $(tail -1 "$T/live.csv")"

# ---- progress for count and eval ----
"$MM" count "$T/train.txt" -o "$T/k.mm" --progress 2>"$T/err" || fail "count --progress"
grep -q "^count: $T/train.txt: .* GB/s$" "$T/err" || fail "count --progress: $(cat "$T/err")"
"$MM" eval "$T/k.mm" "$T/train.txt" --progress 2>"$T/err" >/dev/null || fail "eval --progress"
grep -q "^eval: $T/train.txt: .* GB/s$" "$T/err" || fail "eval --progress: $(cat "$T/err")"
"$MM" count "$T/train.txt" -o "$T/k.mm" 2>"$T/err"
grep -q "GB/s" "$T/err" && fail "count into a pipe printed progress: $(cat "$T/err")"
if script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "'$MM' count '$T/train.txt' -o '$T/k.mm'" /dev/null >"$T/tty" 2>&1
    grep -q "GB/s" "$T/tty" || fail "count on a terminal: no progress: $(cat "$T/tty")"
    script -qec "'$MM' count '$T/train.txt' -o '$T/k.mm' --quiet" /dev/null >"$T/tty" 2>&1
    [ ! -s "$T/tty" ] || fail "count --quiet on a terminal printed: $(cat "$T/tty")"
else
    echo "skip: no script(1) to run under a terminal"
fi

# ---- --quiet on every command: nothing on standard error ----
for args in "count $T/train.txt -o $T/q.mm" "train $T/train.txt -o $T/q2.mm --steps 2" \
            "train $T/train.txt -o $T/q3.mm --resume $T/q2.mm --steps 3" \
            "eval $T/q.mm $T/train.txt" "sample $T/q.mm -n 2" "info $T/q.mm" \
            "export $T/q.mm --npy $T/q.npy" "plot $T/q.mm -o $T/q.svg" \
            "plot --loss $T/log.csv -o $T/q2.svg"; do
    # shellcheck disable=SC2086
    "$MM" $args --quiet >/dev/null 2>"$T/err" || fail "$args --quiet failed: $(cat "$T/err")"
    [ ! -s "$T/err" ] || fail "$args --quiet printed: $(cat "$T/err")"
    # shellcheck disable=SC2086
    "$MM" $args -q >/dev/null 2>&1 || fail "$args -q failed"
done

finish
