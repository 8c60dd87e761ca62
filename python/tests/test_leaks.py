"""No memory leaks: every call in a loop, the resident set stays flat.

A model of V = 27 holds about 15 KiB (counts, P, its cumulative rows, the
sampling guide), a corpus map and a training workspace more: leaking any of
them per iteration over 300 iterations would add megabytes (leaking the
Models alone: 16 MiB, measured by removing mm_model_destroy from the Model's
dealloc).  The bound, 2 MiB after a warm-up, leaves room for the
allocator's own slack (0 KiB grew here without a leak).
"""
import gc

import pytest

import makemore

ITERATIONS = 300
SLACK_KIB = 2048


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no /proc/self/status")


def one_round(corpus, bad, model_path):
    # One thread: OpenMP teams spinning on a machine shared with other tests
    # made this loop 50 times slower; test_threads covers the threaded paths.
    m = makemore.count(corpus, threads=1)
    m.counts.sum(), m.probs.sum()
    m.eval(corpus, threads=1)
    m.eval_words(["emma", "zoë"])
    makemore.count_words(["emma", "zoë"] * 20, threads=1).counts.sum()
    m.sample(20, seed=1)
    m.save(model_path)
    makemore.load(model_path).probs.sum()
    nn, losses = makemore.train(corpus, steps=3, threads=1)
    nn.W.sum()
    for call in (lambda: makemore.count(bad), lambda: makemore.train(bad, steps=1),
                 lambda: makemore.load(corpus), lambda: m.eval(bad),
                 lambda: makemore.count_words(["a.b"]),
                 lambda: makemore.train(corpus, steps=30, lr=1e10, threads=1)):
        try:
            call()
        except makemore.Error:
            pass
        else:
            raise AssertionError("bad input accepted")


def test_no_growth(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("emma\nolivia\nzoë\nava\n" * 50, encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"emma\n\xff\n")
    model_path = tmp_path / "m.mm"
    for _ in range(30):
        one_round(corpus, bad, model_path)
    gc.collect()
    before = rss_kib()
    for _ in range(ITERATIONS):
        one_round(corpus, bad, model_path)
    gc.collect()
    grown = rss_kib() - before
    print(f"resident set grew by {grown} KiB over {ITERATIONS} rounds")
    assert grown < SLACK_KIB, f"resident set grew by {grown} KiB over {ITERATIONS} rounds"
