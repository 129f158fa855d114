"""Answers to repeated questions, kept in memory: ``AnswerCache`` (used by ``Engine.ask``).

In admission season the same few hundred questions come back all day; a repeated question is
answered from memory instead of through the model. An answer is kept under a key of everything
that decides it:

* the question and the history turns (role + content) as the engine reads them: stripped, the
  history cut to the turns and lengths the engine reads;
* ``top_k``;
* the institution scope, as catalog names, sorted (names and aliases of one institution share
  answers);
* the index version that answers: a newly published version never serves an answer of the
  previous one (``Engine.reload_if_changed`` runs before the lookup, and clears the cache when
  it switches).

Spelling is kept exact by default. ``fold=True`` (``ASKINTL_ANSWER_CACHE_FOLD``) also shares
answers between questions and turns that differ only in Unicode compatibility forms (NFKC),
case and runs of whitespace. That raises the hit rate, but the engine is not blind to those
differences: institution acronyms are recognised with their case ("BJTU", not "bjtu"), the
query model and the reader are case-sensitive and read the raw spacing. Asking the 39 dev
questions lower-cased changed the institution recognised for 17 of them and the confidence by up
to 0.27; with full-width letters one more abstained. With folding, whichever spelling comes first
decides the answer all the others get, so it is off unless asked for.

The cache is bounded (least recently used entries go first), safe to share between threads,
and never hands out its own object: each hit is a fresh deep copy, so a caller may change what
it got. Hits, misses and evictions are counted (``stats()``; the server exports them on
/metrics). Size 0 turns it off: nothing is kept or counted.
"""
from __future__ import annotations

import copy
import dataclasses
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable

from .records import AskResult

Key = tuple


def fold_text(text: str) -> str:
    """``text`` in NFKC, case-folded, with each run of whitespace one space (and none at the ends)."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(text.split())


class AnswerCache:
    def __init__(self, size: int, fold: bool = False):
        if size < 0:
            raise ValueError(f"the answer cache size must be 0 (off) or more, not {size}")
        self.size = size
        self.fold = fold
        self._entries: OrderedDict[Key, AskResult] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = 0

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def key(self, question: str, turns: Iterable, top_k: int, scope: Iterable[str] | None, version: str) -> Key:
        """The key of a question: ``turns`` are ``Turn``s (role, content) as the engine reads them,
        ``scope`` the catalog names of the institution filter (None: no filter)."""
        norm = fold_text if self.fold else (lambda text: text)
        return (norm(question.strip()), tuple((t.role, norm(t.content)) for t in turns), int(top_k),
                tuple(sorted(set(scope or ()))), version)

    def get(self, key: Key, question: str | None = None) -> AskResult | None:
        """A fresh copy of the answer kept under ``key``, or None (a miss). ``question``: the
        asker's own wording, shown in the copy (with folding, another spelling may have been
        answered)."""
        if not self.enabled:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        result = copy.deepcopy(found)  # never mutated once kept, so copied outside the lock
        if question is not None and question != result.question:
            # a resolved follow-up keeps its standalone query; a plain question reads as asked
            standalone = question if result.standalone_query == result.question else result.standalone_query
            result = dataclasses.replace(result, question=question, standalone_query=standalone)
        return result

    def put(self, key: Key, result: AskResult) -> None:
        """Keep a copy of ``result`` under ``key`` (the caller keeps its own object)."""
        if not self.enabled:
            return
        kept = copy.deepcopy(result)
        with self._lock:
            self._entries[key] = kept
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
                self.evictions += 1

    def clear(self) -> None:
        """Forget every answer (a new index version went live). Not counted as evictions."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict:
        with self._lock:
            return {"hits": self.hits, "misses": self.misses, "evictions": self.evictions,
                    "entries": len(self._entries), "size": self.size}
