"""Pairwise comparison of eval runs on the same gold: which engine, model or prompt wins, where.

Per section the winner is the higher F1 (a tie within TIE); per gold item the winner is the
run that matched it, or, when both did, the one with more fields right. Runs on different
gold sets are refused: their numbers do not measure the same thing.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.results import EvalRun, ItemOutcome
from reportgen.evals.table import format_table

TIE = 0.005
EXAMPLES = 3


def _winner(a: float | None, b: float | None, la: str, lb: str) -> str:
    if a is None and b is None:
        return "-"
    if b is None or (a is not None and a > b + TIE):
        return la
    if a is None or b > a + TIE:
        return lb
    return "tie"


def _item_winner(a: ItemOutcome, b: ItemOutcome) -> str:
    if a.matched != b.matched:
        return "a" if a.matched else "b"
    if not a.matched:
        return "neither"
    ra, rb = sum(a.fields.values()), sum(b.fields.values())
    return "a" if ra > rb else "b" if rb > ra else "tie"


def compare_pair(a: EvalRun, b: EvalRun) -> dict[str, Any]:
    if a.gold_digest != b.gold_digest:
        raise ReportgenError(
            f"runs {a.label!r} and {b.label!r} were scored on different gold sets ({a.gold_name} {a.gold_digest} vs "
            f"{b.gold_name} {b.gold_digest}); compare runs on the same gold file."
        )
    if a.mode != b.mode:
        raise ReportgenError(f"runs {a.label!r} ({a.mode}) and {b.label!r} ({b.mode}) paired items by different "
                             "rules; compare runs scored the same way (both strict, or both --lenient).")
    la, lb = a.label, b.label
    if la == lb:
        la, lb = f"{la} (A)", f"{lb} (B)"
    sb = {s.section: s for s in b.sections}
    sections = []
    for s in a.sections:
        t = sb.get(s.section)
        if t is None:
            continue
        sections.append({"section": s.section, "f1_a": s.f1, "f1_b": t.f1, "recall_a": s.recall, "recall_b": t.recall,
                         "owner_a": s.owner_accuracy, "owner_b": t.owner_accuracy,
                         "winner": _winner(s.f1, t.f1, la, lb)})
    ib = {i.id: i for i in b.items}
    per_section: dict[str, dict[str, int]] = {}
    examples: dict[str, list[dict[str, str]]] = {"a": [], "b": []}
    for i in a.items:
        j = ib.get(i.id)
        if j is None:
            continue
        w = _item_winner(i, j)
        per_section.setdefault(i.section, {"a": 0, "b": 0, "tie": 0, "neither": 0})[w] += 1
        if w in ("a", "b") and len(examples[w]) < EXAMPLES * 4:
            won, lost = (i, j) if w == "a" else (j, i)
            examples[w].append({"item": i.id, "gold": i.gold_text, "winner_said": won.pred_text,
                                "loser_said": lost.pred_text or "(not found)"})
    oa, ob = a.overall, b.overall
    return {
        "a": la,
        "b": lb,
        "gold": a.gold_name,
        "overall_f1": [oa.f1 if oa else None, ob.f1 if ob else None],
        "overall_winner": _winner(oa.f1 if oa else None, ob.f1 if ob else None, la, lb),
        "sections": sections,
        "items": {sec: {"a_wins": c["a"], "b_wins": c["b"], "ties": c["tie"], "neither": c["neither"]}
                  for sec, c in per_section.items()},
        "examples": examples,
        "seconds_per_report": [a.cost.get("seconds_per_report_mean"), b.cost.get("seconds_per_report_mean")],
        "cost_usd_per_report": [a.cost.get("cost_usd_per_report"), b.cost.get("cost_usd_per_report")],
    }


def compare_runs(runs: list[EvalRun]) -> list[dict[str, Any]]:
    if len(runs) < 2:
        raise ReportgenError("--compare needs at least two eval results (A.json B.json).")
    return [compare_pair(a, b) for a, b in combinations(runs, 2)]


def format_comparison(c: dict[str, Any]) -> str:
    a, b = c["a"], c["b"]
    items = c["items"]
    rows = []
    for s in c["sections"]:
        n = items.get(s["section"], {})
        rows.append([s["section"], s["f1_a"], s["f1_b"], s["owner_a"], s["owner_b"], n.get("a_wins", 0),
                     n.get("b_wins", 0), n.get("ties", 0), n.get("neither", 0), s["winner"]])
    fa, fb = c["overall_f1"]
    out = [
        f"A = {a}\nB = {b}\ngold: {c['gold']}",
        "",
        format_table(["section", "F1 A", "F1 B", "owner A", "owner B", "items A", "items B", "tie", "neither",
                      "winner"], rows),
        "",
        f"overall F1: A {fa if fa is not None else '-'} vs B {fb if fb is not None else '-'} -> {c['overall_winner']}",
        f"seconds per report: A {c['seconds_per_report'][0]} vs B {c['seconds_per_report'][1]}; "
        f"cost per report: A ${c['cost_usd_per_report'][0] or 0:.4f} vs B ${c['cost_usd_per_report'][1] or 0:.4f}",
    ]
    for side, name in (("a", a), ("b", b)):
        for e in c["examples"][side][:EXAMPLES]:
            out.append(f"  {name} wins {e['item']}: gold {e['gold']!r}; it said {e['winner_said']!r}, "
                       f"the other {e['loser_said']!r}")
    return "\n".join(out)
