"""Calls release the GIL: Python threads run them at once on shared models
and get the results a single thread gets."""
import threading

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
