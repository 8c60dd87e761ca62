#!/usr/bin/python3
"""plot-bench.py - PNG pictures of a makemore-bench run (Debian's
python3-matplotlib):

  <stem>-throughput.png  median throughput of every variant, one panel per
                         kernel (count_pairs, count at each thread count,
                         the neural kernels, training, sampling)
  <stem>-threads.png     thread scaling of the counting driver: t1 and t2
                         per ISA and corpus, with the ideal 2x dotted
  <stem>-peers.png       our best median / each peer's median on the same
                         work (log scale), when <stem>.peers.json exists

Usage: scripts/plot-bench.py RESULTS.json [--peers PEERS.json] [--outdir DIR]
The figures are the medians bench-table.py prints from the same files.
"""
import argparse
import importlib.util
import os
import re
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_table", os.path.join(here, "bench-table.py"))
bt = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bt)

ISA_ORDER = ["scalar", "avx2", "avx512"]
COLORS = {"scalar": "#888888", "avx2": "#1f77b4", "avx512": "#d62728"}


def scaled(vals, unit):
    """Values and a label in a readable prefix for one panel."""
    m = max([v for v in vals if v] or [1])
    for div, pre in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1, "")):
        if m >= div:
            return [v / div if v else 0 for v in vals], pre + unit
    return vals, unit


def panels(ours):
    """kernel (and thread count) -> {size: {variant: value}}, in run order."""
    out = {}
    for r in ours:
        if r.value is None:
            continue
        p = r.name.split("/")
        kernel = p[0]
        if len(p) == 2:              # kernel/size
            key, variant, size = kernel, "-", p[1]
        elif len(p) == 3:            # kernel/isa/size, train_step/driver/size
            key, variant, size = kernel, p[1], p[2]
        else:                        # kernel/isa/tN/size
            key, variant, size = kernel + " " + p[2], p[1], p[3]
        out.setdefault(key, {}).setdefault(size, {})[variant] = r.value
    return out


def plot_throughput(ours, path, title):
    ps = panels(ours)
    if not ps:
        return False
    n = len(ps)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7 * cols, 3.2 * rows), squeeze=False)
    for ax, (key, sizes) in zip(axes.flat, ps.items()):
        kernel = key.split(" ")[0]
        unit = bt.UNITS.get(kernel, "/s")
        variants = []
        for s in sizes.values():
            for v in s:
                if v not in variants:
                    variants.append(v)
        variants.sort(key=lambda v: ISA_ORDER.index(v) if v in ISA_ORDER else 99)
        names = list(sizes)
        allv = [sizes[s].get(v, 0) for s in names for v in variants]
        _, label = scaled(allv, unit)
        div = {"G": 1e9, "M": 1e6, "k": 1e3}.get(label[0], 1) if label != unit else 1
        w = 0.8 / max(1, len(variants))
        for i, v in enumerate(variants):
            xs = [j + (i - (len(variants) - 1) / 2) * w for j in range(len(names))]
            ys = [sizes[s].get(v, 0) / div for s in names]
            bars = ax.bar(xs, ys, w, label=v, color=COLORS.get(v))
            for b, y in zip(bars, ys):
                if y:
                    ax.annotate("%.3g" % y, (b.get_x() + b.get_width() / 2, y),
                                ha="center", va="bottom", fontsize=7)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, fontsize=8)
        ax.set_ylabel(label)
        ax.set_title(key, fontsize=10)
        ax.margins(y=0.15)
        if len(variants) > 1:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(title + " - median throughput of 5 repetitions", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_threads(ours, path, title):
    data = {}  # corpus -> isa -> {threads: value}
    for r in ours:
        p = r.name.split("/")
        if p[0] != "count" or len(p) != 4 or r.value is None:
            continue
        t = int(p[2][1:])
        data.setdefault(p[3], {}).setdefault(p[1], {})[t] = r.value
    if not data:
        return False
    n = len(data)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.4), squeeze=False)
    for ax, (corpus, isas) in zip(axes.flat, data.items()):
        for isa in sorted(isas, key=lambda v: ISA_ORDER.index(v) if v in ISA_ORDER else 99):
            pts = sorted(isas[isa].items())
            ax.plot([t for t, _ in pts], [v / 1e9 for _, v in pts], "o-", label=isa,
                    color=COLORS.get(isa))
            t1 = isas[isa].get(1)
            if t1:
                ts = [t for t, _ in pts]
                ax.plot(ts, [t1 * t / 1e9 for t in ts], ":", color=COLORS.get(isa), lw=0.8)
        ax.set_xticks(sorted({t for i in isas.values() for t in i}))
        ax.set_xlabel("threads")
        ax.set_ylabel("GB/s")
        ax.set_title("count / " + corpus, fontsize=10)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7)
    fig.suptitle(title + " - counting driver, thread scaling (dotted: ideal)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def plot_peers(ours, peers, path, title):
    rows = [(work, p, b, ratio) for work, p, b, ratio in bt.peer_ratios(ours, peers)
            if ratio is not None]
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(11, 0.42 * len(rows) + 1.6))
    labels = ["%s  vs  %s" % (b.name, p.name) for _, p, b, _ in rows]
    vals = [r for _, _, _, r in rows]
    colors = ["#d62728" if p.peer == "notebook" else "#1f77b4" for _, p, _, _ in rows]
    ys = range(len(rows))
    ax.barh(ys, vals, color=colors)
    ax.set_xscale("log")
    ax.set_yticks(list(ys))
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    for y, v in zip(ys, vals):
        ax.annotate(" x %s" % (format(round(v), ",") if v >= 100 else "%.3g" % v), (v, y),
                    va="center", fontsize=7)
    ax.axvline(1, color="black", lw=0.8)
    ax.set_xlabel("ours / peer, median throughputs (log scale)\n"
                  "red: the notebook's code; blue: what a skilled user writes")
    ax.set_title(title + " - makemore vs PyTorch and numpy on the same work", fontsize=10)
    ax.margins(x=0.15)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("results")
    ap.add_argument("--peers")
    ap.add_argument("--outdir")
    args = ap.parse_args()
    ctx, ours = bt.load_runs(args.results)
    stem = re.sub(r"\.json$", "", args.results)
    if args.outdir:
        stem = os.path.join(args.outdir, os.path.basename(stem))
    peers_path = args.peers or stem + ".peers.json"
    if not args.peers:
        peers_path = re.sub(r"\.json$", "", args.results) + ".peers.json"
    title = os.path.basename(re.sub(r"\.json$", "", args.results))
    made = []
    if plot_throughput(ours, stem + "-throughput.png", title):
        made.append(stem + "-throughput.png")
    if plot_threads(ours, stem + "-threads.png", title):
        made.append(stem + "-threads.png")
    if os.path.exists(peers_path):
        _, peers = bt.load_runs(peers_path, is_peer=True)
        if plot_peers(ours, peers, stem + "-peers.png", title):
            made.append(stem + "-peers.png")
    for m in made:
        print(m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
