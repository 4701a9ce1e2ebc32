"""The eval result as people read it: one quality table with its baselines, one evidence table, cost,
and (for `--show`) the misses and false positives themselves."""

from __future__ import annotations

from reportgen.evals.metrics import SectionScore
from reportgen.evals.results import Cited, EvalRun
from reportgen.evals.table import format_table


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def mode_label(mode: str) -> str:
    return "strict" if mode == "strict" else "LENIENT (any overlap or token subset pairs; flatters)"


def _beside(value: float | None, base: float | None) -> str:
    """"0.42 (0.10)": a figure with its random baseline beside it."""
    if value is None:
        return "-"
    return f"{value:.2f}" + (f" ({base:.2f})" if base is not None else "")


def quality_table(rows: list[SectionScore]) -> str:
    return format_table(
        ["section", "cases", "gold", "pred", "match", "P (rand)", "R (rand)", "F1 (rand)", "F1 other rule",
         "owner", "due", "band"],
        [[s.section + ("" if s.exhaustive else " *"), s.cases, s.gold, s.predicted, s.matched,
          _beside(s.precision, s.baseline_precision), _beside(s.recall, s.baseline_recall),
          _beside(s.f1, s.baseline_f1), _beside(s.alt_f1, s.alt_baseline_f1),
          s.owner_accuracy, s.due_accuracy, s.band_agreement] for s in rows],
    )


def format_run(run: EvalRun) -> str:
    """Rows are sections plus `(all)`; a `*` marks sections whose gold is not exhaustive (precision is
    then a lower bound: the engine may have found right items the gold does not list)."""
    rows = [*run.sections, *([run.overall] if run.overall else [])]
    other = "lenient" if run.mode == "strict" else "strict"
    evidence = format_table(
        ["section", "cites", "located %", "wrong-loc %", "checked", "ts err s (med/p90)", "recall@k %",
         "sent %", "lift", "item hit %", "k (segs)"],
        [[s.section, s.citations, _pct(s.located_rate), _pct(s.wrong_location_rate), s.location_checked,
          "-" if s.timestamp_error_median is None else f"{s.timestamp_error_median:.1f}/{s.timestamp_error_p90:.1f}",
          _pct(s.retrieval_recall), _pct(s.retrieval_sent_share), s.retrieval_lift, _pct(s.retrieval_item_hit),
          s.retrieval_k]
         for s in rows],
        digits=1,
    )
    c = run.cost
    failed = [x for x in run.cases if x.failed]
    lines = [
        f"eval: {run.gold_name} ({len(run.cases)} cases) on SOP {run.sop_id}, engine {run.label}",
        f"pairing: {mode_label(run.mode)}; (rand) = the same number of items citing random segments, "
        f"mean of {run.seeds} seeds; 'F1 other rule' = this run paired {other} (its random F1)",
        "",
        quality_table(rows),
        "",
        evidence,
        "",
        f"per report: {c.get('seconds_per_report_mean')} s mean, {c.get('seconds_per_report_median')} s median, "
        f"{c.get('seconds_per_report_max')} s max; cost ${c.get('cost_usd_per_report') or 0:.4f} "
        f"(total ${c.get('cost_usd_total') or 0:.4f}, {c.get('calls_total')} calls, "
        f"{c.get('cached_calls_total')} cached, {c.get('tokens_in_total')} tokens in / "
        f"{c.get('tokens_out_total')} out)",
        f"retrieval: BM25 selection under a budget of {round(100 * run.budget_share)}% of each case's source "
        "tokens; sent % is the chance level, lift = recall@k / sent",
    ]
    for s in run.sections:
        if s.by_kind:
            lines += ["", f"{s.section} per kind ({run.mode}):", kind_table(s)]
    fields = [f"{s.section}.{name} {acc:.2f} (n={s.field_judged.get(name, 0)})" for s in run.sections
              for name, acc in s.field_accuracy.items()]
    if fields:
        lines.append("field accuracy on matched items: " + ", ".join(fields))
    if any(not s.exhaustive for s in run.sections):
        lines.append("* gold lists only some of the right items here: precision is a lower bound")
    unplaced = sum(s.gold_unplaced for s in run.sections)
    if unplaced:
        lines.append(f"gold items without placed evidence: {unplaced} (strict pairs them on kind and text only)")
    for x in failed:
        lines.append(f"case {x.id} failed: {x.failed}")
    return "\n".join(lines)


def kind_table(s: SectionScore) -> str:
    return format_table(
        ["kind", "gold", "pred", "match", "P", "R", "F1 (rand)", "P@80%R"],
        [[k.kind, k.gold, k.predicted, k.matched, k.precision, k.recall, _beside(k.f1, k.baseline_f1),
          p_at_80(k.precision_at_80_recall, k.scored, k.max_recall)] for k in s.by_kind],
    )


def p_at_80(value: float | None, scored: int, top: float | None) -> str:
    if not scored:
        return "n/a: no scores"
    if value is None:
        return "-"
    return f"{value:.2f}" if top is not None and top >= 0.8 else f"0 (recall tops at {top:.2f})"


def _where(c: list[Cited]) -> str:
    if not c:
        return "(no located evidence)"
    parts = []
    for x in c[:3]:
        segs = f"segs {x.segments[0]}-{x.segments[-1]}" if x.segments else f"chars {x.char_start}-{x.char_end}"
        parts.append(f"{x.document} {segs}: {x.quote!r}")
    return "; ".join(parts)


def format_outcomes(run: EvalRun, *, section: str | None = None, case: str | None = None, limit: int = 50) -> str:
    """The gold items missed (with where their evidence is) and the predicted items that matched no gold
    item (with what they cited), for reading why a number is what it is."""
    def keep(c: str, s: str) -> bool:
        return (case is None or c == case) and (section is None or s == section)

    misses = [i for i in run.items if not i.matched and keep(i.case, i.section)]
    fps = [p for p in run.predictions if p.gold is None and keep(p.case, p.section)]
    out = [f"{run.gold_name}, {run.label}, pairing {mode_label(run.mode)}",
           f"missed gold items: {len(misses)}" + (f" (first {limit})" if len(misses) > limit else "")]
    for i in misses[:limit]:
        kind = f" [{i.kind}]" if i.kind else ""
        out.append(f"  - {i.id}{kind}: {i.gold_text!r}\n      evidence: {_where(i.evidence)}")
    out.append(f"false positives (predicted, matched no gold item): {len(fps)}"
               + (f" (first {limit})" if len(fps) > limit else ""))
    for p in fps[:limit]:
        kind = f" [{p.kind}]" if p.kind else ""
        out.append(f"  - {p.case}/{p.section}/{p.index}{kind}: {p.text!r}\n      cited: {_where(p.cited)}")
    return "\n".join(out)
