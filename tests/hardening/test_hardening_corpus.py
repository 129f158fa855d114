"""Hardening: corpus files that are binary, not UTF-8, empty, enormous or oddly named are
reported and skipped (or handled), and nothing else is lost."""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest

from askintl.config import Settings
from askintl.engine import Engine
from askintl.indexer import build_index
from askintl.loaders import MAX_FILE_BYTES, MAX_TEXT_CHARS, load_corpus


def _write(path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)


@pytest.fixture
def odd_corpus(tiny_corpus):
    """The tiny corpus plus every kind of awkward file; returns (folder, expected skip reasons)."""
    c = tiny_corpus
    bad = {}
    # binary, whatever the suffix says
    _write(c / "nul-bytes.txt", b"Alpha \x00\x01\x02\x03 binary")
    _write(c / "logo.html", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    _write(c / "random.md", b"\x01" + random.Random(5).randbytes(4096).replace(b"\x00", b"") + b"\x00")
    bad.update({"nul-bytes.txt": "binary", "logo.html": "binary", "random.md": "binary"})
    # not UTF-8
    _write(c / "latin1.txt", "Université de Genève accueille des étudiants.".encode("latin-1"))
    _write(c / "shift-jis.txt", "留学生は千人です。".encode("shift_jis"))
    bad.update({"latin1.txt": "not UTF-8", "shift-jis.txt": "not UTF-8"})
    # empty in every way
    _write(c / "zero.txt", b"")
    _write(c / "blank.md", b" \n\t\n  ")
    _write(c / "script-only.html", b"<html><head><title>x</title></head><body><script>var a=1;</script></body></html>")
    _write(c / "bom-only.txt", b"\xef\xbb\xbf\n")
    bad.update({"zero.txt": "empty", "blank.md": "empty", "script-only.html": "no text", "bom-only.txt": "empty"})
    # enormous: text past the limit (read, then refused), a file past the byte limit (never read)
    line = b"Gamma University welcomes exchange students from many countries every semester. "
    _write(c / "enormous.md", line * (MAX_TEXT_CHARS // len(line) * 3))  # ~3 MB of text
    _write(c / "dump.txt", line * (30 * 2**20 // len(line)))             # ~30 MB
    with open(c / "huge.txt", "wb") as fh:                                  # sparse, past the byte cap
        fh.truncate(MAX_FILE_BYTES + 1)
    bad.update({"enormous.md": "too much text", "dump.txt": "too much text", "huge.txt": "too large"})
    # not regular files: a FIFO (would block), a device (never ends), a loop, a dangling link, a folder
    fifo = c.parent / "a-fifo"
    os.mkfifo(fifo)
    os.symlink(fifo, c / "fifo.txt")
    os.symlink("/dev/zero", c / "zeros.txt")
    os.symlink("loop.txt", c / "loop.txt")
    os.symlink("nowhere.txt", c / "dangling.txt")
    (c / "folder.txt").mkdir()
    os.symlink(c / "folder.txt", c / "folder-link.md")
    bad.update({"fifo.txt": "not a regular file", "zeros.txt": "not a regular file", "loop.txt": "cannot read",
                "dangling.txt": "cannot read", "folder-link.md": "not a regular file"})
    # odd names
    _write(os.fsencode(c) + b"/caf\xe9-latin1-name.txt", b"Cafe University hosts scholars.")
    _write(c / "no-suffix", b"Some text.")
    _write(c / "archive.txt.bak", b"Some text.")
    bad.update({"caf\\xe9-latin1-name.txt": "not valid UTF-8", "no-suffix": "unsupported",
                "archive.txt.bak": "unsupported"})
    # ids that would forge or hide text where they are shown (issue 10, item 8): refused like the
    # admin API refuses them, and reported with the characters escaped
    _write(c / "new\nline.txt", b"Newline Polytechnic offers a double degree with Lyon.")
    _write(c / "evil\u202etxt.md.txt", b"Bidi Override College hosts 3 scholars.")
    bad.update({"new\\nline.txt": "control character", "evil\\u202etxt.md.txt": "format"})
    good = {
        "with spaces & (parens)": "With spaces & (parens) College runs a summer school in Porto.",
        "-leading-dash": "Leading Dash Institute sends 12 students to Kyoto every year.",
        "université-été": "L'Université d'été accueille 40 étudiants étrangers chaque année.",
        "北京-交通": "北京交通大学有一千四百名国际学生。",
        "UPPER": "Upper Suffix School has 7 partner universities.",
        "x" * 200: "Long Name Academy opened an office for international students.",
        "huge-html": None,  # a large page that is mostly script: its small visible text is kept
        "utf16": None,
    }
    for stem, text in good.items():
        if text is not None:
            suffix = ".TXT" if stem == "UPPER" else ".txt"
            _write(c / f"{stem}{suffix}", text.encode("utf-8"))
    _write(c / "huge-html.html", b"<html><body><p>Huge Html Institute hosts 77 visiting scholars.</p><script>"
           + b"var filler = 'abcdefghijklmnopqrstuvwxyz';\n" * (20 * 2**20 // 44) + b"</script></body></html>")
    _write(c / "utf16.txt", "UTF Sixteen University counts 5 campuses.".encode("utf-16"))
    # a second file with an id already taken
    (c / "sub").mkdir()
    _write(c / "sub" / "alpha-uni.md", b"Another Alpha page.")
    bad["sub/alpha-uni.md"] = "duplicate document id"
    # a catalog with wrong types must not break anything
    cat = json.loads((c / "catalog.json").read_text())
    cat["UPPER"] = {"institution": 12, "aliases": "UPS", "title": ["x"], "url": {"a": 1}}
    cat["with spaces & (parens)"] = {"institution": "Spaces College", "aliases": [1, 2]}
    (c / "catalog.json").write_text(json.dumps(cat))
    return c, bad, set(good) | {"alpha-uni", "beta-college"}


def test_awkward_files_are_reported_and_skipped_and_nothing_else_is_lost(odd_corpus, tmp_path):
    corpus, bad, good = odd_corpus
    report = load_corpus(corpus)
    skipped = {os.path.relpath(p, os.fsencode(corpus).decode("utf-8", "backslashreplace")): r
               for p, r in report.skipped}
    assert {d.doc_id for d in report.documents} == good
    assert set(skipped) == set(bad), set(skipped) ^ set(bad)
    for name, reason in bad.items():
        assert reason in skipped[name], (name, skipped[name])
    assert "split it" in skipped["enormous.md"]

    docs = {d.doc_id: d for d in report.documents}
    assert docs["huge-html"].text.startswith("Huge Html Institute hosts 77 visiting scholars.")
    assert docs["UPPER"].institution == "" and docs["UPPER"].aliases == ("UPS",)
    assert docs["with spaces & (parens)"].aliases == ()

    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")
    built = build_index(settings)
    assert built.documents == len(good) and len(built.skipped) == len(bad)
    engine = Engine.open(settings)
    assert {d.doc_id for d in engine.documents()} == good
    r = engine.ask("How many students does Leading Dash Institute send to Kyoto?")
    assert r.passages[0].doc_id == "-leading-dash"
    assert engine.document("北京-交通").text == "北京交通大学有一千四百名国际学生。"
    manifest = engine.snapshot.manifest
    assert len(manifest["skipped"]) == len(bad)


def test_cli_reports_skipped_files_and_indexes_the_rest(odd_corpus, tmp_path):
    corpus, bad, good = odd_corpus
    env = {**os.environ, "ASKINTL_EMBEDDER": "hash"}
    proc = subprocess.run([sys.executable, "-m", "askintl.cli", "index", "--corpus", str(corpus),
                           "--index", str(tmp_path / "index")], capture_output=True, env=env, timeout=120)
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert err.count("skipped") >= len(bad)
    assert "caf\\xe9-latin1-name.txt: file name is not valid UTF-8" in err
    assert f"{len(good)} documents" in err
