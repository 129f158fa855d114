"""Hardening: fuzz the HTTP API from its own OpenAPI schema (schemathesis) against a real
`askintl serve` on loopback: no 5xx and no hang, whatever the request."""
from __future__ import annotations

from pathlib import Path

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="the API fuzz test needs: pip install schemathesis")
import tempfile  # noqa: E402

from hypothesis import HealthCheck, Phase, settings  # noqa: E402  (installed with schemathesis)
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

# Hypothesis keeps caches in .hypothesis/ under the working directory: not in the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "askintl-hypothesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

from askintl.config import Settings  # noqa: E402

from _serve_process import ServeProcess  # noqa: E402

MAX_EXAMPLES = 25      # per operation: the whole module stays well under a minute
REQUEST_TIMEOUT = 15   # seconds: a request that takes longer is a hang


ADMIN_KEY = "fuzz-admin-key"


def _openapi() -> dict:
    """The schema the server publishes, made offline by the same app factory (no model, no index)."""
    from askintl.api import create_app

    return create_app(Settings(index_dir="/nonexistent", corpus_dir="/nonexistent", embedder="hash")).openapi()


@pytest.fixture(scope="module")
def live_api(tiny_index_settings):
    settings = tiny_index_settings
    # With an admin key, the admin routes (uploads, reindex) are fuzzed past their auth check too.
    with ServeProcess(settings.index_dir, settings.corpus_dir, max_seconds=240,
                      env={"ASKINTL_ADMIN_API_KEY": ADMIN_KEY}) as server:
        yield server


schema = schemathesis.openapi.from_dict(_openapi())


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error_or_hangs(case, live_api):
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"} if "/admin/" in case.path else None
    case.call_and_validate(base_url=live_api.url, headers=headers, checks=[not_a_server_error],
                           timeout=REQUEST_TIMEOUT)


def test_server_is_still_healthy_after_the_fuzzing(live_api):
    status, body = live_api.request("GET", "/healthz")
    assert status == 200 and body["status"] == "ok"
    assert live_api.proc.poll() is None
    log = live_api.stderr()
    assert "Traceback" not in log
    print(log.count("\n"), "log lines;", log[-1500:])
