#!/usr/bin/env bash
# outputs.sh - no option can destroy a file, a checkpoint or a device node
# (issue 10, items 1, 2 and 4): outputs to device nodes and FIFOs are written
# in place, symlinks are followed, '-' is standard output; an output naming
# an input or another output is refused; train checks its output path before
# training.  Device nodes are our own, made in the test's directory (mknod,
# as root; skipped with a reason otherwise): no real node is ever written.
. "$(dirname "$0")/lib.bash"

printf 'emma\nolivia\nava\nisabella\nsophia\n' >"$T/c.txt"
cp "$T/c.txt" "$T/c.keep"
"$MM" count "$T/c.txt" -o "$T/m.mm" 2>/dev/null || fail "count of the test corpus"
cp "$T/m.mm" "$T/m.keep"

# ---- 1. device nodes, FIFOs, symlinks, standard output ------------------------
if mknod "$T/null" c 1 3 2>/dev/null && mknod "$T/full" c 1 7 2>/dev/null &&
    [ -c "$T/full" ] && ! printf x >"$T/full" 2>/dev/null; then
    run "$MM" count "$T/c.txt" -o "$T/full"
    expect 1 "No space left on device" "count -o FULL-DEVICE: the write error, exit 1"
    [ -c "$T/full" ] || fail "count -o FULL-DEVICE replaced the node"
    run "$MM" export "$T/m.mm" --npy "$T/null"
    expect 0 "" "export --npy NULL-DEVICE"
    [ -c "$T/null" ] || fail "export --npy NULL-DEVICE replaced the node"
    run "$MM" plot "$T/m.mm" -o "$T/null"
    expect 0 "" "plot -o NULL-DEVICE"
    run "$MM" train "$T/c.txt" -o "$T/null" --log "$T/full" --steps 2
    expect 1 "No space left on device" "train --log FULL-DEVICE"
    [ -c "$T/null" ] && [ -c "$T/full" ] || fail "train replaced a device node"
    run "$MM" train "$T/c.txt" -o "$T/null" --log "$T/null" --steps 2
    expect 0 "" "train -o NULL --log NULL (a character device is no conflict)"
    # --version and --help report a full standard output (item 16)
    for a in --version --help; do
        "$MM" $a >"$T/full" 2>"$T/err"
        rc=$?
        expect 1 "" "makemore $a > FULL-DEVICE exits 1"
    done
    "$MM" count --help >"$T/full" 2>"$T/err"
    rc=$?
    expect 1 "" "makemore count --help > FULL-DEVICE exits 1"
else
    echo "skip: device-node cases (cannot make /dev/null and /dev/full nodes in $T: not root, or nodev)"
fi
# A block device is refused, never opened: a node with an unassigned major, so
# that even a regression could not reach a disk.
major=""
for m in 240 241 242 243 244 245 246 247 248 249 250; do
    if ! awk '/^Block devices:/ {b = 1} b && $1 == m {f = 1} END {exit !f}' m="$m" /proc/devices; then
        major=$m
        break
    fi
done
if [ -n "$major" ] && mknod "$T/disk" b "$major" 0 2>/dev/null; then
    run "$MM" count "$T/c.txt" -o "$T/disk"
    expect 1 "block device" "count -o BLOCK-DEVICE is refused"
    [ -b "$T/disk" ] || fail "count -o BLOCK-DEVICE replaced the node"
    run "$MM" train "$T/c.txt" -o "$T/t-disk.mm" --log "$T/disk" --steps 2
    expect 1 "block device" "train --log BLOCK-DEVICE is refused"
    [ -b "$T/disk" ] && [ ! -e "$T/t-disk.mm" ] || fail "train --log BLOCK-DEVICE: node replaced or model written"
else
    echo "skip: block-device case (cannot make a block node in $T)"
fi

mkfifo "$T/fifo"
timeout 30 cat "$T/fifo" >"$T/from-fifo" &
reader=$!
run "$MM" plot "$T/m.mm" -o "$T/fifo"
expect 0 "" "plot -o FIFO"
wait "$reader"
[ -p "$T/fifo" ] || fail "plot -o FIFO replaced the FIFO"
grep -q "</svg>" "$T/from-fifo" || fail "plot -o FIFO: the reader got no SVG"

