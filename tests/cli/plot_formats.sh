#!/usr/bin/env bash
# plot_formats.sh - plot -o picks the format from the extension: SVG, or PNG
# through rsvg-convert (scripts/deps.sh group png: librsvg2-bin), refused
# with exit 2 when rsvg-convert is missing or for another extension; a
# failing converter leaves nothing behind; the heatmap canvas is sized to V
# and cell labels on dark cells are white (issue 14, item 6).
# Env: MAKEMORE, MM_TEST_TMP.
. "$(dirname "$0")/lib.bash"
notemp() { [ -z "$(ls "$T" | grep '\.tmp\.')" ] || fail "$1: a temporary was left: $(ls "$T")"; }

printf 'ab\nab\nab\nba\n' >"$T/c.txt"      # V = 3
"$MM" count "$T/c.txt" -o "$T/m.mm" -q || fail "count"
printf 'step,loss,dev_loss\n0,3.1,3.2\n1,2.9,3.0\n' >"$T/l.csv"

# SVG, with or without the extension
"$MM" plot "$T/m.mm" -o "$T/h.svg" || fail "plot .svg"
head -c 5 "$T/h.svg" | grep -q "<?xml" || fail "plot .svg is not SVG"
"$MM" plot "$T/m.mm" -o "$T/h" || fail "plot without an extension"
cmp -s "$T/h" "$T/h.svg" || fail "plot without an extension is not the SVG"
# canvas sized to V: 3 cells of 44 px + 2 margins of 48 px
grep -q 'width="228" height="228"' "$T/h.svg" || fail "canvas not sized to V = 3: $(sed -n 2p "$T/h.svg")"
# the darkest cell (the largest count, 'ab' = 3) has white labels; the
# empty ones keep the notebook's gray
grep -q '<text [^>]*fill="white">ab</text>' "$T/h.svg" || fail "dark cell labels are not white"
grep -q '<text x="[0-9]*" y="[0-9]*">aa</text>' "$T/h.svg" || fail "light cell labels are not gray"

# another extension: usage error, nothing written
"$MM" plot "$T/m.mm" -o "$T/h.jpg" 2>"$T/err"
[ $? = 2 ] || fail "plot -o .jpg: want exit 2"
grep -q "plot writes .svg, or .png" "$T/err" || fail "plot -o .jpg: $(cat "$T/err")"
[ ! -e "$T/h.jpg" ] || fail "plot -o .jpg wrote a file"

# PNG without rsvg-convert on PATH: exit 2, saying what to install
mkdir -p "$T/nobin"
PATH="$T/nobin" "$MM" plot "$T/m.mm" -o "$T/h.png" 2>"$T/err"
[ $? = 2 ] || fail "plot .png without rsvg-convert: want exit 2"
grep -q "librsvg2-bin" "$T/err" || fail "plot .png without rsvg-convert: $(cat "$T/err")"
[ ! -e "$T/h.png" ] || fail "plot .png without rsvg-convert wrote a file"

# a converter that fails: exit 1, no output, no temporary
mkdir -p "$T/badbin"
printf '#!/bin/sh\ncat >/dev/null\necho broken >&2\nexit 3\n' >"$T/badbin/rsvg-convert"
chmod +x "$T/badbin/rsvg-convert"
PATH="$T/badbin:$PATH" "$MM" plot "$T/m.mm" -o "$T/bad.png" 2>"$T/err"
[ $? = 1 ] || fail "plot with a failing converter: want exit 1"
grep -q "rsvg-convert failed" "$T/err" || fail "failing converter: $(cat "$T/err")"
[ ! -e "$T/bad.png" ] || fail "a failing converter left an output"
notemp "failing converter"
# a converter that exits at once without reading: an error, not SIGPIPE
printf '#!/bin/sh\nexit 4\n' >"$T/badbin/rsvg-convert"
PATH="$T/badbin:$PATH" "$MM" plot "$T/m.mm" -o "$T/bad.png" 2>"$T/err"
[ $? = 1 ] || fail "plot with a converter that reads nothing: want exit 1"
notemp "converter that reads nothing"

if command -v rsvg-convert >/dev/null 2>&1; then
    for args in "$T/m.mm" "--loss $T/l.csv"; do
        # shellcheck disable=SC2086
        "$MM" plot $args -o "$T/p.png" 2>"$T/err" || fail "plot $args -o .png: $(cat "$T/err")"
        [ "$(head -c 8 "$T/p.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
            fail "plot $args -o .png: not a PNG"
        notemp "png"
    done
    # the PNG has the SVG's size (IHDR width and height, big-endian)
    "$MM" plot "$T/m.mm" -o "$T/p.png"
    wh=$(od -An -j16 -N8 -tu1 "$T/p.png" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }')
    [ "$wh" = "228 228" ] || fail "PNG is $wh, want 228 228"
else
    echo "note: rsvg-convert not installed (scripts/deps.sh png): PNG output not checked"
fi

# a model plot cannot draw: the message leads with the model, not the output
"$MM" count "$T/c.txt" --order 3 -o "$T/o3.mm" -q || fail "count --order 3"
"$MM" train "$T/c.txt" --steps 1 -o "$T/n.mm" -q || fail "train"
for m in o3 n; do
    for ext in svg png; do
        "$MM" plot "$T/$m.mm" -o "$T/$m.$ext" 2>"$T/err"
        [ $? = 1 ] || fail "plot of $m.mm -o .$ext: want exit 1"
        grep -q "^makemore: $T/$m.mm: plot draws a bigram count model" "$T/err" ||
            fail "plot of $m.mm: message does not name the model: $(cat "$T/err")"
        [ ! -e "$T/$m.$ext" ] || fail "a refused plot of $m.mm wrote .$ext"
    done
done
grep -q "a neural order-2 model" "$T/err" || fail "plot of a neural model: $(cat "$T/err")"
notemp "refused plots"

finish
