#!/usr/bin/python3
"""bench-table.py - the table of a makemore-bench run: benchmark, median
time and throughput, spread, speed-up over the scalar variant and, with the
peers' JSON, the ratio to each peer on the same work.

Usage:
  scripts/bench-table.py RESULTS.json [--peers PEERS.json | --no-peers]
                         [--format text|md] [--filter REGEX] [--targets | --versus OLD.json]

--versus OLD.json prints the benchmarks two runs share, old and new medians
side by side (with --filter to pick them).
--rank prints only the dispatch check (also printed under the main table):
for every kernel dispatched by ISA rank (the neural kernels, sampling, the
training drivers), the variant run-time dispatch picks on this CPU (the
highest-ranked one the run has: avx512, then avx2, then scalar) against the
fastest variant of the same work; exit status 1 when the default is more
than 5% slower than the fastest in some row (a kernel that wins on one CPU
and loses on another).  Counting is not in it: its counter is chosen by
measurement while counting (--targets checks that).
--targets prints instead the performance targets of issues 2-4 and 11 (counting
GB/s, ratios to numpy and the notebook, examples/s, the counts driver's 100
steps) next to what this run measured.

RESULTS.json is Google Benchmark's --benchmark_out (repetitions with
aggregates, or plain runs); PEERS.json is bench/peers/run_peers.py's output,
by default RESULTS.peers.json beside RESULTS.json when it exists.

Conventions (bench/ names benchmarks kernel/isa/[tN/]size):
- the throughput is bytes/s for count, count_pairs, count_file, items/s
  (examples, rows or names) for the rest; the figure is the median of the
  repetitions, the spread their coefficient of variation;
- "clock" is the time the throughput is computed from, and the time shown:
  Google Benchmark uses the process's CPU time unless a benchmark asks for
  real time (the threaded ones, train100) or manual time (train_step: the
  step's own wall time); the peers measure wall time;
- "vs scalar" divides by kernel/scalar/[tN/]size of the same run;
- the work of a benchmark is kernel/size; a peer lists in compare_with the
  work it does, and its ratio is our best median on that work divided by
  the peer's median (both throughputs, so "x 12" means 12 times faster).
Google Benchmark appends /real_time to the names of real-time benchmarks;
it is dropped here.
"""
import argparse
import json
import os
import re
import statistics
import sys

BYTE_KERNELS = {"count", "count_pairs", "count_file", "read"}
UNITS = {
    "count": "B/s", "count_pairs": "B/s", "count_file": "B/s", "read": "B/s",
    "example_pass": "examples/s", "softmax_rows": "rows/s", "counts_grad": "rows/s",
    "weight_update": "rows/s", "train_step": "examples/s", "train100": "examples/s",
    "sample": "names/s",
}


def clean(name):
    return re.sub(r"/(real_time|process_time|manual_time)$", "", name)


def kernel_of(name):
    return name.split("/")[0]


def work_of(name):
    p = name.split("/")
    return p[0] + "/" + p[-1]


def throughput(entry, kernel):
    first, second = ("bytes_per_second", "items_per_second")
    if kernel not in BYTE_KERNELS:
        first, second = second, first
    for key in (first, second):
        if key in entry:
            return entry[key]
    return None


class Run:
    """One benchmark: its median entry (or per-repetition entries), cv, error."""

    def __init__(self, name, clock="cpu"):
        self.name = name
        self.clock = clock       # the time the throughput divides by
        self.median = None
        self.cv = None
        self.reps = []
        self.error = None
        self.peer = None
        self.compare_with = []
        self.label = ""

    def finish(self):
        kernel = kernel_of(self.name)
        if self.median is None and self.reps:
            ts = [throughput(r, kernel) for r in self.reps]
            ts = [t for t in ts if t is not None]
            times = [r["real_time"] for r in self.reps]
            times = [r["cpu_time" if self.clock == "cpu" else "real_time"] for r in self.reps]
            self.median = {"real_time": statistics.median(times),
                           "cpu_time": statistics.median(times),
                           "time_unit": self.reps[0].get("time_unit", "ns")}
            if ts:
                key = "bytes_per_second" if kernel in BYTE_KERNELS else "items_per_second"
                self.median[key] = statistics.median(ts)
            if len(times) > 1 and statistics.fmean(times) > 0:
                self.cv = statistics.stdev(times) / statistics.fmean(times)
        self.value = throughput(self.median, kernel) if self.median else None


