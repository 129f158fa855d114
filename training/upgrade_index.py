"""Bring an older training index to the current format without re-embedding it.

    .venv/bin/python training/upgrade_index.py training/out/*/index

- format 1 → 2: add the files' SHA-256 to the manifest;
- format 2 → 3: add the passages' structure (no heading path, no FAQ question: the training
  paragraphs are plain prose) and ``sentence_quotable.npy`` (every sentence quotable).

Training indexes are rebuilt from scratch by reader_data.py; this only spares re-embedding
them when the format changed in a way that leaves their vectors as they were.
"""
import json
import sqlite3
import sys
from pathlib import Path

import numpy as np

from askintl.index import FORMAT_VERSION, file_sha256


def _rehash(version: Path, m: dict) -> None:
    for name in list(m["files"]):
        m["files"][name] = (version / name).stat().st_size
    m["sha256"] = {name: file_sha256(version / name) for name in m["files"]}


for root in sys.argv[1:]:
    if not (Path(root) / "versions").is_dir():
        continue
    for version in sorted((Path(root) / "versions").iterdir()):
        m_path = version / "manifest.json"
        m = json.loads(m_path.read_text(encoding="utf-8"))
        fmt = m.get("format_version")
        if fmt == 1:
            m["sha256"] = {name: file_sha256(version / name) for name in m["files"]}
            fmt = m["format_version"] = 2
        if fmt == 2 and FORMAT_VERSION >= 3:
            db = sqlite3.connect(version / "meta.sqlite")
            cols = {r[1] for r in db.execute("PRAGMA table_info(passages)")}
            for col, default in (("heading_path", "'[]'"), ("question", "''"), ("headers", "'[]'")):
                if col not in cols:
                    db.execute(f"ALTER TABLE passages ADD COLUMN {col} TEXT NOT NULL DEFAULT {default}")
            db.commit()
            db.close()
            n = len(np.load(version / "sentence_spans.npy"))
            np.save(version / "sentence_quotable.npy", np.ones(n, dtype=np.bool_))
            m["files"]["sentence_quotable.npy"] = 0
            fmt = m["format_version"] = 3
        if fmt != json.loads(m_path.read_text(encoding="utf-8")).get("format_version"):
            _rehash(version, m)
            m_path.write_text(json.dumps(m, indent=1), encoding="utf-8")
            print("upgraded", version, "to format", fmt)
