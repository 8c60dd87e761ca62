#!/usr/bin/env bash
# deps.sh - install the Debian packages makemore needs, only those missing.
# Sourced by test.sh and demo.sh (and usable alone): `scripts/deps.sh build
# test bench python`.  Runs apt-get update once, then one apt-get install of
# what is missing; does nothing at all when everything is there.
set -euo pipefail

mm_pkgs_for() {
    case "$1" in
        build)  echo "cmake make gcc g++ pkg-config libc6-dev" ;;
        test)   echo "libcmocka-dev" ;;
        bench)  echo "libbenchmark-dev" ;;
        python) echo "python3 python3-numpy" ;;
        pymod)  echo "python3-dev python3-numpy python3-pytest" ;;  # import makemore (python/)
        torch)  echo "python3-torch" ;;
        plot)   echo "python3-matplotlib" ;;
        png)    echo "librsvg2-bin" ;;  # rsvg-convert: makemore plot -o FILE.png
        mpi)    echo "libopenmpi-dev openmpi-bin" ;;
        fuzz)   echo "clang libclang-rt-14-dev" ;;
        tsan)   echo "clang libclang-rt-14-dev libomp-14-dev" ;;
        hyperfine) echo "hyperfine" ;;
        irstlm) echo "irstlm" ;;  # tests/cli/arpa.sh: compile-lm reads export --arpa
        *) echo "deps.sh: unknown group '$1'" >&2; return 2 ;;
    esac
}

mm_install_deps() {
    local want=() missing=() p
    for group in "$@"; do
        for p in $(mm_pkgs_for "$group"); do want+=("$p"); done
    done
    for p in "${want[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    echo "deps: installing ${missing[*]}" >&2
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "deps: need root to install: ${missing[*]}" >&2; return 1
        fi
    fi
    $sudo apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    mm_install_deps "${@:-build test}"
fi
