#!/usr/bin/env python3
"""npy_numpy_check.py [TEST_NPY] - check libmakemore's .npy and SVG output
with the reference tools, and its .npy reader on files numpy wrote.

TEST_NPY is the test_npy binary: `TEST_NPY --emit DIR` writes i64.npy,
f32.npy, f32_empty.npy, counts.svg and loss.svg; `TEST_NPY --read FILE`
prints "OK rows cols" and one %a value per line, or "ERR ..." and exits 1.
Without the argument it is $MM_TEST_NPY, else tests/test_npy in the build
tree of $MAKEMORE (as tests/CMakeLists.txt lays it out).  Scratch files go
under $MM_TEST_TMP when set.

Checks:
  * numpy.load reads our files with the right dtype, shape and values, and
    (numpy >= 1.24, whose np.save pads headers as we do) byte for byte what
    np.save writes for the same array;
  * torch.from_numpy takes them (skipped without torch);
  * the SVGs parse with xml.etree, with the expected cells and labels, and
    every cell colour is matplotlib's Blues (skipped without matplotlib);
  * our reader accepts numpy's float32 files in formats 1.0, 2.0 and 3.0 and
    rejects float64, big-endian, Fortran-order, 1-D/3-D and non-finite ones.

Exits 77 (ctest SKIP_RETURN_CODE) when numpy is missing; run it with an
interpreter that has numpy, e.g. /usr/bin/python3.
"""
import io
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

try:
    import numpy as np
except ImportError:
    print("numpy not available: skipping")
    sys.exit(77)

try:
    import torch
except ImportError:
    torch = None

SVG = "{http://www.w3.org/2000/svg}"
FAILS = []


def check(cond, what):
    if not cond:
        FAILS.append(what)
        print("FAIL:", what)


# The values test_npy.c's emit() writes; keep in step with it.
def expected_i64():
    a = np.array([(i - 7) * 123456789012345 for i in range(15)], dtype=np.int64)
    a[0] = np.iinfo(np.int64).min
    a[14] = np.iinfo(np.int64).max
    return a.reshape(3, 5)


def expected_f32():
    a = (np.arange(27 * 27, dtype=np.float32) * np.float32(0.25)
         - np.float32(100.0)).astype(np.float32)
    a[0] = np.float32(-0.0)
    a[1] = np.finfo(np.float32).max
    a[2] = np.float32(1e-45)
    a[3] = np.finfo(np.float32).tiny
    return a.reshape(27, 27)


VOCAB = [".", "\t", " ", '"', "&", "<", ">", "a", "\u00e9", "\u4e2d", "\U0001f600"]


def expected_counts():
    V = len(VOCAB)
    c = np.zeros((V, V), dtype=np.uint64)
    for i in range(V):
        for j in range(V):
            c[i, j] = ((i * 7 + j * 3) % 11) * 1000 + (i == j)
    c[0, 0] = 0
    c[0, 1] = 10000000
    c[0, 2] = 5000000
    return c


def shown(ch):
    # Control characters appear as their Control Pictures.
    o = ord(ch)
    if o < 0x20:
        return chr(0x2400 + o)
    if o == 0x7F:
        return "\u2421"
    return ch


def check_npy_file(path, want, dtype):
    a = np.load(path, allow_pickle=False)
    check(a.dtype == np.dtype(dtype), f"{path}: dtype {a.dtype}, want {dtype}")
    check(a.shape == want.shape, f"{path}: shape {a.shape}, want {want.shape}")
    check(a.flags.c_contiguous, f"{path}: not C-contiguous")
    if a.shape == want.shape:
        same = np.array_equal(a.view(np.uint8), want.view(np.uint8))
        check(same, f"{path}: values differ")
    raw = open(path, "rb").read()
    hlen = int.from_bytes(raw[8:10], "little")
    check(raw[:8] == b"\x93NUMPY\x01\x00", f"{path}: not format 1.0")
    check((10 + hlen) % 64 == 0, f"{path}: data offset {10 + hlen} not 64-aligned")
    check(raw[10 + hlen - 1:10 + hlen] == b"\n", f"{path}: header does not end in \\n")
    if hasattr(np.lib.format, "GROWTH_AXIS_MAX_DIGITS"):
        buf = io.BytesIO()
        np.save(buf, want)
        check(raw == buf.getvalue(), f"{path}: bytes differ from np.save's")
    if torch is not None and a.size > 0:
        t = torch.from_numpy(a)
        tdt = {np.dtype("<i8"): torch.int64, np.dtype("<f4"): torch.float32}[a.dtype]
        check(t.dtype == tdt, f"{path}: torch dtype {t.dtype}")
        check(tuple(t.shape) == want.shape, f"{path}: torch shape {tuple(t.shape)}")
        check(torch.equal(t, torch.from_numpy(want.copy())), f"{path}: torch values")


