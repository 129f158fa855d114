"""Build or update the index: load → chunk → embed (only what changed) → publish."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .chunking import CHUNKER_VERSION, chunk_document
from .config import Settings
from .embedders import Embedder, load_embedder
from .errors import IndexUnavailableError
from .lexical import TOKENIZER_VERSION
from .loaders import load_corpus
from .records import Chunk, Document
from .index import FORMAT_VERSION, IndexContent, IndexStore
from .structure import STRUCTURE_VERSION, context_of, label_context

log = logging.getLogger(__name__)
BATCH = 32


@dataclass
class IndexReport:
    version: str = ""
    documents: int = 0
    passages: int = 0
    sentences: int = 0
    embedded_texts: int = 0   # passages + sentences sent to the model
    reused_texts: int = 0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    rebuilt: str | None = None  # why the previous index could not be reused


def manifest_for(embedder: Embedder | EmbedderInfo, settings: Settings, docs: list[Document], chunks_per_doc: dict[str, int],
              skipped) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "embedder": {"id": embedder.id, "dim": embedder.dim},
        "chunking": _chunking_params(settings),
        "lexical": {"tokenizer": TOKENIZER_VERSION, "model": "bm25", "k1": 1.2, "b": 0.75},
        "counts": {"documents": len(docs), "passages": sum(chunks_per_doc.values())},
        "documents": {d.doc_id: {"hash": d.content_hash, "context": list(embedding_context(d)),
                                 "passages": chunks_per_doc.get(d.doc_id, 0), "source": d.source_path}
                      for d in docs},
        "skipped": [{"path": p, "reason": r} for p, r in skipped],
    }


def _chunking_params(settings: Settings) -> dict:
    return {"version": CHUNKER_VERSION, "structure": STRUCTURE_VERSION, "max_passage_words": settings.max_passage_words}


def embedding_context(doc: Document) -> tuple[str, str]:
    """What a document's passages and sentences are embedded with, before their own text.

    Passages often say "the school" or "it": their vectors should still know whose school,
    so that a question in any language naming the institution finds them. Passages get
    "institution — title. ", sentences only "institution. " (the title, here often
    "International ...", would make every sentence look alike), and so a sentence that
    happens to spell out the name does not win on the name alone. Documents with no
    institution use their title. Only the vectors see this: stored texts and offsets are
    unchanged. It is recorded per document, and a change re-embeds that document.
    """
    parts = [p for p in (doc.institution, doc.title) if p]
    passage = (" — ".join(dict.fromkeys(parts)) + ". ") if parts else ""
    owner = doc.institution or doc.title
    return passage, (owner + ". ") if owner else ""


def chunk_contexts(chunk: Chunk, doc: Document) -> tuple[str, str]:
    """(passage context, sentence context) of one passage: its document's (``embedding_context``)
    and, for the passage, where it stands in the document (``structure.context_of``: heading
    path, FAQ question, table headers). A table row's sentences get its column headers too."""
    passage_ctx, sentence_ctx = embedding_context(doc)
    place = context_of(chunk.heading_path, chunk.question, chunk.headers, chunk.text)
    if chunk.headers:
        sentence_ctx += " | ".join(chunk.headers) + ": "
    return passage_ctx + place, sentence_ctx


def chunk_texts(chunk: Chunk, doc: Document) -> list[str]:
    """What a passage's vectors are made of: the passage with its context, then each sentence with
    the sentence context and, when it is a short label line, its section heading
    (``structure.label_context``: "Instructor: Email: x@y.edu"). A one-sentence passage embedded
    as its sentence is gives one text: one vector serves both."""
    passage_ctx, sentence_ctx = chunk_contexts(chunk, doc)
    passage = passage_ctx + chunk.text
    sentences = []
    for s in chunk.sentences:
        text = chunk.text[s.start - chunk.start:s.end - chunk.start]
        label = label_context(text, chunk.heading_path)
        sentences.append(sentence_ctx + (label + ": " if label else "") + text)
    if len(chunk.sentences) == 1 and (chunk.sentences[0].start, chunk.sentences[0].end) == (chunk.start, chunk.end) \
            and sentences == [passage]:
        return [passage]
    return [passage, *sentences]


