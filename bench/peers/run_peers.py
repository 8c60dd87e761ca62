#!/usr/bin/python3
"""run_peers.py - time PyTorch and numpy on makemore's work, after checking
that they compute the same thing, and write Google-Benchmark-like JSON for
scripts/bench-table.py and scripts/plot-bench.py.

Usage (scripts/bench.sh --peers runs it; Debian's /usr/bin/python3 with
python3-numpy and python3-torch):
  run_peers.py --makemore BUILD/makemore --out FILE.json [--names names.txt]
               [--corpus NAME=PATH]... [--threads N] [--repetitions 5]
               [--min-time 0.5] [--loop-slice BYTES] [--quick] [--only REGEX]

Benchmarks, named like makemore-bench's (kernel/peer/threads/size):
  count/python-loop/t1/C      (a) the notebook's loop, N[ix1, ix2] += 1, on the
                              first --loop-slice bytes of C (whole lines;
                              default 256 KiB, all of names.txt): bytes/s of
                              the slice, the rate the whole corpus would run
                              at since the loop's cost is linear in the bigrams
                              (the JSON has slice_bytes and the extrapolated
                              seconds for the whole file)
  count/numpy-bincount/t1/C   (b) np.bincount of byte pairs in 1 MiB chunks,
                              whole corpus (see skilled.py)
  count/torch-bincount/tN/C   (b) the same with torch.bincount
  train_step/torch-onehot/tN/names  (a) one full-batch step, one_hot(xs) @ W
  train_step/torch-index/tN/names   (b) one full-batch step, W[xs] + cross_entropy
  train100/torch-onehot/tN/names    (a) the notebook's cell: xs/ys, init, 100 steps
  train100/torch-index/tN/names     (b) the same, vectorised dataset
                              (3 repetitions of one run each; the check run
                              before them is the warm-up)
  sample/torch-multinomial/t1/names (a) the notebook's sampling loop, names/s

Each entry carries "peer" (notebook or skilled) and "compare_with": the
makemore-bench work (kernel/size) it is the same work as, for the ratios.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: bench.sh unsets both for this command
only (they slow a current OpenBLAS); the context records what was in force.
Exit status: 0 ok, 1 a peer disagrees with makemore (nothing written), 2 usage.
"""
import argparse
import os
import re
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import notebook  # noqa: E402
import peerlib  # noqa: E402
import skilled  # noqa: E402
from peerlib import CheckFailed, log  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--makemore", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--names")
    ap.add_argument("--corpus", action="append", default=[], metavar="NAME=PATH")
    ap.add_argument("--threads", type=int,
                    default=int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1)))
    ap.add_argument("--repetitions", type=int, default=5)
    ap.add_argument("--min-time", type=float, default=0.5)
    ap.add_argument("--loop-slice", type=int, default=256 * 1024)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="regex: time only matching benchmarks")
    args = ap.parse_args()
    if args.quick:
        args.repetitions = min(args.repetitions, 2)
        args.min_time = min(args.min_time, 0.01)
        args.loop_slice = min(args.loop_slice, 32 * 1024)
    steps100 = 5 if args.quick else 100

    corpora = []
    if args.names:
        corpora.append(("names", args.names))
    for c in args.corpus:
        name, eq, path = c.partition("=")
        if not eq or not name or not path:
            ap.error("--corpus takes NAME=PATH")
        if os.path.exists(path):
            corpora.append((name, path))
        else:
            log("%s: %s does not exist: skipped" % (name, path))

    # torch.from_numpy on the read-only mapping warns; nothing writes to it.
    warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
    torch.set_num_threads(args.threads)
    T = args.threads
    tmp = peerlib.tempdir()
    mm = peerlib.Makemore(args.makemore, tmp)
    res = peerlib.Results(args.repetitions, args.min_time)
    only = re.compile(args.only) if args.only else None

    def want(name):
        return only is None or only.search(name) is not None

    try:
        for cname, path in corpora:
            size = os.path.getsize(path)
            # (a) the notebook's loop, on a slice.
            name = "count/python-loop/t1/" + cname
            if want(name):
                words, sb = peerlib.read_words(path, args.loop_slice)
                slice_path = path
                if sb != size:
                    slice_path = os.path.join(tmp, cname + ".slice.txt")
                    with open(path, "rb") as f, open(slice_path, "wb") as g:
                        g.write(f.read(sb))
                N = notebook.count_loop(words)
                peerlib.check_counts(name + " (%d-byte slice)" % sb, N.numpy(),
                                     mm.counts(slice_path))
                if cname == "names":
                    peerlib.check_close("count model NLL (k=1) of the " + cname + " slice",
                                        notebook.count_model_nll(N), mm.eval_nll(slice_path), 1e-6)
                with open(slice_path, "rb") as f:
                    raw = f.read()

                def loop(raw=raw):
                    ws = [w for w in raw.decode("utf-8").splitlines() if w]
                    return notebook.count_loop(ws)

                res.time(name, loop, bytes_per_call=sb, unit="s", peer="notebook",
                         compare_with=["count/" + cname, "count_file/" + cname],
                         min_time=0.0,
                         note="slice of %d of %d bytes" % (sb, size),
                         extra={"slice_bytes": sb, "corpus_bytes": size})
                e = res.entries[-3]  # the median
                e["extrapolated_seconds_whole_corpus"] = size / e["bytes_per_second"]

            # (b) bincount over the whole corpus.
            need_b = want("count/numpy-bincount/t1/" + cname) or \
                want("count/torch-bincount/t%d/%s" % (T, cname))
            if not need_b:
                continue
            bc = skilled.ByteCorpus(path)
            ref = mm.counts(path)
            for pname, fn, thr in (("numpy-bincount", skilled.count_numpy, 1),
                                   ("torch-bincount", skilled.count_torch, T)):
                name = "count/%s/t%d/%s" % (pname, thr, cname)
                if not want(name):
                    continue
                peerlib.check_counts(name, fn(bc), ref)
                res.time(name, lambda fn=fn: fn(bc), bytes_per_call=bc.bytes, unit="ms",
                         peer="skilled",
                         compare_with=["count/" + cname, "count_file/" + cname])
            del bc

        if args.names:
            words, _ = peerlib.read_words(args.names)
            ours = mm.train_losses(args.names, steps100)
            if ours is None:
                # The reference figures of issue 3 (the notebook's own run).
                log("makemore train is not built: checking training losses against "
                    "the notebook's printed figures")
                ours_first = 3.768618
                ours_last = 2.490130 if steps100 == 100 else None
                source = "the notebook printed"
            else:
                ours_first, ours_last = ours[0], ours[-1]
                source = "makemore train says"

            def check_trainer(what, tr):
                first = tr.step()
                peerlib.check_close(what + " loss at step 0", first, ours_first, 2e-5, source)

            nb = notebook.NotebookTrainer(words)
            bc = skilled.ByteCorpus(args.names)
            xs, ys, V = skilled.make_dataset(bc)
            if not (torch.equal(xs, nb.xs) and torch.equal(ys, nb.ys)):
                raise CheckFailed("the vectorised dataset differs from the notebook's xs, ys")
            ix = skilled.IndexTrainer(xs, ys, V)
            nex = nb.num
            for pname, peer, tr in (("torch-onehot", "notebook", nb),
                                    ("torch-index", "skilled", ix)):
                name = "train_step/%s/t%d/names" % (pname, T)
                if not want(name):
                    continue
                check_trainer(name, tr)
                res.time(name, tr.step, items_per_call=nex, unit="ms", peer=peer,
                         compare_with=["train_step/names", "example_pass/V27"],
                         note="full batch, %d examples" % nex)

            for pname, peer, fn, arg in (("torch-onehot", "notebook", notebook.whole_run, words),
                                         ("torch-index", "skilled", skilled.whole_run, bc)):
                name = "train100/%s/t%d/names" % (pname, T)
                if not want(name):
                    continue
                if ours_last is not None:
                    last = fn(arg, steps100)
                    # The loss printed at the last step is computed before
                    # that step's update: whole_run returns exactly it.
                    peerlib.check_close(name + " loss at step %d" % (steps100 - 1), last,
                                        ours_last, 2e-5, source)
                res.time(name, lambda fn=fn, arg=arg: fn(arg, steps100),
                         items_per_call=nex * steps100, unit="s", peer=peer,
                         compare_with=["train100/names"], min_time=0.0,
                         repetitions=min(args.repetitions, 3), warmup=ours_last is None,
                         note="%d full-batch steps, whole cell" % steps100)

            name = "sample/torch-multinomial/t1/names"
            if want(name):
                N = notebook.count_loop(words)
                _, itos = peerlib.vocab_of_words(words)
                got = notebook.sample_names(N, itos, 5)
                want5 = mm.sample(args.names, 5, 2147483647)
                if got != want5:
                    raise CheckFailed("%s: %s, makemore samples %s" % (name, got, want5))
                log("%s: first 5 names %s equal makemore's" % (name, got))
                per_call = 20 if args.quick else 200
                res.time(name, lambda: notebook.sample_names(N, itos, per_call),
                         items_per_call=per_call, unit="ms", peer="notebook",
                         compare_with=["sample/names"])
    except CheckFailed as e:
        log("CHECK FAILED: %s" % e)
        log("nothing written")
        return 1

    ctx = peerlib.context(T, {"corpora": {n: p for n, p in corpora},
                              "loop_slice_bytes": args.loop_slice,
                              "quick": args.quick})
    res.write(args.out, ctx)
    log("wrote %s (%d benchmarks)" % (args.out, len(res.entries) // 4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
