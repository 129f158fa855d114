"""Hardening (issue 10, items 3 and 8): corpus links that leave the corpus folder, a catalog
nested thousands deep, catalog URLs that are not http(s), and document ids that would forge
or hide text. One rule for ids and URLs (askintl.identifiers), in the loader and the admin API."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from askintl.api.admin import CorpusAdmin, DocumentUpload
from askintl.config import Settings
from askintl.engine import Engine
from askintl.errors import InvalidRequestError, NotFoundError
from askintl.identifiers import check_doc_id, check_url, doc_id_problem, url_problem
from askintl.indexer import build_index
from askintl.loaders import load_corpus

SECRET = "root:x:0:0:SECRET-MARKER:/root:/bin/bash\n"


def _skipped(report, corpus) -> dict[str, str]:
    return {os.path.relpath(p, str(corpus)): r for p, r in report.skipped}


@pytest.fixture
def outside(tmp_path):
    """A folder beside the corpus, standing for /etc: a secret file and a folder of them."""
    folder = tmp_path / "server-files"
    (folder / "etc").mkdir(parents=True)
    (folder / "passwd").write_text(SECRET)
    (folder / "etc" / "shadow.txt").write_text(SECRET)
    return folder


def test_links_out_of_the_corpus_are_refused_and_reported_the_rest_indexed(tiny_corpus, outside, tmp_path):
    os.symlink(outside / "passwd", tiny_corpus / "passwd.txt")          # ln -s /etc/passwd corpus/passwd.txt
    os.symlink(outside / "etc", tiny_corpus / "etc")                     # a linked folder escaping it
    os.symlink(outside / "etc", tiny_corpus / "etc.md")                  # ... with a suffix the loader reads
    (tiny_corpus / "sub").mkdir()
    os.symlink("../../server-files/passwd", tiny_corpus / "sub" / "relative.txt")  # relative, via ..
    os.symlink("alpha-uni.txt", tiny_corpus / "alpha-copy.txt")         # a link that stays inside: fine

    report = load_corpus(tiny_corpus)
    skipped = _skipped(report, tiny_corpus)
    assert {d.doc_id for d in report.documents} == {"alpha-uni", "beta-college", "alpha-copy"}
    assert all(SECRET not in d.text for d in report.documents)
    for name in ("passwd.txt", "sub/relative.txt"):
        assert "link to a file outside the corpus folder" in skipped[name], skipped
    for name in ("etc", "etc.md"):
        assert "link to a folder outside the corpus folder" in skipped[name], skipped

    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder="hash")
    built = build_index(settings)
    assert {p for p, _ in built.skipped} >= {str(tiny_corpus / "passwd.txt")}
    engine = Engine.open(settings)
    with pytest.raises(NotFoundError):
        engine.document("passwd")
    assert "SECRET-MARKER" not in json.dumps(engine.snapshot.manifest)
    assert engine.document("alpha-copy").text == (tiny_corpus / "alpha-uni.txt").read_text()


def test_a_corpus_folder_that_is_itself_a_link_still_loads(tiny_corpus, tmp_path):
    link = tmp_path / "corpus-link"
    os.symlink(tiny_corpus, link)
    report = load_corpus(link)
    assert {d.doc_id for d in report.documents} == {"alpha-uni", "beta-college"}
    assert report.skipped == []


def test_catalog_linked_from_outside_is_ignored_and_reported(tiny_corpus, outside):
    (outside / "catalog.json").write_text(json.dumps({"alpha-uni": {"institution": "Stolen Name"}}))
    (tiny_corpus / "catalog.json").unlink()
    os.symlink(outside / "catalog.json", tiny_corpus / "catalog.json")
    report = load_corpus(tiny_corpus)
    assert "outside the corpus folder" in _skipped(report, tiny_corpus)["catalog.json"]
    assert all(d.institution != "Stolen Name" for d in report.documents)
    assert {d.doc_id for d in report.documents} == {"alpha-uni", "beta-college"}


def test_catalog_nested_3000_deep_is_reported_and_the_documents_indexed(tiny_corpus, tmp_path):
    (tiny_corpus / "catalog.json").write_text("[" * 3000 + "]" * 3000)
    report = load_corpus(tiny_corpus)
    assert "nested too deeply" in _skipped(report, tiny_corpus)["catalog.json"]
    assert {d.doc_id for d in report.documents} == {"alpha-uni", "beta-college"}
    assert all(d.institution == "" for d in report.documents)  # without catalog metadata

    # deep inside an entry, too
    (tiny_corpus / "catalog.json").write_text('{"alpha-uni": {"title": ' + "[" * 3000 + "]" * 3000 + "}}")
    assert "nested too deeply" in _skipped(load_corpus(tiny_corpus), tiny_corpus)["catalog.json"]

    proc = subprocess.run([sys.executable, "-m", "askintl.cli", "index", "--corpus", str(tiny_corpus),
                           "--index", str(tmp_path / "index")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ASKINTL_EMBEDDER": "hash"})
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "RecursionError" not in proc.stderr
    assert "nested too deeply" in proc.stderr
    assert "2 documents" in proc.stderr


@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", "JavaScript:alert(1)", " javascript:x",
                                 "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
                                 "//evil.example/x", "https://", "http://exa mple.edu", "https://a.edu/\nx",
                                 "vbscript:msgbox", "https:/one-slash.edu"])
def test_catalog_urls_that_are_not_http_are_dropped(tiny_corpus, tmp_path, url):
    cat = json.loads((tiny_corpus / "catalog.json").read_text())
    cat["alpha-uni"]["url"] = url
    (tiny_corpus / "catalog.json").write_text(json.dumps(cat))
    docs = {d.doc_id: d for d in load_corpus(tiny_corpus).documents}
    assert docs["alpha-uni"].url is None
    assert docs["alpha-uni"].institution == cat["alpha-uni"]["institution"]  # the rest of the entry is kept
    assert url_problem(url) is not None
    with pytest.raises(InvalidRequestError):
        check_url(url)


def test_catalog_http_urls_are_kept(tiny_corpus):
    cat = json.loads((tiny_corpus / "catalog.json").read_text())
    cat["alpha-uni"]["url"] = "https://www.alpha.example.edu/international?lang=en#students"
    cat["beta-college"]["url"] = "http://beta.example.edu/"
    (tiny_corpus / "catalog.json").write_text(json.dumps(cat))
    docs = {d.doc_id: d for d in load_corpus(tiny_corpus).documents}
    assert docs["alpha-uni"].url == cat["alpha-uni"]["url"]
    assert docs["beta-college"].url == cat["beta-college"]["url"]


BAD_IDS = {
    "new\nline": "control character", "tab\there": "control character", "esc\x1b[2Jclear": "control character",
    "rtl\u202eevil": "format", "isolate\u2066x": "format", "zero\u200bwidth": "format", "bom\ufeffid": "format",
    "line\u2028sep": "line separator", "nbsp\u00a0id": "space other than", ".hidden": "starts with '.'",
    " padded": "space", "x" * 256: "characters long",
}


@pytest.mark.parametrize("doc_id", list(BAD_IDS))
def test_one_id_rule_for_loader_and_admin(tiny_corpus, tmp_path, doc_id):
    assert BAD_IDS[doc_id] in (doc_id_problem(doc_id) or ""), doc_id_problem(doc_id)
    for new in (False, True):
        with pytest.raises(InvalidRequestError, match="doc_id must be"):
            check_doc_id(doc_id, new=new)
    name = f"{doc_id}.txt"
    if len(name.encode()) <= 255:
        (tiny_corpus / name).write_text("Some College hosts 5 scholars.")
        report = load_corpus(tiny_corpus)
        assert doc_id not in {d.doc_id for d in report.documents}
        reasons = [r for p, r in report.skipped if p.startswith(str(tiny_corpus))]
        if doc_id.startswith("."):
            assert reasons == []  # hidden files are not corpus files (as always)
        else:
            assert len(reasons) == 1 and BAD_IDS[doc_id] in reasons[0], report.skipped
        # the reported path shows the character escaped, never raw
        assert all(p.isprintable() for p, _ in report.skipped)
    # the admin API refuses it, with the same rule
    settings = Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder="hash")
    build_index(settings)
    admin = CorpusAdmin(settings, Engine.open(settings))
    try:
        with pytest.raises(InvalidRequestError, match="doc_id must be"):
            admin.put(DocumentUpload(doc_id=doc_id, text="Some College hosts 5 scholars."))
        with pytest.raises(InvalidRequestError, match="doc_id must be"):
            admin.delete(doc_id)
    finally:
        admin.close()


def test_admin_refuses_javascript_url_with_the_loader_rule(hash_settings):
    build_index(hash_settings)
    admin = CorpusAdmin(hash_settings, Engine.open(hash_settings))
    try:
        with pytest.raises(InvalidRequestError, match="http"):
            admin.put(DocumentUpload(doc_id="gamma", text="Gamma hosts 4 scholars.", url="javascript:alert(1)"))
        assert not (hash_settings.corpus_dir / "gamma.txt").exists()
        change = admin.put(DocumentUpload(doc_id="gamma", text="Gamma hosts 4 scholars.",
                                          url="https://gamma.example.edu/"))
        assert admin.wait(change.generation, 30)
        assert admin.engine.document("gamma").url == "https://gamma.example.edu/"
    finally:
        admin.close()


def test_ids_the_loader_accepts_can_be_deleted_through_the_admin_api(hash_settings):
    (hash_settings.corpus_dir / "with spaces & (parens).txt").write_text("Spaces College hosts 2 scholars.")
    (hash_settings.corpus_dir / "北京-交通.txt").write_text("北京交通大学有一千四百名国际学生。")
    build_index(hash_settings)
    assert check_doc_id("北京-交通") == "北京-交通"
    admin = CorpusAdmin(hash_settings, Engine.open(hash_settings))
    try:
        change = admin.delete("with spaces & (parens)")
        assert admin.wait(change.generation, 30)
        assert {d.doc_id for d in admin.engine.documents()} == {"alpha-uni", "beta-college", "北京-交通"}
    finally:
        admin.close()
