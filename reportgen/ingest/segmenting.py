"""Cutting text into sentence-like segments of bounded size, and the parsers' common result.

Retrieval and citation both work per segment, so a segment should be about a sentence or
a short turn: long enough to carry meaning, short enough that its timestamp says where a
quote was said. Text without punctuation (auto-captions) is cut at word boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reportgen.ingest.build import TextBuilder

MAX_SEGMENT_CHARS = 400

# A sentence ends at . ! ? or … (optionally closed by quotes/brackets) followed by whitespace.
_SENTENCE_END_RE = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_SPACE_RE = re.compile(r"\s+")


@dataclass
class Parsed:
    """What a text parser hands back to `text.parse_text_bytes` for `build.finish()`."""

    builder: TextBuilder
    format: str
    kind: str  # "transcript" or "text"
    warnings: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) past surrounding whitespace (the builder strips segment text)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_spans(text: str, start: int, end: int, max_chars: int = MAX_SEGMENT_CHARS) -> list[tuple[int, int]]:
    """Sentence-aligned spans of text[start:end], each at most `max_chars` long.

    Sentences are packed greedily while they fit; a sentence longer than the bound is cut
    at the last whitespace before it (or hard, for a single giant token). Linear in the span.
    """
    start, end = strip_span(text, start, end)
    if start >= end:
        return []
    if end - start <= max_chars:
        return [(start, end)]
    # Sentence boundaries inside the span.
    cuts = [m.end() for m in _SENTENCE_END_RE.finditer(text, start, end)]
    if not cuts or cuts[-1] != end:
        cuts.append(end)
    out: list[tuple[int, int]] = []
    cur = start
    prev = start  # last sentence boundary not yet emitted past `cur`
    for cut in cuts:
        if cut - cur <= max_chars:
            prev = cut
            continue
        if prev > cur:
            _emit(text, cur, prev, out)
            cur = prev
        while cut - cur > max_chars:
            s, _ = strip_span(text, cur, cut)
            if s >= cut:
                cur = cut
                break
            cur = s
            if cut - cur <= max_chars:
                break
            limit = cur + max_chars
            ws = _last_space(text, cur, limit)
            stop = ws if ws > cur else limit
            _emit(text, cur, stop, out)
            cur = stop
        prev = cut
    if cur < end:
        _emit(text, cur, end, out)
    return out


def _last_space(text: str, lo: int, hi: int) -> int:
    """Index of the last whitespace char in text[lo:hi+1] (a cut there keeps pieces <= bound)."""
    i = max(text.rfind(" ", lo, hi + 1), text.rfind("\n", lo, hi + 1), text.rfind("\t", lo, hi + 1))
    return i if i > lo else -1


def _emit(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    s, e = strip_span(text, s, e)
    if s < e:
        out.append((s, e))


def collapse_spaces(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n\s*")


class SpanWriter:
    """Feeds spans of one original text to a TextBuilder, keeping the text between them as gaps.

    Formats whose canonical text is the file as written (plain, Markdown, speaker lines)
    use this, so offsets point into exactly what the user uploaded. With `lines=True` each
    segment also gets the line and paragraph it starts on, the only locator a text file
    has (counted as the spans go, so the whole file is scanned once).
    """

    def __init__(self, text: str, *, lines: bool = False) -> None:
        self.text = text
        self.builder = TextBuilder()
        self._pos = 0
        self._lines = lines
        self._line = 1
        self._paragraph = 1
        self._counted = 0  # offset up to which lines and paragraphs are counted
        self._opened = False  # a paragraph holds a segment already (a break before the first one counts no paragraph)

    def add(self, lo: int, hi: int, **locator: Any) -> None:
        lo, hi = strip_span(self.text, lo, hi)
        if lo >= hi or lo < self._pos:
            return
        self.builder.gap(self.text[self._pos : lo])
        seg = self.builder.add(self.text[lo:hi], sep="", **locator)
        if self._lines and seg is not None:
            self._count_to(lo)
            self._opened = True
            seg.line, seg.paragraph = self._line, self._paragraph
        self._pos = hi

    def _count_to(self, pos: int) -> None:
        chunk = self.text[self._counted : pos]
        self._line += chunk.count("\n")
        if self._opened:
            self._paragraph += len(_PARAGRAPH_BREAK_RE.findall(chunk))
        self._counted = pos

    def close(self) -> TextBuilder:
        self.builder.gap(self.text[self._pos :])
        self._pos = len(self.text)
        return self.builder
