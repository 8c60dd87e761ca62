"""Model.sample: the notebook's names, the CLI's names."""
import os
import subprocess

import pytest

import makemore

NOTEBOOK_NAMES = ["mor", "axx", "minaymoryles", "kondlaisah", "anchshizarie"]


def test_notebook_names(names):
    m = makemore.count(names)
    assert m.sample(5, seed=2147483647) == NOTEBOOK_NAMES
    assert m.sample(5) == NOTEBOOK_NAMES          # the default seed is the notebook's
    assert m.sample(0) == []
    # The same generator stream: the first five of fifty are the same five.
    assert m.sample(50, seed=2147483647)[:5] == NOTEBOOK_NAMES
    assert m.sample(5, seed=1) != NOTEBOOK_NAMES


def test_max_len(names):
    m = makemore.count(names)
    got = m.sample(200, seed=3, max_len=4)
    assert len(got) == 200 and all(1 <= len(s) <= 4 for s in got)
    with pytest.raises(ValueError):
        m.sample(1, max_len=0)


def test_same_names_as_the_cli(names, tmp_path):
    exe = os.environ.get("MAKEMORE")
    if not exe or not os.access(exe, os.X_OK):
        pytest.skip("MAKEMORE (the CLI binary) not set")
    model = tmp_path / "names.mm"
    m = makemore.count(names)
    m.save(model)
    out = subprocess.run([exe, "sample", str(model), "-n", "3000", "--seed", "42"],
                         check=True, capture_output=True, text=True).stdout
    assert m.sample(3000, seed=42) == out.splitlines()


def test_many_names_cross_chunks(tmp_path):
    """More names than one 1 MiB chunk of symbols holds: the list is whole and
    the stream is the one-chunk stream."""
    p = tmp_path / "long.txt"
    p.write_text("abcdefghijklmnopqrstuvwxy" * 4 + "\nzz\n", encoding="utf-8")
    m = makemore.count(p)
    many = m.sample(300000, seed=7)
    assert len(many) == 300000
    assert many[:1000] == m.sample(1000, seed=7)
    assert set("".join(many)) <= set(m.vocab[1:])
