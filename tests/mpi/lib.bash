# lib.bash - sourced by tests/mpi/*.sh (not a test itself: ctest runs *.sh).
# Env (cmake/mpi.cmake): MAKEMORE, MAKEMORE_MPI, MPIEXEC, MM_MPI_NP (ranks),
# MM_MPI_FLAGS (e.g. --oversubscribe), MM_NAMES (optional), MM_SOURCE_DIR,
# MM_TEST_TMP, and the OMPI_* settings for loopback runs as root.
set -u

MM=${MAKEMORE:?set MAKEMORE to the makemore binary}
MPI=${MAKEMORE_MPI:?set MAKEMORE_MPI to the makemore-mpi binary}
MPIEXEC=${MPIEXEC:-mpirun}
NP=${MM_MPI_NP:-2}
MPI_FLAGS=${MM_MPI_FLAGS:-}
command -v "$MPIEXEC" >/dev/null || { echo "skip: no $MPIEXEC"; exit 77; }
mkdir -p "${MM_TEST_TMP:-/tmp}"
T=$(mktemp -d "${MM_TEST_TMP:-/tmp}/mpi_$(basename "$0" .sh)_np$NP.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fails=0
fail() { echo "FAIL [np $NP]: $*" >&2; fails=$((fails + 1)); }
finish() {
    if [ "$fails" -ne 0 ]; then
        echo "$fails failure(s)" >&2
        exit 1
    fi
    echo "ok [np $NP]"
    exit 0
}

# mpirun -np $NP makemore-mpi ARGS...  (np overridable: NP=1 mpi ...)
mpi() { "$MPIEXEC" -np "$NP" $MPI_FLAGS "$MPI" "$@"; }

# The message makemore(-mpi) printed, without its "makemore[-mpi]: " prefix
# (mpirun adds its own report of the non-zero exit after it).
message() { sed -n 's/^makemore\(-mpi\)\{0,1\}: //p' "$1" | head -1; }

# |a - b| <= rel * |b|
rel_close() {
    awk -v a="$1" -v b="$2" -v r="$3" 'BEGIN { d = a - b; if (d < 0) d = -d;
        m = b < 0 ? -b : b; exit !(d <= r * m) }'
}