def load_runs(path, is_peer=False):
    with open(path) as f:
        doc = json.load(f)
    runs = {}
    for b in doc.get("benchmarks", []):
        raw = b.get("run_name", b["name"])
        name = clean(raw)
        # Google Benchmark divides rates by the CPU time unless the benchmark
        # uses real (or manual) time; the peers time wall clock.
        clock = "real" if is_peer or raw.endswith("/real_time") else \
            "manual" if raw.endswith("/manual_time") else "cpu"
        r = runs.setdefault(name, Run(name, clock))
        if b.get("error_occurred"):
            r.error = b.get("error_message", "error")
            continue
        if b.get("run_type") == "aggregate":
            agg = b.get("aggregate_name")
            if agg == "median":
                r.median = b
            elif agg == "cv":
                r.cv = b.get("cpu_time" if clock == "cpu" else "real_time")
        else:
            r.reps.append(b)
        if is_peer:
            r.peer = b.get("peer", "peer")
            r.compare_with = b.get("compare_with", [])
        r.label = b.get("label", r.label)
    for r in runs.values():
        r.finish()
    return doc.get("context", {}), list(runs.values())


def si(x):
    if x is None:
        return "-"
    for div, suf in ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return "%.3g %s" % (x / div, suf)
    return "%.3g " % x


def fmt_time(entry, clock="real"):
    key = "cpu_time" if clock == "cpu" else "real_time"
    if not entry or key not in entry:
        return "-"
    return "%.4g %s" % (entry[key], entry.get("time_unit", "ns"))


def fmt_ratio(x):
    if x is None:
        return "-"
    if x >= 100:
        return "x %s" % format(round(x), ",")
    return "x %.3g" % x


def best_for_work(ours, work):
    cands = [r for r in ours if r.value is not None and work_of(r.name) == work]
    return max(cands, key=lambda r: r.value) if cands else None


def peer_ratios(ours, peers):
    """(work, peer run, our best run, ratio) for every comparison."""
    rows = []
    for p in peers:
        if p.value is None:
            continue
        for work in p.compare_with:
            b = best_for_work(ours, work)
            rows.append((work, p, b, b.value / p.value if b else None))
    return rows


