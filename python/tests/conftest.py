"""Fixtures of the makemore module's tests.

names: Karpathy's names.txt ($MM_NAMES, else tests/data/names.txt of the
checkout); the tests that need it skip without it.  numpy_counts: the
notebook's count of a corpus, in numpy, to hold the library's counts to.
"""
import os
import pathlib

import numpy as np
import pytest


def names_path():
    for p in (os.environ.get("MM_NAMES"),
              os.path.join(os.environ.get("MM_SOURCE_DIR", ""), "tests", "data", "names.txt")):
        if p and os.path.isfile(p):
            return p
    return None


@pytest.fixture(scope="session")
def names():
    p = names_path()
    if p is None:
        pytest.skip("names.txt not found (set MM_NAMES)")
    return p


def numpy_counts(path):
    """(vocab, N): the notebook's sorted(set(...)) vocabulary with '.' first,
    and N[stoi[a], stoi[b]] counted over '.' + w + '.' of every non-empty line."""
    words = [w for w in pathlib.Path(path).read_text(encoding="utf-8").splitlines() if w]
    chars = sorted(set("".join(words)))
    vocab = "." + "".join(chars)
    stoi = {s: i for i, s in enumerate(vocab)}
    V = len(vocab)
    ix = []
    for w in words:
        s = [0] + [stoi[c] for c in w] + [0]
        ix.extend(a * V + b for a, b in zip(s, s[1:]))
    N = np.bincount(np.asarray(ix, dtype=np.int64), minlength=V * V).reshape(V, V)
    return vocab, N.astype(np.uint64)
