"""Scores per section: accumulated case by case, then finished into plain numbers.

Definitions (docs/eval.md says the same for readers of the table):
- precision / recall / F1: micro-averaged over cases, from one-to-one item pairs (match.py).
- field accuracy: over matched pairs whose gold item states the field. `owner` is every
  person field, `due` every date field (a gold null means "no date was said" and only an
  empty prediction agrees), `band` the rating of a scorecard row or rating field.
- located rate: located citations / all citations of the section's predicted items.
- wrong-location rate: among located citations of *matched* items whose gold item has
  evidence, the share that overlaps none of that gold item's spans. Unmatched items are
  precision's business, not this rate's; gold without evidence cannot judge a location.
- timestamp error: for those same citations on timed transcripts, the gap in seconds between
  the cited stretch and the nearest gold span (0 when they overlap in time).
- retrieval recall@k: gold segments inside the context BM25 selects for the section under a
  budget that forces selection; k is the number of segments selected, and the share of all
  segments it represents is the chance level the recall should beat.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from reportgen.evals.gold import Span
from reportgen.evals.match import Pair, item_spans
from reportgen.models import Item
from reportgen.sop import SectionSpec


class SectionScore(BaseModel):
    section: str
    cases: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    matched_by_span: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    exhaustive: bool = True
    text_similarity: float | None = None
    field_accuracy: dict[str, float] = Field(default_factory=dict)
    field_judged: dict[str, int] = Field(default_factory=dict)
    owner_accuracy: float | None = None
    owner_n: int = 0
    due_accuracy: float | None = None
    due_n: int = 0
    band_agreement: float | None = None
    band_n: int = 0
    citations: int = 0
    located: int = 0
    located_rate: float | None = None
    wrong_location: int = 0
    location_checked: int = 0
    wrong_location_rate: float | None = None
    timestamp_error_mean: float | None = None
    timestamp_error_median: float | None = None
    timestamp_error_p90: float | None = None
    timestamp_n: int = 0
    retrieval_recall: float | None = None
    retrieval_item_hit: float | None = None
    retrieval_sent_share: float | None = None
    retrieval_k: float | None = None
    retrieval_n: int = 0


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def _time_gap(c: Span, g: Span) -> float | None:
    if c.start is None or g.start is None:
        return None
    c_end = c.end if c.end is not None else c.start
    g_end = g.end if g.end is not None else g.start
    if c.start <= g_end and g.start <= c_end:
        return 0.0
    return min(abs(c.start - g_end), abs(g.start - c_end))


@dataclass
class SectionTally:
    """Running sums for one section across cases."""

    spec: SectionSpec
    exhaustive: bool = True
    cases: int = 0
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    by_span: int = 0
    sims: list[float] = field(default_factory=list)
    fields: dict[str, list[int]] = field(default_factory=dict)  # name -> [agree, judged]
    citations: int = 0
    located: int = 0
    wrong: int = 0
    checked: int = 0
    gaps: list[float] = field(default_factory=list)
    gold_segments: int = 0
    hit_segments: int = 0
    gold_items_with_spans: int = 0
    hit_items: int = 0
    sent_shares: list[float] = field(default_factory=list)
    ks: list[int] = field(default_factory=list)

    def add_case(self, gold_spans: list[list[Span]], pred: list[Item], pairs: list[Pair], exhaustive: bool) -> None:
        self.cases += 1
        self.exhaustive = self.exhaustive and exhaustive
        self.gold += len(gold_spans)
        self.predicted += len(pred)
        self.matched += len(pairs)
        for it in pred:
            self.citations += len(it.citations)
            self.located += sum(c.located for c in it.citations)
        for p in pairs:
            self.by_span += p.how == "span"
            if p.similarity is not None:
                self.sims.append(p.similarity)
            for name, ok in p.fields.items():
                if ok is not None:
                    slot = self.fields.setdefault(name, [0, 0])
                    slot[0] += int(ok)
                    slot[1] += 1
            spans = gold_spans[p.gold] if p.gold < len(gold_spans) else []
            if not spans:
                continue
            for c in item_spans(pred[p.pred]):
                self.checked += 1
                self.wrong += not any(c.overlap(g) for g in spans)
                gaps = [x for g in spans if (x := _time_gap(c, g)) is not None]
                if gaps:
                    self.gaps.append(min(gaps))

    def add_retrieval(self, gold_spans: list[list[Span]], selected: set[tuple[str, int]], total_segments: int) -> None:
        gold = {(s.document_id, i) for spans in gold_spans for s in spans for i in s.segment_ids}
        if not gold:
            return
        self.gold_segments += len(gold)
        self.hit_segments += len(gold & selected)
        for spans in gold_spans:
            keys = {(s.document_id, i) for s in spans for i in s.segment_ids}
            if keys:
                self.gold_items_with_spans += 1
                self.hit_items += bool(keys & selected)
        self.ks.append(len(selected))
        self.sent_shares.append(len(selected) / total_segments if total_segments else 1.0)

    def _field_kind(self, name: str) -> str:
        f = self.spec.fields.get(name)
        if name == "rating" or (f is not None and f.type == "rating"):
            return "band"
        if f is not None and f.type == "person":
            return "owner"
        if f is not None and f.type == "date":
            return "due"
        return ""

    def finish(self) -> SectionScore:
        p = _ratio(self.matched, self.predicted)
        r = _ratio(self.matched, self.gold)
        groups: dict[str, list[int]] = {"owner": [0, 0], "due": [0, 0], "band": [0, 0]}
        for name, (ok, n) in self.fields.items():
            kind = self._field_kind(name)
            if kind:
                groups[kind][0] += ok
                groups[kind][1] += n
        gaps = sorted(self.gaps)
        return SectionScore(
            section=self.spec.id,
            cases=self.cases,
            gold=self.gold,
            predicted=self.predicted,
            matched=self.matched,
            matched_by_span=self.by_span,
            precision=p,
            recall=r,
            f1=_f1(p, r),
            exhaustive=self.exhaustive,
            text_similarity=round(statistics.fmean(self.sims), 4) if self.sims else None,
            field_accuracy={k: round(ok / n, 4) for k, (ok, n) in self.fields.items() if n},
            field_judged={k: n for k, (_, n) in self.fields.items()},
            owner_accuracy=_ratio(*groups["owner"]),
            owner_n=groups["owner"][1],
            due_accuracy=_ratio(*groups["due"]),
            due_n=groups["due"][1],
            band_agreement=_ratio(*groups["band"]),
            band_n=groups["band"][1],
            citations=self.citations,
            located=self.located,
            located_rate=_ratio(self.located, self.citations),
            wrong_location=self.wrong,
            location_checked=self.checked,
            wrong_location_rate=_ratio(self.wrong, self.checked),
            timestamp_error_mean=round(statistics.fmean(gaps), 2) if gaps else None,
            timestamp_error_median=round(statistics.median(gaps), 2) if gaps else None,
            timestamp_error_p90=round(gaps[min(len(gaps) - 1, int(0.9 * len(gaps)))], 2) if gaps else None,
            timestamp_n=len(gaps),
            retrieval_recall=_ratio(self.hit_segments, self.gold_segments),
            retrieval_item_hit=_ratio(self.hit_items, self.gold_items_with_spans),
            retrieval_sent_share=round(statistics.fmean(self.sent_shares), 4) if self.sent_shares else None,
            retrieval_k=round(statistics.fmean(self.ks), 1) if self.ks else None,
            retrieval_n=len(self.ks),
        )


def overall(scores: list[SectionScore], tallies: list[SectionTally]) -> SectionScore:
    """Micro totals over every section: one line that moves when anything moves."""
    total = SectionTally(spec=SectionSpec(id="(all)", title="all"))
    for t in tallies:
        total.cases = max(total.cases, t.cases)
        total.exhaustive = total.exhaustive and t.exhaustive
        for name in ("gold", "predicted", "matched", "by_span", "citations", "located", "wrong", "checked",
                     "gold_segments", "hit_segments", "gold_items_with_spans", "hit_items"):
            setattr(total, name, getattr(total, name) + getattr(t, name))
        total.sims += t.sims
        total.gaps += t.gaps
        total.sent_shares += t.sent_shares
        total.ks += t.ks
    out = total.finish()
    for kind in ("owner", "due", "band"):
        ok = sum((getattr(s, f"{kind}_accuracy" if kind != "band" else "band_agreement") or 0) * getattr(s, f"{kind}_n")
                 for s in scores)
        n = sum(getattr(s, f"{kind}_n") for s in scores)
        setattr(out, f"{kind}_n", n)
        setattr(out, f"{kind}_accuracy" if kind != "band" else "band_agreement", round(ok / n, 4) if n else None)
    return out
