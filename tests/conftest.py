"""Shared fixtures. Unit tests run on tiny data with the hashing embedder (no model);
tests marked ``model`` build one index of the bundled corpus with the real default model."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
BUNDLED_CORPUS = ROOT / "corpus"


@pytest.fixture
def tiny_corpus(tmp_path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(DATA / "tiny", dst)
    return dst


@pytest.fixture
def hash_settings(tmp_path, tiny_corpus):
    from askintl.config import Settings

    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder="hash")


@pytest.fixture(scope="module")
def tiny_index_settings(tmp_path_factory):
    """tests/data/tiny indexed once per module with the hashing embedder (for live servers)."""
    from askintl.config import Settings
    from askintl.indexer import build_index

    root = tmp_path_factory.mktemp("tiny")
    shutil.copytree(DATA / "tiny", root / "corpus")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="hash")
    build_index(settings)
    return settings


@pytest.fixture
def hash_engine(hash_settings):
    from askintl.engine import Engine
    from askintl.indexer import build_index

    build_index(hash_settings)
    return Engine.open(hash_settings)


@pytest.fixture(scope="session")
def e5_settings(tmp_path_factory):
    """The bundled corpus indexed once per session with the real default embedder."""
    from askintl.config import Settings
    from askintl.indexer import build_index

    index_dir = tmp_path_factory.mktemp("e5") / "index"
    settings = Settings(corpus_dir=BUNDLED_CORPUS, index_dir=index_dir, embedder="e5-small")
    build_index(settings)
    return settings


@pytest.fixture(scope="session")
def e5_engine(e5_settings):
    from askintl.engine import Engine

    return Engine.open(e5_settings)


@pytest.fixture
def built(hash_settings):
    """tests/data/tiny indexed with the hashing embedder: (settings, the live version's folder)."""
    from askintl.indexer import build_index
    from askintl.index import IndexStore

    build_index(hash_settings)
    return hash_settings, IndexStore(hash_settings.index_dir).current_version()


@pytest.fixture
def make_client(hash_settings, hash_engine):
    """Open in-process API clients over the tiny index with settings overridden per client."""
    from fastapi.testclient import TestClient
    from web_servers import service_settings

    from askintl.api import create_app

    opened = []

    def make(client_addr=("testclient", 50000), **overrides):
        app = create_app(service_settings(hash_settings, **overrides), engine=hash_engine)
        client = TestClient(app, client=client_addr)
        client.__enter__()
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client):
    """An in-process API client over the tiny index: service settings, the hashing embedder."""
    return make_client()
