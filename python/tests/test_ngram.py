"""Order-K n-grams (issue 13 item 1) through the module: count(order=K),
the neural trigram train(order=3).  Without the n-gram API in libmakemore
(makemore.MAX_ORDER == 2), order 3 must raise NotImplementedError and the
rest skips.

Tolerances: counts exact; P of order K as (N + k) / sums over the last axis
in float32, within 2 ulp of numpy's; NLL rtol 1e-6 (STYLE.md).
"""
import os
import subprocess

import numpy as np
import pytest

import makemore
from conftest import numpy_counts

needs_ngrams = pytest.mark.skipif(makemore.MAX_ORDER < 3,
                                  reason="libmakemore without the n-gram API")


def test_orders_without_the_api(tmp_path):
    if makemore.MAX_ORDER >= 3:
        pytest.skip("the n-gram API is there: see the tests below")
    p = tmp_path / "c.txt"
    p.write_text("emma\n", encoding="utf-8")
    with pytest.raises(NotImplementedError, match="order 3"):
        makemore.count(p, order=3)
    with pytest.raises(NotImplementedError, match="order 3"):
        makemore.train(p, order=3)
    assert makemore.count(p).order == 2


@needs_ngrams
@pytest.mark.parametrize("order", [3, 4])
def test_counts_probs_nll_equal_numpy(names, order):
    vocab, N = numpy_counts(names, order)
    m = makemore.count(names, order=order)
    assert m.order == order and m.vocab == vocab
    np.testing.assert_array_equal(m.counts, N)
    assert N.sum() == 228146                     # one n-gram per bigram, whatever K
    keys, values = m.ngrams
    assert keys.base is m and values.base is m and not keys.flags.writeable
    np.testing.assert_array_equal(keys, np.flatnonzero(N.reshape(-1)))
    np.testing.assert_array_equal(values, N.reshape(-1)[keys])
    ref = (N + 1).astype(np.float32)
    ref /= ref.sum(axis=-1, keepdims=True)
    np.testing.assert_array_max_ulp(m.probs, ref, maxulp=2)
    logp = np.log(m.probs.astype(np.float64))
    nll = -(N * logp).sum() / N.sum()
    assert m.eval(names).nll == pytest.approx(nll, rel=1e-6)
    words = open(names, encoding="utf-8").read().splitlines()
    np.testing.assert_array_equal(makemore.count_words(words, order=order).counts, N)


@needs_ngrams
def test_trigram_figures(names):
    m = makemore.count(names, order=3)
    assert repr(m) == "<makemore.Model counts order=3 V=27 ngrams=228146 smoothing=1>"
    assert m.eval(names).nll < makemore.count(names).eval(names).nll  # more context helps
    assert m.counts.shape == (27, 27, 27) and m.W is None


@needs_ngrams
def test_trigram_samples_equal_the_cli_and_torch(names, tmp_path):
    m = makemore.count(names, order=3)
    got = m.sample(200, seed=2147483647)
    exe = os.environ.get("MAKEMORE")
    if exe and os.access(exe, os.X_OK):
        path = tmp_path / "tri.mm"
        m.save(path)
        back = makemore.load(path)
        assert back.order == 3 and back.sample(200, seed=2147483647) == got
        out = subprocess.run([exe, "sample", str(path), "-n", "200", "--seed", "2147483647"],
                             check=True, capture_output=True, text=True).stdout
        assert out.splitlines() == got
    torch = pytest.importorskip("torch")
    # Exercise E01's sampling: P[ix1, ix2] rows, torch.multinomial.
    P = torch.from_numpy(np.array(m.probs))
    g = torch.Generator().manual_seed(2147483647)
    names_t = []
    for _ in range(200):
        ix1 = ix2 = 0
        out = []
        while True:
            ix = torch.multinomial(P[ix1, ix2], num_samples=1, replacement=True,
                                   generator=g).item()
            if ix == 0:
                break
            out.append(m.itos[ix])
            ix1, ix2 = ix2, ix
        names_t.append("".join(out))
    assert got == names_t


@needs_ngrams
def test_dense_refused_when_huge(names):
    m = makemore.count(names, order=6)
    with pytest.raises(ValueError, match="Model.ngrams"):
        m.counts
    keys, values = m.ngrams
    assert values.sum() == 228146 and len(keys) < 27 ** 6


@needs_ngrams
def test_neural_trigram(names, tmp_path):
    nn, losses = makemore.train(names, order=3, steps=30)
    assert nn.order == 3 and nn.kind == "neural" and nn.steps == 30
    assert nn.W.shape == (54, 27) and nn.W.base is nn
    assert nn.probs.shape == (27, 27, 27)
    # lr 50 overshoots a little at order 3: the loss zigzags down (4.24 .. 2.50).
    assert losses.shape == (30,) and losses[-1] < 2.6 < 4.0 < losses[0]
    # logits of (x1, x2) = W1[x1] + W2[x2]: P is their softmax.
    W = nn.W.astype(np.float64)
    logits = W[:27, None, :] + W[None, 27:, :]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    np.testing.assert_allclose(nn.probs, e / e.sum(axis=-1, keepdims=True), rtol=1e-5, atol=1e-6)
    init = np.array(nn.W)
    again, l2 = makemore.train(names, order=3, steps=1, init=init)
    assert l2[0] == pytest.approx(nn.eval(names).nll + 0.01 * (W ** 2).mean(), rel=1e-5)
    with pytest.raises(ValueError, match="54 x 27"):
        makemore.train(names, order=3, steps=1, init=np.zeros((27, 27)))
    nn.save(tmp_path / "nt.mm")
    assert makemore.load(tmp_path / "nt.mm").sample(10, seed=4) == nn.sample(10, seed=4)
