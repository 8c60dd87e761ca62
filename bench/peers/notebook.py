"""notebook.py - peer (a): the code of Karpathy's makemore part 1 notebook
as it is written there, with PyTorch.

- count_loop: the pure-Python loop that fills N[ix1, ix2] += 1, one torch
  element update per bigram.
- NotebookTrainer: xs/ys as Python lists turned into tensors, W =
  torch.randn((27, 27), generator=g), and each step one_hot(xs) @ W, exp,
  normalise, -log p[y] mean + 0.01 (W**2).mean(), backward, W -= 50 grad.
- sample_names: the notebook's sampling loop with torch.multinomial.
"""
import torch
import torch.nn.functional as F

from peerlib import vocab_of_words


def count_loop(words):
    """The notebook's counting cell (with its V instead of the fixed 27)."""
    stoi, _ = vocab_of_words(words)
    V = len(stoi)
    N = torch.zeros((V, V), dtype=torch.int32)
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            ix1 = stoi[ch1]
            ix2 = stoi[ch2]
            N[ix1, ix2] += 1
    return N


def make_dataset(words):
    """The notebook's xs, ys."""
    stoi, _ = vocab_of_words(words)
    xs, ys = [], []
    for w in words:
        chs = ["."] + list(w) + ["."]
        for ch1, ch2 in zip(chs, chs[1:]):
            xs.append(stoi[ch1])
            ys.append(stoi[ch2])
    return torch.tensor(xs), torch.tensor(ys), len(stoi)


class NotebookTrainer:
    """The notebook's gradient descent, one step per call."""

    def __init__(self, words, seed=2147483647):
        self.xs, self.ys, self.V = make_dataset(words)
        self.num = self.xs.nelement()
        g = torch.Generator().manual_seed(seed)
        self.W = torch.randn((self.V, self.V), generator=g, requires_grad=True)
        self.arange = torch.arange(self.num)

    def step(self, lr=50.0, reg=0.01):
        W = self.W
        xenc = F.one_hot(self.xs, num_classes=self.V).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[self.arange, self.ys].log().mean() + reg * (W ** 2).mean()
        W.grad = None
        loss.backward()
        W.data += -lr * W.grad
        return loss.item()


def whole_run(words, steps=100):
    """The notebook's training cell end to end: dataset, init, `steps` steps."""
    t = NotebookTrainer(words)
    loss = None
    for _ in range(steps):
        loss = t.step()
    return loss


def count_model_nll(N):
    """The notebook's evaluation of the +1-smoothed count model on its own
    data: P = (N+1) / rowsum, nll = -mean log P[x, y]."""
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    logp = P.log()
    n = N.double()
    return float(-(n * logp.double()).sum() / n.sum())


def sample_names(N, itos, n, seed=2147483647):
    """The notebook's sampling cell."""
    P = (N + 1).float()
    P /= P.sum(1, keepdims=True)
    g = torch.Generator().manual_seed(seed)
    names = []
    for _ in range(n):
        out = []
        ix = 0
        while True:
            p = P[ix]
            ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(itos[ix])
        names.append("".join(out))
    return names
