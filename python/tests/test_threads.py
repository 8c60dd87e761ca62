"""Calls release the GIL: Python threads run them at once on shared models
and get the results a single thread gets."""
import threading
import time

import numpy as np

import makemore


def test_threads_share_models(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("emma\nolivia\nava\nisabella\nsophia\nzoë\n" * 2000, encoding="utf-8")
    m = makemore.count(corpus)
    want = (m.counts.copy(), m.eval(corpus), m.sample(500, seed=11),
            makemore.train(corpus, steps=5)[1])
    got, errors = [], []

    def work():
        try:
            c = makemore.count(corpus)
            got.append((c.counts.copy(), m.eval(corpus), m.sample(500, seed=11),
                        makemore.train(corpus, steps=5)[1]))
        except Exception as e:  # reported below, on the main thread
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(got) == 4
    for counts, ev, names, losses in got:
        np.testing.assert_array_equal(counts, want[0])
        assert ev == want[1] and names == want[2]
        np.testing.assert_array_equal(losses, want[3])


def test_error_message_is_per_thread(tmp_path):
    """Each thread's exception carries its own file's message."""
    paths = []
    for i in range(4):
        p = tmp_path / f"bad{i}.txt"
        p.write_bytes(b"ok\n" * (i + 1) + b"\xff\n")
        paths.append(p)
    msgs = [None] * 4

    def work(i):
        for _ in range(200):
            try:
                makemore.count(paths[i])
            except makemore.CorpusError as e:
                msgs[i] = str(e)
                if not msgs[i].startswith(f"{paths[i]}:{i + 2}:1:"):
                    return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        assert msgs[i].startswith(f"{paths[i]}:{i + 2}:1:"), msgs[i]


def test_long_calls_release_the_gil(names):
    """While one thread is inside one long C call, another runs Python code.
    The main thread spins, noting the longest gap between two of its
    iterations; had the call held the GIL, that gap would be the whole call.
    With the GIL released it is a scheduling delay: the test asks for less
    than half the call.  The calls last about half a second on an idle
    machine.  count and eval take a millisecond on names.txt, too short to
    tell a gap from scheduling, and release the GIL the same way
    (Py_BEGIN_ALLOW_THREADS around the library call)."""
    m = makemore.count(names)
    calls = {
        "train": lambda: makemore.train(names, steps=250, driver="examples", threads=1),
        "sample": lambda: m.sample(3000000, seed=3),
    }
    for name, call in calls.items():
        took = {}

        def work():
            t0 = time.perf_counter()
            call()
            took["s"] = time.perf_counter() - t0

        t = threading.Thread(target=work)
        t.start()
        gap, last = 0.0, time.perf_counter()
        while t.is_alive():
            now = time.perf_counter()
            gap, last = max(gap, now - last), now
        t.join()
        assert gap < took["s"] / 2, f"{name}: main thread stalled {gap:.3f} s of {took['s']:.3f} s"
