"""The eval result as people read it: one quality table, one evidence table, cost and latency."""

from __future__ import annotations

from reportgen.evals.runner import EvalRun
from reportgen.evals.table import format_table


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 1)


def format_run(run: EvalRun) -> str:
    """Rows are sections plus `(all)`; a `*` marks sections whose gold is not exhaustive (precision is
    then a lower bound: the engine may have found right items the gold does not list)."""
    rows = [*run.sections, *([run.overall] if run.overall else [])]
    quality = format_table(
        ["section", "cases", "gold", "pred", "match", "P", "R", "F1", "owner", "due", "band", "text sim"],
        [[s.section + ("" if s.exhaustive else " *"), s.cases, s.gold, s.predicted, s.matched, s.precision,
          s.recall, s.f1, s.owner_accuracy, s.due_accuracy, s.band_agreement, s.text_similarity] for s in rows],
    )
    evidence = format_table(
        ["section", "cites", "located %", "wrong-loc %", "checked", "ts err s (med/p90)", "recall@k %",
         "item hit %", "k (segs)", "sent %"],
        [[s.section, s.citations, _pct(s.located_rate), _pct(s.wrong_location_rate), s.location_checked,
          "-" if s.timestamp_error_median is None else f"{s.timestamp_error_median:.1f}/{s.timestamp_error_p90:.1f}",
          _pct(s.retrieval_recall), _pct(s.retrieval_item_hit), s.retrieval_k, _pct(s.retrieval_sent_share)]
         for s in rows],
        digits=1,
    )
    c = run.cost
    failed = [x for x in run.cases if x.failed]
    lines = [
        f"eval: {run.gold_name} ({len(run.cases)} cases) on SOP {run.sop_id}, engine {run.label}",
        "",
        quality,
        "",
        evidence,
        "",
        f"per report: {c.get('seconds_per_report_mean')} s mean, {c.get('seconds_per_report_median')} s median, "
        f"{c.get('seconds_per_report_max')} s max; cost ${c.get('cost_usd_per_report') or 0:.4f} "
        f"(total ${c.get('cost_usd_total') or 0:.4f}, {c.get('calls_total')} calls, "
        f"{c.get('cached_calls_total')} cached, {c.get('tokens_in_total')} tokens in / "
        f"{c.get('tokens_out_total')} out)",
        f"retrieval: BM25 selection under a budget of {round(100 * run.budget_share)}% of each case's source tokens",
    ]
    fields = [f"{s.section}.{name} {acc:.2f} (n={s.field_judged.get(name, 0)})" for s in run.sections
              for name, acc in s.field_accuracy.items()]
    if fields:
        lines.append("field accuracy on matched items: " + ", ".join(fields))
    if any(not s.exhaustive for s in run.sections):
        lines.append("* gold lists only some of the right items here: precision is a lower bound")
    unresolved = sum(len(x.unresolved) for x in run.cases)
    if unresolved:
        lines.append(f"gold evidence not placed in the sources: {unresolved} (those items match by fields only)")
    for x in failed:
        lines.append(f"case {x.id} failed: {x.failed}")
    return "\n".join(lines)
