"""askintl: extractive, cited, multilingual answers over universities' international-office texts.

The public API is re-exported here and imported lazily, so that ``askintl --help`` starts at
once: nothing heavy (numpy, FAISS, the model) loads until it is used.
"""
from __future__ import annotations

import importlib
from importlib import metadata

try:  # the one version string is pyproject.toml's
    __version__ = metadata.version("askintl")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

_EXPORTS = {
    "Settings": "config", "get_settings": "config",
    "Engine": "engine",
    "build_index": "indexer", "IndexReport": "indexer",
    "Answer": "records", "AskResult": "records", "Chunk": "records", "Document": "records", "Passage": "records",
    "AskintlError": "errors", "ConfigError": "errors", "IndexUnavailableError": "errors", "IndexMismatchError": "errors",
    "IndexMissingError": "errors", "InvalidRequestError": "errors", "LoaderError": "errors",
    "NotFoundError": "errors",
}
__all__ = sorted(_EXPORTS) + ["__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'askintl' has no attribute {name!r}")


def __dir__():
    return __all__
