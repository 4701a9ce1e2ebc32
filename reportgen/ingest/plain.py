"""Plain text and Markdown: the text as written, segmented into paragraphs and sentences.

No timestamps or speakers here: each segment's locator is the line and paragraph it starts
on (paragraphs are blocks between blank lines, as a reader counts them). Paragraphs up to the segment bound stay
whole; longer ones are cut at sentence ends, and text without punctuation (a 150 KB line
of auto-captions) at word boundaries, so every segment stays small enough to cite.
Markdown keeps its markup in the text; headings, list items, table rows and paragraphs
become segments of their own.
"""

from __future__ import annotations

import re

from reportgen.errors import EmptySourceError
from reportgen.ingest.segmenting import Parsed, SpanWriter, chunk_spans

_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n\s*")
_HEADING_RE = re.compile(r"^[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_RE = re.compile(r"^[ \t]{0,3}(?:=+|-+)[ \t]*$")
_LIST_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_TABLE_RE = re.compile(r"^[ \t]*\|")
_RULE_RE = re.compile(r"^[ \t]{0,3}(?:[-*_][ \t]*){3,}$")
_QUOTE_RE = re.compile(r"^[ \t]{0,3}>")

_MD_SIGNS = [
    re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.M),
    re.compile(r"^[ \t]*[-*+][ \t]+\S", re.M),
    re.compile(r"\[[^\]\n]{1,200}\]\([^)\s]{1,500}\)"),
    re.compile(r"^[ \t]{0,3}```", re.M),
    re.compile(r"^[ \t]*\|[^\n]*\|[ \t]*$", re.M),
    re.compile(r"\*\*[^*\n]{1,200}\*\*"),
]


def markdown_score(text: str) -> int:
    """How many kinds of Markdown syntax the text uses (headings, lists, links, fences, tables, bold)."""
    sample = text[:200_000]
    return sum(1 for r in _MD_SIGNS if r.search(sample))


def _empty() -> EmptySourceError:
    return EmptySourceError("the file has no readable text. Upload a file with content.")


_WORD_RE = re.compile(r"\w")


def parse_plain(text: str) -> Parsed:
    if not _WORD_RE.search(text):
        raise _empty()
    w = SpanWriter(text, lines=True)
    pos = 0
    for m in _PARAGRAPH_BREAK_RE.finditer(text):
        for a, b in chunk_spans(text, pos, m.start()):
            w.add(a, b)
        pos = m.end()
    for a, b in chunk_spans(text, pos, len(text)):
        w.add(a, b)
    if not w.builder.segments:
        raise _empty()
    return Parsed(w.close(), "plain", "text")


def parse_markdown(text: str) -> Parsed:
    """Block-level segments from a line scan (headings, list items, rows, fenced code, paragraphs)."""
    w = SpanWriter(text, lines=True)
    block_start: int | None = None  # start offset of the open paragraph / list item / code block
    block_end = 0
    in_fence: str | None = None

    def close() -> None:
        nonlocal block_start
        if block_start is not None:
            for a, b in chunk_spans(text, block_start, block_end):
                w.add(a, b)
        block_start = None

    pos = 0
    n = len(text)
    while pos <= n:
        nl = text.find("\n", pos)
        end = n if nl < 0 else nl
        line = text[pos:end]
        if in_fence is not None:
            block_end = end
            if line.lstrip().startswith(in_fence):
                close()
                in_fence = None
        elif not line.strip() or _RULE_RE.match(line):
            close()
        elif m := _FENCE_RE.match(line):
            close()
            in_fence = m.group(1)
            block_start, block_end = pos, end
        elif _HEADING_RE.match(line) or _TABLE_RE.match(line):
            close()
            w.add(pos, end)
        elif _SETEXT_RE.match(line) and block_start is not None:
            block_end = end  # the underline belongs to the heading above it
            close()
        elif _LIST_RE.match(line) or (_QUOTE_RE.match(line) and block_start is None):
            close()
            block_start, block_end = pos, end
        else:
            if block_start is None:
                block_start = pos
            block_end = end
        if nl < 0:
            break
        pos = nl + 1
    close()
    if not w.builder.segments:
        raise _empty()
    return Parsed(w.close(), "markdown", "text")