def _shares_vector(chunk: Chunk, doc: Document) -> bool:
    """A one-sentence passage embedded as its sentence is: one vector."""
    return len(chunk_texts(chunk, doc)) == 1


def _embed(embedder: Embedder, texts: list[str], progress) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    for i in range(0, len(texts), BATCH):
        out[i:i + BATCH] = embedder.embed_passages(texts[i:i + BATCH])
        if progress:
            progress(min(BATCH, len(texts) - i))
    return out


@dataclass(frozen=True)
class EmbedderInfo:
    """What the manifest records of an embedder (a build that embeds elsewhere has no model here)."""

    id: str
    dim: int


@dataclass
class BuildPlan:
    """What a build will do, decided under the writer lock from the live version's manifest:
    which documents keep their passages and vectors (``reuse``, by content hash) and which are
    chunked and embedded anew (``to_embed``, in corpus order)."""

    documents: list[Document]
    report: IndexReport
    reuse: dict[str, tuple[list[Chunk], np.ndarray, np.ndarray]]
    to_embed: list[Document]
    t0: float = field(default_factory=time.perf_counter)


def plan_build(documents: list[Document], store: IndexStore, embedder_id: str, settings: Settings,
               rebuild: bool = False, skipped=()) -> BuildPlan:
    """Which documents can reuse the live version's vectors. Call under ``store.writer_lock()``."""
    t0 = time.perf_counter()
    report = IndexReport(skipped=list(skipped))
    reuse: dict[str, tuple[list[Chunk], np.ndarray, np.ndarray]] = {}
    reuse_context: dict[str, list[str] | None] = {}
    previous: dict[str, str] = {}
    if not rebuild and store.exists():
        try:
            snap = store.open()
            m = snap.manifest
            if m["embedder"]["id"] != embedder_id:
                report.rebuilt = f"embedder changed ({m['embedder']['id']} → {embedder_id})"
            elif m.get("chunking") != _chunking_params(settings):
                report.rebuilt = "chunking parameters changed"
            else:
                # vectors are reusable for the same text embedded with the same context
                reuse = snap.reusable()
                reuse_context = {v["hash"]: v.get("context") for v in m.get("documents", {}).values()}
                previous = {k: v["hash"] for k, v in m.get("documents", {}).items()}
            snap.close()
        except IndexUnavailableError as exc:
            report.rebuilt = f"previous index unusable ({exc})"
    elif rebuild:
        report.rebuilt = "--rebuild"
    if report.rebuilt:
        log.info("full rebuild: %s", report.rebuilt)

    to_embed: list[Document] = []
    for doc in documents:
        old = previous.get(doc.doc_id)
        if doc.content_hash in reuse and reuse_context.get(doc.content_hash) == list(embedding_context(doc)):
            (report.unchanged if old == doc.content_hash else report.changed if old else report.added).append(doc.doc_id)
        else:
            to_embed.append(doc)
            (report.changed if old else report.added).append(doc.doc_id)
    report.removed = sorted(set(previous) - {d.doc_id for d in documents})
    used = {d.content_hash for d in documents}
    return BuildPlan(list(documents), report, {h: v for h, v in reuse.items() if h in used}, to_embed, t0)


def document_texts(doc: Document, max_words: int) -> tuple[list[Chunk], list[str]]:
    """Chunk one document, and the texts its vectors are made of, in order: each passage, then
    each of its sentences (for choosing the answer quote) unless the passage is that one
    sentence: then the vectors are the same (``_shares_vector``)."""
    chunks = chunk_document(doc, max_words)
    texts: list[str] = []
    for c in chunks:
        texts.extend(chunk_texts(c, doc))
    return chunks, texts


def _split_vectors(doc: Document, chunks: list[Chunk], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors, sentence vectors) from the vectors of ``document_texts``' texts."""
    prow, srow = [], []
    cursor = 0
    for c in chunks:
        prow.append(cursor)
        if _shares_vector(c, doc):
            srow.append(cursor)
            cursor += 1
        else:
            srow.extend(range(cursor + 1, cursor + 1 + len(c.sentences)))
            cursor += 1 + len(c.sentences)
    if cursor != len(vectors):
        raise IndexUnavailableError(f"{doc.doc_id}: {len(vectors)} vectors for {cursor} texts")
    return vectors[prow], vectors[srow]


