"""Errors users see. Each message says what is wrong and what to do about it.

The CLI prints `str(error)` and exits non-zero; the API maps `http_status` to the response.
Nothing here should ever reach a user as a traceback.
"""

from __future__ import annotations


class ReportgenError(Exception):
    """Base of every error we expect users to see."""

    http_status: int = 400

    def __init__(self, message: str, *, filename: str | None = None) -> None:
        self.filename = filename
        super().__init__(f"{filename}: {message}" if filename else message)


class IngestError(ReportgenError):
    """A source could not be turned into a Document."""

    http_status = 422


class UnsupportedFormatError(IngestError):
    http_status = 415


class EmptySourceError(IngestError):
    pass


class EncryptedPDFError(IngestError):
    """Raised without a password or with a wrong one; the message names the password option."""

    http_status = 422


class MalformedSourceError(IngestError):
    """The file claims a format (by content) but its structure is broken."""


class TooLargeError(IngestError):
    http_status = 413


class ArchiveError(IngestError):
    """A zip that is unsafe (traversal, links, bombs, nesting) or broken."""


class SOPError(ReportgenError):
    """A malformed SOP template; the message names file, line and key."""


class ExtractionError(ReportgenError):
    """An engine failed in a way the report cannot absorb (e.g. no LLM configured)."""

    http_status = 502
