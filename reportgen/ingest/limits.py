"""Size limits that keep a hostile or mistaken upload from exhausting the machine.

The byte limits bound what is read; the document limits bound what is built from it. A
parsed segment costs about 1.7 KB of Python objects (and as much again each time the
document is loaded for a report), so without a bound on segments a 199 MB text file of
short lines became 2.4 M segments and 7 GB. Real sources are far below these bounds: the
longest contract in the CUAD corpus is 0.3 M characters, a 10-hour transcript about 15 k
segments. docs/security.md states the peak memory these bounds give, as measured by
bench/memory_sweep.py.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Size limits that keep a hostile or mistaken upload from exhausting the machine."""

    max_file_bytes: int = 200 * 1024 * 1024  # per file, and per zip member or DOCX part once inflated
    max_zip_total_bytes: int = 1024 * 1024 * 1024  # sum of uncompressed members
    max_zip_ratio: float = 200.0  # uncompressed / compressed, per member and overall
    max_zip_members: int = 5000
    max_zip_depth: int = 2  # a zip inside a zip is depth 2; deeper is refused
    max_document_chars: int = 10_000_000  # characters of text in one parsed document
    max_document_segments: int = 100_000  # located segments in one parsed document
    max_docx_block_bytes: int = 16 * 1024 * 1024  # XML of one paragraph or table row of a DOCX body


DEFAULT_LIMITS = Limits()


def too_many_chars(limits: Limits, what: str = "the document holds more text than that") -> str:
    """The sentence every parser uses when a document passes `max_document_chars`."""
    return (
        f"one document may hold at most {limits.max_document_chars / 1e6:.0f} million characters of text and {what}. "
        "Split it into smaller files (a chapter or a day each) and upload those."
    )


def too_many_segments(limits: Limits) -> str:
    return (
        f"the document splits into more than {limits.max_document_segments:,} passages (lines, cues or paragraphs), "
        "the limit for one document. Split it into smaller files and upload those."
    )