def render(headers, rows, fmt, align):
    if fmt == "md":
        out = ["| " + " | ".join(headers) + " |",
               "|" + "|".join("---:" if a == "r" else ":---" for a in align) + "|"]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(out)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    def line(cells):
        return "  ".join(c.rjust(w) if a == "r" else c.ljust(w)
                         for c, w, a in zip(cells, widths, align)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


# The kernels run-time dispatch picks by ISA rank (kernels/dispatch.c); the
# counters are chosen by measurement instead.  Rank, best first.
RANKED_KERNELS = ("softmax_rows", "example_pass", "counts_grad", "weight_update",
                  "sample", "train_step", "train100")
ISA_RANK = ("avx512", "avx2", "scalar")
RANK_SLACK = 0.95   # the default may be this much of the fastest (issue 11's 5%)


def rank_check(ours):
    """For every work of a kernel dispatched by ISA rank: (work, default run,
    fastest run, default / fastest throughput).  The default is the
    highest-ranked variant with a median in this run: a table the CPU lacks
    (or MM_CPU_HIDE hides) is skipped by makemore-bench, as by dispatch."""
    works = {}
    for r in ours:
        p = r.name.split("/")
        if p[0] not in RANKED_KERNELS or len(p) < 3 or p[1] not in ISA_RANK:
            continue
        if r.value is None:
            continue
        works.setdefault("/".join([p[0]] + p[2:]), {})[p[1]] = r
    rows = []
    for work, by_isa in works.items():
        default = next(by_isa[i] for i in ISA_RANK if i in by_isa)
        fastest = max(by_isa.values(), key=lambda r: r.value)
        rows.append((work, default, fastest, default.value / fastest.value))
    return rows


def rank_table(checks, fmt):
    rows = [[work, d.name.split("/")[1], f.name.split("/")[1], fmt_ratio(x),
             "yes" if x >= RANK_SLACK else "NO"] for work, d, f, x in checks]
    return render(["work", "default (ISA rank)", "fastest", "default / fastest",
                   ">= x %.2f" % RANK_SLACK], rows, fmt, ["l", "l", "l", "r", "l"])


def best(runs, pattern):
    """The run with the highest median throughput whose name matches."""
    rx = re.compile(pattern)
    c = [r for r in runs if r.value is not None and rx.search(r.name)]
    return max(c, key=lambda r: r.value) if c else None


def targets(ours, peers, ctx=None):
    """The performance targets of issues 2, 3, 4 and 11, measured in this run:
    (target, measured, pass, from which benchmarks)."""
    rows = []

    def add(what, need, got, ok, src):
        rows.append([what, need, got, "yes" if ok else ("no" if ok is not None else "-"), src])

    # issue 11: the default counter (auto) against the fastest forced one
    for T in (1, 2):
        a = best(ours, r"^count_file/auto/t%d/synth-1g$" % T)
        f = best(ours, r"^count_file/(?!auto/)[^/]+/t%d/synth-1g(/(pread|map))?$" % T)
        r = a.value / f.value if a and f else None
        add("count_file default (auto) vs the fastest counter, %d thread%s"
            % (T, "s" if T > 1 else ""), ">= x 0.95", fmt_ratio(r),
            r >= 0.95 if r else None, "%s / %s" % (a.name, f.name) if a and f else
            "not in this run")
    if ctx and "avx512" in ctx.get("isa_supported", "").split(","):
        a = best(ours, r"^count_file/auto/t1/synth-1g$")
        add("count_file default, one core with AVX-512", ">= 4 GB/s",
            si(a.value) + "B/s" if a else "-", a.value >= 4e9 if a else None,
            a.name if a else "not in this run")
    p = best(peers, r"^count/numpy-bincount/.*/synth-1g$")
    a = best(ours, r"^count_file/auto/t2/synth-1g$")
    r = a.value / p.value if a and p else None
    add("count_file default on 2 threads vs numpy-bincount", ">= x 8", fmt_ratio(r),
        r >= 8 if r else None, "%s / %s" % (a.name, p.name) if a and p else "not in this run")

    for T, need in ((1, 3e9), (2, 6e9)):
        for k in ("count", "count_file"):
            b = best(ours, r"^%s/[^/]+/t%d/synth-1g(/(pread|map))?$" % (k, T))
            add("count 1 GiB, %d thread%s (%s)" % (T, "s" if T > 1 else "", k),
                ">= %s" % si(need).strip() + "B/s", si(b.value) + "B/s" if b else "-",
                b.value >= need if b else None, b.name if b else "not in this run")
    for peer, need in (("numpy-bincount", 12), ("python-loop", 10000)):
        p = best(peers, r"^count/%s/.*/synth-1g$" % peer)
        for T in (1, 2):
            # ours at T threads, mapped (count) or from the file (count_file)
            b = best(ours, r"^count(_file)?/[^/]+/t%d/synth-1g(/(pread|map))?$" % T)
            r = b.value / p.value if b and p else None
            add("count 1 GiB vs %s, ours on %d thread%s" % (peer, T, "s" if T > 1 else ""),
                ">= x %s" % format(need, ","), fmt_ratio(r), r >= need if r else None,
                "%s / %s" % (b.name, p.name) if b and p else "not in this run")
    for isa, need in (("avx512", 80e6), ("avx2", 45e6)):
        b = best(ours, r"^example_pass/%s/V27$" % isa)
        add("example_pass %s, V = 27, one core" % isa, ">= %s" % si(need).strip() + " ex/s",
            si(b.value) + "ex/s" if b else "-", b.value >= need if b else None,
            b.name if b else "not in this run")
    b = best(ours, r"^example_pass/[^/]+/V27$")
    p = best(peers, r"^train_step/torch-index/")
    r = b.value / p.value if b and p else None
    add("example_pass vs PyTorch W[xs] + cross_entropy, per example", ">= x 25",
        fmt_ratio(r), r >= 25 if r else None,
        "%s / %s" % (b.name, p.name) if b and p else "not in this run")
    b = best(ours, r"^train_step/[^/]+/examples/names$")
    p = best(peers, r"^train_step/torch-index/")
    r = b.value / p.value if b and p else None
    add("full-batch step, examples driver vs PyTorch W[xs] + cross_entropy, per example "
        "(both on all threads)", ">= x 25", fmt_ratio(r), r >= 25 if r else None,
        "%s / %s" % (b.name, p.name) if b and p else "not in this run")
    b = best(ours, r"^train_step/[^/]+/counts/names$")
    if b:
        us = b.median["real_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6}[
            b.median.get("time_unit", "ns")] * 100
        add("counts driver, 100 steps on names (100 x step)", "< 100 us", "%.3g us" % us,
            us < 100, b.name)
    b = best(ours, r"^train100/[^/]+/counts/names$")
    p = best(peers, r"^train100/torch-onehot/")
    r = b.value / p.value if b and p else None
    add("counts driver 100 steps (whole run) vs the notebook's", ">= x 100,000",
        fmt_ratio(r), r >= 1e5 if r else None,
        "%s / %s" % (b.name, p.name) if b and p else "not in this run")
    b = best(ours, r"^sample/(?!reference/)[^/]+/names$")
    v = b.median.get("bytes_per_second") if b else None
    add("sampling (library, no output formatting)", ">= 100 MB/s",
        si(v) + "B/s" if v else "-", v >= 1e8 if v else None, b.name if b else "not in this run")
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--peers")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--format", choices=("text", "md"), default="text")
    ap.add_argument("--filter", default="")
    ap.add_argument("--targets", action="store_true",
                    help="print only the issues' performance targets against this run")
    ap.add_argument("--cpu-time", action="store_true",
                    help="one-thread real-time benchmarks also get a throughput from the "
                         "main thread's CPU time (column 'cpu-time rate'): on a loaded "
                         "machine real time counts the time other processes held the CPU")
    ap.add_argument("--rank", action="store_true",
                    help="print only the dispatch check: the ISA-rank default of every "
                         "kernel against its fastest variant; exit 1 if one is more than "
                         "5%% slower")
    ap.add_argument("--versus", metavar="OLD.json",
                    help="print only the benchmarks both runs have (with --filter), the "
                         "older run's median throughput beside this one's")
    args = ap.parse_args()

    ctx, ours = load_runs(args.results)
    peers_path = args.peers
    if peers_path is None and not args.no_peers:
        guess = re.sub(r"\.json$", "", args.results) + ".peers.json"
        if os.path.exists(guess):
            peers_path = guess
    peers = []
    pctx = {}
    if peers_path and not args.no_peers:
        pctx, peers = load_runs(peers_path, is_peer=True)

    if args.targets:
        print(render(["target", "needed", "measured (median)", "met", "benchmarks"],
                     targets(ours, peers, ctx), args.format, ["l", "r", "r", "l", "l"]))
        return 0

    if args.rank:
        checks = rank_check(ours)
        if not checks:
            print("no kernel dispatched by ISA rank in this run")
            return 0
        print(rank_table(checks, args.format))
        slow = [c for c in checks if c[3] < RANK_SLACK]
        if slow:
            print("\n%d of %d default%s more than 5%% slower than the fastest variant: %s"
                  % (len(slow), len(checks), "s" if len(checks) > 1 else "",
                     ", ".join(c[0] for c in slow)))
            return 1
        return 0

    if args.versus:
        _, old = load_runs(args.versus)
        before = {r.name: r for r in old}
        flt = re.compile(args.filter) if args.filter else None
        rows = []
        for r in ours:
            o = before.get(r.name)
            if o is None or (flt and not flt.search(r.name)):
                continue
            unit = UNITS.get(kernel_of(r.name), "/s")
            rows.append([r.name, si(o.value) + unit if o.value else "-",
                         si(r.value) + unit if r.value else "-",
                         fmt_ratio(r.value / o.value) if r.value and o.value else "-"])
        print(render(["benchmark", os.path.basename(args.versus), os.path.basename(args.results),
                      "new / old"], rows, args.format, ["l", "r", "r", "r"]))
        return 0

    flt = re.compile(args.filter) if args.filter else None
    by_name = {r.name: r for r in ours}
    ratios = peer_ratios(ours, peers)

    headers = ["benchmark", "median time", "clock", "median throughput", "cv", "vs scalar"]
    align = ["l", "r", "l", "r", "r", "r"]
    if args.cpu_time:
        headers.append("cpu-time rate")
        align.append("r")
    if peers:
        headers.append("vs peers (same work)")
        align.append("l")
    rows = []
    for r in ours:
        if flt and not flt.search(r.name):
            continue
        kernel = kernel_of(r.name)
        unit = UNITS.get(kernel, "/s")
        if r.error:
            row = [r.name, "-", "", "skipped: " + r.error, "-", "-"] + (["-"] if args.cpu_time
                                                                          else [])
            if peers:
                row.append("")
            rows.append(row)
            continue
        p = r.name.split("/")
        speed = None
        if len(p) >= 3 and p[1] != "scalar":
            s = by_name.get("/".join([p[0], "scalar"] + p[2:]))
            if s is not None and s.value and r.value:
                speed = r.value / s.value
        row = [r.name, fmt_time(r.median, r.clock), r.clock, si(r.value) + unit,
               "%.1f%%" % (100 * r.cv) if r.cv is not None else "-", fmt_ratio(speed)]
        if args.cpu_time:
            # Google Benchmark's CPU time is its main thread's: meaningful for
            # one thread only (tN with N > 1 counts other threads' work too)
            cpu = r.median.get("cpu_time")
            one = not re.search(r"/t([2-9]|\d\d+)/", r.name + "/")
            row.append(si(r.value * r.median["real_time"] / cpu) + unit
                       if r.clock == "real" and one and cpu and r.value else
                       si(r.value) + unit if r.clock == "cpu" and r.value else "-")
        if peers:
            mine = [(pr.name.split("/")[1], r.value / pr.value)
                    for work, pr, b, ratio in ratios if b is not None and work == work_of(r.name)
                    and r.value]
            row.append(", ".join("%s %s" % (n, fmt_ratio(x)) for n, x in mine))
        rows.append(row)

    title = "makemore-bench %s" % os.path.basename(args.results)
    if ctx.get("cpu_model_name"):
        title += " - %s %s (family/model %s)" % (ctx.get("cpu_vendor", ""),
                                                 ctx["cpu_model_name"],
                                                 ctx.get("cpu_family_model", "?"))
    if ctx:
        title += " - %s, %s CPUs, load %s" % (
            ctx.get("date", "?"), ctx.get("num_cpus", "?"),
            "/".join("%.2f" % x for x in ctx.get("load_avg", [])) or "?")
    print(title if args.format == "text" else "**" + title + "**")
    print()
    print(render(headers, rows, args.format, align))

    checks = rank_check([r for r in ours if not flt or flt.search(r.name)])
    if checks:
        print()
        slow = [c for c in checks if c[3] < RANK_SLACK]
        rtitle = "dispatch by ISA rank: the default against the fastest variant (%s)" % (
            "every default within 5%" if not slow else
            "%d of %d defaults more than 5%% slower" % (len(slow), len(checks)))
        print(rtitle if args.format == "text" else "**" + rtitle + "**")
        print()
        print(rank_table(checks, args.format))

    if peers:
        print()
        ptitle = "peers: %s (our best median on the same work / the peer's median)" % \
            os.path.basename(peers_path)
        print(ptitle if args.format == "text" else "**" + ptitle + "**")
        print()
        prow = []
        for work, p, b, ratio in ratios:
            kernel = kernel_of(p.name)
            unit = UNITS.get(kernel, "/s")
            prow.append([work, p.name, si(p.value) + unit,
                         b.name if b else "(not in this run)",
                         si(b.value) + unit if b else "-", fmt_ratio(ratio),
                         p.label])
        print(render(["work", "peer", "peer median", "ours (best)", "our median",
                      "ours / peer", "note"], prow, args.format,
                     ["l", "l", "r", "l", "r", "r", "l"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
