"""Where a front end's answers come from: the local index, or a remote askintl server.

    backend = LocalBackend(settings)                  # an Engine in this process
    backend = RemoteBackend("http://127.0.0.1:8000")  # the HTTP API, through the standard library
    reply = backend.ask("How many international students study at BJTU?", history=[])
    reply.result     # AskResult, the same records either way
    reply.raw        # the JSON body POST /v1/ask answers with (or would answer with)
    backend.document("bjtu-international")            # Document; .text[start:end] is a quote

Both raise the errors of ``askintl.errors``; a server that cannot be reached, or that answers
with an unexpected status, raises ``RemoteError``.
"""
from __future__ import annotations

import json
import time
import urllib.parse
from dataclasses import dataclass, fields
from typing import Protocol

from .. import __version__
from ..errors import AskintlError, IndexUnavailableError, InvalidRequestError, NotFoundError, RemoteError
from ..records import CONFIDENCE_LEVELS, Answer, AskResult, Document, Passage

#: the most history turns the HTTP API accepts (``api.schemas.MAX_TURNS``); older ones are dropped.
MAX_HISTORY_TURNS = 40


@dataclass
class Reply:
    result: AskResult
    raw: dict            # the response body of POST /v1/ask
    seconds: float       # how long the question took, as seen by the client


@dataclass
class BackendInfo:
    """What the chat shows about where its answers come from."""

    where: str                  # "local index index/" or "server http://127.0.0.1:8000"
    documents: int | None = None
    index_version: str = ""
    embedder: str = ""


class Backend(Protocol):
    info: BackendInfo

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Reply: ...

    def document(self, doc_id: str) -> Document: ...


def index_label(index_dir) -> str:
    return f"local index {str(index_dir).rstrip('/')}/"


class LocalBackend:
    """Answers from an index folder, with the model loaded in this process."""

    def __init__(self, settings, engine=None):
        from ..engine import Engine

        self.engine = engine or Engine.open(settings)
        snap = self.engine.snapshot
        self.info = BackendInfo(where=index_label(settings.index_dir), documents=len(snap.documents),
                                index_version=snap.version, embedder=self.engine.embedder.id)

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Reply:
        started = time.perf_counter()
        result = self.engine.ask(question, history=history, top_k=top_k)
        raw = result.to_dict()
        self.info.index_version = result.index_version  # the version that answered
        return Reply(result, raw, time.perf_counter() - started)

    def document(self, doc_id: str) -> Document:
        return self.engine.document(doc_id)


def _record(cls, data: dict, **defaults):
    """A dataclass from a JSON object, ignoring keys it does not know."""
    names = {f.name for f in fields(cls)}
    return cls(**{**defaults, **{k: v for k, v in data.items() if k in names}})


def result_from_json(data: dict) -> AskResult:
    """The ``AskResult`` of a POST /v1/ask response body.

    ``confidence_level`` is kept as the server decided it (its threshold, not this client's);
    a server that predates it gives None. ``low_confidence`` follows from it.
    """
    answer = data.get("answer")
    level = data.get("confidence_level")
    if level not in CONFIDENCE_LEVELS:
        level = "low" if data.get("low_confidence") is True and answer else None
    passages = [_record(Passage, p, passage_id=-1) for p in data.get("passages") or []]
    return AskResult(
        question=data["question"],
        standalone_query=data.get("standalone_query") or data["question"],
        abstained=bool(data.get("abstained")),
        answer=_record(Answer, answer) if answer else None,
        passages=passages,
        confidence=float(data.get("confidence") or 0.0),
        language=data.get("language") or "en",
        institutions=list(data.get("institutions") or []),
        reason=data.get("reason"),
        index_version=data.get("index_version") or "",
        confidence_level=level,
    )


class RemoteBackend:
    """Answers from an askintl server (``askintl serve``) over its HTTP API."""

    def __init__(self, url: str, timeout: float = 60.0):
        parsed = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise InvalidRequestError(f"not an http(s) URL: {url!r}")
        self.base = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/"), "", ""))
        self.timeout = timeout
        self.info = BackendInfo(where=f"server {self.base}")
        self._documents: dict[str, Document] = {}

    def connect(self) -> BackendInfo:
        """Check that the server answers (GET /healthz) and learn what it serves."""
        health = self._call("GET", "/healthz")
        self.info = BackendInfo(where=f"server {self.base}", documents=health.get("documents"),
                                index_version=health.get("index_version", ""), embedder=health.get("embedder", ""))
        return self.info

    def ask(self, question: str, history: list[dict] | None = None, top_k: int | None = None) -> Reply:
        body = {"question": question, "history": list(history or [])[-MAX_HISTORY_TURNS:]}
        if top_k:
            body["top_k"] = top_k
        started = time.perf_counter()
        raw = self._call("POST", "/v1/ask", body)
        seconds = time.perf_counter() - started
        if raw.get("index_version") and raw["index_version"] != self.info.index_version:
            self.info.index_version = raw["index_version"]
            self._documents.clear()  # a new index version may hold new texts
        return Reply(result_from_json(raw), raw, seconds)

    def document(self, doc_id: str) -> Document:
        if doc_id not in self._documents:
            data = self._call("GET", "/v1/documents/" + urllib.parse.quote(doc_id, safe=""))
            data["aliases"] = tuple(data.get("aliases") or ())
            self._documents[doc_id] = _record(Document, data)
        return self._documents[doc_id]

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        import urllib.error
        import urllib.request  # here: it takes a while to import, and only --url needs it

        data = json.dumps(body, ensure_ascii=False).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Accept": "application/json", "User-Agent": f"askintl-chat/{__version__}",
            **({"Content-Type": "application/json"} if data else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise _http_error(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise RemoteError(f"cannot reach the askintl server at {self.base}: {reason}") from None
        except ValueError as exc:
            raise RemoteError(f"{self.base}{path} did not answer with JSON: {exc}") from None


def _http_error(exc) -> AskintlError:
    """The askintl error an HTTP error status stands for (the API's ``{"error", "detail"}`` body)."""
    try:
        detail = json.loads(exc.read().decode("utf-8")).get("detail")
    except (ValueError, AttributeError, OSError):
        detail = None
    detail = detail if isinstance(detail, str) and detail else f"HTTP {exc.code} {exc.reason}"
    if exc.code == 404:
        return NotFoundError(detail)
    if exc.code == 422:
        return InvalidRequestError(detail)
    if exc.code == 503:
        return IndexUnavailableError(f"the server cannot answer yet: {detail}")
    return RemoteError(f"the server answered {exc.code}: {detail}")
