"""makemore.count and Model.eval against the notebook's figures and a numpy
count of the same file.

Tolerances: counts are exact; P is float32 computed as PyTorch does
((N + k) / rowsum), held to numpy's float32 result within 2 ulp (numpy sums
a row pairwise, torch and libmakemore left to right); NLLs, summed in
double, within rtol 1e-6 (STYLE.md).
"""
import math

import numpy as np
import pytest

import makemore
from conftest import numpy_counts

NLL_RTOL = 1e-6


def test_names_figures(names):
    m = makemore.count(names)
    assert m.kind == "counts" and m.V == 27 and m.smoothing == 1.0
    assert m.vocab == ".abcdefghijklmnopqrstuvwxyz"
    assert m.counts.sum() == 228146          # the notebook's xs.nelement()
    assert m.counts[0].sum() == 32033        # len(words)
    r = m.eval(names)
    assert r.examples == 228146
    assert r.nll == pytest.approx(2.454577, abs=5e-7)
    assert r.log_likelihood == pytest.approx(-r.nll * r.examples, rel=1e-12)
    assert r.perplexity == pytest.approx(math.exp(r.nll), rel=1e-12)


def test_counts_equal_numpy(names):
    vocab, N = numpy_counts(names)
    m = makemore.count(names)
    assert m.vocab == vocab
    assert m.counts.dtype == np.uint64 and m.counts.shape == N.shape
    np.testing.assert_array_equal(m.counts, N)
    assert m.stoi == {s: i for i, s in enumerate(vocab)} and m.itos == vocab


@pytest.mark.parametrize("k", [1.0, 0.5, 0.0, 100.0])
def test_probs_and_nll_equal_numpy(names, k):
    _, N = numpy_counts(names)
    m = makemore.count(names, smoothing=k)
    assert m.smoothing == k
    P = m.probs
    assert P.dtype == np.float32 and P.shape == N.shape
    np.testing.assert_allclose(P.sum(axis=1, dtype=np.float64), 1.0, rtol=0, atol=1e-6)
    ref = (N + k).astype(np.float32)
    ref /= ref.sum(axis=1, keepdims=True)
    np.testing.assert_array_max_ulp(P, ref, maxulp=2)
    # The notebook's NLL: -mean log P[x, y] over every bigram, here in double.
    with np.errstate(divide="ignore"):
        logp = np.log(P.astype(np.float64))
    mask = N > 0
    nll = -(N[mask] * logp[mask]).sum() / N.sum()
    assert m.eval(names).nll == pytest.approx(nll, rel=NLL_RTOL)


def test_small_corpus_by_hand(tmp_path):
    p = tmp_path / "c.txt"
    p.write_bytes(b"ab\r\nba\n\nb")           # CRLF, an empty line, no final newline
    m = makemore.count(p, smoothing=0.0)       # os.PathLike works as well as str
    assert m.vocab == ".ab"
    # bigrams: .a ab b. | .b ba a. | .b b.
    np.testing.assert_array_equal(m.counts, [[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    np.testing.assert_array_equal(m.probs, np.array([[0, 1 / 3, 2 / 3], [.5, 0, .5],
                                                     [2 / 3, 1 / 3, 0]], dtype=np.float32))
    r = m.eval(p)
    assert r.examples == 8
    want = -(math.log(np.float32(1 / 3)) + 2 * math.log(np.float32(2 / 3)) * 2
             + 2 * math.log(0.5) + math.log(np.float32(1 / 3))) / 8
    assert r.nll == pytest.approx(want, rel=NLL_RTOL)


def test_non_ascii_vocab(tmp_path):
    p = tmp_path / "u.txt"
    p.write_text("zoë\nchloé\nåsa\n", encoding="utf-8")
    vocab, N = numpy_counts(p)
    m = makemore.count(p)
    assert m.vocab == vocab and "ë" in m.vocab
    np.testing.assert_array_equal(m.counts, N)


def test_eval_words_andrejq(names):
    """The notebook's check of one name: log_likelihood -27.8672, avg nll 3.4834."""
    m = makemore.count(names)
    r = m.eval_words(["andrejq"])
    assert r.examples == 8
    assert r.log_likelihood == pytest.approx(-27.8672, abs=5e-5)
    assert r.nll == pytest.approx(3.4834, abs=5e-5)
    P = m.probs.astype(np.float64)
    s = [m.stoi[c] for c in ".andrejq."]
    assert r.log_likelihood == pytest.approx(sum(math.log(P[a, b]) for a, b in zip(s, s[1:])),
                                             rel=NLL_RTOL)
    # Without smoothing, 'jq' was never seen: P = 0 and the NLL is infinite.
    assert makemore.count(names, smoothing=0.0).eval_words(["andrejq"]).nll == math.inf


def test_threads_give_the_same_counts(names):
    ref = makemore.count(names, threads=1).counts
    for t in (2, 3):
        np.testing.assert_array_equal(makemore.count(names, threads=t).counts, ref)


def test_count_words_equals_count(names):
    words = open(names, encoding="utf-8").read().splitlines()
    a, b = makemore.count_words(words), makemore.count(names)
    np.testing.assert_array_equal(a.counts, b.counts)
    np.testing.assert_array_equal(a.probs, b.probs)
    assert a.vocab == b.vocab and a.sample(50, seed=9) == b.sample(50, seed=9)
    small = makemore.count_words(("ab", "", "ba", "b"), smoothing=0.0)   # any iterable
    np.testing.assert_array_equal(small.counts, [[0, 1, 2], [1, 0, 1], [2, 1, 0]])
    with pytest.raises(makemore.CorpusError, match=r"^<words>:2:3: .*'\.'"):
        makemore.count_words(["emma", "ol.ivia"])
    with pytest.raises(ValueError, match="line end"):
        makemore.count_words(["em\nma"])
    with pytest.raises(TypeError):
        makemore.count_words(["emma", 3])
