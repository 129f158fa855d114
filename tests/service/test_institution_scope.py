"""The `institutions` filter (a university's own widget) and GET /v1/institutions, on tiny data
with the hashing embedder: retrieval itself is restricted, names and aliases resolve like
questions name institutions, unknown names are a 422 (400 on the OpenAI path), and the
catalog's `_institutions` section gives contacts, welcome texts and starter questions."""
import json
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient
from web_servers import service_settings

from askintl import retriever as retriever_module
from askintl.api import create_app
from askintl.config import Settings
from askintl.contacts import clean_entry
from askintl.engine import Engine
from askintl.errors import InvalidRequestError
from askintl.indexer import build_index

from conftest import DATA

OFFICE_Q = "Where is the International Office?"
DETAILS = {
    "Alpha University": {"office": "International Office", "address": "12 Harbour Road, Port City 100200",
                         "email": "intl@alpha.example", "phone": "+1 (555) 010-0200",
                         "form_url": "https://alpha.example/contact",
                         "welcome": {"en": "Welcome to Alpha!", "ar": "مرحبًا بكم في ألفا"},
                         "starters": {"en": ["How many international students?", "Which exchanges?"],
                                      "fr": ["Combien d’étudiants ?"]}},
    "BC": {"email": "not an e-mail", "form_url": "javascript:alert(1)", "phone": "call us", "office": "Office\x07",
           "welcome": "Hello from Beta", "starters": ["What programs?", 5, ""]},
    "Gamma Institute": {"email": "g@gamma.example"},  # not indexed: left out
}
DETAILS_ALPHA_CONTACT = {k: DETAILS["Alpha University"][k] for k in ("office", "address", "email", "phone", "form_url")}


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    root = tmp_path_factory.mktemp("scope")
    shutil.copytree(DATA / "tiny", root / "corpus")
    catalog = json.loads((root / "corpus" / "catalog.json").read_text())
    catalog["_institutions"] = DETAILS
    (root / "corpus" / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False))
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="hash")
    build_index(settings)
    engine = Engine.open(settings)
    with TestClient(create_app(service_settings(settings), engine=engine)) as client:
        client.engine = engine
        yield client


# ---- engine and retriever -------------------------------------------------------------------------
def test_names_and_aliases_resolve_like_the_question_matcher(scoped):
    engine = scoped.engine
    assert engine.resolve_institutions(["Alpha University"]) == ["Alpha University"]
    assert engine.resolve_institutions(["au", " alpha   UNIVERSITY ", "Alpha Uni", "BC"]) == \
        ["Alpha University", "Beta College"]
    assert engine.resolve_institutions(["Alpha, University"]) == ["Alpha University"]  # punctuation ignored
    assert engine.resolve_institutions(None) is None and engine.resolve_institutions([]) is None
    for bad in ("Gamma Institute", "Alpha University and BC", "Alpha University admissions"):
        with pytest.raises(InvalidRequestError, match="unknown institution"):
            engine.resolve_institutions([bad])


def test_the_filter_restricts_the_candidates_not_only_the_top_passages(scoped):
    engine = scoped.engine
    free = engine.ask(OFFICE_Q)
    assert {p.institution for p in free.passages} == {"Alpha University", "Beta College"}
    for names, inst in ((["BC"], "Beta College"), (["alpha university"], "Alpha University")):
        result = engine.ask(OFFICE_Q, institutions=names, top_k=10)
        assert result.passages and {p.institution for p in result.passages} == {inst}
        assert result.abstained or result.answer.institution == inst
    # What the retriever is handed: only the scope's passages are candidates, dense or lexical.
    allowed = engine.retriever.scope_passages(["Beta College"])
    beta = engine.snapshot.doc_index["beta-college"]
    assert len(allowed) and set(engine.snapshot.passage_docs[allowed]) == {beta}
    # A question naming an institution outside the scope is not answered from another one.
    outside = engine.ask("How many international students are at Alpha University?", institutions=["BC"])
    assert outside.abstained and all(p.institution == "Beta College" for p in outside.passages)


@pytest.mark.parametrize("exact_max", [0, 1])
def test_large_scopes_use_an_exact_scan_or_faiss_restricted_to_them(scoped, monkeypatch, exact_max):
    """Scopes larger than the candidate depth: scanned exactly, or (past SCOPE_EXACT_MAX) FAISS
    with an ID selector; both return only the scope's passages."""
    retr = scoped.engine.retriever
    monkeypatch.setattr(retr, "candidates", 1)
    monkeypatch.setattr(retriever_module, "SCOPE_EXACT_MAX", exact_max if exact_max else 10 ** 6)
    allowed = retr.scope_passages(["Alpha University"])
    assert len(allowed) > 1
    qv = scoped.engine.embedder.embed_queries([OFFICE_Q])
    ids = retr._scoped_dense(np.asarray(qv, dtype=np.float32), allowed)
    assert ids.shape == (1, 1) and set(ids[0]) <= set(allowed.tolist())
    result = retr.search(OFFICE_Q, top_k=3, scope=["Alpha University"])
    assert result.passages and {p.institution for p in result.passages} == {"Alpha University"}


# ---- HTTP -----------------------------------------------------------------------------------------
def test_ask_with_institutions(scoped):
    r = scoped.post("/v1/ask", json={"question": OFFICE_Q, "institutions": ["BC"], "top_k": 10})
    assert r.status_code == 200, r.text
    assert {p["institution"] for p in r.json()["passages"]} == {"Beta College"}
    r = scoped.post("/v1/ask", json={"question": OFFICE_Q, "institutions": []})
    assert r.status_code == 200 and len({p["institution"] for p in r.json()["passages"]}) == 2


