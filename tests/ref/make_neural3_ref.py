#!/usr/bin/python3
"""make_neural3_ref.py - the reference losses of the neural trigram in
tests/cli/ngram.sh (exercise E01's neural half), computed with PyTorch the
notebook's way: xenc = cat(one_hot(x1), one_hot(x2)) (N x 2V), logits =
xenc @ W, W = torch.randn((2V, V), generator=manual_seed(2147483647)),
loss = -probs[arange(N), ys].log().mean() + 0.01 * (W**2).mean(),
W.data += -50 * W.grad, 100 steps; prints the loss of steps 0, 1 and 99.

usage: make_neural3_ref.py NAMES.TXT [float32|float64]
(float32 is the notebook's; float64 is the same computation in double.)
"""
import sys

import torch
import torch.nn.functional as F

path = sys.argv[1]
dtype = torch.float64 if len(sys.argv) > 2 and sys.argv[2] == "float64" else torch.float32
words = open(path).read().splitlines()
chars = sorted(set(''.join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
V = len(stoi)
x1s, x2s, ys = [], [], []
for w in words:
    chs = ['.', '.'] + list(w) + ['.']
    for a, b, c in zip(chs, chs[1:], chs[2:]):
        x1s.append(stoi[a])
        x2s.append(stoi[b])
        ys.append(stoi[c])
x1s, x2s, ys = torch.tensor(x1s), torch.tensor(x2s), torch.tensor(ys)
N = ys.nelement()
g = torch.Generator().manual_seed(2147483647)
W = torch.randn((2 * V, V), generator=g).to(dtype).requires_grad_()
xenc = torch.cat([F.one_hot(x1s, V), F.one_hot(x2s, V)], 1).to(dtype)
for k in range(100):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(N), ys].log().mean() + 0.01 * (W ** 2).mean()
    if k in (0, 1, 99):
        print(k, '%.10f' % loss.item())
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
