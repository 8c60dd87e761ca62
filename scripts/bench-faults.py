#!/usr/bin/python3
"""bench-faults.py - page faults and CPU time of `makemore count`, per build,
as `perf stat` counts them (software events: they work in a VM).

Why: on some VMs a minor page fault costs tens of microseconds, and how
many a count takes (its buffers' first touch, the mapping's faults) is
then a large part of a small count's time.  This puts a figure on it: the
CPU time saved per fault saved, between two builds or two settings.

Usage: scripts/bench-faults.py [--rounds N] [--threads T] [--corpus FILE]
                               LABEL=DIR[:ENV=VAL,...] ...
Each LABEL runs DIR/makemore count CORPUS -o <tmp> --threads T under
`perf stat -e task-clock,page-faults`, in turn (the order rotates each
round).  Writes results/<date>-<cpu>-faults.json (every run, medians, the
CPU) and prints, per label, the median CPU ms and faults, and against the
first label the CPU time per fault saved.
"""
import argparse, os, statistics, subprocess, sys, tempfile

from results_name import cpu_context, save_run

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def perf_stat(argv, env):
    """(task-clock ms, page faults) of one run."""
    with tempfile.NamedTemporaryFile("r", suffix=".perf") as out:
        p = subprocess.run(["perf", "stat", "-x", ",", "-o", out.name, "-e",
                            "task-clock,page-faults", "--"] + argv, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.exit("bench-faults: %s failed: %s" % (" ".join(argv), p.stderr.strip()))
        ms = faults = None
        for line in out.read().splitlines():
            f = line.split(",")
            if len(f) > 2 and f[2].startswith("task-clock"):
                ms = float(f[0])
            elif len(f) > 2 and f[2].startswith("page-faults"):
                faults = int(float(f[0]))
        if ms is None or faults is None:
            sys.exit("bench-faults: perf stat gave no task-clock/page-faults (is perf usable?)")
        return ms, faults


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--corpus", default=os.path.join(root, "tests", "data", "names.txt"))
    ap.add_argument("builds", nargs="+", metavar="LABEL=DIR[:ENV=VAL,...]")
    a = ap.parse_args()
    builds = []
    for spec in a.builds:
        label, sep, rest = spec.partition("=")
        d, _, envs = rest.partition(":")
        mm = os.path.join(d, "makemore")
        if not sep or not label or not os.access(mm, os.X_OK):
            sys.exit("bench-faults: %r: want LABEL=DIR with DIR/makemore executable" % spec)
        extra = dict(kv.split("=", 1) for kv in envs.split(",") if kv)
        builds.append((label, os.path.abspath(mm), extra))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "m.mm")
        for r in range(a.rounds + 1):  # round 0 warms up, not kept
            k = r % len(builds)
            for label, mm, extra in builds[k:] + builds[:k]:
                ms, faults = perf_stat([mm, "count", a.corpus, "-o", model, "--threads",
                                        str(a.threads)], dict(os.environ, **extra))
                if r > 0:
                    runs.append({"label": label, "round": r, "cpu_ms": ms, "faults": faults})
    med = {}
    for label, mm, extra in builds:
        mine = [x for x in runs if x["label"] == label]
        med[label] = {"cpu_ms_median": statistics.median(x["cpu_ms"] for x in mine),
                      "faults_median": statistics.median(x["faults"] for x in mine),
                      "binary": mm, "env": extra}
        print("%-16s cpu %.2f ms  faults %d" % (label, med[label]["cpu_ms_median"],
                                               med[label]["faults_median"]))
    first = builds[0][0]
    for label in list(med)[1:]:
        df = med[first]["faults_median"] - med[label]["faults_median"]
        dms = med[first]["cpu_ms_median"] - med[label]["cpu_ms_median"]
        if df != 0:
            med[label]["us_per_fault_saved"] = 1000 * dms / df
            print("%s against %s: %d faults fewer, %.2f ms less CPU: %.1f us per fault" % (
                  label, first, df, dms, 1000 * dms / df))
    ctx = dict(cpu_context(), corpus=a.corpus, threads=a.threads, rounds=a.rounds,
               load=os.getloadavg())
    dst = save_run(root, "-faults", ctx, med, runs)
    print("wrote", dst)


if __name__ == "__main__":
    main()
