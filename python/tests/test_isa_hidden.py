"""MM_CPU_HIDE: the module, like the library, runs as on a CPU without the
hidden kernel sets (read once, when the module is imported), and counts the
same; an unknown name makes the import fail with the library's message."""
import os
import subprocess
import sys

import makemore

PROBE = ("import json, makemore; "
         "m = makemore.count(r'%s', threads=1); "
         "print(json.dumps([makemore.isa(), makemore.isa_supported(), makemore.isa_hidden(), "
         "m.counts.tolist()]))")


def probe(corpus, hide):
    env = dict(os.environ)
    env.pop("MM_ISA", None)
    env.pop("MM_COUNT_KERNEL", None)
    env["MM_CPU_HIDE"] = hide
    # the module as this process found it (its build directory is on sys.path)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, "-c", PROBE % corpus], env=env,
                          capture_output=True, text=True, timeout=60)


def test_nothing_hidden_by_default():
    if "MM_CPU_HIDE" not in os.environ:
        assert makemore.isa_hidden() == []


def test_hidden_sets_are_absent(tmp_path):
    import json
    # 12 MB on one thread: the auto counter's check and trial run (about
    # 9 MiB of 512 KiB pieces), so several counters count parts of it
    corpus = tmp_path / "c.txt"
    corpus.write_text("emma\nolivia\nava\nisabella\nsophia\nzoe\nmia\n" * 300000, encoding="utf-8")
    base = probe(corpus, "")
    assert base.returncode == 0, base.stderr
    isa0, supported0, hidden0, counts0 = json.loads(base.stdout)
    assert hidden0 == []
    for hide, gone in (("avx512", {"avx512"}), ("avx2", {"avx2", "avx512"})):
        r = probe(corpus, hide)
        assert r.returncode == 0, r.stderr
        isa, supported, hidden, counts = json.loads(r.stdout)
        assert set(hidden) == gone
        assert not gone & set(supported)
        assert set(supported) == set(supported0) - gone
        assert isa not in gone
        assert counts == counts0  # the same counts whichever kernels run


def test_unknown_name_fails(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("emma\n", encoding="utf-8")
    r = probe(corpus, "avx512,sse9")
    assert r.returncode != 0
    assert "MM_CPU_HIDE: 'sse9' is not" in r.stderr
