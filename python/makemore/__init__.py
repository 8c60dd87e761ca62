"""makemore: character-level bigram language models (Karpathy's makemore,
part 1) over libmakemore, the C library behind the `makemore` command.

    >>> import makemore
    >>> m = makemore.count("names.txt")          # +1 smoothing, as the notebook
    >>> m.counts.sum(), m.eval("names.txt").nll  # 228146 bigrams, NLL 2.454577
    >>> m.sample(5, seed=2147483647)             # ['mor', 'axx', 'minaymoryles', ...]
    >>> nn, losses = makemore.train("names.txt") # the notebook's 100 steps

Model.counts, Model.probs and Model.W are read-only numpy views of the
model's own memory.  Errors raise makemore.Error subclasses whose message
names the file, line and problem.  docs/notebook.md walks through the
lecture notebook with this module.
"""
from ._makemore import (  # noqa: F401  (the public API)
    DEFAULT_SEED,
    MAX_ORDER,
    CorpusError,
    DivergedError,
    Error,
    EvalResult,
    FileError,
    FormatError,
    Model,
    VocabError,
    __version__,
    count,
    count_words,
    isa,
    isa_built,
    isa_hidden,
    isa_supported,
    load,
    sigbus_guard_install,
    train,
)

__all__ = [
    "DEFAULT_SEED", "MAX_ORDER", "CorpusError", "DivergedError", "Error", "EvalResult", "FileError",
    "FormatError", "Model", "VocabError", "count", "count_words", "isa", "isa_built", "isa_hidden",
    "isa_supported",
    "load", "sigbus_guard_install", "train",
]
