#!/usr/bin/python3
"""bench-alternate.py - `makemore count` of the 1 GiB synthetic corpus with the
default choices (counter and read way chosen by measurement) and with every
counter x read way forced, run in turn (round-robin) rather than in blocks.

Why: hyperfine times one command's runs back to back, then the next; on a
shared VM the load drifts between blocks by more than the 5% that issue 11
allows between the default and the fastest variant.  Run in turn, every
command sees the same drift; the order rotates by one each round, so no
command always follows the same one.  Each run's wall time comes from the monotonic
clock around the child, its CPU time from wait4.

Usage: scripts/bench-alternate.py [--rounds N] [--threads 1,2] [--build DIR]
                                  [--corpus FILE (default: the 1 GiB one)]
                                  [--baseline LABEL=DIR ...]
--baseline adds DIR/makemore's default run (another commit's build, say) to
every round as default@LABEL, so a before/after comparison shares the drift
too; the default / baseline ratio is printed and saved.
Every run passes --stats, and the pieces it read each way are kept (the
share read from the mapping shows what the read choice did).
Writes results/<date>-<cpu>-alternate.json (every run, the medians, the CPU
and the load) and prints the medians and default / fastest per thread count,
as a ratio of medians and paired by round (the median of the per-round
ratios, kept as paired_vs_* in the default's medians: the load drifts between
rounds by more than the margins compared).
With MM_CPU_HIDE set (e.g. avx512: as on a CPU without it) the name gets
-hide-<sets> before -alternate, and the context records it.
"""
import argparse, os, re, statistics, subprocess, sys, time

