"""Build a Document so that the segment invariant holds by construction.

Every parser appends located pieces of text to a `TextBuilder`; the builder owns the
offsets, so `doc.text[seg.char_start:seg.char_end] == seg.text` can never drift.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from reportgen.errors import TooLargeError
from reportgen.ingest.limits import DEFAULT_LIMITS, Limits, too_many_chars, too_many_segments
from reportgen.models import Document, DocumentKind, Segment

# Non-speech tokens in captions and transcripts. They stay in the text (quotes may span
# them) but are marked so that extraction can ignore them.
NOISE_RE = re.compile(
    r"[\[(]\s*(?:(?:[a-z]+ )?music(?: playing)?|applause|laughter|laughing|laughs|chuckles?|inaudible|crosstalk|"
    r"silence|noise|background noise|coughs?|coughing|sighs?|pause|unintelligible|foreign|clears throat|"
    r"no audio|blank_audio|sound|beep|static|indistinct(?: chatter)?|cheering|audience laughing)\s*[\])]"
    # AMI/ICSI meeting corpora (QMSum) mark disfluencies and sounds in braces.
    r"|\{(?:disfmarker|vocalsound|nonvocalsound|gap|pause|comment)\}"
    r"|\u266a+",
    re.IGNORECASE,
)


_object_setattr = object.__setattr__
# The fields a builder sets, as model_construct would record them (line and paragraph keep their defaults).
_BUILT_FIELDS = frozenset({"id", "text", "char_start", "char_end", "start", "end", "speaker", "page"})


def _segment(
    id: int, text: str, char_start: int, char_end: int, start: float | None, end: float | None,
    speaker: str | None, page: int | None,
) -> Segment:
    """Segment.model_construct without its per-call walk over the model's fields and aliases: the same
    instance (same __dict__ in field order, fields set, no extra, no private), at a fifth of the cost, which
    was half of parsing a whisper-style hour (tests/test_ingest_segments.py checks the two agree)."""
    seg = Segment.__new__(Segment)
    _object_setattr(seg, "__dict__", {"id": id, "text": text, "char_start": char_start, "char_end": char_end,
                                      "start": start, "end": end, "speaker": speaker, "page": page, "line": None,
                                      "paragraph": None})
    _object_setattr(seg, "__pydantic_fields_set__", set(_BUILT_FIELDS))
    _object_setattr(seg, "__pydantic_extra__", None)
    _object_setattr(seg, "__pydantic_private__", None)
    return seg


class TextBuilder:
    """Accumulates the canonical text and its segments, up to the document limits.

    Every parser builds through here, so the limits on characters and segments hold for
    every format; the error (413) is raised as the bound is passed, before the memory is.
    """

    def __init__(self, limits: Limits = DEFAULT_LIMITS) -> None:
        self._parts: list[str] = []
        self._pos = 0
        self.segments: list[Segment] = []
        self._max_chars = limits.max_document_chars
        self._max_segments = limits.max_document_segments
        self._limits = limits

    @property
    def pos(self) -> int:
        return self._pos

    def gap(self, text: str) -> None:
        """Text that belongs to no segment: separators, headers, page breaks."""
        if text:
            self._parts.append(text)
            self._pos += len(text)
            if self._pos > self._max_chars:
                raise TooLargeError(too_many_chars(self._limits))

    def add(
        self,
        text: str,
        *,
        start: float | None = None,
        end: float | None = None,
        speaker: str | None = None,
        page: int | None = None,
        sep: str = "\n",
    ) -> Segment | None:
        """Append one segment (stripped); blank text adds nothing. `sep` goes before it."""
        text = text.strip()
        if not text:
            return None
        if len(self.segments) >= self._max_segments:
            raise TooLargeError(too_many_segments(self._limits))
        if self._pos + len(text) > self._max_chars:
            raise TooLargeError(too_many_chars(self._limits))
        if self._parts and sep:
            self.gap(sep)
        # model_construct: the builder already guarantees the types, and validation was a
        # third of the parse time on caption files with tens of thousands of cues.
        seg = _segment(len(self.segments), text, self._pos, self._pos + len(text),
                       None if start is None else float(start), None if end is None else float(end), speaker, page)
        self._parts.append(text)
        self._pos += len(text)
        self.segments.append(seg)
        return seg

    @property
    def text(self) -> str:
        return "".join(self._parts)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def document_id(filename: str, sha: str) -> str:
    """Stable per (path, content): re-ingesting the same file gives the same id."""
    return "doc_" + hashlib.sha256(f"{filename}\0{sha}".encode()).hexdigest()[:12]


# Every NOISE_RE alternative starts with one of these characters.
_NOISE_START = re.compile(r"[\[({\u266a]")


def noise_spans(text: str) -> list[tuple[int, int]]:
    """What NOISE_RE.finditer finds, tried only where a bracket or note starts: most text has few or none,
    and scanning a whole 100 KB transcript with the full pattern took half its parse time."""
    spans: list[tuple[int, int]] = []
    end = 0
    for start in _NOISE_START.finditer(text):
        if start.start() < end:
            continue
        m = NOISE_RE.match(text, start.start())
        if m:
            spans.append((m.start(), m.end()))
            end = m.end()
    return spans


def finish(
    builder: TextBuilder,
    *,
    data: bytes,
    filename: str,
    kind: DocumentKind,
    format: str,
    media_type: str,
    pages: int | None = None,
    warnings: list[str] | None = None,
    meta: dict[str, Any] | None = None,
) -> Document:
    text = builder.text
    sha = sha256_hex(data)
    return Document(
        id=document_id(filename, sha),
        filename=filename,
        media_type=media_type,
        sha256=sha,
        kind=kind,
        format=format,
        text=text,
        segments=builder.segments,
        pages=pages,
        noise_spans=noise_spans(text),
        warnings=list(warnings or []),
        meta=dict(meta or {}),
    )
