"""The library's front door: an ``Engine`` answers questions over one index folder.

    engine = Engine.open(get_settings())
    result = engine.ask("How many international students study at BJTU?")

It loads the embedder once and the live index version; when ``askintl index`` publishes a
new version, the next question picks it up (each question uses one version throughout).
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .answering import EVIDENCE_DEPTH, select_answer
from .cache import AnswerCache
from .config import Settings
from .conversation import Turn, resolve
from .embedders import Embedder, QueryBatcher, load_embedder
from .errors import IndexUnavailableError, InvalidRequestError
from .lang import guess_language
from .provenance import attach_provenance
from .reader import load_reader
from .records import AskResult, Document, confidence_level
from .retriever import Retriever
from .index import IndexSnapshot, IndexStore
from .textcheck import check_text

log = logging.getLogger(__name__)


class _Live:
    """An index version with its retriever: swapped as a whole, never mutated."""

    def __init__(self, snap: IndexSnapshot, embedder: Embedder, settings: Settings):
        self.snap = snap
        self.retriever = Retriever(snap, embedder, candidates=settings.candidates)
        self.names: dict[str, str] | None = None  # institution names and aliases, folded (filled on first use)


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder, store: IndexStore):
        self.settings = settings
        # Concurrent questions (the HTTP server's threads) share model calls.
        self.embedder = QueryBatcher.wrap(embedder, settings.query_batch)
        self.store = store
        self.reader = load_reader()
        self._lock = threading.Lock()
        self.answer_cache = AnswerCache(settings.answer_cache_size, fold=settings.answer_cache_fold)
        self._live = _Live(store.open(embedder.id), self.embedder, settings)

    @classmethod
    def open(cls, settings: Settings, embedder: Embedder | None = None, index_dir: Path | None = None) -> "Engine":
        store = IndexStore(Path(index_dir or settings.index_dir))
        return cls(settings, embedder or load_embedder(settings.embedder), store)

    # ---- index versions --------------------------------------------------------------------
    @property
    def snapshot(self) -> IndexSnapshot:
        """The live index version (a question reads one version throughout)."""
        return self._live.snap

    @property
    def retriever(self) -> Retriever:
        """The live version's retriever (for diagnostics, benchmarks and tests: ``ask`` is the API).
        Read ``snapshot`` and ``retriever`` without a re-index between them to get one version."""
        return self._live.retriever

    def reload_if_changed(self) -> bool:
        """Switch to a newly published index version, if there is one. Keeps serving on failure."""
        try:
            path = self.store.current_version()
        except IndexUnavailableError as exc:
            log.warning("keeping index %s: %s", self._live.snap.version, exc)
            return False
        if path is None or path == self._live.snap.path:
            return False
        with self._lock:
            if path == self._live.snap.path:
                return False
            try:
                snap = IndexSnapshot.open(path, self.embedder.id)
            except IndexUnavailableError as exc:
                log.error("new index version %s not loaded, keeping %s: %s", path.name, self._live.snap.version, exc)
                return False
            self._live = _Live(snap, self.embedder, self.settings)
            self.answer_cache.clear()  # the old version's answers are never asked for again
            log.info("now serving index version %s", snap.version)
            return True

    # ---- questions -------------------------------------------------------------------------
    def _check_question(self, question: str) -> None:
        """The question's limits (``Settings``) and the shared text check, for every front end."""
        limits = self.settings
        if not isinstance(question, str) or not question.strip():
            raise InvalidRequestError("the question is empty")
        if len(question) > limits.max_question_chars:
            raise InvalidRequestError(
                f"the question is {len(question)} characters long; the limit is {limits.max_question_chars}")
        check_text(question, "the question")

    def _latest(self, history) -> list:
        """Only the latest turns are read (older ones never reach the model)."""
        limit = self.settings.max_history_turns
        return list(history or [])[-limit:] if limit else []

    def _check_history(self, history: Sequence[Turn | Mapping] | None) -> list[Turn]:
        """A library caller's history, checked once: each read turn has a role (user or assistant)
        and a content string that passes the shared text check. Mappings ({"role", "content"})
        become ``Turn``s. (The HTTP API's request schemas check the same for JSON.)"""
        turns = []
        for t in self._latest(history):
            role, content = (t.role, t.content) if isinstance(t, Turn) else (t.get("role"), t.get("content"))
            if role not in ("user", "assistant") or not isinstance(content, str):
                raise InvalidRequestError("each history turn needs a role (user or assistant) and a content string")
            check_text(content, "a history turn")
            turns.append(t if isinstance(t, Turn) else Turn(role, content))
        return turns

    def _bounded(self, turns: Sequence[Turn]) -> list[Turn]:
        """The checked turns the model reads: the latest ones, each cut to ``max_turn_chars`` (what
        reaches the model stays bounded whatever the front end let through)."""
        limit = self.settings.max_turn_chars
        return [Turn(t.role, t.content[:limit]) for t in self._latest(turns)]

    def ask(self, question: str, history: Sequence[Turn | Mapping] | None = None, top_k: int | None = None,
            institutions: list[str] | None = None) -> AskResult:
        """``history``: the earlier turns, oldest first (``Turn``s, or {"role", "content"} mappings),
        checked here (see ``ask_checked`` for a front end that checked them itself).

        ``institutions``: names or aliases; when given (not empty), only their documents'
        passages are searched and quoted (a university's own widget). Unknown names: 422.

        A question asked before (same history, top_k, institutions and index version) is answered
        from ``answer_cache`` (see askintl/cache.py): a fresh copy each time."""
        self._check_question(question)
        return self._ask(question, self._check_history(history), top_k, institutions)

    def ask_checked(self, question: str, history: Sequence[Turn], top_k: int | None = None,
                    institutions: list[str] | None = None) -> AskResult:
        """``ask`` with a history whose turns the caller has checked (roles, content strings, the
        shared text check): the HTTP API's request schemas do, so they are not checked twice.
        The question is checked, and the history bounded, as in ``ask``."""
        self._check_question(question)
        return self._ask(question, history, top_k, institutions)

    def _ask(self, question: str, history: Sequence[Turn], top_k: int | None,
             institutions: list[str] | None) -> AskResult:
        turns = self._bounded(history)
        top_k = top_k or self.settings.top_k
        if not 1 <= top_k <= self.settings.max_top_k:
            raise InvalidRequestError(f"top_k must be between 1 and {self.settings.max_top_k}")
        self.reload_if_changed()
        live = self._live  # one version for the whole question
        scope = self._resolve_scope(live, institutions)
        question = question.strip()
        key = self.answer_cache.key(question, turns, top_k, scope, live.snap.version)
        result = self.answer_cache.get(key, question)
        if result is None:
            result = self._ask_live(live, question, turns, top_k, scope)
            self.answer_cache.put(key, result)
        return result

    def _ask_live(self, live: _Live, question: str, turns: list[Turn], top_k: int,
                  scope: list[str] | None) -> AskResult:
        """A validated question answered on ``live`` (no cache)."""
        language = guess_language(question)  # once per question: the reader reads it too
        retrieval, evidence, res = self._answer(live, question, turns, top_k, scope=scope, language=language)
        confidence = evidence.confidence if evidence.answer else 0.0
        threshold = self.settings.abstain_threshold
        threshold = self.reader.threshold_for(evidence.reading) if threshold is None else threshold
        abstained = evidence.answer is None or confidence < threshold
        reason = None
        if abstained:
            reason = ("nothing in the index matches the question" if not retrieval.passages else
                      "the sources do not clearly answer this question")
        return attach_provenance(AskResult(
            question=question,
            standalone_query=res.query,
            abstained=abstained,
            answer=None if abstained else evidence.answer,
            passages=retrieval.passages,
            confidence=round(confidence, 4),
            language=language,
            institutions=retrieval.institutions,
            reason=reason,
            index_version=live.snap.version,
            confidence_level=confidence_level(round(confidence, 4), abstained, self.settings.low_confidence_below),
        ), live.snap)  # links to the live pages, "as of" dates

    def evidence(self, question: str, history: Sequence[Turn | Mapping] | None = None, top_k: int | None = None):
        """(retrieval, evidence) of a question: the quote the reader chose and its confidence,
        whether or not it would be shown (for diagnostics and tests)."""
        self._check_question(question)
        turns = self._bounded(self._check_history(history))
        retrieval, evidence, _ = self._answer(self._live, question.strip(), turns, top_k or self.settings.top_k)
        return retrieval, evidence

    def _answer(self, live: _Live, question: str, turns: list[Turn], top_k: int, exclude: set[int] | None = None,
                scope: list[str] | None = None, language: str | None = None):
        matcher = live.retriever.institutions
        res = resolve(question, turns, matcher, institution_of_quote=live.retriever.institution_of_quote,
                      max_chars=self.settings.max_query_chars)
        # Evidence is judged on the same number of passages whatever top_k shows.
        retrieval = live.retriever.search(res.query, top_k=max(top_k, EVIDENCE_DEPTH),
                                          institutions=res.institutions or None, exclude=exclude, scope=scope)
        focus = matcher.strip(question) if retrieval.institutions else question
        evidence = select_answer(live.snap, question, retrieval, focus=focus, answer_from=top_k, reader=self.reader,
                                 language=language)
        return replace(retrieval, passages=retrieval.passages[:top_k]), evidence, res

    # ---- institution scope (the ``institutions`` filter) ---------------------------------------
    def resolve_institutions(self, names: list[str] | None) -> list[str] | None:
        """The catalog names of ``names`` (see ``_resolve_scope``), on the live index version."""
        return self._resolve_scope(self._live, names)

    @staticmethod
    def _resolve_scope(live: _Live, names: list[str] | None) -> list[str] | None:
        """Catalog names or aliases → catalog names, as questions name institutions: a whole name
        or alias in any case and spacing, or what the institution matcher reads as one name
        (acronyms with their case; punctuation ignored). None or [] → None (no restriction);
        a name that no indexed document's institution has → InvalidRequestError (422)."""
        if not names:
            return None
        if live.names is None:
            live.names = {}
            for d in live.snap.documents:
                for name in (d.institution, *d.aliases) if d.institution else ():
                    live.names.setdefault(" ".join(name.casefold().split()), d.institution)
        matcher, out = live.retriever.institutions, []
        for name in names:
            text = name.strip() if isinstance(name, str) else ""
            if not text:
                raise InvalidRequestError("an institution name in `institutions` is empty")
            found = live.names.get(" ".join(text.casefold().split()))
            if found is None:
                named = matcher.find(text)
                if len(named) == 1 and not re.search(r"\w", matcher.strip(text)):
                    found = named[0]
            if found is None:
                shown = text if len(text) <= 80 else text[:79] + "…"
                raise InvalidRequestError(f"unknown institution {shown!r}: no indexed document belongs to an "
                                          "institution of that name or alias (GET /v1/institutions lists them)")
            if found not in out:
                out.append(found)
        return out

    # ---- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document:
        return self._live.snap.document(doc_id)

    def documents(self) -> list[Document]:
        return list(self._live.snap.documents)
