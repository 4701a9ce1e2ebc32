"""`reportgen eval`: the CLI's thin wrapper calls `eval_command`, so the behaviour is testable without a shell."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from reportgen.errors import ReportgenError


def eval_command(
    gold: Path | None,
    sop: str | None,
    *,
    engine: str = "local",
    model: str | None = None,
    json_out: Path | None = None,
    compare: Sequence[Path] = (),
    budget_share: float = 0.2,
    limit: int | None = None,
    label: str | None = None,
    echo: Callable[[str], None] = print,
) -> str:
    """Score a gold set (`--gold`) or compare saved results (`--compare A.json B.json`); never both.

    Returns the result as JSON text (what `json_out` receives), for `reportgen eval --json`."""
    from reportgen.evals import compare_runs, format_comparison, format_run, load_run, run_eval

    if compare:
        if gold is not None:
            raise ReportgenError("use either --gold (run an eval) or --compare A.json B.json (compare results).")
        comparisons = compare_runs([load_run(p) for p in compare])
        echo("\n\n".join(format_comparison(c) for c in comparisons))
        text = json.dumps(comparisons, indent=2)
        if json_out is not None:
            json_out.write_text(text, encoding="utf-8")
            echo(f"wrote {json_out}")
        return text
    if gold is None:
        raise ReportgenError("pass --gold FILE (a gold set, see docs/eval.md) or --compare A.json B.json.")
    if engine not in ("local", "llm"):
        raise ReportgenError(f"unknown engine {engine!r}: use 'local' (offline) or 'llm' (an OpenAI-compatible API).")
    run = run_eval(gold, sop, engine=engine, model=model, budget_share=budget_share, limit=limit, label=label,
                   on_case=lambda c: echo(f"  {c.id}: {c.seconds:.2f}s" + (f" FAILED: {c.failed}" if c.failed else "")))
    echo(format_run(run))
    text = run.model_dump_json(indent=2, by_alias=True)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(text, encoding="utf-8")
        echo(f"wrote {json_out}")
    return text
