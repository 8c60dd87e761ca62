"""The module against the notebook's own PyTorch code (bench/peers/notebook.py,
the cells as the notebook writes them), on names.txt.  Needs python3-torch
(scripts/deps.sh torch), which scripts/test.sh does not install: without it
these tests skip and test_count/test_sample/test_train hold the module to the
notebook's published figures instead.

Tolerances: counts and sampled names exact; NLL in double rtol 1e-6 against
torch's float32 log P summed in double (the float32 log of P may differ by an
ulp from the double log the module takes of the same float32 P); training
losses within 3e-5 absolute (torch sums 228,146 float32 losses; step 1
differs by 2.1e-5, see docs/notebook.md); initial W within 1e-6.
"""
import pathlib
import sys

import numpy as np
import pytest

import makemore

torch = pytest.importorskip("torch")
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench" / "peers"))
import notebook  # noqa: E402  (bench/peers/notebook.py)


@pytest.fixture(scope="module")
def words(names):
    return open(names, encoding="utf-8").read().splitlines()


def test_counts_samples_nll(names, words):
    N = notebook.count_loop(words)
    m = makemore.count(names)
    np.testing.assert_array_equal(m.counts, N.numpy().astype(np.uint64))
    _, itos = notebook.vocab_of_words(words)
    assert m.sample(20, seed=2147483647) == notebook.sample_names(N, itos, 20)
    assert m.eval(names).nll == pytest.approx(notebook.count_model_nll(N), rel=1e-6)
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    np.testing.assert_array_max_ulp(m.probs, P.numpy(), maxulp=1)


def test_training_steps(names, words):
    t = notebook.NotebookTrainer(words)
    m0, _ = makemore.train(names, steps=0)
    np.testing.assert_allclose(m0.W, t.W.detach().numpy(), rtol=1e-6, atol=1e-6)
    ref = [t.step() for _ in range(5)]
    _, losses = makemore.train(names, steps=5)
    np.testing.assert_allclose(losses, ref, rtol=0, atol=3e-5)
