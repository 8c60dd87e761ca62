"""skilled.py - peer (b): what a skilled numpy/PyTorch user writes for the
same work.

- count_numpy: the corpus mapped (np.memmap, in the page cache like
  makemore's mmap), every adjacent byte pair as a uint16 a << 8 | b,
  np.bincount into 65,536 bins in 1 MiB chunks (the temporaries stay in
  the cache), then the 256 x 256 byte-pair counts folded to the V x V
  symbol counts; '\n' is the boundary, so "name\nname\n" is counted with
  no copy, as makemore does.  (Mapping bytes to symbols first, lut[a], and
  counting a*V + b was 2-5x slower here.)
- count_torch: the same with torch.from_numpy, tensor ops and
  torch.bincount.
- IndexTrainer: logits = W[xs] (a row gather instead of one_hot @ W) and
  F.cross_entropy, the fastest full-batch step PyTorch offers here.
"""
import numpy as np
import torch
import torch.nn.functional as F

CHUNK = 1 << 20   # bytes per bincount call: the fastest of 256 KiB .. 16 MiB here


class ByteCorpus:
    """A corpus file mapped read-only, with its vocabulary (built once,
    outside the timed work, as makemore's open does)."""

    def __init__(self, path):
        self.path = path
        self.a = np.memmap(path, dtype=np.uint8, mode="r")
        hist = np.zeros(256, dtype=np.int64)
        for s in range(0, len(self.a), CHUNK):
            hist += np.bincount(self.a[s:s + CHUNK], minlength=256)
        present = [b for b in range(256) if hist[b] and b not in (0x0A, 0x0D)]
        if any(b >= 0x80 for b in present) or hist[0x0D]:
            raise ValueError("%s: the bincount peers handle ASCII, LF-only corpora" % path)
        self.V = len(present) + 1
        # Row/column i of the V x V counts is byte order[i]; '\n' is the boundary.
        self.order = np.array([0x0A] + present, dtype=np.intp)
        self.lut = np.zeros(256, dtype=np.uint8)
        self.lut[self.order] = np.arange(self.V, dtype=np.uint8)
        self.bytes = len(self.a)


def _fold(C65536, corpus):
    """Byte-pair counts -> the V x V bigram counts: pick the rows and columns
    of the corpus's bytes ('\n' as the boundary), then add the pairs the
    byte stream does not hold: the boundary before the first name, the one
    after a last name without a final newline; (., .) pairs come from empty
    lines and are dropped."""
    Cb = np.asarray(C65536, dtype=np.int64).reshape(256, 256)
    C = Cb[np.ix_(corpus.order, corpus.order)].copy()
    a = corpus.a
    C[0, corpus.lut[a[0]]] += 1
    if a[-1] != 0x0A:
        C[corpus.lut[a[-1]], 0] += 1
    C[0, 0] = 0
    return C


def count_numpy(corpus):
    """Every adjacent byte pair as one uint16 (first byte high), counted into
    65,536 bins; the byte -> symbol mapping happens once, on the bins."""
    a = corpus.a
    n = len(a)
    C = np.zeros(65536, dtype=np.int64)
    for s in range(0, n - 1, CHUNK):
        b = a[s:s + CHUNK + 1].astype(np.uint16)   # one byte of overlap: no pair lost
        idx = b[:-1] << 8
        idx |= b[1:]
        C += np.bincount(idx, minlength=65536)
    return _fold(C, corpus)


def count_torch(corpus):
    """The same with torch tensors and torch.bincount."""
    t = torch.from_numpy(np.asarray(corpus.a))  # shares the mapping, no copy
    n = t.numel()
    C = torch.zeros(65536, dtype=torch.int64)
    for s in range(0, n - 1, CHUNK):
        b = t[s:s + CHUNK + 1].int()
        idx = (b[:-1] << 8) | b[1:]
        C += torch.bincount(idx, minlength=65536)
    return _fold(C.numpy(), corpus)


class IndexTrainer:
    """Full-batch gradient descent with W[xs] and cross_entropy."""

    def __init__(self, xs, ys, V, seed=2147483647):
        self.xs, self.ys, self.V = xs, ys, V
        g = torch.Generator().manual_seed(seed)
        self.W = torch.randn((V, V), generator=g, requires_grad=True)

    def step(self, lr=50.0, reg=0.01):
        W = self.W
        loss = F.cross_entropy(W[self.xs], self.ys) + reg * (W ** 2).mean()
        W.grad = None
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
        return loss.item()


def make_dataset(corpus):
    """xs, ys of every bigram of a ByteCorpus, vectorised: the symbol stream
    with a boundary before the first name (and after the last one when the
    file has no final newline), minus the (., .) pairs of empty lines."""
    c = corpus.lut[np.asarray(corpus.a)]
    parts = [np.zeros(1, np.uint8), c]
    if corpus.a[-1] != 0x0A:
        parts.append(np.zeros(1, np.uint8))
    s = np.concatenate(parts).astype(np.int64)
    xs, ys = s[:-1], s[1:]
    keep = (xs != 0) | (ys != 0)
    return torch.from_numpy(xs[keep]), torch.from_numpy(ys[keep]), corpus.V


def whole_run(corpus, steps=100):
    """Dataset, init and `steps` steps, as a skilled user writes the cell."""
    xs, ys, V = make_dataset(corpus)
    t = IndexTrainer(xs, ys, V)
    loss = None
    for _ in range(steps):
        loss = t.step()
    return loss
