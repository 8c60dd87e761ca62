#!/usr/bin/python3
"""python_module.py - time `import makemore` (python/, the module over
libmakemore) against numpy on the same work, after checking they agree, and
write Google-Benchmark-like JSON (peerlib.Results) for the figures the notes
and docs quote.

Usage (Debian's /usr/bin/python3 with python3-numpy and python3-torch, which
skilled.py imports; the module from a build tree):
  PYTHONPATH=BUILD/python python_module.py --names names.txt --out FILE.json
        [--scale 64] [--repetitions 5] [--min-time 0.5]

Benchmarks (kernel/peer/threads/size; size "names" is names.txt, "namesxS"
names.txt repeated S times in a scratch file):
  count/python-module/tN/SIZE   makemore.count(path, threads=N): file to model
  count/numpy-bincount/t1/SIZE  skilled.count_numpy: np.bincount of byte pairs
                                (the corpus mapped and its vocabulary built
                                outside the timed call)
  eval/python-module/tN/names   Model.eval(path)
  sample/python-module/t1/names Model.sample(10000): names/s
  train100/python-module/t1/names  makemore.train(path): the notebook's 100 steps
  view/python-module/t1/names   Model.probs: one zero-copy view, per call
  count/python-module-guard/tN/namesxS
                                makemore.count after makemore.sigbus_guard_install()
                                (last: the guard is for the rest of the process),
                                so the reader may map the file where that is faster
The CPU context (vendor, family/model, flags, hidden sets) is results_name.py's.
"""
import argparse
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))

import numpy as np  # noqa: E402

import makemore  # noqa: E402
import peerlib  # noqa: E402
import skilled  # noqa: E402
from peerlib import CheckFailed, log  # noqa: E402
from results_name import cpu_context  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--names", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scale", type=int, default=64)
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5)
    a = ap.parse_args()

    tmp = peerlib.tempdir()
    try:
        big = os.path.join(tmp, "names-x%d.txt" % a.scale)
        with open(a.names, "rb") as f:
            raw = f.read()
        with open(big, "wb") as f:
            f.write(raw * a.scale)
        r = peerlib.Results(a.repetitions, a.min_time)
        threads = os.cpu_count() or 1
        for size, path in (("names", a.names), ("namesx%d" % a.scale, big)):
            nbytes = os.path.getsize(path)
            corpus = skilled.ByteCorpus(path)
            ref = skilled.count_numpy(corpus)
            got = makemore.count(path).counts
            if not np.array_equal(got, ref):
                raise CheckFailed("%s: makemore.count and numpy disagree" % size)
            big_ref = ref  # the last size is the big one
            for t in sorted({1, threads}):
                r.time("count/python-module/t%d/%s" % (t, size),
                       lambda p=path, t=t: makemore.count(p, threads=t),
                       bytes_per_call=nbytes, peer="python-module",
                       compare_with="count/" + size)
            r.time("count/numpy-bincount/t1/%s" % size,
                   lambda c=corpus: skilled.count_numpy(c), bytes_per_call=nbytes,
                   peer="skilled", compare_with="count/" + size)
        m = makemore.count(a.names)
        nbytes = os.path.getsize(a.names)
        r.time("eval/python-module/t%d/names" % threads, lambda: m.eval(a.names),
               bytes_per_call=nbytes, peer="python-module", compare_with="eval/names")
        r.time("sample/python-module/t1/names", lambda: m.sample(10000, seed=1),
               items_per_call=10000, peer="python-module", compare_with="sample/names")
        r.time("train100/python-module/t1/names", lambda: makemore.train(a.names),
               peer="python-module", compare_with="train100/names")
        r.time("view/python-module/t1/names", lambda: m.probs, unit="ns",
               peer="python-module", compare_with="view/names")
        # last: the guard cannot be taken back
        makemore.sigbus_guard_install()
        size = "namesx%d" % a.scale
        if not np.array_equal(makemore.count(big).counts, big_ref):
            raise CheckFailed("%s: makemore.count under the guard and numpy disagree" % size)
        for t in sorted({1, threads}):
            r.time("count/python-module-guard/t%d/%s" % (t, size),
                   lambda t=t: makemore.count(big, threads=t),
                   bytes_per_call=os.path.getsize(big), peer="python-module",
                   compare_with="count/" + size)
        extra = cpu_context(",".join(makemore.isa_hidden()))
        extra.update({"makemore_isa": makemore.isa(), "makemore_version": makemore.__version__,
                      "names": a.names, "scale": a.scale})
        r.write(a.out, peerlib.context(threads, extra))
        log("wrote %s" % a.out)
    except CheckFailed as e:
        log("check failed: %s" % e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
