"""askintl's exceptions. One base class; the edges translate them: HTTP statuses in
``api/errors.py``, exit codes in ``cli.py``.

    AskintlError
    ├── ConfigError            bad settings or an optional dependency that is missing
    ├── LoaderError            one corpus file could not be read (reported, then skipped)
    ├── CrawlError             the crawl cannot run at all (bad options, unreadable catalog, another crawl)
    ├── IndexUnavailableError  the index folder is missing, damaged or incompatible, or could not be built
    │   ├── IndexMissingError
    │   ├── IndexMismatchError (built with another embedder, chunking or format)
    │   └── IndexWriteError    a new version could not be written (disk full): the old one serves
    ├── StorageError           a record could not be written (disk full): try again later
    ├── NotFoundError          an unknown document id
    ├── ConflictError          a document that should be new already exists
    ├── RemoteError            the askintl server could not be reached, or answered oddly (client)
    └── InvalidRequestError    a question or parameter that cannot be answered as given
"""
from __future__ import annotations


class AskintlError(Exception):
    """Base class of every error askintl raises on purpose."""


class ConfigError(AskintlError):
    pass


class LoaderError(AskintlError):
    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class CrawlError(AskintlError):
    """The crawl cannot run at all (bad options, an unreadable catalog, another crawl running)."""


class IndexUnavailableError(AskintlError):
    """The index cannot serve or be built: missing, damaged, incompatible, or a build that failed."""


class IndexMissingError(IndexUnavailableError):
    pass


class IndexMismatchError(IndexUnavailableError):
    pass


class IndexWriteError(IndexUnavailableError):
    pass


class StorageError(AskintlError):
    #: seconds to wait before trying again (the API sends it as Retry-After).
    retry_after = 60
    #: the write failed for want of space (ENOSPC, SQLITE_FULL).
    disk_full = False


class NotFoundError(AskintlError):
    pass


class ConflictError(AskintlError):
    """A document that should be new already exists."""


class RemoteError(AskintlError):
    """The askintl server could not be reached, or answered with an unexpected status."""


class InvalidRequestError(AskintlError):
    pass
