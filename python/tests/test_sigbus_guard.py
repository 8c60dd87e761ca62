"""makemore.sigbus_guard_install(): without it count() reads only by pread
(MM_COUNT_READ=map is refused with the library's reason); with it a mapped
count gives the same counts as pread and auto; a handler installed after it
(faulthandler) takes SIGBUS back until the guard is installed again; and a
SIGBUS outside a mapped corpus reaches the handler that was there before,
also when that handler leads back to the guard (no endless loop).
Each case runs in its own process: a signal handler is process-wide."""
import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import numpy_counts

COUNT = """
import faulthandler, json, os, signal, sys
import makemore
steps = sys.argv[2].split(',') if sys.argv[2] else []
for s in steps:
    if s == 'install':
        makemore.sigbus_guard_install()
    elif s == 'faulthandler':
        faulthandler.enable()
    elif s == 'raise':
        # no core file from the death that follows (core_pattern may write one
        # into the working directory): not dumpable, and a core limit of 0
        import ctypes, resource
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
        os.kill(os.getpid(), signal.SIGBUS)
out = {}
for threads in (1, 2):
    try:
        out[threads] = makemore.count(sys.argv[1], threads=threads).counts.tolist()
    except makemore.Error as e:
        out[threads] = {'error': type(e).__name__, 'message': str(e)}
    except ValueError as e:
        out[threads] = {'error': 'ValueError', 'message': str(e)}
print(json.dumps(out))
"""


def run(corpus, steps, way):
    env = dict(os.environ)
    for k in ("MM_ISA", "MM_COUNT_KERNEL", "MM_CPU_HIDE", "PYTHONFAULTHANDLER"):
        env.pop(k, None)
    env["MM_COUNT_READ"] = way
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, "-c", COUNT, str(corpus), ",".join(steps)],
                          env=env, capture_output=True, text=True, timeout=60,
                          cwd=corpus.parent)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    # about 3 MB: several 512 KiB pieces per thread, so mapped reads count
    # more than one piece and the two threads split the file
    p = tmp_path_factory.mktemp("guard") / "c.txt"
    p.write_text("emma\nolivia\nava\nisabella\nsophia\nzoe\nmia\nxavier\n" * 70000,
                 encoding="utf-8")
    return p


def counts_of(r):
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_map_refused_without_the_guard(corpus):
    out = counts_of(run(corpus, [], "map"))
    for threads in ("1", "2"):
        assert out[threads]["error"] == "ValueError"
        assert "MM_COUNT_READ=map" in out[threads]["message"]
        assert "SIGBUS guard is not installed" in out[threads]["message"]
        assert str(corpus) in out[threads]["message"]


def test_mapped_counts_equal_pread(corpus):
    _, want = numpy_counts(corpus)
    want = want.tolist()
    for steps in ([], ["install"]):
        out = counts_of(run(corpus, steps, "pread"))
        assert out["1"] == want and out["2"] == want
    for way in ("map", "auto"):
        out = counts_of(run(corpus, ["install", "install"], way))  # twice: no harm
        assert out["1"] == want, way
        assert out["2"] == want, way


def test_replaced_guard_is_reinstalled(corpus):
    # faulthandler.enable() after the guard takes SIGBUS: map is refused again
    out = counts_of(run(corpus, ["install", "faulthandler"], "map"))
    assert "SIGBUS guard is not installed" in out["1"]["message"]
    # installing again puts the guard back (and faulthandler behind it)
    _, want = numpy_counts(corpus)
    out = counts_of(run(corpus, ["install", "faulthandler", "install"], "map"))
    assert out["1"] == want.tolist()


def test_other_sigbus_reaches_the_previous_handler(corpus):
    # faulthandler first, then the guard: a SIGBUS that is no mapped
    # corpus's fault is faulthandler's (it prints, then the process dies of it)
    r = run(corpus, ["faulthandler", "install", "raise"], "auto")
    assert r.returncode == -signal.SIGBUS, (r.returncode, r.stderr)
    assert "Bus error" in r.stderr
    assert r.stdout == ""
    # with no handler before the guard, it dies of SIGBUS as without the guard
    r = run(corpus, ["install", "raise"], "auto")
    assert r.returncode == -signal.SIGBUS, (r.returncode, r.stderr)
    # guard, faulthandler, guard again (the order the docstring of
    # sigbus_guard_install suggests): faulthandler puts the guard back and
    # re-raises; the signal once went round the two forever (a timeout and
    # 100 MB of tracebacks).  One traceback, then death by SIGBUS.
    r = run(corpus, ["install", "faulthandler", "install", "raise"], "auto")
    assert r.returncode == -signal.SIGBUS, (r.returncode, r.stderr[:400])
    assert r.stderr.count("Bus error") == 1, r.stderr[:2000]
