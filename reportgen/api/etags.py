"""Strong ETags for status polls, so a poller that already has the current status gets a 304.

The tag hashes every column the status is built from (state, progress stage, message, done and
total, revision, attempts, error, start and finish times...), so whatever a client could see
change changes the tag; the status JSON is a pure function of that row plus the fixed links.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

# Bump when status_out changes what it shows from the same row, so old tags stop matching.
_VERSION = b"status-v1"


def status_etag(row: Sequence[object]) -> str:
    digest = hashlib.blake2b(_VERSION + repr(tuple(row)).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


def etag_matches(if_none_match: str | None, tag: str) -> bool:
    """RFC 9110 If-None-Match: a list of tags compared weakly (a `W/` prefix is ignored), or `*`."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == tag:
            return True
    return False
