#!/usr/bin/env bash
# install.sh - `cmake --install` of this build into a temporary prefix, then
# the README's program (the ```c block of "Using the library") built against
# that tree alone:
#   - compiled with only the installed include directory (-Werror);
#   - by a CMake project (tests/install/CMakeLists.txt): find_package(makemore),
#     linked to makemore::makemore (shared) and makemore::makemore_static;
#   - by hand with `pkg-config --cflags --libs makemore`;
# each binary run on names.txt must print the README's figure and the
# notebook's first name.  Also: the shared library exports exactly the MM_API
# functions of makemore.h, and the installed makemore reports the version of
# makemore.pc.
# Env (tests/CMakeLists.txt): MM_BUILD_DIR, MM_SOURCE_DIR, MM_NAMES,
# MM_TEST_TMP, MM_CC, MM_CFLAGS, MM_LDFLAGS (the build's compiler and flags,
# so that a sanitizer build links its runtime into the consumer too).
set -u
build=${MM_BUILD_DIR:?} src=${MM_SOURCE_DIR:?} names=${MM_NAMES:?}
cc=${MM_CC:-cc}
read -r -a cflags <<<"${MM_CFLAGS:-}"
read -r -a ldflags <<<"${MM_LDFLAGS:-}"
mkdir -p "${MM_TEST_TMP:-/tmp}"
T=$(mktemp -d "${MM_TEST_TMP:-/tmp}/install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
want_nll="nll 2.454577 over 228146 bigrams"

prefix="$T/prefix"
if ! cmake --install "$build" --prefix "$prefix" >"$T/install.log" 2>&1; then
    cat "$T/install.log" >&2
    echo "FAIL: cmake --install" >&2
    exit 1
fi
for f in include/makemore.h include/makemore_version.h bin/makemore; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(dirname "$(find "$prefix" -name libmakemore.a | head -1)")
[ -f "$libdir/libmakemore.a" ] || { echo "FAIL: no libmakemore.a under $prefix" >&2; exit 1; }
for f in libmakemore.so pkgconfig/makemore.pc cmake/makemore/makemoreConfig.cmake \
         cmake/makemore/makemoreConfigVersion.cmake; do
    [ -e "$libdir/$f" ] || fail "not installed: $libdir/$f"
done

# The README's program, verbatim.
awk '/^## Using the library/ {u = 1} u && /^```c$/ {c = 1; next} c && /^```$/ {exit} c' \
    "$src/README.md" > "$T/names.c"
grep -q 'int main' "$T/names.c" || fail "README: no program found under 'Using the library'"

check_run() { # LABEL BINARY [ENV...]
    local label=$1 bin=$2
    shift 2
    if ! env "$@" "$bin" "$names" >"$T/$label.out" 2>"$T/$label.err"; then
        fail "$label: exited non-zero: $(cat "$T/$label.err")"
        return
    fi
    [ "$(sed -n 1p "$T/$label.out")" = "$want_nll" ] ||
        fail "$label: printed '$(sed -n 1p "$T/$label.out")', want '$want_nll'"
    [ "$(sed -n 2p "$T/$label.out")" = "mor" ] ||
        fail "$label: first name '$(sed -n 2p "$T/$label.out")', want 'mor'"
}

# 1. The installed header alone: no -I into the source tree.
"$cc" "${cflags[@]}" -std=c11 -Wall -Wextra -Werror -I"$prefix/include" -c "$T/names.c" \
    -o "$T/names.o" 2>"$T/hdr.err" || fail "README program vs installed header: $(cat "$T/hdr.err")"

# 2. find_package(makemore): shared and static targets.
if cmake -S "$src/tests/install" -B "$T/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
        -DNAMES_C="$T/names.c" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="${MM_CFLAGS:-}" \
        -DCMAKE_EXE_LINKER_FLAGS="${MM_LDFLAGS:-}" >"$T/consumer.log" 2>&1 &&
   cmake --build "$T/consumer" >>"$T/consumer.log" 2>&1; then
    check_run find_package_shared "$T/consumer/names_shared"
    check_run find_package_static "$T/consumer/names_static"
    if readelf -d "$T/consumer/names_static" | grep -q 'libmakemore'; then
        fail "names_static needs libmakemore.so"
    fi
else
    cat "$T/consumer.log" >&2
    fail "find_package(makemore) consumer did not build"
fi

# 3. pkg-config.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
if pc=$(pkg-config --cflags --libs makemore 2>"$T/pc.err"); then
    read -r -a pcflags <<<"$pc"
    if "$cc" "${cflags[@]}" -std=c11 "$T/names.c" "${pcflags[@]}" "${ldflags[@]}" \
            -o "$T/names_pc" 2>"$T/pc.err"; then
        check_run pkg_config "$T/names_pc" LD_LIBRARY_PATH="$libdir"
    else
        fail "pkg-config build: $(cat "$T/pc.err")"
    fi
    ver=$(pkg-config --modversion makemore)
    "$prefix/bin/makemore" --version | grep -q "^makemore $ver\$" ||
        fail "installed makemore --version does not say $ver: $("$prefix/bin/makemore" --version | head -1)"
else
    fail "pkg-config makemore: $(cat "$T/pc.err")"
fi

# 4. Exported symbols: exactly the functions makemore.h declares, each marked
# MM_API (a declaration without it would be hidden in the .so).
hdr="$prefix/include/makemore.h"
grep -E '^[a-zA-Z_][a-zA-Z0-9_ *]*[ *]mm_[a-z0-9_]+\(' "$hdr" | grep -v '^typedef' |
    grep -v '^MM_API ' | sed 's/^/  /' > "$T/unmarked.txt"
[ -s "$T/unmarked.txt" ] && fail "makemore.h declares functions without MM_API:
$(cat "$T/unmarked.txt")"
grep -oE '^[a-zA-Z_][a-zA-Z0-9_ *]*[ *]mm_[a-z0-9_]+\(' "$hdr" | grep -v '^typedef' |
    grep -oE 'mm_[a-z0-9_]+\($' | tr -d '(' | sort > "$T/api.txt"
# clang's OpenMP lowering gives each `omp critical` a lock variable
# (.gomp_critical_user_<name>.var) with default visibility, whatever
# -fvisibility says; it is the runtime's, not an API symbol (gcc's libgomp
# build has none).
nm -D --defined-only "$libdir/libmakemore.so" | awk '$2 ~ /^[TDBR]$/ {print $3}' |
    grep -v '^\.gomp_critical_user_' | sort > "$T/dyn.txt"
[ -s "$T/api.txt" ] || fail "no MM_API functions found in makemore.h"
if ! diff "$T/api.txt" "$T/dyn.txt" >"$T/sym.diff"; then
    fail "libmakemore.so exports differ from makemore.h's MM_API list (< header only, > .so only):
$(cat "$T/sym.diff")"
fi

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed" >&2
    exit 1
fi
echo "ok: installed to a temporary prefix; README program built with the header alone," \
     "find_package (shared, static) and pkg-config; $(wc -l <"$T/api.txt") exported functions"
