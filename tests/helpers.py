"""Small helpers shared by the tests (imported as ``from helpers import ...``: pytest puts
tests/ on sys.path)."""
from __future__ import annotations

import re
import socket

_SAMPLE = re.compile(r"^([^{\s]+)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'\w+="(?:[^"\\]|\\.)*"')


def _canonical(key: str) -> str:
    """``name{b="2",a="1"}`` as ``name{a="1",b="2"}``: label order means nothing in Prometheus."""
    m = _SAMPLE.match(key + " 0")
    name, labels = m.group(1), m.group(2)
    return f"{name}{{{','.join(sorted(_LABEL.findall(labels)))}}}" if labels else name


class MetricSamples(dict):
    """``{'name{labels}': value}``; looked up with the labels in any order."""

    def __getitem__(self, key: str) -> float:
        return super().__getitem__(_canonical(key))

    def __contains__(self, key) -> bool:
        return super().__contains__(_canonical(key))

    def get(self, key: str, default=None):
        return super().get(_canonical(key), default)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` in MiB (Linux); 0.0 when it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def squash(text: str) -> str:
    """``text`` with every run of whitespace as one space (line breaks and wrapping ignored)."""
    return " ".join(text.split())


def metric_samples(text: str) -> MetricSamples:
    """The samples of a Prometheus text page (comments skipped), keyed by name and labels."""
    out = MetricSamples()
    for line in text.splitlines():
        if line and not line.startswith("#"):
            m = _SAMPLE.match(line)
            name, labels, value = m.groups()
            dict.__setitem__(out, _canonical(f"{name}{{{labels}}}" if labels else name), float(value))
    return out


def engine_over(root, files: dict[str, str], catalog: dict | None = None):
    """An engine (hashing embedder, no abstention threshold) over a corpus of ``files`` (name →
    text) written under ``root``, with ``catalog`` as its catalog.json when given."""
    import json

    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.indexer import build_index

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    if catalog is not None:
        (corpus / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hash", abstain_threshold=0.0)
    build_index(settings)
    return Engine.open(settings)
