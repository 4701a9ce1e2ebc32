"""Quotes as models write them, cited by line id as well as by words, resolved against the cited line.

The prompt tags every source line (`[D1:S12 12:04 Jason] ...`). Models, small ones above all,
copy the tag into their quotes ("[D1:S0 00:00] Hey, everyone.") or give only the tag
("D1:S0 00:00"). The id is a citation in its own right, so the engine honours it:

- the id picks the segment; the words given with it pick the span inside that segment
  (exactly, or the closest span when the model changed a word or two);
- an id alone cites the whole segment;
- words that are not in the cited segment but are elsewhere in the sources are kept as they
  are (the id was wrong, the words are real); words found nowhere give way to the cited
  segment itself, and the support check then judges whether it says what the item claims;
- an id that names no segment keeps the words written after it, so grounding locates them or
  flags them unsupported; with no words, it quotes nothing (an item left with no quote is
  re-asked, and flagged uncited if it stays so).

A tag is never taken as quoted text. Locating the resulting quote, and deciding whether it
supports the item, stay grounding's job (reportgen.grounding), as for every other quote.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz

from reportgen.clock import clock
from reportgen.corpus import Corpus, Row
from reportgen.drafts import DraftItem, DraftSection
from reportgen.grounding import normalise

# The id part of a line tag, with or without its bracket: "[D1:S12", "D1:S12", "D1 : S12".
_ID_RE = re.compile(r"\[?\s*D(\d+)\s*:\s*S(\d+)\b", re.IGNORECASE)
_TIME_RE = re.compile(r"^\s*\d{1,2}(?::\d{2}){1,2}(?:\.\d+)?")
_PAGE_RE = re.compile(r"^\s*p\.\s*\d+", re.IGNORECASE)
_LEAD_RE = re.compile(r"^[\s\]\)\-–—:;,.\"'“”‘’`]+")
_TRAIL_RE = re.compile(r"[\s\"'“”‘’`\[]+$")
_WORD_JOINERS = "'\u2019-"
MIN_SPAN_SCORE = 80.0  # rapidfuzz partial ratio for words that pick a span with a word or two changed

How = str  # verbatim | by-id | by-id-span | id-words-elsewhere | id-words-unfound | unknown-id


@dataclass
class Resolution:
    quotes: list[str]
    how: list[How]


def _segments(corpus: Corpus) -> dict[tuple[int, int], Row]:
    return {(r.doc_index, r.segment.id): r for r in corpus.rows}


def _strip_tag_rest(words: str, row: Row | None) -> str:
    """What follows a tag's id, without the rest of the tag: time, page, speaker, closing bracket."""
    seg = row.segment if row else None
    known = [clock(seg.start) if seg and seg.start is not None else "",
             f"p.{seg.page}" if seg and seg.page is not None else "",
             (seg.speaker or "").replace("]", ")") if seg else ""]
    bracket = words.find("]")
    if 0 <= bracket <= 80:
        inside = words[:bracket]
        for k in sorted((k for k in known if k), key=len, reverse=True):
            inside = inside.replace(k, " ")
        inside = _PAGE_RE.sub("", _TIME_RE.sub("", inside.strip()))
        if len(normalise(inside).split()) <= 1:  # only the tag's own fields (one stray word allowed)
            return _clean(words[bracket + 1 :])
    rest = _PAGE_RE.sub("", _TIME_RE.sub("", words))
    speaker = seg.speaker if seg and seg.speaker else None
    if speaker and seg is not None:
        stripped = rest.lstrip(" :-")
        said = normalise(seg.text)
        if stripped.lower().startswith(speaker.lower()) and not said.startswith(normalise(speaker)):
            rest = stripped[len(speaker) :]
    return _clean(rest)


def _clean(text: str) -> str:
    return _TRAIL_RE.sub("", _LEAD_RE.sub("", text))


def _span_in(segment_text: str, words: str) -> str | None:
    """The part of `segment_text` that `words` quote: exactly, else the best-aligned span at word edges."""
    if not normalise(words):
        return None
    if words in segment_text:
        return words
    found = fuzz.partial_ratio_alignment(words.lower(), segment_text.lower())
    if found is None or found.score < MIN_SPAN_SCORE:
        return None
    start, end = found.dest_start, found.dest_end
    while start > 0 and (segment_text[start - 1].isalnum() or segment_text[start - 1] in _WORD_JOINERS):
        start -= 1
    while end < len(segment_text) and (segment_text[end].isalnum() or segment_text[end] in _WORD_JOINERS):
        end += 1
    span = segment_text[start:end].strip()
    return span or None


def resolve_quote(quote: str, corpus: Corpus) -> Resolution:
    """One quote as the model wrote it -> the quotes grounding should look for (see module doc)."""
    ids = list(_ID_RE.finditer(quote))
    if not ids:
        return Resolution([quote], ["verbatim"])
    table = corpus.memo(_segments)
    quotes: list[str] = []
    how: list[How] = []
    before = _clean(quote[: ids[0].start()])
    if len(normalise(before).split()) >= 3:  # words before the first tag are a quote of their own
        quotes.append(before)
        how.append("verbatim")
    for k, m in enumerate(ids):
        end = ids[k + 1].start() if k + 1 < len(ids) else len(quote)
        row = table.get((int(m.group(1)), int(m.group(2))))
        words = _strip_tag_rest(quote[m.end() : end], row)
        if row is None:
            # No such line: keep the words for grounding to locate or flag; a tag alone quotes nothing.
            if normalise(words):
                quotes.append(words)
            how.append("unknown-id")
            continue
        text = row.segment.text.strip()
        if not normalise(words):
            quotes.append(text)
            how.append("by-id")
            continue
        span = _span_in(text, words)
        if span is not None:
            quotes.append(span)
            how.append("by-id-span")
        elif corpus.grounder.locate(words).citation.located:
            quotes.append(words)
            how.append("id-words-elsewhere")
        else:
            quotes.append(text)
            how.append("id-words-unfound")
    return Resolution(quotes, how)


def resolve_draft(draft: DraftSection, corpus: Corpus) -> Counter[str]:
    """Resolve every quote of `draft` in place; returns how many quotes were resolved which way."""
    counts: Counter[str] = Counter()
    for item in draft.items:
        _resolve_item(item, corpus, counts)
    return counts


def _resolve_item(item: DraftItem, corpus: Corpus, counts: Counter[str]) -> None:
    out: list[str] = []
    for q in item.quotes:
        r = resolve_quote(q, corpus)
        counts.update(r.how)
        out.extend(x for x in r.quotes if x not in out)
    item.quotes = out
