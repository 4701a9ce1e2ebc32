"""Sentences of a Document, each an exact span of `Document.text` with its speaker and time.

The offline engine quotes whole sentences, so a quote must be a verbatim substring that the
grounder locates exactly. Sentences are cut from *turns* (consecutive segments of one speaker
joined only by whitespace), because caption formats split one sentence over several lines;
a sentence never crosses a speaker change, a non-whitespace gap (a label) or a noise token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reportgen.models import Document, Segment

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")
# Abbreviations after which a full stop does not end the sentence.
_ABBREV_RE = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|prof|st|vs|etc|inc|ltd|corp|e\.g|i\.e|approx|fig|jan|feb|mar|apr|jun|jul|aug|"
    r"sep|sept|oct|nov|dec|u\.s|a\.m|p\.m)|\b[A-Z])\.$",
    re.IGNORECASE,
)
_LEADING_JUNK_RE = re.compile(r"^(?:[-\u2013\u2014>*\u2022]+\s*)+")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019$%.,-]*")
MAX_WORDS = 60  # longer runs (unpunctuated captions) are cut into windows of about WINDOW_WORDS
WINDOW_WORDS = 40


@dataclass
class Sentence:
    """One quotable sentence. `text == document.text[char_start:char_end]` always."""

    doc_index: int
    document_id: str
    index: int  # position among all sentences of all documents (source order)
    text: str
    char_start: int
    char_end: int
    speaker: str | None
    start: float | None
    segment_ids: list[int] = field(default_factory=list)
    words: int = 0

    @property
    def is_question(self) -> bool:
        return self.text.rstrip("\"'\u201d\u2019) ").endswith("?")


def word_count(text: str) -> int:
    return len(_WORD_RE.findall(text))


def _turns(doc: Document) -> list[list[Segment]]:
    """Group consecutive segments of the same speaker separated only by whitespace."""
    turns: list[list[Segment]] = []
    for seg in doc.segments:
        if turns:
            prev = turns[-1][-1]
            gap = doc.text[prev.char_end : seg.char_start]
            if seg.speaker == prev.speaker and gap.strip() == "" and seg.page == prev.page:
                turns[-1].append(seg)
                continue
        turns.append([seg])
    return turns


def _cut_noise(start: int, end: int, noise: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split [start, end) around noise tokens such as [Music] so no quote contains one."""
    pieces = [(start, end)]
    for ns, ne in noise:
        if ne <= start or ns >= end:
            continue
        out = []
        for a, b in pieces:
            if ne <= a or ns >= b:
                out.append((a, b))
                continue
            if ns > a:
                out.append((a, ns))
            if ne < b:
                out.append((ne, b))
        pieces = out
    return pieces


def _split_long(text: str, a: int, b: int, cuts: list[int]) -> list[tuple[int, int]]:
    """Cut an over-long span at segment boundaries, then at word windows, so quotes stay readable."""
    if word_count(text[a:b]) <= MAX_WORDS:
        return [(a, b)]
    inner = [c for c in cuts if a < c < b]
    if inner:
        out: list[tuple[int, int]] = []
        prev = a
        for c in inner + [b]:
            if word_count(text[prev:c]) > WINDOW_WORDS or c == b:
                out.extend(_split_long(text, prev, c, []))
                prev = c
        return out
    spans = [m.span() for m in re.finditer(r"\S+", text[a:b])]
    out = []
    for i in range(0, len(spans), WINDOW_WORDS):
        chunk = spans[i : i + WINDOW_WORDS]
        out.append((a + chunk[0][0], a + chunk[-1][1]))
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    m = _LEADING_JUNK_RE.match(text, a, b)
    if m and m.end() > a:
        a = m.end()
    return a, b


def _boundaries(text: str, a: int, b: int) -> list[int]:
    """Sentence end offsets inside [a, b), skipping abbreviations and decimals."""
    ends = []
    for m in _BOUNDARY_RE.finditer(text, a, b):
        head = text[max(a, m.start() - 12) : m.start()].split()
        if head and _ABBREV_RE.search(head[-1]):
            continue
        ends.append(m.start() + len(m.group(0).rstrip()))
    return ends


def sentence_ends(text: str, a: int, b: int) -> list[int]:
    """Where sentences end inside `text[a:b]` (abbreviations and decimals kept): shared with `clauses.py`."""
    return _boundaries(text, a, b)


def split_sentences(documents: list[Document]) -> list[Sentence]:
    """All sentences of all documents in source order (documents in the order given)."""
    out: list[Sentence] = []
    for di, doc in enumerate(documents):
        text = doc.text
        noise = sorted(doc.noise_spans)
        for turn in _turns(doc):
            t_start, t_end = turn[0].char_start, turn[-1].char_end
            seg_cuts = [s.char_start for s in turn[1:]]
            for na, nb in _cut_noise(t_start, t_end, noise):
                prev = na
                for end in _boundaries(text, na, nb) + [nb]:
                    if end <= prev:
                        continue
                    for pa, pb in _split_long(text, prev, end, seg_cuts):
                        sa, sb = _trim(text, pa, pb)
                        if sb - sa < 2 or not any(ch.isalnum() for ch in text[sa:sb]):
                            continue
                        segs = [s for s in turn if s.char_start < sb and s.char_end > sa]
                        out.append(
                            Sentence(
                                doc_index=di,
                                document_id=doc.id,
                                index=len(out),
                                text=text[sa:sb],
                                char_start=sa,
                                char_end=sb,
                                speaker=turn[0].speaker,
                                start=next((s.start for s in segs if s.start is not None), turn[0].start),
                                segment_ids=[s.id for s in segs],
                                words=word_count(text[sa:sb]),
                            )
                        )
                    prev = end
    return out
