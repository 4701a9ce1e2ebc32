"""Scoring a re-run against what reviewers rejected: the negatives of a review gold set.

The eval's P/R/F1 count every prediction that pairs no accepted or edited item as a false
positive. A review gold set knows more: some of those are items a reviewer rejected (a known
false positive) and the rest were never judged. So, per section, predictions are also paired
with the rejected items by the same strict rule, and the table says how many of the re-run's
predictions a reviewer had accepted, had rejected, or never saw, with *judged precision* =
accepted / (accepted + rejected again), each beside the random baseline's (the engine's
items moved to random segments, as everywhere in the eval, same seeds).
"""

from __future__ import annotations

import statistics
from typing import Any

from reportgen.evals.baseline import random_items
from reportgen.evals.baseline import seed_label as _seed
from reportgen.evals.gold import BuiltCase, GoldSet, Span
from reportgen.evals.match import Pair, match_items
from reportgen.evals.table import cell, format_table
from reportgen.models import Item
from reportgen.sop import SectionSpec


def _fresh() -> dict[str, Any]:
    return {"negatives": 0, "predicted": 0, "accepted": 0, "rejected_again": 0, "negatives_found": 0,
            "rand_accepted": [], "rand_rejected": []}


class RejectedTally:
    """Fed by `run_eval(..., on_section=tally.add)`; `finish()` gives one row per section."""

    def __init__(self, gold: GoldSet, *, seeds: int, lenient: bool = False) -> None:
        self.cases = {c.id: c for c in gold.cases}
        self.seeds = seeds
        self.lenient = lenient
        self.rows: dict[str, dict[str, Any]] = {}

    def _pairs(self, spec: SectionSpec, built: BuiltCase, case_id: str, pred: list[Item]) -> tuple[set[int], set[int]]:
        sec = self.cases[case_id].sections[spec.id]
        pos = match_items(spec, sec.items, built.spans.get(spec.id, []), pred, lenient=self.lenient)
        neg = self._negative_pairs(spec, built, case_id, pred)
        kept = {p.pred for p in pos}
        return kept, {p.pred for p in neg} - kept

    def _negative_pairs(self, spec: SectionSpec, built: BuiltCase | None, case_id: str, pred: list[Item]) -> list[Pair]:
        sec = self.cases[case_id].sections[spec.id]
        if not sec.negatives or not pred:
            return []
        spans: list[list[Span]] = built.negative_spans.get(spec.id, []) if built else [[] for _ in sec.negatives]
        return match_items(spec, sec.negatives, spans, pred, lenient=self.lenient)

    def add(self, case_id: str, spec: SectionSpec, built: BuiltCase | None, pred: list[Item],
            pairs: list[Pair]) -> None:
        sec = self.cases[case_id].sections[spec.id]
        row = self.rows.setdefault(spec.id, _fresh())
        kept = {p.pred for p in pairs}
        neg = self._negative_pairs(spec, built, case_id, pred)
        row["negatives"] += len(sec.negatives)
        row["predicted"] += len(pred)
        row["accepted"] += len(kept)
        row["rejected_again"] += len({p.pred for p in neg} - kept)
        row["negatives_found"] += len({p.gold for p in neg})
        if built is None or spec.kind in ("scorecard", "verdict"):
            return  # rows pair by criterion: no random baseline, as in the eval's own table
        for k in range(self.seeds):
            rand = random_items(spec, built.documents, pred, _seed(case_id, spec.id, k))
            acc, rej = self._pairs(spec, built, case_id, rand)
            if len(row["rand_accepted"]) <= k:
                row["rand_accepted"].append(0)
                row["rand_rejected"].append(0)
            row["rand_accepted"][k] += len(acc)
            row["rand_rejected"][k] += len(rej)

    def finish(self) -> list[dict[str, Any]]:
        out = []
        for sid, row in self.rows.items():
            judged = row["accepted"] + row["rejected_again"]
            ra, rr = sum(row["rand_accepted"]), sum(row["rand_rejected"])
            out.append({
                "section": sid, "negatives": row["negatives"], "predicted": row["predicted"],
                "accepted": row["accepted"], "rejected_again": row["rejected_again"],
                "unjudged": row["predicted"] - judged, "negatives_found": row["negatives_found"],
                "judged_precision": round(row["accepted"] / judged, 3) if judged else None,
                "random_accepted": round(statistics.fmean(row["rand_accepted"]), 2) if row["rand_accepted"] else None,
                "random_rejected_again": (round(statistics.fmean(row["rand_rejected"]), 2)
                                          if row["rand_rejected"] else None),
                # pooled over seeds (a seed's random items rarely meet a judged item); None when none did
                "random_judged_precision": round(ra / (ra + rr), 3) if ra + rr else None,
                "random_judged_pairs": ra + rr,  # over all seeds: how much that precision stands on
            })
        return out


def format_rejected(rows: list[dict[str, Any]]) -> str:
    headers = ["section", "rejected in gold", "pred", "pair accepted (rand)", "pair rejected (rand)", "unjudged",
               "judged P (rand of n pairs, all seeds)"]

    def both(v: Any, r: Any) -> str:
        return f"{cell(v)} ({cell(r)})"

    table = [[r["section"], r["negatives"], r["predicted"], both(r["accepted"], r["random_accepted"]),
              both(r["rejected_again"], r["random_rejected_again"]), r["unjudged"],
              f"{cell(r['judged_precision'])} ({cell(r['random_judged_precision'])} of {r['random_judged_pairs']})"
              if r["random_judged_pairs"] else f"{cell(r['judged_precision'])} (-)"]
             for r in rows]
    return ("The re-run against the reviewers' decisions (strict pairing; judged P = accepted / (accepted + "
            "rejected again))\n" + format_table(headers, table))
