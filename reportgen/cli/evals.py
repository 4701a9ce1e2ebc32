"""`reportgen eval`: score an engine against a gold set, or compare saved results; `reportgen gold
export --from-reviews`: reviewed reports (from the server's store or a report JSON) as a gold set."""

from __future__ import annotations

from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reportgen.cli.app import JsonOpt, app
from reportgen.cli.extras import require_extra
from reportgen.cli.service import _key_database
from reportgen.config import Engine
from reportgen.errors import ReportgenError

if TYPE_CHECKING:
    from reportgen.evals.reviews import ReviewedReport

gold_app = typer.Typer(help="Gold sets for `reportgen eval`: make them from reviewed reports.", no_args_is_help=True)
app.add_typer(gold_app, name="gold")
ByOpt = Annotated[str, typer.Option("--by", help="Reviewer agreement per `week` (ISO) or per `day` reviewed.")]


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
    by: ByOpt = "week",
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
                        lenient=lenient, seeds=seeds, by=by, echo=partial(typer.echo, err=as_json))
    if as_json:
        typer.echo(text)


@gold_app.command("export")
def gold_export(
    sop: Annotated[str, typer.Option("--sop", help="SOP id: the reviewed reports of this SOP become the gold set.")],
    from_reviews: Annotated[bool, typer.Option("--from-reviews", help="Make the gold set from reviewers' decisions "
                                               "(accepted and edited items: positives; rejected: negatives).")] = False,
    out: Annotated[Path | None, typer.Option("-o", "--out", help="Gold file to write (.yaml, .json or .jsonl); "
                                             "without it the YAML goes to stdout.")] = None,
    report: Annotated[list[Path] | None, typer.Option("--report", help="A report JSON (the .json download) instead "
                                                      "of the store; repeatable.")] = None,
    source: Annotated[list[Path] | None, typer.Option("--source", help="With --report: the files it was made from "
                                                      "(matched by content); repeatable.")] = None,
    reviewed_on: Annotated[str | None, typer.Option("--reviewed-on", help="With --report: the review date "
                                                    "(YYYY-MM-DD; default: the report's creation date).")] = None,
    tenant: Annotated[str, typer.Option("--tenant", help="From the store: whose reports (reports made without a "
                                        "key belong to `local`).")] = "local",
    by: ByOpt = "week",
    agreement_json: Annotated[Path | None, typer.Option("--agreement-json", help="Also write the agreement table "
                                                        "as JSON here.")] = None,
) -> None:
    """Write reviewed reports as a gold set for `reportgen eval --gold` and print how often reviewers agreed
    with the engine (accepted as is / edited / rejected), per section and week."""
    if not from_reviews:
        raise ReportgenError("say where the gold comes from: `reportgen gold export --from-reviews --sop ID`.")
    if source and not report:
        raise ReportgenError("--source goes with --report (a report JSON and the files it was made from).")
    when = None
    if reviewed_on is not None:
        try:
            when = date.fromisoformat(reviewed_on)
        except ValueError:
            raise ReportgenError(f"--reviewed-on {reviewed_on!r}: write the date as YYYY-MM-DD.") from None
    from reportgen.evals.command import export_reviews_command  # the scoring stack: `gold export` only
    from reportgen.evals.reviews import reviewed_from_file

    echo = partial(typer.echo, err=True)
    if report:
        reviewed = [reviewed_from_file(p, list(source or []), when) for p in report]
    else:
        reviewed = _from_store(tenant, sop, echo)
    text = export_reviews_command(reviewed, sop, out, by=by, agreement_json=agreement_json, echo=echo)
    if out is None:
        typer.echo(text, nl=False)


def _from_store(tenant: str, sop: str, echo) -> list[ReviewedReport]:  # noqa: ANN001 - typer.echo
    require_extra("server", "reportgen gold export (from the store)")
    from reportgen.evals.review_store import reviewed_reports, tenant_id_by_name

    with _key_database().session() as s:
        found, skipped = reviewed_reports(s, tenant_id_by_name(s, tenant), sop)
    for note in skipped:
        echo(f"left out: {note}")
    return found
