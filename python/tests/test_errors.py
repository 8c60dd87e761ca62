"""Bad input raises a Python exception carrying the library's message
(FILE:LINE:COLUMN: problem), never crashes, and leaves no output behind."""
import os

import pytest

import makemore


def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    for call in (lambda: makemore.count(p), lambda: makemore.load(p),
                 lambda: makemore.train(p, steps=1)):
        with pytest.raises(makemore.FileError, match=r"nope\.txt: cannot open") as e:
            call()
        assert isinstance(e.value, OSError) and isinstance(e.value, makemore.Error)


def test_directory(tmp_path):
    with pytest.raises(makemore.FileError, match="is a directory"):
        makemore.count(tmp_path)


@pytest.mark.parametrize("data, where, problem", [
    (b"emma\nol\xc3\x28ivia\n", ":2:3:", "invalid UTF-8"),
    (b"emma\n\xc0\xafx\n", ":2:1:", "invalid UTF-8"),      # overlong '/'
    (b"emma\nol.ivia\n", ":2:3:", "'.'"),
    (b"ab\x00c\n", ":1:3:", "NUL"),
])
def test_bad_corpus(tmp_path, data, where, problem):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    for call in (lambda: makemore.count(p), lambda: makemore.train(p, steps=1)):
        with pytest.raises(makemore.CorpusError) as e:
            call()
        msg = str(e.value)
        assert msg.startswith(str(p) + where), msg
        assert problem in msg, msg
        assert isinstance(e.value, ValueError)
    good = tmp_path / "good.txt"
    good.write_text("emma\n", encoding="utf-8")
    with pytest.raises(makemore.CorpusError, match=r"bad\.txt:"):
        makemore.count(good).eval(p)


def test_symbol_the_model_lacks(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("ab\n", encoding="utf-8")
    b.write_text("ab\nabc\n", encoding="utf-8")
    with pytest.raises(makemore.VocabError, match=r"b\.txt:2"):
        makemore.count(a).eval(b)
    with pytest.raises(makemore.VocabError):
        makemore.count(a).eval_words(["abz"])


def test_bad_model_files(tmp_path):
    p = tmp_path / "x.mm"
    p.write_bytes(b"hello\n")
    with pytest.raises(makemore.FormatError, match=r"x\.mm: not a makemore model"):
        makemore.load(p)
    c = tmp_path / "c.txt"
    c.write_text("emma\nava\n", encoding="utf-8")
    good = tmp_path / "good.mm"
    makemore.count(c).save(good)
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(makemore.FormatError, match=r"x\.mm"):
        makemore.load(p)
    p.write_bytes(bytes(raw[: len(raw) // 2]))
    with pytest.raises(makemore.FormatError, match=r"x\.mm"):
        makemore.load(p)


def test_save_failure_leaves_nothing(tmp_path):
    c = tmp_path / "c.txt"
    c.write_text("emma\n", encoding="utf-8")
    m = makemore.count(c)
    with pytest.raises(makemore.FileError, match="nodir"):
        m.save(tmp_path / "nodir" / "m.mm")
    # The target is a directory: the rename fails and the temporary goes.
    (tmp_path / "adir").mkdir()
    with pytest.raises(makemore.FileError, match="adir"):
        m.save(tmp_path / "adir")
    assert sorted(os.listdir(tmp_path)) == ["adir", "c.txt"]
    assert os.listdir(tmp_path / "adir") == []


def test_arguments(tmp_path):
    c = tmp_path / "c.txt"
    c.write_text("emma\n", encoding="utf-8")
    with pytest.raises(ValueError, match="order must be 2..6"):
        makemore.count(c, order=7)
    with pytest.raises(ValueError, match="smoothing"):
        makemore.count(c, smoothing=-1.0)
    with pytest.raises(ValueError, match="smoothing"):
        makemore.count(c, smoothing=float("nan"))
    with pytest.raises(TypeError):
        makemore.count(42)
    with pytest.raises(ValueError, match="line end"):
        makemore.count(c).eval_words(["em\nma"])
    with pytest.raises(TypeError):
        makemore.count(c).eval_words([1, 2])


@pytest.mark.parametrize("order", [2, 3])
def test_eval_without_names(tmp_path, order):
    """A corpus or a list without names is an error at every order (an
    order-3 model once scored it as NaN), naming the file."""
    m = makemore.count_words(["emma", "ava"], order=order)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    with pytest.raises(makemore.CorpusError, match=r"empty\.txt: no names to evaluate"):
        m.eval(empty)
    with pytest.raises(makemore.CorpusError, match=r"no names to evaluate"):
        m.eval_words(["", ""])
