"""askintl's exceptions. One base class; the edges (CLI, HTTP) translate them.

    AskintlError
    ├── ConfigError            bad settings or an optional dependency that is missing
    ├── LoaderError            one corpus file could not be read (reported, then skipped)
    ├── IndexError_            the index folder is missing, damaged or incompatible
    │   ├── IndexMissingError
    │   ├── IndexMismatchError (built with another embedder, chunking or format)
    │   └── IndexWriteError    a new version could not be written (disk full): the old one serves
    ├── StorageError           a record could not be written (disk full): try again later (503)
    ├── NotFoundError          an unknown document id
    ├── ConflictError          a document that should be new already exists (409)
    ├── RemoteError            the askintl server could not be reached, or answered oddly (client)
    └── InvalidRequestError    a question or parameter that cannot be answered as given
"""
from __future__ import annotations


class AskintlError(Exception):
    """Base class of every error askintl raises on purpose."""

    #: HTTP status the API answers with when this error reaches it.
    http_status = 500
    #: process exit code the CLI uses.
    exit_code = 1


class ConfigError(AskintlError):
    http_status = 500
    exit_code = 2


class LoaderError(AskintlError):
    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class IndexError_(AskintlError):  # noqa: N801 - avoid shadowing the builtin IndexError
    http_status = 503
    exit_code = 3


class IndexMissingError(IndexError_):
    pass


class IndexMismatchError(IndexError_):
    pass


class IndexWriteError(IndexError_):
    pass


class StorageError(AskintlError):
    http_status = 503
    exit_code = 5
    #: seconds the client is asked to wait before trying again (HTTP Retry-After).
    retry_after = 60
    #: the write failed for want of space (ENOSPC, SQLITE_FULL).
    disk_full = False


class NotFoundError(AskintlError):
    http_status = 404
    exit_code = 4


class ConflictError(AskintlError):
    """A document that should be new already exists."""

    http_status = 409
    exit_code = 2


class RemoteError(AskintlError):
    """The askintl server could not be reached, or answered with an unexpected status."""

    exit_code = 5


class InvalidRequestError(AskintlError):
    http_status = 422
    exit_code = 2
