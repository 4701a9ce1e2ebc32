"""Progress stages of a report run.

Temporary: only `Stage`, so the API and the web page can name stages from one enum; the lead's
module of the same name (with `Event`) replaces this file.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Every stage a report's progress event can carry, in the order a run reaches them."""

    queued = "queued"
    started = "started"
    parsed = "parsed"
    extracted = "extracted"
    section = "section"
    validated = "validated"
    finished = "finished"
    retry = "retry"
    failed = "failed"
