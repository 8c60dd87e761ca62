"""No memory leaks: every call in a loop, the resident set stays flat.

A model of V = 27 holds about 15 KiB (counts, P, its cumulative rows, the
sampling guide), a corpus map and a training workspace more: leaking any of
them per iteration over 600 iterations would add megabytes.  The bound,
4 MiB after a warm-up, leaves room for the allocator's own slack.
"""
import gc

import pytest

import makemore

ITERATIONS = 600
SLACK_KIB = 4096


def rss_kib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    pytest.skip("no /proc/self/status")


def one_round(corpus, bad, model_path):
    m = makemore.count(corpus)
    m.counts.sum(), m.probs.sum()
    m.eval(corpus)
    m.eval_words(["emma", "zoë"])
    m.sample(20, seed=1)
    m.save(model_path)
    makemore.load(model_path).probs.sum()
    nn, losses = makemore.train(corpus, steps=3)
    nn.W.sum()
    for call in (lambda: makemore.count(bad), lambda: makemore.train(bad, steps=1),
                 lambda: makemore.load(corpus), lambda: m.eval(bad)):
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
    for _ in range(50):
        one_round(corpus, bad, model_path)
    gc.collect()
    before = rss_kib()
    for _ in range(ITERATIONS):
        one_round(corpus, bad, model_path)
    gc.collect()
    grown = rss_kib() - before
    assert grown < SLACK_KIB, f"resident set grew by {grown} KiB over {ITERATIONS} rounds"