@pytest.mark.parametrize("names,message", [
    (["Gamma Institute"], "unknown institution 'Gamma Institute'"),
    (["  "], "empty"),
])
def test_unknown_institution_is_a_422_that_says_so_and_lists_nothing(scoped, names, message):
    r = scoped.post("/v1/ask", json={"question": OFFICE_Q, "institutions": names})
    assert r.status_code == 422 and message in r.json()["detail"], r.text
    assert "Alpha" not in r.json()["detail"] and "Beta" not in r.json()["detail"]


@pytest.mark.parametrize("body", [{"institutions": "BC"}, {"institutions": ["x" * 301]},
                                  {"institutions": ["BC"] * 51}, {"institutions": ["B\x07C"]}])
def test_invalid_institutions_bodies_are_422(scoped, body):
    r = scoped.post("/v1/ask", json={"question": OFFICE_Q, **body})
    assert r.status_code == 422 and "institutions" in r.json()["detail"], r.text


def test_chat_completions_take_institutions_as_an_extra_body_field(scoped):
    body = {"model": "askintl", "messages": [{"role": "user", "content": OFFICE_Q}], "top_k": 10}
    r = scoped.post("/v1/chat/completions", json={**body, "institutions": ["Beta College"]})
    assert r.status_code == 200, r.text
    assert {p["institution"] for p in r.json()["askintl"]["passages"]} == {"Beta College"}
    assert {c["institution"] for c in r.json()["citations"]} == {"Beta College"}
    r = scoped.post("/v1/chat/completions", json={**body, "institutions": ["Nowhere"]})
    assert r.status_code == 400 and "unknown institution 'Nowhere'" in r.json()["error"]["message"]
    r = scoped.post("/v1/chat/completions", json={**body, "institutions": ["BC"], "stream": True})
    assert r.status_code == 200 and '"Beta College"' in r.text and "Alpha University" not in r.text


def test_an_openai_abstention_says_whose_office_to_contact(scoped):
    """The reply carries what the widget's office box shows for a /v1/ask abstention."""
    body = {"model": "askintl", "messages": [{"role": "user", "content": "Who won the 2018 FIFA World Cup?"}]}
    r = scoped.post("/v1/chat/completions", json={**body, "institutions": ["AU"]})
    data = r.json()
    assert r.status_code == 200 and data["askintl"]["abstained"], r.text
    assert data["contacts"] == [{"institution": "Alpha University", "contact": DETAILS_ALPHA_CONTACT}]
    text = data["choices"][0]["message"]["content"]
    assert ("International Office — Alpha University: Address: 12 Harbour Road, Port City 100200; "
            "E-mail: intl@alpha.example; Phone: +1 (555) 010-0200; Contact form: https://alpha.example/contact") in text
    beta = scoped.post("/v1/chat/completions", json={**body, "institutions": ["BC"], "stream": True}).text
    assert '"contacts": [{"institution": "Beta College", "contact": null}]' in beta
    anyone = scoped.post("/v1/chat/completions", json=body).json()
    assert anyone["contacts"] == [] and "your institution’s international office" in anyone["choices"][0]["message"]["content"]
    answered = scoped.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": OFFICE_Q}]}).json()
    assert not answered["askintl"]["abstained"] and "contacts" not in answered


def test_institutions_list_with_contacts_welcome_and_starters(scoped):
    r = scoped.get("/v1/institutions")
    assert r.status_code == 200, r.text
    by = {i["name"]: i for i in r.json()}
    assert list(by) == ["Alpha University", "Beta College"]  # Gamma has no documents
    alpha, beta = by["Alpha University"], by["Beta College"]
    assert alpha["aliases"] == ["AU", "Alpha Uni"] or sorted(alpha["aliases"]) == ["AU", "Alpha Uni"]
    assert alpha["documents"] == 1
    assert alpha["contact"] == {"office": "International Office", "address": "12 Harbour Road, Port City 100200",
                                "email": "intl@alpha.example", "phone": "+1 (555) 010-0200",
                                "form_url": "https://alpha.example/contact"}
    assert alpha["welcome"] == {"en": "Welcome to Alpha!", "ar": "مرحبًا بكم في ألفا"}
    assert alpha["starters"]["fr"] == ["Combien d’étudiants ?"]
    # Keyed by an alias; every malformed field left out, the rest kept.
    assert "contact" not in beta
    assert beta["welcome"] == {"*": "Hello from Beta"} and beta["starters"] == {"*": ["What programs?"]}
    r = scoped.get("/v1/institutions", params=[("name", "bc")])
    assert [i["name"] for i in r.json()] == ["Beta College"]
    r = scoped.get("/v1/institutions", params=[("name", "Nowhere")])
    assert r.status_code == 422 and "unknown institution" in r.json()["detail"]


def test_contact_fields_are_checked():
    entry = clean_entry("X", {"email": "a@b.example", "phone": "+86 25 8349 2000", "form_url": "http://x.example/f",
                              "office": "  Office  "})
    assert entry["contact"] == {"email": "a@b.example", "phone": "+86 25 8349 2000",
                                "form_url": "http://x.example/f", "office": "Office"}
    for bad in ({"email": "a@b"}, {"email": "<a@b.example>"}, {"phone": "12"}, {"form_url": "ftp://x.example"},
                {"form_url": "https://x.example/a b"}, {"office": "x" * 301}, {"email": 5}):
        assert clean_entry("X", bad)["contact"] is None, bad
