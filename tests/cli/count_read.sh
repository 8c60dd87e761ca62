#!/usr/bin/env bash
# count_read.sh - `makemore count` reads a file with pread or in place from a
# mapping (src/count_read.c; chosen by measurement, MM_COUNT_READ forces):
# the model file is byte-identical whichever way and thread count, --stats
# names the way that ran and the pieces each way read, MM_COUNT_TRACE shows
# the choosing, and a bad MM_COUNT_READ is refused before anything
# is written.  Env: MAKEMORE, MM_NAMES (optional), MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"

# 3 MiB of generated names (six 512 KiB pieces: every way reads several,
# and switching ways between pieces is covered by test_count_read.c),
# plus names.txt when present.
awk 'BEGIN { srand(7); for (i = 0; i < 420000; i++) { n = 2 + int(rand() * 8); s = "";
     for (j = 0; j < n; j++) s = s sprintf("%c", 97 + int(rand() * 26)); print s } }' >"$T/gen.txt"
corpora="$T/gen.txt"
[ -f "${MM_NAMES:-}" ] && corpora="$corpora $MM_NAMES"

for c in $corpora; do
    MM_COUNT_READ=pread "$MM" count "$c" -o "$T/ref.mm" --threads 1 2>"$T/err" ||
        { fail "$c: pread, 1 thread: $(cat "$T/err")"; continue; }
    for way in pread map auto; do
        for t in 1 2 3; do
            tag="$(basename "$c") MM_COUNT_READ=$way threads=$t"
            # pairs: a forced counter settles at once, so auto's read trial
            # runs within these few pieces (the auto counter's would not end)
            MM_COUNT_KERNEL=pairs MM_COUNT_READ=$way "$MM" count "$c" -o "$T/m.mm" \
                --threads "$t" --stats 2>"$T/err"
            rc=$?
            if [ "$rc" -ne 0 ]; then
                fail "$tag: exit $rc: $(cat "$T/err")"
                continue
            fi
            cmp -s "$T/ref.mm" "$T/m.mm" || fail "$tag: model differs from pread's"
            # the way, then how many pieces each way read (a forced way all)
            split=" \(pieces: ([0-9]+) pread, ([0-9]+) map\)\$"
            if [ "$way" = pread ]; then
                grep -Eq "read by pread \(pieces: [1-9][0-9]* pread, 0 map\)\$" "$T/err" ||
                    fail "$tag: --stats does not say 'read by pread (pieces: N pread, 0 map)': $(head -1 "$T/err")"
            elif [ "$way" = map ]; then
                grep -Eq "read by map \(pieces: 0 pread, [1-9][0-9]* map\)\$" "$T/err" ||
                    fail "$tag: --stats does not say 'read by map (pieces: 0 pread, N map)': $(head -1 "$T/err")"
            else
                grep -Eq "read by (pread|map|mixed)$split" "$T/err" || fail "$tag: --stats names no way: $(head -1 "$T/err")"
            fi
        done
    done
done

# MM_COUNT_TRACE=1: the choosing thread's timed pieces and choices on
# stderr, the choices the ones --stats reports; unset or 0: no trace.  The
# corpus is gen.txt 8 times (22 MB, 42 pieces): the counter's trial (18
# pieces at most), then the reader's (7), on one thread.
for i in 1 2 3 4 5 6 7 8; do cat "$T/gen.txt"; done >"$T/big.txt"
if [ -z "${MM_COUNT_KERNEL:-}" ] && [ -z "${MM_COUNT_READ:-}" ] && [ -z "${MM_ISA:-}" ]; then
    MM_COUNT_TRACE=1 "$MM" count "$T/big.txt" -o "$T/t.mm" --threads 1 --stats 2>"$T/err" ||
        fail "MM_COUNT_TRACE=1: $(cat "$T/err")"
    counter=$(sed -n 's/.*, counter \([a-z0-9]*\), .*/\1/p' "$T/err")
    grep -Eq "^count trace: counter trial: .*scalar [0-9.]+ bytes/ns.*: $counter\$" "$T/err" ||
        fail "MM_COUNT_TRACE=1: no counter trial line ending ': $counter': $(grep trace "$T/err" | head -3)"
    [ "$(grep -c '^count trace: read piece map 524289 bytes [0-9.]* bytes/ns$' "$T/err")" -ge 3 ] ||
        fail "MM_COUNT_TRACE=1: fewer than 3 timed mapped pieces: $(grep trace "$T/err" | head -5)"
    # three mapped pieces are too few to choose the mapping on (count_read.c rule 3)
    grep -Eq "^count trace: read trial: mean pread [0-9.]+ bytes/ns \(3 pieces\), map [0-9.]+ \(3\): pread\$" "$T/err" ||
        fail "MM_COUNT_TRACE=1: no read trial line choosing pread: $(grep 'read trial' "$T/err")"
    for v in "" 0; do
        MM_COUNT_TRACE=$v "$MM" count "$T/big.txt" -o "$T/t.mm" --threads 1 2>"$T/err" ||
            fail "MM_COUNT_TRACE='$v': $(cat "$T/err")"
        ! grep -q "count trace" "$T/err" || fail "MM_COUNT_TRACE='$v': traced: $(head -2 "$T/err")"
    done
fi

# a bad value: refused, named, nothing written
MM_COUNT_READ=mmap "$MM" count "$T/gen.txt" -o "$T/bad.mm" 2>"$T/err"
rc=$?
[ "$rc" -ne 0 ] || fail "MM_COUNT_READ=mmap: exit 0"
grep -q "MM_COUNT_READ=mmap" "$T/err" || fail "MM_COUNT_READ=mmap: message does not name it: $(cat "$T/err")"
[ ! -e "$T/bad.mm" ] || fail "MM_COUNT_READ=mmap: an output was written"
[ -z "$(find "$T" -name 'bad.mm*')" ] || fail "MM_COUNT_READ=mmap: a temporary was left"

finish
