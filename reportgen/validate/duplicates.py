"""Folding repeated items into one: same key text (about the same source), or similar text over largely the
same quotes.

Engines see a long source in chunks and say the same thing more than once; a reviewer should
see it once, with every quote, and a flag saying how many were merged. Nothing said is lost:
two items whose key texts give different figures ("20 percent" and "2 percent") are different
facts and are never merged, and a merged item's key text, when worded differently, is kept in
the flag ("also said as"). The flag counts the quotes the repeats added, so it never claims
quotes that are not there (issue 14).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from rapidfuzz import fuzz

from reportgen.models import Citation, Item, Section
from reportgen.sop import SectionSpec
from reportgen.validate.codes import add_flag, code_of
from reportgen.validate.fields import declared_fields, is_empty

DUPLICATE_TEXT_SIMILARITY = 70  # rapidfuzz token_set_ratio, 0-100
DUPLICATE_CITATION_OVERLAP = 0.8  # share of the smaller item's cited characters inside the other's
_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_ALSO_RE = re.compile("\u201c([^\u201d]*)\u201d")


def merge_duplicates(spec: SectionSpec, section: Section) -> None:
    """Fold repeats (same normalised key text, or similar text over largely the same quotes) into one item."""
    if spec.kind == "verdict":
        return
    key_field = _key_field(spec)
    kept: list[tuple[Item, _Sig]] = []
    merged_into: dict[str, int] = {}
    added_quotes: dict[str, int] = {}
    variants: dict[str, list[str]] = {}
    for item in section.items:
        sig = _Sig.of(spec, key_field, item)
        hit = next((n for n, (_, other) in enumerate(kept) if other.same_as(sig)), None)
        if hit is None:
            kept.append((item, sig))
            continue
        target = kept[hit][0]
        added_quotes[target.id] = added_quotes.get(target.id, 0) + _absorb(target, item)
        if key_field and (said := item.fields.get(key_field)) and isinstance(said, str) \
                and _norm_key(said) != _norm_key(target.fields.get(key_field)):
            variants.setdefault(target.id, []).append(" ".join(said.split()))
        kept[hit] = (target, _Sig.of(spec, key_field, target))
        merged_into[target.id] = merged_into.get(target.id, 0) + 1
    for item, _ in kept:
        n = merged_into.get(item.id)
        if not n:
            continue
        previous = [f for f in item.flags if code_of(f) == "duplicate-merged"]
        total = n + sum(int(m.group(1)) for f in previous if (m := re.search(r"(\d+)", f)))
        said = [v for f in previous for v in _ALSO_RE.findall(f)] + variants.get(item.id, [])
        item.flags = [f for f in item.flags if code_of(f) != "duplicate-merged"]
        added = added_quotes.get(item.id, 0)
        msg = f"{total} repeated item(s) merged into this one; " + (
            f"{added} more quote(s) from them are listed with it" if added else "they cited the same quote(s)")
        if said:
            msg += "; also said as " + "; ".join(f"\u201c{v}\u201d" for v in dict.fromkeys(said))
        add_flag(item, f"duplicate-merged: {msg}")
    section.items = [item for item, _ in kept]


class _Sig:
    """What duplicate detection compares, computed once per item (sections can hold hundreds)."""

    def __init__(self, key: str, spans: list[tuple[str | None, int, int]]) -> None:
        self.key, self.spans = key, spans

    @classmethod
    def of(cls, spec: SectionSpec, key_field: str | None, item: Item) -> _Sig:
        if spec.kind == "scorecard":
            return cls(f"criterion:{item.fields.get('criterion')}", [])
        key = _norm_key(item.fields.get(key_field)) if key_field else ""
        return cls(key, _spans(item.citations))

    def same_as(self, other: _Sig) -> bool:
        if self.key and self.key == other.key:
            # the same words about two different sources are two findings ("Delaware" is the governing
            # law of two agreements in a data room), not one said twice
            docs, other_docs = {d for d, _, _ in self.spans}, {d for d, _, _ in other.spans}
            return not docs or not other_docs or bool(docs & other_docs)
        if _NUMBER_RE.findall(self.key) != _NUMBER_RE.findall(other.key):
            return False  # "20 percent" and "2 percent" are different facts, however alike the words
        if not self.key or not other.key or _span_overlap(self.spans, other.spans) < DUPLICATE_CITATION_OVERLAP:
            return False
        return fuzz.token_set_ratio(self.key, other.key) >= DUPLICATE_TEXT_SIMILARITY


def _absorb(target: Item, other: Item) -> int:
    """Take `other`'s new quotes, the fields `target` left empty and its flags; returns the quotes added."""
    seen = {_cite_key(c) for c in target.citations}
    added = 0
    for c in other.citations:
        if _cite_key(c) not in seen:
            target.citations.append(c)
            seen.add(_cite_key(c))
            added += 1
    for name, value in other.fields.items():
        if is_empty(target.fields.get(name)) and not is_empty(value):
            target.fields[name] = value
    for flag in other.flags:
        if flag not in target.flags and code_of(flag) != "duplicate-merged":
            target.flags.append(flag)
    return added


def _span_overlap(spans_a: list[tuple[str | None, int, int]], spans_b: list[tuple[str | None, int, int]]) -> float:
    if not spans_a or not spans_b:
        return 0.0
    small, big = (spans_a, spans_b) if _total(spans_a) <= _total(spans_b) else (spans_b, spans_a)
    covered = sum(
        max((min(e, e2) - max(s, s2) for d2, s2, e2 in big if d2 == d and min(e, e2) > max(s, s2)), default=0)
        for d, s, e in small
    )
    return covered / max(_total(small), 1)


def _spans(cites: list[Citation]) -> list[tuple[str | None, int, int]]:
    return [
        (c.document_id, c.char_start, c.char_end)
        for c in cites
        if c.located and c.char_start is not None and c.char_end is not None and c.char_end > c.char_start
    ]


def _total(spans: list[tuple[str | None, int, int]]) -> int:
    return sum(e - s for _, s, e in spans)


def _cite_key(c: Citation) -> tuple:
    return (c.document_id, c.char_start, c.char_end) if c.located else (None, c.quote.strip().lower(), None)


def _key_field(spec: SectionSpec) -> str | None:
    declared = declared_fields(spec)
    for name, fs in declared.items():
        if fs.type == "text":
            return name
    return next(iter(declared), None)


def _norm_key(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    s = unicodedata.normalize("NFKC", value).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", s).split())