# a symlink: the file it points to is replaced, the link stays
echo old >"$T/real.mm"
ln -s real.mm "$T/link.mm"
run "$MM" count "$T/c.txt" -o "$T/link.mm"
expect 0 "" "count -o SYMLINK"
[ -L "$T/link.mm" ] || fail "count -o SYMLINK replaced the link"
"$MM" info "$T/real.mm" >/dev/null 2>&1 || fail "count -o SYMLINK: the link's target is not the model"
# a chain of relative links across directories, and a dangling one
mkdir -p "$T/sub"
ln -s ../link.mm "$T/sub/chain.mm"
run "$MM" export "$T/m.mm" --npy "$T/sub/chain.mm"
expect 0 "" "export --npy LINK-TO-LINK"
[ -L "$T/sub/chain.mm" ] && [ -L "$T/link.mm" ] || fail "export through two links replaced a link"
head -c 6 "$T/real.mm" | grep -q NUMPY || fail "export through two links: the target is not the array"
ln -s new.svg "$T/dangling.svg"
run "$MM" plot "$T/m.mm" -o "$T/dangling.svg"
expect 0 "" "plot -o DANGLING-SYMLINK"
[ -L "$T/dangling.svg" ] && grep -q "</svg>" "$T/new.svg" || fail "plot -o DANGLING-SYMLINK: link replaced or target not made"
# procfs's link to an open file (what /dev/stdout is): written in place
ln -s /proc/self/fd/1 "$T/stdout"
"$MM" count "$T/c.txt" -o "$T/stdout" >"$T/via-stdout.mm" 2>"$T/err"
rc=$?
expect 0 "" "count -o LINK-TO-/proc/self/fd/1 (stdout a file)"
[ -L "$T/stdout" ] || fail "count -o /proc link replaced the link"
cmp -s "$T/via-stdout.mm" "$T/m.mm" || fail "count -o /proc link: standard output is not the model"
"$MM" count "$T/c.txt" -o "$T/stdout" 2>/dev/null | cat >"$T/via-pipe.mm"
cmp -s "$T/via-pipe.mm" "$T/m.mm" || fail "count -o /proc link (stdout a pipe): not the model"
# '-' is standard output
"$MM" count "$T/c.txt" -o - >"$T/dash.mm" 2>"$T/err"
rc=$?
expect 0 "" "count -o -"
cmp -s "$T/dash.mm" "$T/m.mm" || fail "count -o -: standard output is not the model"
"$MM" export "$T/m.mm" --npy - 2>/dev/null | head -c 6 | grep -q NUMPY || fail "export --npy -"
"$MM" plot "$T/m.mm" -o - 2>/dev/null | grep -q "</svg>" || fail "plot -o -"
[ ! -e "$T/-" ] || fail "an output named '-' was created as a file"
leftovers=$(find "$T" -name '*.tmp.*' | head -5)
[ -z "$leftovers" ] || fail "temporaries left behind: $leftovers"

# ---- 2. an output naming an input or another output ---------------------------
run "$MM" count "$T/c.txt" -o "$T/c.txt"
expect 1 "same file" "count C -o C is refused"
ln "$T/c.txt" "$T/hard.txt"
run "$MM" count "$T/c.txt" -o "$T/hard.txt"
expect 1 "same file" "count C -o HARDLINK-TO-C is refused"
ln -s c.txt "$T/soft.txt"
run "$MM" count "$T/soft.txt" -o "$T/c.txt"
expect 1 "same file" "count SYMLINK-TO-C -o C is refused"
"$MM" count - -o - <"$T/c.txt" >>"$T/c.txt" 2>"$T/err"
rc=$?
expect 1 "same file" "count - -o - with standard output appended to the corpus"
cmp -s "$T/c.txt" "$T/c.keep" || fail "a refused count changed the corpus"
run "$MM" train "$T/c.txt" -o "$T/t.mm" --log "$T/t.mm" --steps 2
expect 1 "same file" "train -o M --log M is refused"
[ ! -e "$T/t.mm" ] || fail "train -o M --log M wrote M"
run "$MM" train "$T/c.txt" -o "$T/t.mm" --log "$T/./t.mm" --steps 2
expect 1 "same file" "train -o M --log ./M (neither exists yet) is refused"
run "$MM" train "$T/c.txt" -o "$T/t.mm" --log "$T/c.txt" --steps 2
expect 1 "same file" "train --log CORPUS is refused"
cmp -s "$T/c.txt" "$T/c.keep" || fail "train --log CORPUS changed the corpus"
run "$MM" export "$T/m.mm" --npy "$T/m.mm"
expect 1 "same file" "export M --npy M is refused"
run "$MM" plot "$T/m.mm" -o "$T/m.mm"
expect 1 "same file" "plot M -o M is refused"
cmp -s "$T/m.mm" "$T/m.keep" || fail "a refused command changed the model"
"$MM" train "$T/c.txt" -o "$T/ck.mm" --steps 2 2>/dev/null
"$MM" train "$T/c.txt" -o "$T/ck.mm" --log "$T/ck.csv" --steps 2 2>/dev/null
run "$MM" plot --loss "$T/ck.csv" -o "$T/ck.csv"
expect 1 "same file" "plot --loss CSV -o CSV is refused"
run "$MM" train "$T/c.txt" -o "$T/ck.mm" --resume "$T/ck.mm" --steps 4
expect 0 "" "train -o CK --resume CK is allowed"
"$MM" info "$T/ck.mm" | grep -q "^step *4$" || fail "train -o CK --resume CK: not at step 4"
run "$MM" train "$T/c.txt" -o "$T/ck2.mm" --resume "$T/ck.mm" --log "$T/ck.mm" --steps 5
expect 1 "same file" "train --resume CK --log CK is refused"

# ---- 4. train checks its output before training ---------------------------------
run "$MM" train "$T/c.txt" -o "$T/no-such-dir/x.mm" --steps 3
expect 1 "$T/no-such-dir/x.mm" "train -o MISSING-DIR/x.mm fails"
if grep -q "^step " "$T/err"; then fail "train -o MISSING-DIR/x.mm trained before failing"; fi

finish
