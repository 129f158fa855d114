"""Answered questions and readers' feedback in one SQLite file, and the report for content owners.

The server records every answered (or abstained) question under an answer id; readers rate an
answer by that id; ``askintl report`` lists the questions the sources could not answer and the
answers readers disliked, most frequent first, so the content owners know what to write.

    answers   id, created_at, channel, question, question_key, standalone_query, language,
              abstained, confidence, answer_text, answer_doc_id, answer_start, answer_end,
              index_version
    feedback  answer_id (→ answers.id, one rating per answer: the last one counts), helpful,
              comment, created_at

``question_key`` groups spellings of one question (case, spacing, end punctuation).
"""
from __future__ import annotations

import contextlib
import errno
import logging
import re
import sqlite3
import threading
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import NotFoundError, StorageError
from ..records import AskResult

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
MAX_COMMENT_CHARS = 2000
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    standalone_query TEXT,
    language TEXT,
    abstained INTEGER NOT NULL,
    confidence REAL,
    answer_text TEXT,
    answer_doc_id TEXT,
    answer_start INTEGER,
    answer_end INTEGER,
    index_version TEXT
);
CREATE INDEX IF NOT EXISTS answers_key ON answers (question_key);
CREATE INDEX IF NOT EXISTS answers_time ON answers (created_at);
CREATE TABLE IF NOT EXISTS feedback (
    answer_id TEXT PRIMARY KEY REFERENCES answers (id) ON DELETE CASCADE,
    helpful INTEGER NOT NULL,
    comment TEXT,
    created_at REAL NOT NULL
);
"""
_END_PUNCTUATION = "?？.。!！؟;；:：…\"'“”«»"


def default_db_path(settings: Settings) -> Path:
    """``settings.feedback_db``, else ``data/askintl.sqlite`` in the index folder's parent."""
    if settings.feedback_db:
        return Path(settings.feedback_db)
    return Path(settings.index_dir).parent / "data" / "askintl.sqlite"


def question_key(question: str) -> str:
    """The form questions are grouped by: NFKC, case-folded, single spaces, no end punctuation."""
    text = unicodedata.normalize("NFKC", question).casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return text.strip(_END_PUNCTUATION + " ")


def new_answer_id() -> str:
    return uuid.uuid4().hex


@dataclass
class ReportRow:
    question: str          # the most recent spelling of the question
    count: int             # times asked (abstained) or answers disliked
    last_asked: str        # ISO 8601, UTC
    doc_ids: list[str] = field(default_factory=list)   # documents the disliked answers quoted
    comments: list[str] = field(default_factory=list)  # the latest readers' comments


@dataclass
class Report:
    answers: int
    abstained: int
    helpful: int
    not_helpful: int
    abstained_questions: list[ReportRow]
    disliked_questions: list[ReportRow]
    since: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        """The report as plain text for the content owners."""
        lines = [f"{self.answers} questions ({self.abstained} not answered from the sources); "
                 f"feedback: {self.helpful} helpful, {self.not_helpful} not helpful"
                 + (f"; since {self.since}" if self.since else "")]
        lines += ["", "Not in the official materials (abstained), most asked first:"]
        lines += [f"  {r.count:4d}x  {r.question}   (last {r.last_asked})" for r in self.abstained_questions] \
            or ["  (none)"]
        lines += ["", "Answers readers found not helpful, most disliked first:"]
        for r in self.disliked_questions:
            quoted = f"   quoted: {', '.join(r.doc_ids)}" if r.doc_ids else ""
            lines.append(f"  {r.count:4d}x  {r.question}{quoted}   (last {r.last_asked})")
            lines += [f"          comment: {c}" for c in r.comments]
        if not self.disliked_questions:
            lines.append("  (none)")
        return "\n".join(lines)


def is_disk_full(exc: BaseException) -> bool:
    """A write refused for want of space (OSError ENOSPC, or SQLite's SQLITE_FULL)."""
    if isinstance(exc, StorageError):
        return exc.disk_full
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


