"""counts, probs and W are numpy views of the model's own memory: no copy,
read-only, and alive as long as any view is, even after `del model`."""
import gc

import numpy as np
import pytest

import makemore


@pytest.fixture
def corpus(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("emma\nolivia\nava\nisabella\nsophia\n", encoding="utf-8")
    return p


def test_views_share_the_models_memory(corpus):
    m = makemore.count(corpus)
    for name in ("counts", "probs"):
        a, b = getattr(m, name), getattr(m, name)
        assert a is not b and np.shares_memory(a, b), name     # two views, one buffer
        assert a.base is m, name
        assert not a.flags.writeable and a.flags.c_contiguous, name
        with pytest.raises(ValueError):
            a[0, 0] = 1
    nn, _ = makemore.train(corpus, steps=3)
    assert np.shares_memory(nn.W, nn.W) and nn.W.base is nn


def test_view_outlives_the_model(corpus):
    m = makemore.count(corpus)
    counts, probs = m.counts, m.probs
    want_c, want_p = counts.copy(), probs.copy()
    del m
    gc.collect()
    # Allocate and free models of the same size, so freed memory would be reused.
    for _ in range(50):
        makemore.count(corpus, smoothing=3.0).probs.sum()
    np.testing.assert_array_equal(counts, want_c)
    np.testing.assert_array_equal(probs, want_p)
    nn, _ = makemore.train(corpus, steps=2)
    W = nn.W
    want_w = W.copy()
    del nn
    gc.collect()
    for _ in range(20):
        makemore.train(corpus, steps=2, seed=9)
    np.testing.assert_array_equal(W, want_w)


def test_view_keeps_exactly_one_reference(corpus):
    """The views hold the model and release it: no reference is leaked."""
    import sys
    m = makemore.count(corpus)
    before = sys.getrefcount(m)
    views = [m.counts for _ in range(10)]
    assert sys.getrefcount(m) == before + 10
    del views
    assert sys.getrefcount(m) == before


def test_model_is_not_constructible():
    with pytest.raises(TypeError):
        makemore.Model()
