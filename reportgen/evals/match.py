"""Pairing a report's items with gold items, and judging each field of a pair.

Items are paired one-to-one, greedily, in three tiers: pairs whose located citations
overlap the gold item's evidence *and* whose main text reads alike (>= FIELD_MATCH); then
pairs that read alike without overlapping (the right item cited at the wrong place: it
counts for recall, and its citations count as wrong locations); then pairs that only
overlap (a paraphrase, or a QMSum topic label against the sentence where the topic
starts). Within a tier, agreeing enum values (a contract row's clause kind), then higher
similarity, then larger overlap, wins. Putting "reads alike"
above "only overlaps" keeps an item that cites its neighbour's sentence from taking the
neighbour's gold item. Scorecard rows pair by criterion id and a verdict with the verdict:
the question decides identity there, not the quote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from reportgen.evals.gold import GoldItem, Span
from reportgen.models import Item
from reportgen.sop import FieldSpec, SectionSpec

FIELD_MATCH = 0.7  # token-set similarity that pairs two items without overlapping evidence
TEXT_AGREES = 0.6  # a text field "agrees" with the gold above this similarity
_PUNCT = re.compile(r"[^\w\s]")


@dataclass
class Pair:
    gold: int  # index into the gold items
    pred: int  # index into the report items
    how: str  # span | field | criterion | verdict
    similarity: float | None  # of the main text field; None when the gold states none
    overlap: int = 0
    fields: dict[str, bool | None] = field(default_factory=dict)  # None: not judged (no gold value)


def _norm(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # number / money
        value = value.get("text") or value.get("value") or ""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    return " ".join(_PUNCT.sub(" ", text).split())


def text_similarity(a: Any, b: Any) -> float:
    """0..1; token-set so that a gold "Send the deck" and "Send the pricing deck to Acme" read alike."""
    x, y = _norm(a), _norm(b)
    if not x or not y:
        return 0.0
    return fuzz.token_set_ratio(x, y) / 100.0


def main_text_field(spec: SectionSpec) -> str:
    """The field that says what an item is: the first text field in SOP order ("task", "what", ...)."""
    if spec.kind == "scorecard":
        return "rationale"
    for name, f in spec.fields.items():
        if f.type == "text":
            return name
    return next(iter(spec.fields), "text")


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


def field_agrees(spec: FieldSpec | None, name: str, pred: Any, gold: Any) -> bool:
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
        return text_similarity(pred, gold) >= TEXT_AGREES
    return text_similarity(pred, gold) >= TEXT_AGREES


def item_spans(item: Item) -> list[Span]:
    return [
        Span(document_id=c.document_id, char_start=c.char_start, char_end=c.char_end, segment_ids=c.segment_ids,
             start=c.start, end=c.end)
        for c in item.citations
        if c.located and c.document_id and c.char_start is not None and c.char_end is not None
    ]


def _overlap(a: list[Span], b: list[Span]) -> int:
    return sum(x.overlap(y) for x in a for y in b)


def _judge(spec: SectionSpec, gold: GoldItem, pred: Item, pair: Pair) -> Pair:
    skip = {"criterion", "name"} if spec.kind == "scorecard" else set()
    for name, value in gold.fields.items():
        if name in skip:
            continue
        pair.fields[name] = field_agrees(spec.fields.get(name), name, pred.fields.get(name), value)
    return pair


def match_items(spec: SectionSpec, gold: list[GoldItem], gold_spans: list[list[Span]], pred: list[Item]) -> list[Pair]:
    """One-to-one pairs of gold and predicted items (see the module doc for the order)."""
    main = main_text_field(spec)
    pairs: list[Pair] = []
    if spec.kind in ("scorecard", "verdict"):
        key = "criterion" if spec.kind == "scorecard" else None
        used: set[int] = set()
        for gi, g in enumerate(gold):
            for pi, p in enumerate(pred):
                if pi in used or (key and p.fields.get(key) != g.fields.get(key)):
                    continue
                used.add(pi)
                sim = text_similarity(p.fields.get(main), g.fields.get(main)) if g.fields.get(main) else None
                pairs.append(_judge(spec, g, p, Pair(gi, pi, spec.kind if not key else "criterion", sim)))
                break
        return pairs
    pspans = [item_spans(p) for p in pred]
    # Within a tier, a pair whose enum values agree comes first: a contract's "parties" row and its
    # "agreement date" row often quote the same preamble sentence, and must not swap gold items.
    enums = [name for name, f in spec.fields.items() if f.type == "enum"]
    cands: list[tuple[int, int, float, int, int, int]] = []  # (tier, -enums agreeing, -sim, -overlap, gi, pi)
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            sim = text_similarity(p.fields.get(main), g.fields.get(main))
            ov = _overlap(pspans[pi], gold_spans[gi] if gi < len(gold_spans) else [])
            if ov > 0 or sim >= FIELD_MATCH:
                tier = 0 if ov > 0 and sim >= FIELD_MATCH else 1 if sim >= FIELD_MATCH else 2
                agree = sum(
                    1 for e in enums if g.fields.get(e) is not None and _norm(p.fields.get(e)) == _norm(g.fields[e])
                )
                cands.append((tier, -agree, -sim, -ov, gi, pi))
    cands.sort()
    gdone: set[int] = set()
    pdone: set[int] = set()
    for tier, _agree, neg_sim, neg_ov, gi, pi in cands:
        if gi in gdone or pi in pdone:
            continue
        gdone.add(gi)
        pdone.add(pi)
        pair = Pair(gi, pi, "field" if tier == 1 else "span", -neg_sim, -neg_ov)
        pairs.append(_judge(spec, gold[gi], pred[pi], pair))
    return sorted(pairs, key=lambda p: p.gold)