class FeedbackStore:
    """Thread-safe: one connection, one lock (writes are small and rare next to answering)."""

    def __init__(self, path: Path, create: bool = True):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise NotFoundError(f"no answers recorded yet: {self.path} does not exist "
                                "(`askintl serve` writes it; set ASKINTL_FEEDBACK_DB or --db)")
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
        with self._lock:
            self._db.execute("PRAGMA foreign_keys = ON")
            # WAL + NORMAL: a commit survives the process crashing; only an OS crash or power
            # loss can lose the last few records. FULL would fsync on every answer served.
            self._db.execute("PRAGMA synchronous = NORMAL")
            if create:
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.executescript(_SCHEMA)
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                self._db.commit()

    @classmethod
    def for_settings(cls, settings: Settings) -> "FeedbackStore":
        return cls(default_db_path(settings))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ---- writing -----------------------------------------------------------------------------
    @contextlib.contextmanager
    def _writing(self, what: str):
        """Run a write (under the lock); a failed one is rolled back and becomes a StorageError
        (HTTP 503 + Retry-After): the disk is full or the file cannot be written just now."""
        try:
            yield
        except (OSError, sqlite3.DatabaseError) as exc:
            if isinstance(exc, sqlite3.IntegrityError):  # a bug, not the disk
                raise
            with contextlib.suppress(Exception):
                self._db.rollback()
            full = is_disk_full(exc)
            log.error("could not write %s to %s: %s: %s", what, self.path, type(exc).__name__, exc)
            # The message may reach HTTP clients: the reason, never the server's paths.
            reason = "no space left on device" if full else "the database cannot be written just now"
            err = StorageError(f"{what} not recorded: {reason}; try again later")
            err.disk_full = full
            raise err from None

    def record_answer(self, result: AskResult, channel: str = "ask", index_version: str = "",
                      answer_id: str | None = None) -> str:
        """Remember one answered (or abstained) question; returns its answer id."""
        answer_id = answer_id or new_answer_id()
        a = result.answer
        with self._lock, self._writing("answer"):
            self._db.execute(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (answer_id, time.time(), channel, result.question, question_key(result.question),
                 result.standalone_query, result.language, int(result.abstained), result.confidence,
                 a.text if a else None, a.doc_id if a else None, a.start if a else None, a.end if a else None,
                 index_version))
            self._db.commit()
        return answer_id

    def record_feedback(self, answer_id: str, helpful: bool, comment: str | None = None) -> None:
        """Rate an answer (a later rating of the same answer replaces the earlier one)."""
        comment = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
        with self._lock:
            if self._db.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                raise NotFoundError(f"no answer {answer_id!r}: rate the id that /v1/ask returned")
            with self._writing("feedback"):
                self._db.execute("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?)",
                                 (answer_id, int(bool(helpful)), comment, time.time()))
                self._db.commit()

    # ---- reading -----------------------------------------------------------------------------
    def answer(self, answer_id: str) -> dict | None:
        with self._lock:
            cur = self._db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,))
            row = cur.fetchone()
            names = [d[0] for d in cur.description]
        return dict(zip(names, row, strict=True)) if row else None

    def feedback(self, answer_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT helpful, comment FROM feedback WHERE answer_id = ?",
                                   (answer_id,)).fetchone()
        return {"helpful": bool(row[0]), "comment": row[1]} if row else None

    def report(self, limit: int = 20, since_days: float | None = None) -> Report:
        """Abstained and disliked questions, most frequent first (ties: most recent first)."""
        since = time.time() - since_days * 86400 if since_days else 0.0
        with self._lock:
            db = self._db
            answers, abstained = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(abstained), 0) FROM answers WHERE created_at >= ?",
                (since,)).fetchone()
            helpful, not_helpful = db.execute(
                "SELECT COALESCE(SUM(f.helpful), 0), COALESCE(SUM(1 - f.helpful), 0) "
                "FROM feedback f JOIN answers a ON a.id = f.answer_id WHERE a.created_at >= ?",
                (since,)).fetchone()
            abstained_rows = db.execute(
                """SELECT a.question_key, COUNT(*) AS n, MAX(a.created_at) AS last,
                          (SELECT question FROM answers b WHERE b.question_key = a.question_key
                           ORDER BY b.created_at DESC LIMIT 1)
                   FROM answers a WHERE a.abstained = 1 AND a.created_at >= ?
                   GROUP BY a.question_key ORDER BY n DESC, last DESC LIMIT ?""",
                (since, limit)).fetchall()
            disliked_rows = db.execute(
                """SELECT a.question_key, COUNT(*) AS n, MAX(a.created_at) AS last,
                          (SELECT question FROM answers b WHERE b.question_key = a.question_key
                           ORDER BY b.created_at DESC LIMIT 1)
                   FROM feedback f JOIN answers a ON a.id = f.answer_id
                   WHERE f.helpful = 0 AND a.created_at >= ?
                   GROUP BY a.question_key ORDER BY n DESC, last DESC LIMIT ?""",
                (since, limit)).fetchall()
            disliked = []
            for key, n, last, question in disliked_rows:
                details = db.execute(
                    """SELECT a.answer_doc_id, f.comment FROM feedback f JOIN answers a ON a.id = f.answer_id
                       WHERE f.helpful = 0 AND a.question_key = ? AND a.created_at >= ?
                       ORDER BY f.created_at DESC""", (key, since)).fetchall()
                doc_ids = sorted({d for d, _ in details if d})
                comments = [c for _, c in details if c][:3]
                disliked.append(ReportRow(question, n, _iso(last), doc_ids, comments))
        return Report(
            answers=answers, abstained=abstained, helpful=helpful, not_helpful=not_helpful,
            abstained_questions=[ReportRow(q, n, _iso(last)) for _, n, last, q in abstained_rows],
            disliked_questions=disliked,
            since=_iso(since) if since_days else None,
        )
