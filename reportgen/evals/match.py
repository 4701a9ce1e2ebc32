"""Pairing a report's items with gold items, and judging each field of a pair.

**Strict** (the default): a predicted item pairs with a gold item only when all three hold:
its kind agrees (every enum field without a default that the gold states: a contract row's
`clause`), one of its located citations overlaps the gold evidence (waived only for a gold item
whose evidence could not be placed, which is counted and reported), and its main text agrees
with the gold text (text.py: content words both ways, a short gold value matched as a value).
Among the pairs that qualify, higher text agreement and then larger overlap pair first,
one-to-one.

**Lenient** (`--lenient`, always labelled): the pairing used before, kept to show how much it
flattered. Three tiers: overlap *and* token-set similarity >= FIELD_MATCH; similarity without
overlap; overlap whatever the text says. Agreeing enum values rank first within a tier.

Scorecard rows pair by criterion id and a verdict with the verdict in both modes: the
question decides identity there, not the quote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reportgen.evals.gold import GoldItem, Span
from reportgen.evals.text import LENIENT_AGREES, lenient_similarity, plain, text_agrees
from reportgen.models import Item
from reportgen.sop import FieldSpec, SectionSpec

FIELD_MATCH = 0.7  # lenient: token-set similarity that pairs two items without overlapping evidence
TEXT_AGREES = LENIENT_AGREES  # kept for readers of the old name


@dataclass
class Pair:
    gold: int  # index into the gold items
    pred: int  # index into the report items
    how: str  # strict: span | text (gold had no placed evidence); lenient: span | field; criterion | verdict
    similarity: float | None  # of the main text field; None when the gold states none
    overlap: int = 0
    fields: dict[str, bool | None] = field(default_factory=dict)  # None: not judged (no gold value)


def _norm(value: Any) -> str:
    return " ".join("".join(c if c.isalnum() else " " for c in plain(value)).split())


def text_similarity(a: Any, b: Any) -> float:
    """The lenient similarity (token-set ratio); see text.py for why strict matching does not use it."""
    return lenient_similarity(a, b)


def main_text_field(spec: SectionSpec) -> str:
    """The field that says what an item is: the first text field in SOP order ("task", "what", ...)."""
    if spec.kind == "scorecard":
        return "rationale"
    for name, f in spec.fields.items():
        if f.type == "text":
            return name
    return next(iter(spec.fields), "text")


def kind_fields(spec: SectionSpec) -> list[str]:
    """Enum fields that say *which* item this is (a clause kind), as opposed to an attribute of it
    (status, severity): the ones without a default value."""
    return [name for name, f in spec.fields.items() if f.type == "enum" and f.default is None]


def kind_of(spec: SectionSpec, fields: dict[str, Any]) -> str | None:
    """The item's kind as one label (the first kind field's value), for per-kind tables."""
    for name in kind_fields(spec):
        if fields.get(name) is not None:
            return _norm(fields[name])
    return None


def same_person(pred: Any, gold: Any) -> bool:
    """Names agree when equal after normalising, or when one is the other's first or last name
    ("Priya" for "Priya Shah"): sources name people both ways."""
    p, g = _norm(pred), _norm(gold)
    if not p or not g:
        return p == g
    if p == g:
        return True
    pt, gt = p.split(), g.split()
    return pt[0] == gt[0] and (len(pt) == 1 or len(gt) == 1) or pt[-1] == gt[-1] and (len(pt) == 1 or len(gt) == 1)


def _number(value: Any) -> float | None:
    if isinstance(value, dict):
        value = value.get("value")
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def field_agrees(spec: FieldSpec | None, name: str, pred: Any, gold: Any, *, lenient: bool = False) -> bool:
    """Whether a predicted value says what the gold says; an explicit gold null means "nothing was
    said" (no due date), so only an empty prediction agrees with it."""
    ftype = spec.type if spec is not None else ("rating" if name == "rating" else "text")
    empty = pred is None or pred == "" or pred == []
    if gold is None:
        return empty
    if empty:
        return False
    if ftype == "person":
        return same_person(pred, gold)
    if ftype in ("enum", "boolean", "rating", "date"):
        return _norm(pred) == _norm(gold)
    if ftype in ("number", "money"):
        a, b = _number(pred), _number(gold)
        if a is not None and b is not None:
            return abs(a - b) <= 0.01 * max(abs(a), abs(b), 1e-9)
    return text_agrees(pred, [gold], lenient=lenient)[0]


def item_spans(item: Item) -> list[Span]:
    return [
        Span(document_id=c.document_id, char_start=c.char_start, char_end=c.char_end, segment_ids=c.segment_ids,
             start=c.start, end=c.end)
        for c in item.citations
        if c.located and c.document_id and c.char_start is not None and c.char_end is not None
    ]


