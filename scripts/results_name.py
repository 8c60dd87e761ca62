#!/usr/bin/python3
"""results_name.py - where a benchmark run is saved, and the CPU it ran on,
for bench.sh, bench-cli.sh, bench-alternate.py and bench-faults.py alike
(save_run writes the JSON of the last two).

A run is saved as DIR/<date>-<cpu><hide><tag>[-N]<ext>:
  <date>  the UTC date, YYYY-MM-DD
  <cpu>   /proc/cpuinfo's model name in lower case, parentheses dropped,
          every other run of characters a '-' ("Intel(R) Xeon(R) Processor"
          -> intel-xeon-processor)
  <hide>  -hide-<sets> when MM_CPU_HIDE is set (the run is as on a CPU
          without those sets), e.g. -hide-avx512
  <tag>   the kind of run, e.g. -alternate
  -N      2, 3, ... when DIR/<...><ext> exists already: nothing is overwritten

Usage:
  results_name.py stem DIR [--tag TAG] [--ext EXT]  print the path without <ext>
  results_name.py context [HIDDEN]                  print the CPU context (JSON):
      cpu_vendor, cpu_family_model, cpu_model_name, cpu_flags, os_kernel,
      cpu_hidden (HIDDEN: the sets the library hides, as `makemore --version`
      names them)
"""
import datetime
import json
import os
import re
import subprocess
import sys


def cpuinfo():
    """The first processor's vendor_id, cpu family, model, model name, flags."""
    cpu = {}
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k = k.strip()
            if k in ("vendor_id", "cpu family", "model", "model name", "flags") and k not in cpu:
                cpu[k] = v.strip()
            if not line.strip() and cpu:
                break
    return cpu


def cpu_context(hidden=""):
    cpu = cpuinfo()
    return {"cpu_vendor": cpu.get("vendor_id", ""),
            "cpu_family_model": "%s/%s" % (cpu.get("cpu family", ""), cpu.get("model", "")),
            "cpu_model_name": cpu.get("model name", ""), "cpu_flags": cpu.get("flags", ""),
            "os_kernel": "%s %s" % (os.uname().sysname, os.uname().release),
            "cpu_hidden": hidden}


def cpu_slug(model_name):
    slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"\([^)]*\)", "", model_name.lower()))
    return slug.strip("-") or "cpu"


def stem(directory, tag="", ext=".json"):
    """DIR/<date>-<cpu><hide><tag>, with -N added until <stem><ext> is new."""
    hide = os.environ.get("MM_CPU_HIDE", "")
    base = os.path.join(directory, "%s-%s%s%s" % (
        datetime.datetime.now(datetime.timezone.utc).date().isoformat(),
        cpu_slug(cpuinfo().get("model name", "")),
        "-hide-" + re.sub(r"[^a-z0-9]+", "-", hide.lower()).strip("-") if hide else "", tag))
    s, n = base, 2
    while os.path.exists(s + ext):
        s, n = "%s-%d" % (base, n), n + 1
    return s


def save_run(root, tag, context, medians, runs):
    """Writes ROOT/results/<stem><tag>.json: the context (with the git commit
    added), the medians and every run; returns the path."""
    commit = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    results = os.path.join(root, "results")
    os.makedirs(results, exist_ok=True)
    dst = stem(results, tag) + ".json"
    with open(dst, "w") as f:
        json.dump({"context": dict(context, git=commit), "medians": medians, "runs": runs}, f,
                  indent=1)
    return dst


def main(argv):
    if len(argv) >= 2 and argv[0] == "stem":
        directory, tag, ext = argv[1], "", ".json"
        rest = argv[2:]
        while rest:
            if rest[0] == "--tag" and len(rest) > 1:
                tag = rest[1]
            elif rest[0] == "--ext" and len(rest) > 1:
                ext = rest[1]
            else:
                sys.exit("results_name.py: unknown argument '%s' (see --help)" % rest[0])
            rest = rest[2:]
        print(stem(directory, tag, ext))
        return 0
    if len(argv) in (1, 2) and argv[0] == "context":
        print(json.dumps(cpu_context(argv[1] if len(argv) == 2 else "")))
        return 0
    sys.stderr.write(__doc__)
    return 0 if argv[:1] in (["-h"], ["--help"]) else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
