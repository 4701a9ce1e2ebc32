"""Sentences of a Document, each an exact span of `Document.text` with its speaker and time.

The offline engine quotes whole sentences, so a quote must be a verbatim substring that the
grounder locates exactly. Sentences are cut from *turns* (consecutive segments of one speaker
joined only by whitespace), because caption formats split one sentence over several lines;
a sentence never crosses a speaker change, a non-whitespace gap (a label), a noise token,
a "- " turn mark at the start of a caption line, a blank line or the start of a list item.

Where the text has no punctuation (auto-captions, unpunctuated ASR), or a punctuated run is
too long to quote, the boundary model (`boundaries.py`) finds the sentence ends from the
words, the capitals and the caption cues, instead of cutting fixed word windows that start
and end mid-sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from reportgen.extract.local.boundaries import (
    CUE,
    NO_CUE,
    PAUSE,
    PAUSE_SECONDS,
    adapt_to_cues,
    decode,
    is_cased,
    load_model,
)
from reportgen.models import Document, Segment

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace.
_BOUNDARY_RE = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]]*\s+")
# Abbreviations after which a full stop does not end the sentence.
_ABBREV_RE = re.compile(
    r"(?:\b(?:mr|mrs|ms|dr|prof|st|vs|etc|inc|ltd|corp|e\.g|i\.e|approx|fig|jan|feb|mar|apr|jun|jul|aug|"
    r"sep|sept|oct|nov|dec|u\.s|a\.m|p\.m)|\b[A-Z])\.$",
    re.IGNORECASE,
)
# Bullets and turn marks before a sentence. No "^": match() anchors at its pos, "^" only at 0.
_LEADING_JUNK_RE = re.compile(r"(?:[-\u2013\u2014>*\u2022]+[ \t]+)+")
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\u2019$%.,-]*")
MAX_WORDS = 60  # longer punctuated runs are cut by the boundary model into pieces of at most this
WINDOW_WORDS = 40
# Cutting an over-long punctuated run: only to length (a threshold that no gap reaches), pieces of at
# least CAP_ONLY_MIN_WORDS, a clause mark (, ; : dash) and a segment edge worth these log-odds on top of
# the word model (set by hand, checked on the golden reports: not trained).
ONLY_LENGTH_CUTS = 1.0 - 1e-12
CAP_ONLY_MIN_WORDS = 8
CLAUSE_BONUS = 2.0
EDGE_BONUS = 4.0  # a segment edge inside the run: a paragraph, block or caption cue
_CLAUSE_ENDS = frozenset(",;:\u2013\u2014")
# Fewer sentence ends than one per this many words: the text has no punctuation to trust.
UNPUNCTUATED_WORDS_PER_END = 50
_END_MARK_RE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?=\s|$)")
_TURN_MARK_RE = re.compile(r"[-\u2013\u2014][ \t]")
# A blank line, or a new line that opens a list item: structure that a sentence never crosses.
_BLOCK_BREAK_RE = re.compile(r"\n[ \t]*(?:\n|(?=(?:[-*+\u2022]|\d{1,3}[.)])[ \t]))")
_TOKEN_RE = re.compile(r"\S+")
_WORDISH_RE = re.compile(r"[^\w\s]*\w\S*")  # a token with a letter or digit in it (not a lone "-" mark)


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


def unpunctuated(doc: Document) -> bool:
    """True when the text has too few sentence ends for punctuation to say where sentences are."""
    sample = doc.text[:200_000]
    words = word_count(sample)
    return words >= MAX_WORDS and len(_END_MARK_RE.findall(sample)) * UNPUNCTUATED_WORDS_PER_END < words


@dataclass
class _DocCtx:
    """What the boundary model needs from the whole document, worked out once."""

    text: str
    cased: bool


def _model_spans(ctx: _DocCtx, a: int, b: int, turn: list[Segment], cap_only: bool = False,
                 breaks: list[int] | None = None) -> list[tuple[int, int]]:
    """Sentence spans of text[a:b] from the boundary model, with the turn's caption cues as evidence.

    `cap_only` is for an over-long run of punctuated text: its writer put no sentence end in it,
    so it is only cut to quotable length, at the strongest gaps, where a comma or semicolon helps.
    `breaks` are offsets where a new sentence must start (blank lines, list items).
    """
    text = ctx.text
    matches = list(_WORDISH_RE.finditer(text, a, b))
    toks = [m.span() for m in matches]
    if len(toks) <= 1:
        return [(a, b)]
    first = bisect_right([s.char_end for s in turn], a)
    last = bisect_left([s.char_start for s in turn], b)
    segs = turn[first:last]
    cues = [NO_CUE] * len(toks)
    hard: set[int] = set()
    k = 0
    prev_k = -1
    for j, (ts, _) in enumerate(toks):
        while k + 1 < len(segs) and segs[k].char_end <= ts:
            k += 1
        if j and k != prev_k:  # the first word of a later cue
            cur, before = segs[k], segs[prev_k]
            pause = 0.0
            if cur.start is not None and before.end is not None:
                pause = cur.start - before.end
            cues[j - 1] = PAUSE if pause >= PAUSE_SECONDS else CUE
            if _TURN_MARK_RE.match(text, cur.char_start):
                hard.add(j - 1)
        prev_k = k
    for cut in breaks or ():
        j = bisect_left(toks, (cut, cut))
        if 0 < j < len(toks):
            hard.add(j - 1)
    words = [m.group(0) for m in matches]
    timed = len(segs) > 1 and segs[0].start is not None  # caption cues, not a text file's chunks
    model = load_model()
    logits = model.logits(words, ctx.cased and not cap_only)  # in punctuated text a capital is a name
    if cap_only:  # segment edges (paragraphs, blocks, cues) first, as the writer laid the text out
        logits = [x + (CLAUSE_BONUS if w[-1] in _CLAUSE_ENDS else 0.0) + (EDGE_BONUS if c != NO_CUE else 0.0)
                  for x, w, c in zip(logits, words, cues, strict=True)]
        ends = decode(logits, ONLY_LENGTH_CUTS, CAP_ONLY_MIN_WORDS, MAX_WORDS, frozenset(hard))
    else:
        if timed:
            logits = adapt_to_cues(logits, cues)
        ends = decode(logits, model.threshold, model.min_words, model.max_words, frozenset(hard))
    out = []
    first = 0
    for e in ends:
        out.append((toks[first][0], toks[e][1]))
        first = e + 1
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


def _hard_cuts(text: str, a: int, b: int, turn: list[Segment]) -> list[int]:
    """Offsets inside [a, b) where a new sentence must start: turn marks, blank lines, list items."""
    cuts = [s.char_start for s in turn if a < s.char_start < b and _TURN_MARK_RE.match(text, s.char_start)]
    return cuts + _block_breaks(text, a, b)


def _block_breaks(text: str, a: int, b: int) -> list[int]:
    return [m.start() for m in _BLOCK_BREAK_RE.finditer(text, a, b)]


def _pieces(ctx: _DocCtx, a: int, b: int, turn: list[Segment], model_only: bool) -> list[tuple[int, int]]:
    """Sentence spans of one noise-free stretch of a turn."""
    text = ctx.text
    if model_only:  # one pass over the whole stretch: the cue evidence is estimated on all of it
        return _model_spans(ctx, a, b, turn, breaks=_block_breaks(text, a, b))
    ends = sorted(set(_boundaries(text, a, b)) | set(_hard_cuts(text, a, b, turn)) | {b})
    out: list[tuple[int, int]] = []
    prev = a
    for end in ends:
        if end <= prev:
            continue
        if word_count(text[prev:end]) > MAX_WORDS:
            out.extend(_model_spans(ctx, prev, end, turn, cap_only=True))
        else:
            out.append((prev, end))
        prev = end
    return out


def split_sentences(documents: list[Document]) -> list[Sentence]:
    """All sentences of all documents in source order (documents in the order given)."""
    out: list[Sentence] = []
    for di, doc in enumerate(documents):
        text = doc.text
        noise = sorted(doc.noise_spans)
        model_only = unpunctuated(doc)
        ctx = _DocCtx(text, is_cased(_TOKEN_RE.findall(text[:100_000])))
        for turn in _turns(doc):
            t_start, t_end = turn[0].char_start, turn[-1].char_end
            seg_ends = [s.char_end for s in turn]
            for na, nb in _cut_noise(t_start, t_end, noise):
                for pa, pb in _pieces(ctx, na, nb, turn, model_only):
                    sa, sb = _trim(text, pa, pb)
                    if sb - sa < 2 or not any(ch.isalnum() for ch in text[sa:sb]):
                        continue
                    segs = []  # the turn's segments that overlap the sentence (a bisect: turns can be long)
                    for s in turn[bisect_right(seg_ends, sa) :]:
                        if s.char_start >= sb:
                            break
                        segs.append(s)
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
    return out
