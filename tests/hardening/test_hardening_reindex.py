"""Hardening: questions keep succeeding while a reindex publishes new versions under them,
and no response mixes passages of two versions."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from askintl.config import Settings
from askintl.engine import Engine
from askintl.indexer import build_index
from test_hardening_kill import edition_of, write_corpus

from _serve_process import ServeProcess

QUESTIONS = ["How many exchange students does Institution3 host?", "scholarship housing visa",
             "Which partners offer a research agreement?", "semester credits language course at Institution11",
             "How many teachers are on campus?"]
EDITIONS = ["Zorblat", "Quintex"]
PUBLISHES = 6


def _republish(settings: Settings, corpus, stop: threading.Event) -> dict[str, str]:
    """Alternate the corpus between two editions and publish each; version name → edition."""
    published = {}
    for i in range(PUBLISHES):
        edition = EDITIONS[(i + 1) % 2]
        write_corpus(corpus, edition, n_docs=60, seed=i)
        published[build_index(settings).version] = edition
        time.sleep(0.05)
    stop.set()
    return published


@pytest.fixture
def two_editions(tmp_path):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, EDITIONS[0], n_docs=60)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")
    first = build_index(settings)
    return settings, corpus, {first.version: EDITIONS[0]}


def test_questions_during_reindex_all_succeed_and_each_uses_one_version(two_editions):
    settings, corpus, published = two_editions
    engine = Engine.open(settings)
    stop = threading.Event()
    results, errors = [], []

    def asker(k: int):
        i = 0
        while not stop.is_set():
            try:
                r = engine.ask(QUESTIONS[(k + i) % len(QUESTIONS)])
                results.append({edition_of(p.text) for p in r.passages}
                               | ({edition_of(r.answer.text)} if r.answer else set()))
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(repr(exc))
            i += 1

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(asker, k) for k in range(4)]
        published.update(_republish(settings, corpus, stop))
        for f in futures:
            f.result()
    assert not errors, errors[:5]
    assert len(results) > 20
    mixed = [r for r in results if len(r) != 1]
    assert not mixed, mixed[:5]
    assert {e for r in results for e in r} == set(EDITIONS)  # both versions were really served
    assert engine.snapshot.version == max(published)


def _http_during_reindex(settings, corpus, published):
    stop = threading.Event()
    responses, errors = [], []
    with ServeProcess(settings.index_dir, corpus, max_seconds=120) as server:
        def client(k: int):
            import http.client

            conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
            i = 0
            while not stop.is_set():
                try:
                    status, body = server.request("POST", "/v1/ask", {"question": QUESTIONS[(k + i) % 5]}, conn=conn)
                    if status != 200:
                        errors.append((status, body))
                    else:
                        responses.append(body)
                except Exception as exc:  # noqa: BLE001
                    errors.append(repr(exc))
                    conn.close()
                    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
                i += 1
            conn.close()

        with ThreadPoolExecutor(6) as pool:
            futures = [pool.submit(client, k) for k in range(6)]
            published.update(_republish(settings, corpus, stop))
            for f in futures:
                f.result()
    return responses, errors


def test_http_queries_during_reindex_all_succeed_and_each_uses_one_version(two_editions):
    settings, corpus, published = two_editions
    responses, errors = _http_during_reindex(settings, corpus, published)
    assert not errors, errors[:5]
    assert len(responses) > 20
    editions = [{edition_of(p["text"]) for p in body["passages"]} for body in responses]
    assert all(len(e) == 1 for e in editions), [e for e in editions if len(e) != 1][:5]
    assert {e for es in editions for e in es} == set(EDITIONS)
    # The version a response names must be the one it was answered from.
    wrong = [(body["index_version"], published.get(body["index_version"]), e)
             for body, e in zip(responses, editions) if {published.get(body["index_version"])} != e]
    assert not wrong, f"{len(wrong)} of {len(responses)} responses name another index_version: {wrong[:3]}"