def _overlap(a: list[Span], b: list[Span]) -> int:
    return sum(x.overlap(y) for x in a for y in b)


def gold_texts(gold: GoldItem, main: str) -> list[Any]:
    """The texts a prediction may agree with: the main field, and any the gold lists under `meta.accept`
    (a CUAD clause kind with several labelled categories accepts each category's answer)."""
    out = [gold.fields[main]] if gold.fields.get(main) not in (None, "") else []
    return out + [t for t in gold.meta.get("accept", []) if t not in (None, "")]


def _judge(spec: SectionSpec, gold: GoldItem, pred: Item, pair: Pair, lenient: bool) -> Pair:
    skip = {"criterion", "name"} if spec.kind == "scorecard" else set()
    main = main_text_field(spec)
    for name, value in gold.fields.items():
        if name in skip:
            continue
        if name == main and gold.meta.get("accept") and spec.kind != "scorecard":
            pair.fields[name] = text_agrees(pred.fields.get(name), gold_texts(gold, main), lenient=lenient)[0]
            continue
        pair.fields[name] = field_agrees(spec.fields.get(name), name, pred.fields.get(name), value, lenient=lenient)
    return pair


def _match_rows(spec: SectionSpec, gold: list[GoldItem], pred: list[Item], lenient: bool) -> list[Pair]:
    main = main_text_field(spec)
    key = "criterion" if spec.kind == "scorecard" else None
    pairs: list[Pair] = []
    used: set[int] = set()
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            if pi in used or (key and p.fields.get(key) != g.fields.get(key)):
                continue
            used.add(pi)
            sim = text_agrees(p.fields.get(main), [g.fields[main]], lenient=lenient)[1] if g.fields.get(main) else None
            pairs.append(_judge(spec, g, p, Pair(gi, pi, spec.kind if not key else "criterion", sim), lenient))
            break
    return pairs


def _kinds_agree(kinds: list[str], g: GoldItem, p: Item) -> int:
    """-1 when a stated kind disagrees, else how many stated kinds agree."""
    n = 0
    for name in kinds:
        if g.fields.get(name) is None:
            continue
        if _norm(p.fields.get(name)) != _norm(g.fields[name]):
            return -1
        n += 1
    return n


def match_items(
    spec: SectionSpec, gold: list[GoldItem], gold_spans: list[list[Span]], pred: list[Item], *, lenient: bool = False
) -> list[Pair]:
    """One-to-one pairs of gold and predicted items (see the module doc for both rules)."""
    if spec.kind in ("scorecard", "verdict"):
        return _match_rows(spec, gold, pred, lenient)
    main = main_text_field(spec)
    pspans = [item_spans(p) for p in pred]
    kinds = kind_fields(spec)
    enums = [name for name, f in spec.fields.items() if f.type == "enum"]
    texts = [gold_texts(g, main) for g in gold]
    cands: list[tuple[Any, ...]] = []
    for gi, g in enumerate(gold):
        spans = gold_spans[gi] if gi < len(gold_spans) else []
        for pi, p in enumerate(pred):
            ov = _overlap(pspans[pi], spans)
            if lenient:
                sim = max((text_similarity(p.fields.get(main), t) for t in texts[gi]), default=0.0)
                if ov > 0 or sim >= FIELD_MATCH:
                    tier = 0 if ov > 0 and sim >= FIELD_MATCH else 1 if sim >= FIELD_MATCH else 2
                    agree = sum(1 for e in enums
                                if g.fields.get(e) is not None and _norm(p.fields.get(e)) == _norm(g.fields[e]))
                    cands.append((tier, -agree, -sim, -ov, gi, pi))
                continue
            if _kinds_agree(kinds, g, p) < 0 or (spans and ov <= 0):
                continue
            ok, sim = text_agrees(p.fields.get(main), texts[gi]) if texts[gi] else (True, 1.0)
            if ok:
                cands.append((0 if spans else 1, 0, -sim, -ov, gi, pi))
    cands.sort()
    gdone: set[int] = set()
    pdone: set[int] = set()
    pairs: list[Pair] = []
    for tier, _agree, neg_sim, neg_ov, gi, pi in cands:
        if gi in gdone or pi in pdone:
            continue
        gdone.add(gi)
        pdone.add(pi)
        how = ("field" if tier == 1 else "span") if lenient else ("span" if tier == 0 else "text")
        pairs.append(_judge(spec, gold[gi], pred[pi], Pair(gi, pi, how, -neg_sim, -neg_ov), lenient))
    return sorted(pairs, key=lambda p: p.gold)
