#!/usr/bin/python3
"""make_ngram_ref.py - the order-K reference figures of tests/test_ngram.c and
tests/cli/ngram.sh, computed the notebook's way with PyTorch (Debian's
/usr/bin/python3 has torch): N[(V,) * K] int32 counts with K-1 '.' pads,
P = (N + k).float(), P /= P.sum(-1, keepdims=True); the NLL is the mean of
-torch.log(P[...]).item() over every n-gram; names are drawn with
torch.multinomial(P[context], 1, replacement=True, generator=g).

usage: make_ngram_ref.py NAMES.TXT K SMOOTHING [N_SAMPLES]
"""
import sys

import torch

path, K, k = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ns = int(sys.argv[4]) if len(sys.argv) > 4 else 5
words = open(path).read().splitlines()
chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)
N = torch.zeros((V,) * K, dtype=torch.int32)
grams = []
for w in words:
    chs = ['.'] * (K - 1) + list(w) + ['.']
    for i in range(len(chs) - K + 1):
        grams.append(tuple(stoi[c] for c in chs[i:i + K]))
for g in grams:
    N[g] += 1
P = (N + k).float() if k != int(k) else (N + int(k)).float()
P /= P.sum(-1, keepdims=True)
nll = -sum(torch.log(P[g]).item() for g in grams) / len(grams)
print('examples %d nll %.10f' % (len(grams), nll))
gen = torch.Generator().manual_seed(2147483647)
for _ in range(ns):
    ctx, out = [0] * (K - 1), []
    while True:
        ix = torch.multinomial(P[tuple(ctx)], num_samples=1, replacement=True,
                               generator=gen).item()
        ctx = ctx[1:] + [ix]
        if ix == 0:
            break
        out.append(itos[ix])
    print(''.join(out))
