#!/usr/bin/env bash
# signals.sh - interrupts never lose work: SIGINT/SIGTERM during training
# saves a checkpoint at the last completed step and exits 128 + the signal
# (130, 143) saying so, and
# --resume continues it; an interrupted command leaves no temporary behind
# and the previous output intact.
set -u
MAKEMORE="${MAKEMORE:?}"
tmp="${MM_TEST_TMP:-/tmp}/signals.$$"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fails=$((fails + 1)); fi; }

# A corpus big enough that a step of the onehot driver takes a while.
for i in $(seq 1 3000); do echo "name$((i % 7))abc"; done | tr '0-9' 'a-j' > "$tmp/c.txt"

for sig in INT TERM; do
    "$MAKEMORE" train "$tmp/c.txt" -o "$tmp/m-$sig.mm" --steps 100000000 --driver onehot \
        --threads 1 2> "$tmp/err-$sig.txt" &
    pid=$!
    sleep 0.05
    # wait for the first progress line, then interrupt
    for _ in $(seq 1 100); do grep -q "step" "$tmp/err-$sig.txt" 2>/dev/null && break; sleep 0.1; done
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    want=$([ "$sig" = INT ] && echo 130 || echo 143)
    check "SIG$sig: train exits $want" "[ $rc -eq $want ]"
    check "SIG$sig: says interrupted" "grep -q 'interrupted at step' '$tmp/err-$sig.txt'"
    check "SIG$sig: checkpoint written" "'$MAKEMORE' info '$tmp/m-$sig.mm' > '$tmp/info-$sig.txt'"
    step=$(awk '$1 == "step" {print $2}' "$tmp/info-$sig.txt")
    check "SIG$sig: checkpoint has steps ($step)" "[ -n '$step' ] && [ '$step' -ge 1 ]"
    check "SIG$sig: no temporary left" "[ -z \"\$(ls '$tmp' | grep '\.tmp\.')\" ]"
    next=$((step + 2))
    check "SIG$sig: --resume continues" "'$MAKEMORE' train '$tmp/c.txt' -o '$tmp/m-$sig.mm' --resume '$tmp/m-$sig.mm' --steps $next 2>/dev/null && '$MAKEMORE' info '$tmp/m-$sig.mm' | grep -q \"^step *$next\$\""
done

# SIGTERM in the middle of writing: the fatal-signal handler removes the
# temporary, and the previous file stays.  Stop `sample` writing to a FIFO
# reader that never reads, so it blocks; the target is untouched anyway.
"$MAKEMORE" count "$tmp/c.txt" -o "$tmp/prev.mm" 2>/dev/null
cp "$tmp/prev.mm" "$tmp/prev.copy"
big="$tmp/big.txt"
for i in $(seq 1 200); do cat "$tmp/c.txt"; done > "$big"
"$MAKEMORE" count "$big" -o "$tmp/prev.mm" --threads 1 2>/dev/null &
pid=$!
# only once it is makemore, not the shell's fork that would run our EXIT trap
for _ in $(seq 1 100); do
    [ "$(readlink /proc/$pid/exe 2>/dev/null)" = "$(readlink -f "$MAKEMORE")" ] && break
    sleep 0.01
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
check "count killed or finished: previous output intact or replaced whole" \
    "'$MAKEMORE' info '$tmp/prev.mm' >/dev/null"
check "no temporary left after SIGTERM" "[ -z \"\$(ls '$tmp' | grep '\.tmp\.')\" ]"

echo "$fails failed"
[ "$fails" -eq 0 ]