from results_name import cpu_context, save_run

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(argv, env):
    """Wall and CPU time of one run, and the pieces it read each way (from
    --stats: "(pieces: N pread, M map)"; None from a build without it)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if status != 0:
        sys.exit("bench-alternate: %s failed: %s" % (" ".join(argv), err))
    m = re.search(r"\(pieces: (\d+) pread, (\d+) map\)", err)
    pieces = {"pread": int(m.group(1)), "map": int(m.group(2))} if m else None
    return wall, ru.ru_utime + ru.ru_stime, pieces


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--build", default=os.environ.get("MM_BENCH_BUILD", os.path.join(root, "build-bench")))
    ap.add_argument("--corpus", default=None,
                    help="the corpus to count (default: the 1 GiB synthetic one)")
    ap.add_argument("--baseline", action="append", default=[], metavar="LABEL=DIR",
                    help="also run DIR/makemore with its default choices, as default@LABEL")
    a = ap.parse_args()
    mm = os.path.join(a.build, "makemore")
    baselines = []
    for spec in a.baseline:
        label, sep, d = spec.partition("=")
        if not sep or not label or "/" in label:
            sys.exit("bench-alternate: --baseline wants LABEL=DIR (a label without '/'), not %r" % spec)
        b = os.path.join(d, "makemore")
        if not os.access(b, os.X_OK):
            sys.exit("bench-alternate: --baseline %s: %s is not an executable" % (spec, b))
        baselines.append((label, os.path.abspath(b)))
    corpus = a.corpus or os.path.join(
        os.environ.get("MM_CACHE_DIR", os.path.expanduser("~/.cache/makemore")), "corpora",
        "synth-1g.txt")
    # the corpus's name in the commands: synth-1g, names, ...
    cname = re.sub(r"[^A-Za-z0-9_-]+", "-", os.path.splitext(os.path.basename(corpus))[0])
    for f in (mm, corpus):
        if not os.path.exists(f):
            sys.exit("bench-alternate: %s is missing (run scripts/bench-cli.sh once)" % f)
    v = subprocess.run([mm, "--version"], capture_output=True, text=True)
    if v.returncode != 0:  # e.g. an unknown name in MM_CPU_HIDE: every run would fail
        sys.exit("bench-alternate: %s --version: %s" % (mm, v.stderr.strip()))
    isas = re.search(r"this CPU runs: ([a-z0-9,]+)", v.stdout).group(1).split(",")
    # what MM_CPU_HIDE hides, as the library reads it (avx2 hides avx512 too)
    hidden = re.search(r"^kernels hidden \(MM_CPU_HIDE\): (\S+)$", v.stdout, re.M)
    hidden = hidden.group(1) if hidden else ""
    counters = ["scalar", "pairs"] + [i for i in isas if i != "scalar"]
    # (name, read-way suffix, environment, binary)
    variants = [("default", "", {}, mm)] + \
        [("default@" + label, "", {}, b) for label, b in baselines] + \
        [(k, "/" + w, {"MM_COUNT_KERNEL": k, "MM_COUNT_READ": w}, mm)
         for k in counters for w in ("pread", "map")]
    out_dir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "bench-alternate.%d" % os.getpid())
    os.makedirs(out_dir)
    model = os.path.join(out_dir, "c.mm")
    runs = []
    load_before = os.getloadavg()
    try:
        for t in [int(x) for x in a.threads.split(",")]:
            for r in range(a.rounds + 1):  # round 0 warms up, not kept
                # rotated each round: every command runs in every position
                # equally often (a run just after a whole-file mapping run
                # may pay for the page cache state that run left)
                k = r % len(variants)
                for name, way, extra, binary in variants[k:] + variants[:k]:
                    env = dict(os.environ, **extra)
                    wall, cpu, pieces = run([binary, "count", corpus, "-o", model, "--threads",
                                             str(t), "--stats"], env)
                    if r > 0:
                        runs.append({"command": "count/%s/t%d/%s%s" % (name, t, cname, way), "round": r,
                                     "wall": wall, "cpu": cpu, "pieces": pieces})
    finally:
        for f in os.listdir(out_dir):
            os.unlink(os.path.join(out_dir, f))
        os.rmdir(out_dir)
    nbytes = os.path.getsize(corpus)
    med = {}
    for c in dict.fromkeys(r["command"] for r in runs):
        w = [r["wall"] for r in runs if r["command"] == c]
        med[c] = {"wall_median": statistics.median(w), "cpu_median":
                  statistics.median(r["cpu"] for r in runs if r["command"] == c),
                  "rate_median": nbytes / statistics.median(w)}
        mapped = [r["pieces"]["map"] / (r["pieces"]["map"] + r["pieces"]["pread"])
                  for r in runs if r["command"] == c and r["pieces"]]
        if mapped:  # the read choice's doing: share of pieces read from the mapping
            med[c]["mapped_share_median"] = statistics.median(mapped)
            med[c]["mapped_share_max"] = max(mapped)
        print("%-34s median %.3f s  %.2f GB/s  (cpu %.3f s)%s" % (
              c, med[c]["wall_median"], med[c]["rate_median"] / 1e9, med[c]["cpu_median"],
              "  mapped %.0f%% (max %.0f%%)" % (100 * med[c]["mapped_share_median"],
                                                100 * med[c]["mapped_share_max"]) if mapped else ""))
    def paired(c, other):
        """The median over rounds of c's rate / other's in the same round:
        drift between rounds (the load on a shared host) cancels out."""
        wall = {}
        for r in runs:
            wall.setdefault(r["round"], {})[r["command"]] = r["wall"]
        return statistics.median(w[other] / w[c] for w in wall.values() if c in w and other in w)

    for t in [int(x) for x in a.threads.split(",")]:
        dc = "count/default/t%d/%s" % (t, cname)
        d = med[dc]["rate_median"]
        forced = {c: m["rate_median"] for c, m in med.items()
                  if "/t%d/%s" % (t, cname) in c and not c.startswith("count/default")}
        fc = max(forced, key=forced.get)
        med[dc]["fastest_forced"] = fc
        med[dc]["paired_vs_fastest"] = paired(dc, fc)
        print("t%d: default / fastest forced (%s) = %.3f (paired by round: %.3f)" % (
              t, fc, d / forced[fc], med[dc]["paired_vs_fastest"]))
        for label, _ in baselines:
            bc = "count/default@%s/t%d/%s" % (label, t, cname)
            med[dc]["paired_vs_" + label] = paired(dc, bc)
            print("t%d: default / default@%s = %.3f (paired by round: %.3f)" % (
                  t, label, d / med[bc]["rate_median"], med[dc]["paired_vs_" + label]))
    ctx = dict(cpu_context(hidden), corpus=corpus, load_before=load_before,
               load_after=os.getloadavg(), nproc=os.cpu_count(), rounds=a.rounds, bytes=nbytes,
               baselines={label: b for label, b in baselines})
    # <date>-<cpu>[-hide-<sets>]-alternate[-N].json (scripts/results_name.py)
    dst = save_run(root, "-alternate", ctx, med, runs)
    print("wrote", dst)


if __name__ == "__main__":
    main()
