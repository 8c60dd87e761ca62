"""peerlib.py - what the peer benchmarks share: corpora as the notebook reads
them, timing in Google Benchmark's manner, checks against makemore's own
figures, and a Google-Benchmark-like JSON writer that scripts/bench-table.py
merges with makemore-bench's results.

Timing: a warm-up call, then `repetitions` repetitions; each repetition
calls the function k times back to back (k chosen from the warm-up so that
a repetition lasts at least min_time seconds) and records the wall time per
call.  A function whose warm-up call took over 5 s gets 3 repetitions.  Like makemore-bench's --benchmark_report_aggregates_only, only the
mean, median, stddev and cv of the repetitions are written.

Checks: before anything is timed, a peer's result is compared with what the
makemore CLI computes on the same data (`makemore count` + `makemore export
--npy` for counts, `makemore eval --json` for the NLL, `makemore train --log`
for the training losses, `makemore sample` for the names); a mismatch stops
the run with exit status 1.
"""
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


class CheckFailed(Exception):
    pass


def log(msg):
    print("peers: " + msg, file=sys.stderr, flush=True)


# ---- corpora ------------------------------------------------------------------

def read_words(path, limit_bytes=None):
    """The notebook's `open('names.txt').read().splitlines()`, without the
    empty lines (makemore skips them).  With limit_bytes, only the whole
    lines within the first limit_bytes bytes (a slice of the corpus); returns
    (words, bytes) where bytes is the size of the slice read."""
    with open(path, "rb") as f:
        data = f.read() if limit_bytes is None else f.read(limit_bytes)
    if limit_bytes is not None and len(data) == limit_bytes:
        cut = data.rfind(b"\n")
        data = data[: cut + 1] if cut >= 0 else b""
    text = data.decode("utf-8")
    return [w for w in text.splitlines() if w], len(data)


