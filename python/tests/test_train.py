"""makemore.train: the notebook's losses, W, and save/load.

Tolerances: PyTorch's float32 run of the notebook gives 3.7686186 at step 0
and 2.4901304 at step 99; tests/test_train.c holds the library to them
within 2e-5 (float32 sums in a different order), and so does this file.
softmax rows: atol 1e-7, rtol 1e-5 (STYLE.md), loosened to 1e-6 absolute
because numpy's float32 exp differs from the kernels' by a few ulp.
"""
import numpy as np
import pytest

import makemore

LOSS_ATOL = 2e-5


def test_notebook_losses(names):
    m, losses = makemore.train(names)
    assert m.kind == "neural" and m.steps == 100 and m.counts is None
    assert losses.dtype == np.float64 and losses.shape == (100,)
    assert losses[0] == pytest.approx(3.7686186, abs=LOSS_ATOL)
    assert losses[99] == pytest.approx(2.4901304, abs=LOSS_ATOL)
    assert np.all(np.diff(losses) < 0)          # lr 50 descends every step here
    W = m.W
    assert W.dtype == np.float32 and W.shape == (27, 27)
    # P is the softmax of each row of W.
    e = np.exp(W.astype(np.float64) - W.max(axis=1, keepdims=True))
    np.testing.assert_allclose(m.probs, e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-6)


def test_steps_add_up(names):
    """Ten steps, then from the same start ten more with init: the loss the
    second run starts at is the first run's loss after its last update."""
    a, la = makemore.train(names, steps=10)
    b, lb = makemore.train(names, steps=11)
    c, lc = makemore.train(names, steps=1, init=a.W, seed=1)
    assert lc[0] == pytest.approx(lb[10], rel=1e-6)
    np.testing.assert_array_equal(la, lb[:10])


def test_long_loss_history(names):
    """More steps than the first 1024 the loss array holds: every loss kept."""
    _, short = makemore.train(names, steps=100)
    _, long = makemore.train(names, steps=2500)
    assert long.shape == (2500,)
    np.testing.assert_array_equal(long[:100], short)
    assert np.all(np.isfinite(long)) and long[-1] < long[1024] < long[100]


def test_init_and_zero_steps(names):
    W0 = np.linspace(-1, 1, 27 * 27, dtype=np.float64).reshape(27, 27)  # converted to float32
    m, losses = makemore.train(names, steps=0, init=W0)
    assert losses.shape == (0,) and m.steps == 0
    np.testing.assert_array_equal(m.W, W0.astype(np.float32))


def test_initial_W_is_torch_randn(names):
    torch = pytest.importorskip("torch")
    m, _ = makemore.train(names, steps=0)
    g = torch.Generator().manual_seed(2147483647)
    ref = torch.randn((27, 27), generator=g).numpy()
    np.testing.assert_allclose(m.W, ref, rtol=1e-6, atol=1e-6)   # "within a few ulp of torch"


def test_drivers_agree(names):
    _, ref = makemore.train(names, steps=5)
    for driver in ("examples", "onehot"):
        _, losses = makemore.train(names, steps=5, driver=driver)
        np.testing.assert_allclose(losses, ref, rtol=1e-5)


def test_minibatch(names):
    m, losses = makemore.train(names, steps=20, batch=512, lr=10)
    assert losses.shape == (20,) and np.all(np.isfinite(losses))
    again, losses2 = makemore.train(names, steps=20, batch=512, lr=10, threads=1)
    np.testing.assert_allclose(losses2, losses, rtol=1e-5)


def test_save_load(names, tmp_path):
    m, _ = makemore.train(names, steps=30)
    path = tmp_path / "nn.mm"
    m.save(path)
    back = makemore.load(path)
    assert back.kind == "neural" and back.steps == 30 and back.vocab == m.vocab
    np.testing.assert_array_equal(back.W, m.W)
    np.testing.assert_array_equal(back.probs, m.probs)
    assert back.sample(20, seed=5) == m.sample(20, seed=5)
    c = makemore.count(names, smoothing=0.5)
    c.save(tmp_path / "c.mm")
    cb = makemore.load(str(tmp_path / "c.mm"))
    assert cb.smoothing == 0.5 and cb.W is None
    np.testing.assert_array_equal(cb.counts, c.counts)
    assert cb.eval(names) == c.eval(names)


def test_bad_arguments(names):
    with pytest.raises(ValueError, match="driver"):
        makemore.train(names, steps=1, driver="gpu")
    with pytest.raises(ValueError, match="27 x 27"):
        makemore.train(names, steps=1, init=np.zeros((3, 3), np.float32))
    with pytest.raises(ValueError, match="learning rate"):
        makemore.train(names, steps=1, lr=-1.0)
    with pytest.raises(NotImplementedError, match="order 4"):   # 2, and 3 with n-grams
        makemore.train(names, order=4)


def test_ctrl_c_stops_a_long_train(names):
    """SIGINT during a long train raises KeyboardInterrupt within a fraction
    of a second (the step callback checks for signals every 50 ms of steps),
    not when the million steps (3 s) would have ended.  (sample checks between
    chunks of 1 MiB of symbols too; not tested here: the names it piles up
    in 0.3 s take hundreds of MB.)"""
    import os
    import signal
    import threading
    import time
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    t0 = time.monotonic()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        makemore.train(names, steps=10**6)
    timer.join()
    assert time.monotonic() - t0 < 30


def test_divergence_keeps_the_last_finite_model(names):
    with pytest.raises(makemore.DivergedError, match="diverged at step") as e:
        makemore.train(names, steps=50, lr=1e10)
    err = e.value
    assert isinstance(err, ArithmeticError)
    m, losses = err.model, err.losses
    assert m.kind == "neural" and 0 < m.steps < 50
    # losses[k] for k = 0 .. m.steps: the last one is the kept model's own loss
    # (the update after it made the loss NaN).
    assert losses.shape == (m.steps + 1,) and np.all(np.isfinite(losses))
    assert np.all(np.isfinite(m.W))
    # Training just that many steps gives the same model and losses.
    again, l2 = makemore.train(names, steps=m.steps, lr=1e10)
    np.testing.assert_array_equal(again.W, m.W)
    np.testing.assert_array_equal(l2, losses[:-1])
