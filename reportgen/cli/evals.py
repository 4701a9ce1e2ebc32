"""`reportgen eval`: score an engine against a gold set, or compare saved results."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from reportgen.cli.app import JsonOpt, app
from reportgen.config import Engine
from reportgen.errors import ReportgenError


@app.command("eval")
def eval_(
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold set (.yaml/.json/.jsonl); docs/eval.md.")] = None,
    sop: Annotated[str | None, typer.Option("--sop", help="SOP id or YAML path (default: the gold set's).")] = None,
    # local unless asked: a score should not start paying for calls because a key is in the shell.
    engine: Annotated[Engine, typer.Option("--engine", help="local (offline) or llm.")] = "local",
    model: Annotated[str | None, typer.Option("--model", help="Model name for the llm engine.")] = None,
    as_json: JsonOpt = False,
    json_out: Annotated[
        Path | None, typer.Option("-o", "--json-out", help="Write the result (or comparison) as JSON to this file, "
                                  "with every item's outcome.")
    ] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Compare the eval results given as arguments.")] = False,
    results: Annotated[list[Path] | None, typer.Argument(help="With --compare: two or more eval result JSONs.")] = None,
    show: Annotated[Path | None, typer.Option("--show", help="Print a saved result with its misses and false "
                                              "positives.")] = None,
    section: Annotated[str | None, typer.Option("--section", help="With --show: only this section.")] = None,
    case: Annotated[str | None, typer.Option("--case", help="With --show: only this case.")] = None,
    lenient: Annotated[bool, typer.Option("--lenient", help="Pair items the old, lenient way (labelled).")] = False,
    seeds: Annotated[int, typer.Option("--seeds", help="Random-baseline seeds (0: no baseline).")] = 5,
    budget_share: Annotated[float, typer.Option("--budget-share", help="Retrieval check: share of tokens.")] = 0.2,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N cases (with --show: items).")] = None,
) -> None:
    """Score an engine against a gold set (strict P/R/F1 per section beside a random baseline, owners, dates,
    citations, retrieval, cost), compare saved results (`--compare A.json B.json`), or read one result's misses
    and false positives (`--show R.json`)."""
    from reportgen.evals.command import eval_command  # the scoring stack (gold, metrics, results): `eval` only

    if bool(results) != compare:
        raise ReportgenError("compare saved results with `reportgen eval --compare A.json B.json`; "
                             "score a gold set with `reportgen eval --gold FILE` (no file arguments).")
    text = eval_command(gold, sop, engine=engine, model=model, json_out=json_out, compare=list(results or []),
                        show=show, section=section, case=case, budget_share=budget_share, limit=limit,
                        lenient=lenient, seeds=seeds, echo=partial(typer.echo, err=as_json))
    if as_json:
        typer.echo(text)
