"""`reportgen eval`: the CLI's thin wrapper calls `eval_command`, so the behaviour is testable without a shell."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from reportgen.errors import ReportgenError
from reportgen.evals.compare import compare_runs, format_comparison
from reportgen.evals.gold import load_gold
from reportgen.evals.results import load_run
from reportgen.evals.review_scores import RejectedTally, format_rejected
from reportgen.evals.reviews import (
    ReviewedReport,
    agreement,
    dump_gold,
    format_agreement,
    gold_from_reviews,
    is_review_gold,
    judgements,
    judgements_of_gold,
)
from reportgen.evals.runner import run_eval
from reportgen.evals.show import format_outcomes, format_run
from reportgen.pipeline import resolve_sop


def eval_command(
    gold: Path | None,
    sop: str | None,
    *,
    engine: str = "local",
    model: str | None = None,
    json_out: Path | None = None,
    compare: Sequence[Path] = (),
    show: Path | None = None,
    section: str | None = None,
    case: str | None = None,
    budget_share: float = 0.2,
    limit: int | None = None,
    label: str | None = None,
    lenient: bool = False,
    seeds: int = 5,
    by: str = "week",
    echo: Callable[[str], None] = print,
) -> str:
    """Score a gold set (`--gold`), compare saved results (`--compare A.json B.json`), or open one
    saved result's misses and false positives (`--show R.json`); exactly one of the three.

    Returns the result as JSON text (what `json_out` receives), for `reportgen eval --json`."""
    if sum(bool(x) for x in (gold, compare, show)) > 1:
        raise ReportgenError("use one of --gold (run an eval), --compare A.json B.json (compare results) or "
                             "--show R.json (read a result's misses and false positives).")
    if show is not None:
        run = load_run(show)
        echo(format_run(run))
        echo("")
        echo(format_outcomes(run, section=section, case=case, limit=limit or 50))
        return run.model_dump_json(indent=2, by_alias=True)
    if compare:
        comparisons = compare_runs([load_run(p) for p in compare])
        echo("\n\n".join(format_comparison(c) for c in comparisons))
        text = json.dumps(comparisons, indent=2)
        if json_out is not None:
            json_out.write_text(text, encoding="utf-8")
            echo(f"wrote {json_out}")
        return text
    if gold is None:
        raise ReportgenError("pass --gold FILE (a gold set, see docs/eval.md), --compare A.json B.json, "
                             "or --show R.json.")
    if engine not in ("local", "llm"):
        raise ReportgenError(f"unknown engine {engine!r}: use 'local' (offline) or 'llm' (an OpenAI-compatible API).")
    if by not in ("week", "day"):
        raise ReportgenError(f"--by {by!r}: reviewer agreement is counted per 'week' or per 'day'.")
    gs = load_gold(gold)
    rejected = RejectedTally(gs, seeds=seeds, lenient=lenient) if is_review_gold(gs) else None
    run = run_eval(gs, sop, engine=engine, model=model, budget_share=budget_share, limit=limit, label=label,
                   lenient=lenient, seeds=seeds, on_section=rejected.add if rejected else None,
                   on_case=lambda c: echo(f"  {c.id}: {c.seconds:.2f}s" + (f" FAILED: {c.failed}" if c.failed else "")))
    echo(format_run(run))
    text = run.model_dump_json(indent=2, by_alias=True)
    if rejected is not None:  # a gold set made from reviews: what reviewers rejected, and how often they agreed
        table = agreement(judgements_of_gold(gs), by)
        rows = rejected.finish()
        echo("")
        echo(format_rejected(rows))
        echo("")
        echo(format_agreement(table))
        data = json.loads(text)
        data["reviews"] = {"rejected": rows, "agreement": table}
        text = json.dumps(data, indent=2, ensure_ascii=False)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text, encoding="utf-8")
        echo(f"wrote {json_out} (per-item outcomes: reportgen eval --show {json_out})")
    return text


def export_reviews_command(
    reviewed: list[ReviewedReport],
    sop: str,
    out: Path | None,
    *,
    by: str = "week",
    agreement_json: Path | None = None,
    echo: Callable[[str], None] = print,
) -> str:
    """Write the reviewed reports of `sop` as a gold set (to `out`, or return it as YAML) and print the
    reviewers' agreement table; the agreement as JSON goes to `agreement_json`."""
    spec = resolve_sop(sop)
    mine = [r for r in reviewed if r.report.sop_id == spec.id]
    gold = gold_from_reviews(mine, spec, name=f"reviews-{spec.id}")
    text = dump_gold(gold, out)
    table = agreement(judgements(mine), by)
    echo(format_agreement(table))
    if agreement_json is not None:
        agreement_json.write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        cases = gold["cases"]
        n_pos = sum(len(s["items"]) for c in cases for s in c["sections"].values())
        n_neg = sum(len(s["negatives"]) for c in cases for s in c["sections"].values())
        echo(f"wrote {out}: {len(cases)} reviewed report(s), {n_pos} accepted or edited item(s), {n_neg} rejected "
             f"(score it: reportgen eval --gold {out})")
    return text