def check_counts_svg(path):
    root = ET.parse(path).getroot()
    check(root.tag == SVG + "svg", f"{path}: root is {root.tag}")
    rects = [r for r in root.iter(SVG + "rect") if r.get("x") is not None]
    texts = [t.text or "" for t in root.iter(SVG + "text")]
    c = expected_counts()
    V = len(VOCAB)
    check(len(rects) == V * V, f"{path}: {len(rects)} cells, want {V * V}")
    check(len(texts) == 2 * V * V, f"{path}: {len(texts)} labels, want {2 * V * V}")
    if len(texts) == 2 * V * V:
        for i in range(V):
            for j in range(V):
                k = 2 * (i * V + j)
                want = shown(VOCAB[i]) + shown(VOCAB[j])
                check(texts[k] == want, f"{path}: label ({i},{j}) {texts[k]!r} want {want!r}")
                check(texts[k + 1] == str(int(c[i, j])),
                      f"{path}: count ({i},{j}) {texts[k + 1]!r}")
    try:
        import matplotlib
        from matplotlib.colors import to_hex
        cmap = matplotlib.colormaps["Blues"] if hasattr(matplotlib, "colormaps") \
            else matplotlib.cm.get_cmap("Blues")
    except ImportError:
        print("matplotlib not available: colours not checked")
        return
    mx = float(c.max())
    if len(rects) == V * V:
        for i in range(V):
            for j in range(V):
                want = to_hex(cmap(float(c[i, j]) / mx))
                got = rects[i * V + j].get("fill")
                check(got == want, f"{path}: cell ({i},{j}) colour {got}, matplotlib {want}")


def check_loss_svg(path):
    root = ET.parse(path).getroot()
    check(root.tag == SVG + "svg", f"{path}: root is {root.tag}")
    paths = list(root.iter(SVG + "path"))
    check(len(paths) == 1, f"{path}: {len(paths)} curves")
    texts = [t.text or "" for t in root.iter(SVG + "text")]
    check("training loss & <friends>" in texts, f"{path}: title missing")
    check("step" in texts and "loss" in texts, f"{path}: axis labels missing")
    if paths:
        pts = paths[0].get("d").replace("M", " ").replace("L", " ").split()
        check(len(pts) == 200, f"{path}: {len(pts) // 2} points, want 100")
        vals = [float(v) for v in pts]
        check(all(0 <= v <= 800 for v in vals), f"{path}: point off the canvas")


def run_read(exe, path):
    r = subprocess.run([exe, "--read", path], capture_output=True, text=True)
    lines = r.stdout.splitlines()
    if r.returncode != 0 or not lines or not lines[0].startswith("OK "):
        return None, (lines[0] if lines else r.stderr.strip())
    _, rows, cols = lines[0].split()
    vals = np.array([float.fromhex(v) for v in lines[1:]], dtype=np.float32)
    return vals.reshape(int(rows), int(cols)), None


def check_reader(exe, d):
    rng = np.random.default_rng(1234)
    good = {
        "v1_27x27": (rng.standard_normal((27, 27)).astype(np.float32), (1, 0)),
        "v2_3x7": (rng.standard_normal((3, 7)).astype(np.float32), (2, 0)),
        "v3_1x1": (np.array([[np.float32(-0.0)]]), (3, 0)),
        "v1_0x4": (np.zeros((0, 4), np.float32), (1, 0)),
        "v1_tiny": (np.array([[1e-45, 3.4e38]], np.float32), (1, 0)),
    }
    for name, (a, ver) in good.items():
        p = os.path.join(d, name + ".npy")
        with open(p, "wb") as f:
            np.lib.format.write_array(f, a, version=ver)
        got, err = run_read(exe, p)
        check(err is None, f"reader refused numpy's {name}: {err}")
        if got is not None:
            check(got.shape == a.shape and np.array_equal(got.view(np.uint32),
                                                         a.view(np.uint32)),
                  f"reader: {name} values differ")
    nan = np.ones((2, 2), np.float32)
    nan[1, 0] = np.nan
    inf = np.ones((2, 2), np.float32)
    inf[0, 1] = -np.inf
    bad = {
        "float64": np.ones((2, 2), np.float64),
        "int64": np.ones((2, 2), np.int64),
        "bigendian": np.ones((2, 2), ">f4"),
        "fortran": np.asfortranarray(np.ones((2, 3), np.float32)),
        "onedim": np.ones(4, np.float32),
        "threedim": np.ones((2, 2, 2), np.float32),
        "nan": nan,
        "inf": inf,
    }
    for name, a in bad.items():
        p = os.path.join(d, "bad_" + name + ".npy")
        np.save(p, a)
        got, err = run_read(exe, p)
        check(got is None and err is not None and err.startswith("ERR malformed file")
              and "bad_" + name in err, f"reader accepted or misreported {name}: {err}")


def find_test_npy():
    if len(sys.argv) == 2:
        return sys.argv[1]
    if os.environ.get("MM_TEST_NPY"):
        return os.environ["MM_TEST_NPY"]
    if os.environ.get("MAKEMORE"):
        return os.path.join(os.path.dirname(os.environ["MAKEMORE"]), "tests", "test_npy")
    return None


def main():
    exe = find_test_npy()
    if len(sys.argv) > 2 or exe is None:
        print(__doc__)
        return 2
    exe = os.path.abspath(exe)
    if not os.access(exe, os.X_OK):
        print(f"FAIL: {exe} is not an executable test_npy")
        return 1
    tmp = os.environ.get("MM_TEST_TMP") or None
    if tmp is not None:
        os.makedirs(tmp, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp) as d:
        subprocess.run([exe, "--emit", d], check=True)
        check_npy_file(os.path.join(d, "i64.npy"), expected_i64(), "<i8")
        check_npy_file(os.path.join(d, "f32.npy"), expected_f32(), "<f4")
        check_npy_file(os.path.join(d, "f32_empty.npy"), np.zeros((0, 5), np.float32),
                       "<f4")
        check_counts_svg(os.path.join(d, "counts.svg"))
        check_loss_svg(os.path.join(d, "loss.svg"))
        check_reader(exe, d)
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'absent'}: "
          f"{len(FAILS)} failure(s)")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
