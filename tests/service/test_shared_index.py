"""Several servers over one index folder (README, "Several servers"): two `askintl serve`
processes on one folder, as on shared storage, answer from the same version, write nothing
into it, and both answer from a newly published version on their next question. The Ray
Serve deployment (deploy/ray-serve.yaml) builds the same app per replica."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _serve_process import ServeProcess

from askintl.config import Settings
from askintl.indexer import build_index

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
QUESTION = {"question": "When does the polar summer school open?"}


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_two_servers_on_one_index_folder_take_a_new_version_on_their_next_question(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DATA / "tiny", corpus)
    index = tmp_path / "shared" / "index"
    settings = Settings(corpus_dir=corpus, index_dir=index, embedder="hash")
    first = build_index(settings).version
    before = _files(index)
    a = ServeProcess(index, corpus, max_seconds=120)
    b = ServeProcess(index, corpus, max_seconds=120)
    try:
        a.wait_healthy()
        b.wait_healthy()
        for server in (a, b):
            status, body = server.request("POST", "/v1/ask", QUESTION)
            assert status == 200 and body["index_version"] == first
        assert _files(index) == before  # the servers only read the folder

        (corpus / "polar-school.md").write_text(
            "# Polar summer school\n\nThe polar summer school opens on 1 July in Tromsø.\n", encoding="utf-8")
        second = build_index(settings).version
        assert second != first
        for server in (b, a):
            status, body = server.request("POST", "/v1/ask", QUESTION)
            assert status == 200 and body["index_version"] == second, body
            assert any(p["doc_id"] == "polar-school" for p in body["passages"])
    finally:
        a.stop()
        b.stop()


def test_the_ray_serve_deployment_file_builds_the_serve_app(tmp_path):
    yaml = pytest.importorskip("yaml")
    from fastapi.testclient import TestClient

    from askintl.api import ray_serve

    spec = yaml.safe_load((ROOT / "deploy" / "ray-serve.yaml").read_text(encoding="utf-8"))
    app = spec["applications"][0]
    module, _, name = app["import_path"].partition(":")
    assert module == ray_serve.__name__ and callable(getattr(ray_serve, name))
    assert set(app["args"]) <= set(Settings.model_fields)
    scaling = app["deployments"][0]["autoscaling_config"]
    assert scaling["min_replicas"] <= scaling["initial_replicas"] <= scaling["max_replicas"]

    # what one replica runs: the app of `askintl serve`, from the YAML's settings
    shutil.copytree(DATA / "tiny", tmp_path / "corpus")
    overrides = {**app["args"], "index_dir": str(tmp_path / "index"), "corpus_dir": str(tmp_path / "corpus"),
                 "embedder": "hash", "feedback_db": str(tmp_path / "feedback.sqlite")}
    version = build_index(Settings(**overrides)).version
    with TestClient(ray_serve.asgi_app(overrides)) as client:
        r = client.post("/v1/ask", json={"question": "How many teachers did Beta College send abroad?"})
        assert r.status_code == 200 and r.json()["index_version"] == version


def test_without_ray_serve_the_deployment_says_how_to_install_it(monkeypatch):
    import sys

    from askintl.api.ray_serve import build_app
    from askintl.errors import ConfigError

    monkeypatch.setitem(sys.modules, "ray.serve", None)
    with pytest.raises(ConfigError, match=r"ray\[serve\]"):
        build_app({})
