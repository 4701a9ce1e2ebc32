"""Scores per section: accumulated case by case, then finished into plain numbers.

Definitions (docs/eval.md says the same for readers of the table):
- precision / recall / F1: micro-averaged over cases, from one-to-one item pairs (match.py),
  strict unless the run says lenient. `alt_*` is the same run scored by the other rule, and
  `baseline_*` the random-segment baseline (baseline.py) averaged over its seeds.
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
  segments it represents (`sent`) is the chance level: lift = recall / sent.
- per kind (sections with a kind enum, e.g. contract clauses): P/R/F1 and the baseline's F1 per
  kind; and, when the engine gives its items a score, precision at 80% recall and AUPR.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from reportgen.evals.gold import Span
from reportgen.evals.match import Pair, item_spans
from reportgen.models import Item
from reportgen.sop import SectionSpec

TARGET_RECALL = 0.8  # CUAD's operating point: precision at 80% recall


class KindScore(BaseModel):
    """One kind of a section (a clause kind of contract_terms)."""

    kind: str
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    baseline_f1: float | None = None
    scored: int = 0  # predicted items that carried a score
    precision_at_80_recall: float | None = None
    max_recall: float | None = None  # the recall the scored items reach at their lowest threshold
    aupr: float | None = None


class SectionScore(BaseModel):
    section: str
    mode: str = "strict"
    cases: int = 0
    gold: int = 0
    gold_unplaced: int = 0  # gold items whose evidence could not be placed (strict pairs them on text only)
    predicted: int = 0
    matched: int = 0
    matched_by_span: int = 0
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    exhaustive: bool = True
    baseline_seeds: int = 0
    baseline_precision: float | None = None
    baseline_recall: float | None = None
    baseline_f1: float | None = None
    baseline_f1_range: tuple[float, float] | None = None
    alt_mode: str | None = None
    alt_matched: int = 0
    alt_precision: float | None = None
    alt_recall: float | None = None
    alt_f1: float | None = None
    alt_baseline_f1: float | None = None
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
    retrieval_lift: float | None = None
    retrieval_k: float | None = None
    retrieval_n: int = 0
    by_kind: list[KindScore] = Field(default_factory=list)


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 4) if b else None


def _f1(p: float | None, r: float | None) -> float | None:
    if p is None or r is None:
        return None
    return round(2 * p * r / (p + r), 4) if p + r else 0.0


def prf(matched: int, predicted: int, gold: int) -> tuple[float | None, float | None, float | None]:
    p, r = _ratio(matched, predicted), _ratio(matched, gold)
    return p, r, _f1(p, r)


def _mean(xs: list[float]) -> float | None:
    return round(statistics.fmean(xs), 4) if xs else None


def _time_gap(c: Span, g: Span) -> float | None:
    if c.start is None or g.start is None:
        return None
    c_end = c.end if c.end is not None else c.start
    g_end = g.end if g.end is not None else g.start
    if c.start <= g_end and g.start <= c_end:
        return 0.0
    return min(abs(c.start - g_end), abs(g.start - c_end))


def precision_at_recall(
    scored: list[tuple[float, bool]], gold: int, target: float = TARGET_RECALL
) -> tuple[float | None, float | None, float | None]:
    """(precision at `target` recall, highest recall reached, AUPR) over items ranked by score.

    Precision at the target is the best precision of any threshold whose recall reaches it
    (interpolated, as CUAD reports it); 0.0 when no threshold does. AUPR is average precision:
    the mean, over gold items, of the precision at the rank where each is found (0 if never)."""
    if not scored or not gold:
        return None, None, None
    ranked = sorted(scored, key=lambda x: -x[0])
    tp, best, ap = 0, 0.0, 0.0
    for n, (_, hit) in enumerate(ranked, start=1):
        if hit:
            tp += 1
            ap += tp / n
        if tp / gold >= target:
            best = max(best, tp / n)
    return round(best, 4), round(tp / gold, 4), round(ap / gold, 4)


def item_score(item: Item) -> float | None:
    """The engine's confidence in an item, when it gives one (`Item.score`, else a numeric `score` or
    `confidence` field an llm SOP asked for)."""
    if item.score is not None:
        return item.score
    for name in ("score", "confidence"):
        v = item.fields.get(name)
        if isinstance(v, int | float) and not isinstance(v, bool):
            return float(v)
    return None


@dataclass
class _Kind:
    gold: int = 0
    predicted: int = 0
    matched: int = 0
    baseline: list[int] = field(default_factory=list)  # matched per seed
    scored: list[tuple[float, bool]] = field(default_factory=list)


@dataclass
class SectionTally:
    """Running sums for one section across cases."""

    spec: SectionSpec
    mode: str = "strict"
    seeds: int = 0
    exhaustive: bool = True
    cases: int = 0
    gold: int = 0
    unplaced: int = 0
    predicted: int = 0
    matched: int = 0
    by_span: int = 0
    alt_matched: int = 0
    base: list[int] = field(default_factory=list)  # matched per seed
    base_alt: list[int] = field(default_factory=list)
    base_predicted: int = 0
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
    kinds: dict[str, _Kind] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = [0] * self.seeds
        self.base_alt = [0] * self.seeds

    def add_case(self, gold_spans: list[list[Span]], pred: list[Item], pairs: list[Pair], exhaustive: bool) -> None:
        self.cases += 1
        self.exhaustive = self.exhaustive and exhaustive
        self.gold += len(gold_spans)
        self.unplaced += sum(1 for s in gold_spans if not s)
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

    def _kind(self, name: str) -> _Kind:
        return self.kinds.setdefault(name, _Kind(baseline=[0] * self.seeds))

    def add_kinds(self, gold_kinds: list[str | None], pred: list[Item], pred_kinds: list[str | None],
                  pairs: list[Pair]) -> None:
        """Per-kind counts (and scored items for precision at recall) of one case."""
        hit = {p.pred for p in pairs}
        for k in gold_kinds:
            if k is not None:
                self._kind(k).gold += 1
        for i, (item, k) in enumerate(zip(pred, pred_kinds, strict=True)):
            if k is None:
                continue
            slot = self._kind(k)
            slot.predicted += 1
            slot.matched += i in hit
            score = item_score(item)
            if score is not None:
                slot.scored.append((score, i in hit))

    def add_alt(self, pairs: list[Pair]) -> None:
        self.alt_matched += len(pairs)

    def add_baseline(self, seed: int, predicted: int, pairs: list[Pair], alt_pairs: list[Pair],
                     pred_kinds: list[str | None]) -> None:
        if seed == 0:
            self.base_predicted += predicted
        self.base[seed] += len(pairs)
        self.base_alt[seed] += len(alt_pairs)
        for p in pairs:
            k = pred_kinds[p.pred] if p.pred < len(pred_kinds) else None
            if k is not None:
                self._kind(k).baseline[seed] += 1

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

    def _baseline(self, matched: list[int]) -> tuple[float | None, ...]:
        if not self.seeds or not self.base_predicted and not self.gold:
            return None, None, None, None, None
        runs = [prf(m, self.base_predicted, self.gold) for m in matched]
        ps = [p for p, _, _ in runs if p is not None]
        rs = [r for _, r, _ in runs if r is not None]
        fs = [f for _, _, f in runs if f is not None]
        return _mean(ps), _mean(rs), _mean(fs), (min(fs) if fs else None), (max(fs) if fs else None)

    def _kind_scores(self) -> list[KindScore]:
        out = []
        for name in sorted(self.kinds):
            k = self.kinds[name]
            p, r, f = prf(k.matched, k.predicted, k.gold)
            base = [prf(m, k.predicted, k.gold)[2] for m in k.baseline]
            base_f = [x for x in base if x is not None]
            at, top, aupr = precision_at_recall(k.scored, k.gold)
            out.append(KindScore(kind=name, gold=k.gold, predicted=k.predicted, matched=k.matched, precision=p,
                                 recall=r, f1=f, baseline_f1=round(statistics.fmean(base_f), 4) if base_f else None,
                                 scored=len(k.scored), precision_at_80_recall=at, max_recall=top, aupr=aupr))
        return out

    def finish(self) -> SectionScore:
        p, r, f1 = prf(self.matched, self.predicted, self.gold)
        ap, ar, af = prf(self.alt_matched, self.predicted, self.gold)
        bp, br, bf, bmin, bmax = self._baseline(self.base)
        abf = self._baseline(self.base_alt)[2]
        groups: dict[str, list[int]] = {"owner": [0, 0], "due": [0, 0], "band": [0, 0]}
        for name, (ok, n) in self.fields.items():
            kind = self._field_kind(name)
            if kind:
                groups[kind][0] += ok
                groups[kind][1] += n
        gaps = sorted(self.gaps)
        recall_k = _ratio(self.hit_segments, self.gold_segments)
        share = round(statistics.fmean(self.sent_shares), 4) if self.sent_shares else None
        alt = "lenient" if self.mode == "strict" else "strict"
        return SectionScore(
            section=self.spec.id,
            mode=self.mode,
            cases=self.cases,
            gold=self.gold,
            gold_unplaced=self.unplaced,
            predicted=self.predicted,
            matched=self.matched,
            matched_by_span=self.by_span,
            precision=p,
            recall=r,
            f1=f1,
            exhaustive=self.exhaustive,
            baseline_seeds=self.seeds,
            baseline_precision=bp,
            baseline_recall=br,
            baseline_f1=bf,
            baseline_f1_range=(bmin, bmax) if bmin is not None and bmax is not None else None,
            alt_mode=alt,
            alt_matched=self.alt_matched,
            alt_precision=ap,
            alt_recall=ar,
            alt_f1=af,
            alt_baseline_f1=abf,
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
            retrieval_recall=recall_k,
            retrieval_item_hit=_ratio(self.hit_items, self.gold_items_with_spans),
            retrieval_sent_share=share,
            retrieval_lift=round(recall_k / share, 2) if recall_k is not None and share else None,
            retrieval_k=round(statistics.fmean(self.ks), 1) if self.ks else None,
            retrieval_n=len(self.ks),
            by_kind=self._kind_scores(),
        )


_SUMMED = ("gold", "unplaced", "predicted", "matched", "by_span", "alt_matched", "base_predicted", "citations",
           "located", "wrong", "checked", "gold_segments", "hit_segments", "gold_items_with_spans", "hit_items")


def overall(scores: list[SectionScore], tallies: list[SectionTally]) -> SectionScore:
    """Micro totals over every section: one line that moves when anything moves."""
    seeds = max((t.seeds for t in tallies), default=0)
    total = SectionTally(spec=SectionSpec(id="(all)", title="all"), mode=tallies[0].mode if tallies else "strict",
                         seeds=seeds)
    for t in tallies:
        total.cases = max(total.cases, t.cases)
        total.exhaustive = total.exhaustive and t.exhaustive
        for name in _SUMMED:
            setattr(total, name, getattr(total, name) + getattr(t, name))
        for k in range(min(seeds, t.seeds)):
            total.base[k] += t.base[k]
            total.base_alt[k] += t.base_alt[k]
        total.sims += t.sims
        total.gaps += t.gaps
        total.sent_shares += t.sent_shares
        total.ks += t.ks
    if any(t.seeds == 0 and t.predicted for t in tallies):  # a section without a baseline: no overall one
        total.seeds = 0
    out = total.finish()
    for kind in ("owner", "due", "band"):
        ok = sum((getattr(s, f"{kind}_accuracy" if kind != "band" else "band_agreement") or 0) * getattr(s, f"{kind}_n")
                 for s in scores)
        n = sum(getattr(s, f"{kind}_n") for s in scores)
        setattr(out, f"{kind}_n", n)
        setattr(out, f"{kind}_accuracy" if kind != "band" else "band_agreement", round(ok / n, 4) if n else None)
    return out
