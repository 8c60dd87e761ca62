#!/usr/bin/python3
"""make_rng_ref.py - print the torch reference values embedded in
tests/test_rng.c, as C source.

Usage (torch must be importable; on Debian it is installed for
/usr/bin/python3, not for a pyenv python3):

    /usr/bin/python3 tests/ref/make_rng_ref.py [names.txt] > /tmp/ref.c

then replace the block between the BEGIN/END markers of tests/test_rng.c with
the output.  names.txt defaults to data/names.txt of the repository.

Every value comes from torch.Generator().manual_seed(seed) on the CPU:
- 32-bit draws: random_(-2**63, None) on int64 returns the full 64-bit draw
  (first 32-bit word << 32) | second word, so each value gives two words.
- doubles: torch.rand(n, dtype=torch.float64).
- randn: torch.randn(n) (float32), each case from a fresh generator, then the
  next two 32-bit words, to check how many draws the call consumed.
- multinomial: repeated torch.multinomial(p, 1, replacement=True) calls, as
  the notebook samples, then the next two 32-bit words.
- names: the notebook's P = (N+1).float(); P /= P.sum(1, keepdims=True) and
  five names with seed 2147483647.
"""
import os
import sys

import torch

NOTEBOOK_NAMES = ["mor.", "axx.", "minaymoryles.", "kondlaisah.", "anchshizarie."]


def gen(seed):
    return torch.Generator().manual_seed(seed)


def words(g, count):
    """count 32-bit draws from g, through full-range 64-bit draws."""
    n64 = (count + 1) // 2
    t = torch.empty(n64, dtype=torch.int64).random_(-2**63, None, generator=g)
    out = []
    for v in t.tolist():
        v &= (1 << 64) - 1
        out += [v >> 32, v & 0xffffffff]
    return out[:count]


def f32hex(x):
    # float.hex of a float32 value is exact; the f suffix keeps it float.
    return float(x).hex() + "f"