def vocab_of_words(words):
    chars = sorted(set("".join(words)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    return stoi, itos


# ---- makemore's own figures -------------------------------------------------

class Makemore:
    """Runs the makemore CLI for reference figures, caching them per file."""

    def __init__(self, binary, tmpdir):
        self.bin = binary
        self.tmp = tmpdir
        self._models = {}

    def run(self, *args, capture=True):
        r = subprocess.run([self.bin, *args], stdout=subprocess.PIPE if capture else None,
                           stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise CheckFailed("makemore %s failed: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout

    def has_command(self, cmd):
        r = subprocess.run([self.bin, cmd, "--help"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        return r.returncode == 0

    def model(self, corpus_path):
        if corpus_path not in self._models:
            m = os.path.join(self.tmp, "m%d.model" % len(self._models))
            self.run("count", corpus_path, "-o", m)
            self._models[corpus_path] = m
        return self._models[corpus_path]

    def counts(self, corpus_path):
        """The V x V int64 counts of a corpus, as `makemore export --npy`."""
        npy = self.model(corpus_path) + ".npy"
        if not os.path.exists(npy):
            self.run("export", self.model(corpus_path), "--npy", npy)
        return np.load(npy)

    def eval_nll(self, corpus_path):
        out = self.run("eval", self.model(corpus_path), corpus_path, "--json")
        return json.loads(out)["nll"]

    def sample(self, corpus_path, n, seed):
        out = self.run("sample", self.model(corpus_path), "-n", str(n), "--seed", str(seed))
        return out.splitlines()

    def train_losses(self, corpus_path, steps):
        """Losses at every step of `makemore train` (counts driver, the
        notebook's hyper-parameters), or None when train is not built."""
        if not self.has_command("train"):
            return None
        out = os.path.join(self.tmp, "train.model")
        csv = os.path.join(self.tmp, "train.csv")
        self.run("train", corpus_path, "-o", out, "--steps", str(steps), "--lr", "50",
                 "--reg", "0.01", "--seed", "2147483647", "--log", csv)
        losses = []
        with open(csv) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) >= 2 and parts[0].strip().isdigit():
                    losses.append(float(parts[1]))
        return losses


def check_counts(what, got, ref):
    got = np.asarray(got, dtype=np.int64)
    if got.shape != ref.shape or not np.array_equal(got, ref):
        bad = "shape %s vs %s" % (got.shape, ref.shape) if got.shape != ref.shape else \
            "%d cells differ" % int((got != ref).sum())
        raise CheckFailed("%s: counts differ from makemore's (%s)" % (what, bad))
    log("%s: counts equal makemore's (%d bigrams)" % (what, int(ref.sum())))


def check_close(what, got, ref, rtol, source="makemore says"):
    if not (abs(got - ref) <= rtol * abs(ref)):
        raise CheckFailed("%s: %.9g, %s %.9g (rtol %g)" % (what, got, source, ref, rtol))
    log("%s: %.7f, %s %.7f (rtol %g)" % (what, got, source, ref, rtol))


# ---- timing ----------------------------------------------------------------------

class Results:
    def __init__(self, repetitions, min_time):
        self.repetitions = repetitions
        self.min_time = min_time
        self.entries = []

    def time(self, name, fn, *, bytes_per_call=None, items_per_call=None, unit="ms",
             peer, compare_with, note="", extra=None, repetitions=None, min_time=None,
             warmup=True):
        """Time fn() and record aggregates under `name`.  warmup=False: one
        call per repetition and no warm-up call (for runs of many seconds
        whose check has just run the same code)."""
        reps = repetitions or self.repetitions
        mt = self.min_time if min_time is None else min_time
        k = 1
        if warmup:
            t0 = time.perf_counter()
            fn()
            warm = time.perf_counter() - t0
            k = max(1, int(math.ceil(mt / max(warm, 1e-9)))) if warm < mt else 1
            if warm > 5.0:
                # Calls of many seconds (a slow peer on 1 GiB): 3 repetitions
                # give a median; the JSON records how many ran.
                reps = min(reps, 3)
        per_call = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(k):
                fn()
            per_call.append((time.perf_counter() - t0) / k)
        log("%-40s median %.6g s per call (%d x %d calls)" %
            (name, statistics.median(per_call), reps, k))
        scale = {"ns": 1e9, "us": 1e6, "ms": 1e3, "s": 1.0}[unit]
        aggs = {
            "mean": statistics.fmean(per_call),
            "median": statistics.median(per_call),
            "stddev": statistics.stdev(per_call) if len(per_call) > 1 else 0.0,
        }
        for agg, secs in list(aggs.items()) + [("cv", None)]:
            e = {
                "name": name + "_" + agg,
                "family_index": len(self.entries),
                "run_name": name,
                "run_type": "aggregate",
                "repetitions": reps,
                "threads": 1,
                "aggregate_name": agg,
                "iterations": k,
                "time_unit": unit,
                "peer": peer,
                "compare_with": compare_with,
            }
            if note:
                e["label"] = note
            if extra:
                e.update(extra)
            if agg == "cv":
                e["aggregate_unit"] = "percentage"
                cv = aggs["stddev"] / aggs["mean"] if aggs["mean"] > 0 else 0.0
                e["real_time"] = e["cpu_time"] = cv
            else:
                e["real_time"] = e["cpu_time"] = secs * scale
                # Throughputs as Google Benchmark computes them for each
                # aggregate; the stddev's is the spread, not a rate.
                if agg != "stddev" and secs > 0:
                    if bytes_per_call is not None:
                        e["bytes_per_second"] = bytes_per_call / secs
                    if items_per_call is not None:
                        e["items_per_second"] = items_per_call / secs
            self.entries.append(e)

    def write(self, path, context):
        doc = {"context": context, "benchmarks": self.entries}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)


def context(threads, extra):
    import torch
    ctx = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "host_name": platform.node(),
        "executable": sys.executable + " " + " ".join(sys.argv),
        "num_cpus": os.cpu_count(),
        "load_avg": list(os.getloadavg()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "threads": threads,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE", "(unset)"),
        "peers": True,
    }
    try:
        import threadpoolctl  # optional: which BLAS kernel numpy/torch run
        ctx["blas"] = [{k: str(v) for k, v in d.items()}
                       for d in threadpoolctl.threadpool_info()]
    except Exception:  # noqa: BLE001 - purely informative
        ctx["blas"] = "threadpoolctl not installed"
    ctx.update(extra)
    return ctx


def tempdir():
    return tempfile.mkdtemp(prefix="makemore-peers-")
