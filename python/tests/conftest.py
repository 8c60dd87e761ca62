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


def numpy_counts(path, order=2):
    """(vocab, N): the notebook's sorted(set(...)) vocabulary with '.' first,
    and N[ix1, ..., ixK] (K = order) counted over (K - 1) '.' pads + w + '.'
    of every non-empty line, as the lecture's trigram exercise E01 pads."""
    words = [w for w in pathlib.Path(path).read_text(encoding="utf-8").splitlines() if w]
    chars = sorted(set("".join(words)))
    vocab = "." + "".join(chars)
    stoi = {s: i for i, s in enumerate(vocab)}
    V = len(vocab)
    keys = []
    for w in words:
        s = [0] * (order - 1) + [stoi[c] for c in w] + [0]
        for i in range(len(s) - order + 1):
            k = 0
            for x in s[i:i + order]:
                k = k * V + x
            keys.append(k)
    N = np.bincount(np.asarray(keys, dtype=np.int64), minlength=V ** order)
    return vocab, N.reshape((V,) * order).astype(np.uint64)
