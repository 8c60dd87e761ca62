#!/usr/bin/env bash
# cpu_hide.sh - MM_CPU_HIDE makes makemore run as on a CPU without the named
# instruction sets: --version lists them as hidden and not as run, count
# never reports a hidden table or counter and writes the same model, forcing
# a hidden set fails as on such a CPU, and an unknown name is refused before
# anything is written.  Env: MAKEMORE, MM_NAMES (optional), MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"

# 65 MB of generated names (a 1.8 MB block 36 times, 124 pieces of 512 KiB:
# thread 0 runs the counter's trial, about 18 pieces, while the other counts
# the pieces it does not take, so even a thread 0 the machine holds up gets
# its trial done and --stats names the counter chosen; 22 MB did not always
# on a loaded machine), plus names.txt when present.
awk 'BEGIN { srand(11); for (i = 0; i < 280000; i++) { n = 2 + int(rand() * 8); s = "";
     for (j = 0; j < n; j++) s = s sprintf("%c", 97 + int(rand() * 26)); print s } }' >"$T/block.txt"
for i in $(seq 36); do cat "$T/block.txt"; done >"$T/gen.txt"
corpora="$T/gen.txt"
[ -f "${MM_NAMES:-}" ] && corpora="$corpora $MM_NAMES"

runs=$("$MM" --version | sed -n 's/^kernels this CPU runs: //p')
[ -n "$runs" ] || fail "--version has no 'kernels this CPU runs' line"
! "$MM" --version | grep -q 'hidden' || fail "--version says something is hidden without MM_CPU_HIDE"

for hide in avx512 avx2; do
    gone=avx512
    [ "$hide" = avx2 ] && gone="avx2 avx512"
    run env MM_CPU_HIDE=$hide "$MM" --version
    expect_rc 0 "MM_CPU_HIDE=$hide --version"
    for isa in $gone; do
        grep -q "^kernels this CPU runs: .*\b$isa\b" "$T/out" &&
            fail "MM_CPU_HIDE=$hide: --version still runs $isa: $(cat "$T/out")"
        grep -q "^kernels hidden (MM_CPU_HIDE): .*\b$isa\b" "$T/out" ||
            fail "MM_CPU_HIDE=$hide: --version does not say $isa is hidden: $(cat "$T/out")"
    done
    for c in $corpora; do
        "$MM" count "$c" -o "$T/ref.mm" 2>"$T/err" || { fail "$c: $(cat "$T/err")"; continue; }
        for t in 1 2; do
            tag="$(basename "$c") MM_CPU_HIDE=$hide threads=$t"
            run env MM_CPU_HIDE=$hide "$MM" count "$c" -o "$T/m.mm" --threads "$t" --stats
            expect_rc 0 "$tag"
            cmp -s "$T/ref.mm" "$T/m.mm" || fail "$tag: the model differs from the unhidden run's"
            for isa in $gone; do
                grep -Eq "(isa|counter) $isa\b" "$T/err" &&
                    fail "$tag: ran $isa: $(head -1 "$T/err")"
            done
            # the big corpus: a counter was chosen (so the check above saw it)
            [ "$c" != "$T/gen.txt" ] || grep -Eq "counter (scalar|pairs|avx2|avx512)," "$T/err" ||
                fail "$tag: --stats names no chosen counter: $(head -1 "$T/err")"
        done
    done
    # forcing a hidden set: refused as on a CPU without it
    for isa in $gone; do
        [[ ",$runs," == *",$isa,"* ]] || continue # not on this CPU anyway
        run env MM_CPU_HIDE=$hide "$MM" count "$T/gen.txt" -o "$T/f.mm" --isa "$isa"
        expect 1 "--isa=$isa: this CPU cannot run it" "MM_CPU_HIDE=$hide --isa $isa refused"
        run env MM_CPU_HIDE=$hide MM_COUNT_KERNEL=$isa "$MM" count "$T/gen.txt" -o "$T/f.mm"
        expect 1 "MM_COUNT_KERNEL=$isa: this CPU cannot run it" "MM_CPU_HIDE=$hide MM_COUNT_KERNEL=$isa refused"
    done
done

# an unknown name: refused, named, nothing written; --version says so too
for bad in sse9 avx512,sse9 avx512, scalar; do
    name=${bad#avx512,}
    [ "$bad" = avx512, ] && name=
    run env MM_CPU_HIDE=$bad "$MM" count "$T/gen.txt" -o "$T/bad.mm"
    expect 1 "MM_CPU_HIDE: '$name' is not" "MM_CPU_HIDE=$bad refused"
    [ ! -e "$T/bad.mm" ] || fail "MM_CPU_HIDE=$bad: an output was written"
    [ -z "$(find "$T" -name 'bad.mm*')" ] || fail "MM_CPU_HIDE=$bad: a temporary was left"
    run env MM_CPU_HIDE=$bad "$MM" --version
    expect 1 "MM_CPU_HIDE: '$name' is not" "MM_CPU_HIDE=$bad --version refused"
    ! grep -q hidden "$T/out" || fail "MM_CPU_HIDE=$bad --version: something is hidden: $(cat "$T/out")"
done

finish
