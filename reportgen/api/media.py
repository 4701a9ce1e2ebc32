"""A transcript's recording (`media_url`): checked here, kept inside the document JSON, read back cheaply.

The URL is the customer's, not ours: the report page hands it to an <audio>/<video> element, so it
must be a plain http(s) address. Other schemes could run script (`javascript:`) or smuggle content
(`data:`), and a URL with a user name or password would show those credentials to every reviewer
(and in logs), so all of them are refused with a 422 that says which rule was broken.

No column and no migration: the value lives in `DocumentRow.document` (models.Document.media_url),
and the listing reads only that key out of the JSON, in one query for the page of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from sqlalchemy import bindparam, text
from sqlmodel import Session

from reportgen.api.errors import ApiError
from reportgen.store.tables import DocumentRow

MAX_LEN = 2000


def check_media_url(url: str | None) -> str | None:
    """The URL as given (surrounding spaces trimmed) or None for ""/None; 422 for anything not a plain http(s) URL."""
    if url is None or not url.strip():
        return None
    url = url.strip()

    def bad(why: str) -> ApiError:
        return ApiError(422, f"media_url {why}", "invalid_media_url")

    if len(url) > MAX_LEN:
        raise bad(f"is {len(url)} characters long; at most {MAX_LEN} are allowed.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise bad("contains spaces or control characters; percent-encode them (%20).")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = (parts.scheme or url.split(":", 1)[0])[:20]
        raise bad(f"must be an http:// or https:// URL (got scheme {shown + ':' if ':' in url else 'none'}).")
    if "\\" in url:
        raise bad("contains a backslash; browsers read it as '/', so write the URL with '/'.")
    if "@" in parts.netloc:
        raise bad("contains a user name or password; give a URL without credentials "
                  "(e.g. a signed link) so they are not shown to every reviewer.")
    try:
        host, _ = parts.hostname, parts.port
    except ValueError as e:
        raise bad(f"has an invalid host or port ({e}).") from None
    if not host:
        raise bad("has no host, e.g. https://media.example.com/call.mp3.")
    return url


def media_urls(s: Session, doc_ids: Sequence[str]) -> dict[str, str]:
    """`media_url` of each document that has one, read by the database out of the JSON (not the segments)."""
    if not doc_ids:
        return {}
    if s.get_bind().dialect.name == "postgresql":
        q = text("SELECT id, (document::json) ->> 'media_url' FROM documents WHERE id IN :ids")
    else:
        q = text("SELECT id, json_extract(document, '$.media_url') FROM documents WHERE id IN :ids")
    rows = s.connection().execute(q.bindparams(bindparam("ids", expanding=True)), {"ids": list(doc_ids)}).all()
    return {r[0]: r[1] for r in rows if r[1]}


def set_media_url(row: DocumentRow, url: str | None) -> None:
    """Write (or with None remove) the URL in the row's document JSON; the caller commits.
    Reassigning the dict is what tells SQLAlchemy a JSON column changed."""
    doc = dict(row.document)
    if url is None:
        doc.pop("media_url", None)
    else:
        doc["media_url"] = url
    row.document = doc