def c_array(ctype, name, dims, values, per_line=4):
    """A 1-D or 2-D C array; rows of a 2-D one get their own braces."""
    print("static const %s %s%s = {" % (ctype, name, "".join("[%d]" % d for d in dims)))
    if len(dims) == 1:
        for i in range(0, len(values), per_line):
            print("    " + ", ".join(values[i:i + per_line]) + ",")
    else:
        cols = dims[1]
        for r in range(dims[0]):
            row = values[r * cols:(r + 1) * cols]
            if cols <= per_line:
                print("    { " + ", ".join(row) + " },")
                continue
            print("    {")
            for i in range(0, cols, per_line):
                print("        " + ", ".join(row[i:i + per_line]) + ",")
            print("    },")
    print("};")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    names_path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "data", "names.txt")

    print("/* BEGIN make_rng_ref.py output (torch %s) */" % torch.__version__)

    # ---- 32-bit draws ------------------------------------------------------
    seeds = [0, 1, 42, 2147483647, (1 << 32) + 5, (1 << 64) - 1]
    print("#define REF_U32_NSEEDS %d" % len(seeds))
    c_array("uint64_t", "ref_u32_seeds", [len(seeds)], ["UINT64_C(%d)" % s for s in seeds], 3)
    first = []
    for s in seeds:
        first += ["0x%08xu" % w for w in words(gen(s), 8)]
    c_array("uint32_t", "ref_u32_first", [len(seeds), 8], first)
    # Across the first and second regeneration of the state (words 624, 1248).
    w = words(gen(2147483647), 1256)
    c_array("uint32_t", "ref_u32_at620", [8], ["0x%08xu" % x for x in w[620:628]])
    c_array("uint32_t", "ref_u32_at1244", [8], ["0x%08xu" % x for x in w[1244:1252]])

    # ---- doubles -----------------------------------------------------------
    dseeds = [42, 2147483647]
    dvals = []
    for s in dseeds:
        dvals += [float(x).hex() for x in torch.rand(8, dtype=torch.float64, generator=gen(s)).tolist()]
    c_array("uint64_t", "ref_double_seeds", [len(dseeds)], ["UINT64_C(%d)" % s for s in dseeds], 2)
    c_array("double", "ref_double", [len(dseeds), 8], dvals, 3)

    # ---- randn -------------------------------------------------------------
    cases = [(2147483647, 1), (2147483647, 2), (2147483647, 5), (42, 15),
             (2147483647, 16), (42, 17), (2147483647, 33), (42, 32),
             (2147483647, 27 * 27)]
    vals, offs, nexts = [], [], []
    for s, n in cases:
        g = gen(s)
        offs.append(len(vals))
        vals += [f32hex(x) for x in torch.randn(n, generator=g).tolist()]
        nexts += ["0x%08xu" % x for x in words(g, 2)]
    print("#define REF_RANDN_NCASES %d" % len(cases))
    c_array("uint64_t", "ref_randn_seed", [len(cases)], ["UINT64_C(%d)" % s for s, _ in cases], 3)
    c_array("size_t", "ref_randn_n", [len(cases)], ["%d" % n for _, n in cases], 9)
    c_array("size_t", "ref_randn_off", [len(cases)], ["%d" % o for o in offs], 9)
    c_array("uint32_t", "ref_randn_next", [len(cases), 2], nexts)
    c_array("float", "ref_randn", [len(vals)], vals)

    # ---- multinomial -------------------------------------------------------
    rows = [
        [0.1, 0.2, 0.3, 0.4],
        [0.0, 0.25, 0.0, 0.0, 0.5, 0.0, 0.25, 0.0],   # zeros inside and at the end
        [0.0, 0.0, 0.0, 0.0, 1.0, 2.0],                 # zeros at the front, unnormalised
        [0.0, 0.0, 3.0, 0.0, 0.0],                      # one nonzero entry
        [0.7],                                          # n = 1
        [1e-8, 1.0, 1e-8, 1e-3, 0.0, 5.0],              # tiny next to large
        torch.rand(27, generator=gen(7)).tolist(),      # a notebook-sized row
    ]
    draws = 40
    mseed = 2147483647
    flat, offs, lens, picks, nexts = [], [], [], [], []
    for r in rows:
        p = torch.tensor(r, dtype=torch.float32)
        g = gen(mseed)
        got = [torch.multinomial(p, 1, replacement=True, generator=g).item() for _ in range(draws)]
        # One call with num_samples=draws takes the same path and draws.
        once = torch.multinomial(p, draws, replacement=True, generator=gen(mseed)).tolist()
        assert got == once, "multinomial: one sample per call differs from one call"
        offs.append(len(flat))
        lens.append(len(r))
        flat += [f32hex(x) for x in p.tolist()]
        picks += ["%d" % i for i in got]
        nexts += ["0x%08xu" % x for x in words(g, 2)]
    print("#define REF_MULTI_NROWS %d" % len(rows))
    print("#define REF_MULTI_DRAWS %d" % draws)
    print("#define REF_MULTI_SEED UINT64_C(%d)" % mseed)
    c_array("size_t", "ref_multi_off", [len(rows)], ["%d" % o for o in offs], 9)
    c_array("size_t", "ref_multi_len", [len(rows)], ["%d" % n for n in lens], 9)
    c_array("float", "ref_multi_p", [len(flat)], flat)
    c_array("unsigned char", "ref_multi_pick", [len(rows), draws], picks, 20)
    c_array("uint32_t", "ref_multi_next", [len(rows), 2], nexts)

    # ---- the notebook's names ------------------------------------------------
    words_ = open(names_path, encoding="utf-8").read().splitlines()
    chars = sorted(set("".join(words_)))
    stoi = {s: i + 1 for i, s in enumerate(chars)}
    stoi["."] = 0
    itos = {i: s for s, i in stoi.items()}
    V = len(stoi)
    N = torch.zeros((V, V), dtype=torch.int32)
    for w_ in words_:
        chs = ["."] + list(w_) + ["."]
        for a, b in zip(chs, chs[1:]):
            N[stoi[a], stoi[b]] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    g = gen(2147483647)
    names = []
    for _ in range(5):
        out, ix = [], 0
        while True:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            out.append(itos[ix])
            if ix == 0:
                break
        names.append("".join(out))
    assert names == NOTEBOOK_NAMES, names
    print("#define REF_NAMES_V %d" % V)
    print("static const char ref_names_itos[] = \"%s\";" % "".join(itos[i] for i in range(V)))
    c_array("uint32_t", "ref_names_counts", [V, V], ["%d" % c for c in N.flatten().tolist()], 14)
    c_array("char *const", "ref_names", [len(names)], ['"%s"' % s for s in names], 5)
    print("/* END make_rng_ref.py output */")


if __name__ == "__main__":
    main()
