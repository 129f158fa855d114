"""Bring a format-1 training index to the current format (add the files' SHA-256 to its manifest).

    .venv/bin/python training/upgrade_index.py training/out/*/index

Training indexes are rebuilt from scratch by reader_data.py; this only spares re-embedding
them when the format changed in a way that leaves the files themselves as they were.
"""
import json
import sys
from pathlib import Path

from askintl.store import FORMAT_VERSION, file_sha256

for root in sys.argv[1:]:
    if not (Path(root) / "versions").is_dir():
        continue
    for version in sorted((Path(root) / "versions").iterdir()):
        m_path = version / "manifest.json"
        m = json.loads(m_path.read_text(encoding="utf-8"))
        if m.get("format_version") == 1 and FORMAT_VERSION == 2:
            m["sha256"] = {name: file_sha256(version / name) for name in m["files"]}
            m["format_version"] = 2
            m_path.write_text(json.dumps(m, indent=1), encoding="utf-8")
            print("upgraded", version)