def publish_build(plan: BuildPlan, store: IndexStore, embedded: dict[str, tuple[list[Chunk], np.ndarray]],
                  embedder: Embedder | EmbedderInfo, settings: Settings) -> IndexReport:
    """Assemble the index from reused and newly embedded documents (``embedded``: doc id →
    (chunks, vectors of ``document_texts``' texts)) and publish it atomically. Call under the
    same ``store.writer_lock()`` as ``plan_build``."""
    report = plan.report
    dim = embedder.dim
    all_chunks: list[Chunk] = []
    pvecs, svecs = [], []
    chunks_per_doc = {}
    embedded_ids = {d.doc_id for d in plan.to_embed}
    for doc in plan.documents:
        if doc.doc_id in embedded_ids:
            chunks, vectors = embedded[doc.doc_id]
            pv, sv = _split_vectors(doc, chunks, np.asarray(vectors, dtype=np.float32).reshape(-1, dim))
            report.embedded_texts += len(vectors)
        else:
            chunks, pv, sv = plan.reuse[doc.content_hash]
            chunks = [replace(c, doc_id=doc.doc_id) for c in chunks]
            report.reused_texts += len(pv) + len(sv)
        all_chunks.extend(chunks)
        pvecs.append(pv)
        svecs.append(sv)
        chunks_per_doc[doc.doc_id] = len(chunks)
    content = IndexContent(
        documents=list(plan.documents),
        chunks=all_chunks,
        passage_vectors=np.concatenate(pvecs) if pvecs else np.zeros((0, dim), np.float32),
        sentence_vectors=np.concatenate(svecs) if svecs else np.zeros((0, dim), np.float32),
    )
    manifest = manifest_for(embedder, settings, plan.documents, chunks_per_doc, report.skipped)
    path = store.publish(content, manifest, settings.flat_index_max)
    report.version = path.name
    report.documents = len(plan.documents)
    report.passages = len(all_chunks)
    report.sentences = int(content.sentence_vectors.shape[0])
    report.seconds = time.perf_counter() - plan.t0
    return report


def index_documents(documents: list[Document], store: IndexStore, embedder: Embedder, settings: Settings,
                    rebuild: bool = False, skipped=(), progress_factory=None) -> IndexReport:
    """Publish an index of exactly ``documents``, re-embedding only what changed.

    plan (``plan_build``) → chunk (``document_texts``) → embed here, in batches of ``BATCH``
    → publish (``publish_build``); ``askintl.distributed`` runs the middle on a Ray cluster.
    """
    with store.writer_lock():
        plan = plan_build(documents, store, embedder.id, settings, rebuild=rebuild, skipped=skipped)
        chunked = [(doc, *document_texts(doc, settings.max_passage_words)) for doc in plan.to_embed]
        new_texts = [t for _, _, texts in chunked for t in texts]
        advance = None
        ctx = None
        if progress_factory and new_texts:
            ctx = progress_factory(len(new_texts))
            advance = ctx.__enter__()
        try:
            new_vecs = _embed(embedder, new_texts, advance) if new_texts else np.zeros((0, embedder.dim), np.float32)
        finally:
            if ctx:
                ctx.__exit__(None, None, None)
        embedded, cursor = {}, 0
        for doc, chunks, texts in chunked:
            embedded[doc.doc_id] = (chunks, new_vecs[cursor:cursor + len(texts)])
            cursor += len(texts)
        return publish_build(plan, store, embedded, embedder, settings)


def build_index(settings: Settings, embedder: Embedder | None = None, corpus_dir: Path | None = None,
                index_dir: Path | None = None, rebuild: bool = False, progress_factory=None) -> IndexReport:
    """Index a corpus folder into an index folder (incrementally unless ``rebuild``)."""
    loaded = load_corpus(Path(corpus_dir or settings.corpus_dir))
    if not loaded.documents:
        raise IndexUnavailableError(
            f"no readable documents in {corpus_dir or settings.corpus_dir}"
            + (f" ({len(loaded.skipped)} skipped)" if loaded.skipped else "")
        )
    embedder = embedder or load_embedder(settings.embedder)
    store = IndexStore(Path(index_dir or settings.index_dir))
    return index_documents(loaded.documents, store, embedder, settings, rebuild=rebuild,
                           skipped=loaded.skipped, progress_factory=progress_factory)
