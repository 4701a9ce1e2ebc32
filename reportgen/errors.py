"""Every error a user may see, in one tree, each with a stable `code` and HTTP status.

The CLI prints `str(error)` and exits 1; the API answers `{"error": {"code", "message"}}` with
`http_status`. Codes are part of the public API: they are written here explicitly, never derived
from class names, so renaming a class cannot change what clients match on (httpx's
`_exceptions.py` is the model). Nothing here should ever reach a user as a traceback.

    ReportgenError                 400 error
    ├── IngestError                422 unreadable_source   a source could not become a Document
    │   ├── UnsupportedFormatError 415 unsupported_format
    │   ├── EmptySourceError       422 empty_source
    │   ├── EncryptedPDFError      422 encrypted_pdf
    │   ├── MalformedSourceError   422 malformed_source
    │   ├── TooLargeError          413 too_large
    │   ├── OCRFailed              422 ocr_failed          (callers turn it into a warning)
    │   └── ArchiveError           422 bad_archive
    │       └── UnsafeArchiveError 422 unsafe_archive
    ├── SOPError                   400 invalid_sop
    ├── ConfigError                400 invalid_config
    ├── ExtractionError            502 extraction_failed
    │   └── TransportError         502 llm_unreachable     (the endpoint did not answer usably)
    ├── RenderError                422 render_failed
    ├── GoldError                  400 invalid_gold
    ├── NotFoundError              404 not_found
    ├── BlobMissingError           500 blob_missing
    ├── DatabaseError              503 database_unavailable
    ├── KeyAdminError              400 key_admin           (tenant names, unknown key ids in `reportgen keys`)
    └── ApiError                   per instance            (a route's own status and code)
"""

from __future__ import annotations


class ReportgenError(Exception):
    """Base of every error we expect users to see."""

    code: str = "error"
    http_status: int = 400

    def __init__(self, message: str, *, filename: str | None = None) -> None:
        self.filename = filename
        super().__init__(f"{filename}: {message}" if filename else message)


class IngestError(ReportgenError):
    """A source could not be turned into a Document."""

    code = "unreadable_source"
    http_status = 422


class UnsupportedFormatError(IngestError):
    code = "unsupported_format"
    http_status = 415


class EmptySourceError(IngestError):
    code = "empty_source"


class EncryptedPDFError(IngestError):
    """Raised without a password or with a wrong one; the message names the password option."""

    code = "encrypted_pdf"


class MalformedSourceError(IngestError):
    """The file claims a format (by content) but its structure is broken."""

    code = "malformed_source"


class TooLargeError(IngestError):
    code = "too_large"
    http_status = 413


class OCRFailed(IngestError):
    """tesseract ran but could not recognise a page; callers turn this into a warning."""

    code = "ocr_failed"


class ArchiveError(IngestError):
    """A zip that is unsafe (traversal, links, bombs, nesting) or broken."""

    code = "bad_archive"


class UnsafeArchiveError(ArchiveError):
    """The archive is refused as a whole; never skipped as one bad member of a parent zip."""

    code = "unsafe_archive"


class SOPError(ReportgenError):
    """A malformed SOP template; the message names file, line and key."""

    code = "invalid_sop"


class ConfigError(ReportgenError):
    """A setting has a value we cannot use; the message names the variable and what it accepts."""

    code = "invalid_config"


class ExtractionError(ReportgenError):
    """An engine failed in a way the report cannot absorb (e.g. no LLM configured)."""

    code = "extraction_failed"
    http_status = 502


class TransportError(ExtractionError):
    """The LLM endpoint did not answer usably after the client's transport retries.

    The llm engine catches it per section (that section fails, the report goes on); it is a
    `ReportgenError` so that, if it ever escapes, users still get its message and not a traceback.
    """

    code = "llm_unreachable"


class RenderError(ReportgenError):
    """A report could not be written: unknown format, broken user template, unwritable path."""

    code = "render_failed"
    http_status = 422


class GoldError(ReportgenError):
    """A gold file that cannot be read; the message names the file, the case and the key."""

    code = "invalid_gold"


class NotFoundError(ReportgenError):
    code = "not_found"
    http_status = 404


class BlobMissingError(ReportgenError):
    """A stored upload's bytes are gone: our fault (or the disk's), not the user's."""

    code = "blob_missing"
    http_status = 500


class DatabaseError(ReportgenError):
    code = "database_unavailable"
    http_status = 503


class KeyAdminError(ReportgenError):
    """A tenant or key administration request we cannot do (bad tenant name, unknown key id)."""

    code = "key_admin"


# The code of an HTTP error that carries none of its own (an ApiError without `code`, Starlette's 404/405).
STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                422: "unprocessable", 429: "too_many", 500: "internal", 502: "engine_failed", 503: "unavailable"}


class ApiError(ReportgenError):
    """An error raised by a route with an explicit status and code (by default the status's code)."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.http_status = status
        self.code = code or STATUS_CODES.get(status, "error")
