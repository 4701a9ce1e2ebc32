"""The `reportgen` command: small verbs that compose (ingest, cite, generate, render, sops).

Bad input never shows a traceback: every `ReportgenError` is printed as one line on stderr
and the command exits with status 2. A traceback means a bug in reportgen.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from reportgen.errors import ReportgenError

app = typer.Typer(
    help="Reports whose every finding is backed by a located verbatim quote.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sops_app = typer.Typer(help="List, show and check SOP templates.", no_args_is_help=True)
app.add_typer(sops_app, name="sops")

SopsDirOpt = Annotated[list[Path] | None, typer.Option("--sops", help="Extra folder of SOP YAML files (repeatable).")]


def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "-"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Transcripts, PDFs, DOCX, text, or zips of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Documents with every segment as JSON.")] = False,
    password: Annotated[str | None, typer.Option("--password", help="Password of an encrypted PDF.")] = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="Recognise pages without a text layer (needs tesseract).")] = False,
) -> None:
    """Parse sources into located segments and print a summary (or JSON)."""
    from reportgen.ingest import ingest as do_ingest

    failed = 0
    out: list[dict] = []
    for f in files:
        try:
            docs = do_ingest(f, password=password, ocr=ocr)
        except ReportgenError as e:
            failed += 1
            typer.echo(f"error: {e}", err=True)
            continue
        for d in docs:
            if as_json:
                out.append(d.model_dump(mode="json"))
                continue
            typer.echo(f"{d.filename}")
            typer.echo(f"  format    {d.format} ({d.kind}, {d.media_type})")
            typer.echo(f"  segments  {len(d.segments)}   chars {len(d.text)}")
            if d.duration is not None:
                typer.echo(f"  duration  {_fmt_seconds(d.duration)}")
            if d.speakers:
                typer.echo(f"  speakers  {len(d.speakers)}: {', '.join(d.speakers[:12])}")
            if d.pages is not None:
                typer.echo(f"  pages     {d.pages}")
            for w in d.warnings:
                typer.echo(f"  warning   {w}")
    if as_json:
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    if failed:
        raise typer.Exit(2)


@app.command()
def cite(
    file: Annotated[Path, typer.Argument(help="The source to search.")],
    quote: Annotated[str, typer.Option("--quote", "-q", help="The verbatim quote to locate.")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    password: Annotated[str | None, typer.Option("--password")] = None,
) -> None:
    """Locate a quote in a source: status, span, segments, timestamp, speaker, page."""
    from reportgen.grounding import Grounder, format_locator
    from reportgen.ingest import ingest as do_ingest

    docs = do_ingest(file, password=password)
    c = Grounder(docs).ground(quote)
    if as_json:
        typer.echo(c.model_dump_json(indent=2))
    else:
        doc = next((d for d in docs if d.id == c.document_id), None)
        typer.echo(f"status    {c.status} (score {c.score:.2f})")
        if c.located and doc is not None:
            typer.echo(f"where     {format_locator(c, doc.filename, len(docs) > 1)}")
            typer.echo(f"span      {c.char_start}-{c.char_end}  segments {c.segment_ids}")
            typer.echo(f"source    {doc.text[c.char_start : c.char_end]}")
    if not c.located:
        raise typer.Exit(1)


def _write_outputs(report, outputs: list[Path], reference_docx: Path | None, templates: Path | None) -> None:
    for out in outputs:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".json":
            out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        else:
            from reportgen.render import write

            write(report, out, reference_docx=reference_docx, template_dir=templates)
        typer.echo(f"wrote {out}")


def _summary(report) -> None:
    v = report.verification()
    kind = "extractive draft (offline engine)" if report.extractive else f"{report.engine} {report.model or ''}"
    typer.echo(f"{report.sop_name or report.sop_id}: {kind}")
    for s in report.sections:
        unsupported = sum(i.support != "supported" for i in s.items)
        extra = f", {unsupported} not fully supported" if unsupported else ""
        typer.echo(
            f"  {s.title:<32} {len(s.items):>3} items{extra}{'  [' + s.status + ']' if s.status != 'ok' else ''}"
        )
    share = f"{v['located_share']:.0%}"
    typer.echo(f"  {v['items']} items, {v['citations_located']}/{v['citations']} citations located ({share})")
    if report.usage.calls or report.usage.cached_calls:
        u = report.usage
        typer.echo(
            f"  llm: {u.calls} calls ({u.cached_calls} cached), {u.input_tokens}+{u.output_tokens} tokens, "
            f"${u.cost_usd:.4f}"
        )
    for issue in report.issues:
        if issue.severity == "error":
            typer.echo(f"  error: {issue.message}", err=True)


@app.command()
def generate(
    files: Annotated[list[Path], typer.Argument(help="Sources: transcripts, PDFs, DOCX, zips.")],
    sop: Annotated[str, typer.Option("--sop", help="SOP id (see `reportgen sops list`) or a YAML path.")],
    output: Annotated[
        list[Path] | None, typer.Option("-o", "--output", help="Output file; .json .pdf .docx .html .md (repeat).")
    ] = None,
    engine: Annotated[str | None, typer.Option("--engine", help="llm or local (default: llm if configured).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name for the llm engine.")] = None,
    sops: SopsDirOpt = None,
    meeting_date: Annotated[
        str | None, typer.Option("--date", help="Meeting date (YYYY-MM-DD) to resolve 'Friday' etc.")
    ] = None,
    password: Annotated[str | None, typer.Option("--password")] = None,
    ocr: Annotated[bool, typer.Option("--ocr")] = False,
    reference_docx: Annotated[Path | None, typer.Option("--reference-docx")] = None,
    templates: Annotated[Path | None, typer.Option("--templates", help="Folder of template overrides.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Fill an SOP from the sources; every item cited and located."""
    from reportgen.pipeline import generate as do_generate

    when = None
    if meeting_date:
        try:
            when = date.fromisoformat(meeting_date)
        except ValueError:
            raise ReportgenError(f"--date {meeting_date!r} is not a date: use YYYY-MM-DD.") from None

    def progress(ev) -> None:
        if not quiet:
            typer.echo(f"[{ev.stage}] {ev.message}", err=True)

    report = do_generate(
        files,
        sop,
        engine=engine,
        model=model,
        password=password,
        ocr=ocr,
        meeting_date=when,
        sop_dirs=sops or [],
        on_event=progress,
    )
    _summary(report)
    _write_outputs(report, output or [], reference_docx, templates)


@app.command()
def render(
    report_json: Annotated[Path, typer.Argument(help="A report JSON written by `generate -o report.json`.")],
    output: Annotated[list[Path], typer.Option("-o", "--output", help="Output file: .pdf .docx .html .md .json")],
    reference_docx: Annotated[Path | None, typer.Option("--reference-docx")] = None,
    templates: Annotated[Path | None, typer.Option("--templates")] = None,
) -> None:
    """Render a report JSON to PDF, DOCX, HTML or Markdown."""
    from pydantic import ValidationError

    from reportgen.models import Report

    try:
        report = Report.model_validate_json(report_json.read_bytes())
    except FileNotFoundError:
        raise ReportgenError(f"{report_json}: file not found.") from None
    except ValidationError as e:
        raise ReportgenError(
            f"{report_json}: not a reportgen report JSON ({e.error_count()} problems, first: "
            f"{e.errors()[0]['loc']} {e.errors()[0]['msg']})."
        ) from None
    _write_outputs(report, output, reference_docx, templates)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the sample report.")] = Path(".reportgen/demo"),
) -> None:
    """Generate a report from the bundled sample meeting, on the embedded defaults."""
    from reportgen.pipeline import generate as do_generate
    from reportgen.resources import samples_dir

    sample = samples_dir() / "launch-sync.txt"
    typer.echo(f"sample: {sample.name} (a fictional launch meeting shipped with reportgen)")
    report = do_generate(
        [sample],
        "meeting-action-items",
        meeting_date=date(2026, 3, 2),
        on_event=lambda ev: typer.echo(f"[{ev.stage}] {ev.message}", err=True),
    )
    _summary(report)
    outs = [out_dir / f"report.{ext}" for ext in ("json", "md", "html", "pdf", "docx")]
    _write_outputs(report, outs, None, None)


@sops_app.command("list")
def sops_list(as_json: Annotated[bool, typer.Option("--json")] = False, sops: SopsDirOpt = None) -> None:
    """List available SOPs (built-in, then --sops folders and REPORTGEN_SOPS)."""
    from reportgen.sop import find_sops

    found = find_sops(sops or [])
    if as_json:
        typer.echo(
            json.dumps(
                [
                    {
                        "id": s.id,
                        "name": s.name,
                        "version": s.version,
                        "description": s.description,
                        "suits": s.suits,
                        "sections": [{"id": x.id, "title": x.title, "kind": x.kind} for x in s.sections],
                        "path": s.source_path,
                    }
                    for s in found.values()
                ],
                indent=2,
            )
        )
        return
    for s in found.values():
        typer.echo(f"{s.id:<24} v{s.version}  {s.name}: {len(s.sections)} sections")


@sops_app.command("show")
def sops_show(sop_id: str, sops: SopsDirOpt = None) -> None:
    """Show an SOP: its sections, fields and criteria."""
    from reportgen.sop import get_sop

    s = get_sop(sop_id, sops or [])
    typer.echo(f"{s.name} ({s.id} v{s.version})")
    if s.description:
        typer.echo(f"  {s.description}")
    for sec in s.sections:
        typer.echo(f"\n## {sec.title}  [{sec.id}, {sec.kind}, evidence {sec.evidence}]")
        if sec.instructions:
            typer.echo(f"  {sec.instructions}")
        for name, f in sec.fields.items():
            extra = f" {f.values}" if f.values else ""
            typer.echo(f"  - {name}: {f.type}{'' if f.required else ' (optional)'}{extra}")
        for c in sec.criteria:
            typer.echo(f"  * {c.name}: {c.question}")
            for b in c.rubric:
                typer.echo(f"      {b.value} {b.label}: {b.description}")


@sops_app.command("check")
def sops_check(files: list[Path]) -> None:
    """Check SOP YAML files; errors name file, line and key."""
    from reportgen.sop import load_sop

    bad = 0
    for f in files:
        try:
            s = load_sop(f)
            typer.echo(f"ok  {f}: {s.id} v{s.version}, {len(s.sections)} sections")
        except ReportgenError as e:
            bad += 1
            typer.echo(f"error: {e}", err=True)
    if bad:
        raise typer.Exit(2)


# -- the service (issue 5): serve, worker, keys --------------------------------------------

keys_app = typer.Typer(help="API keys per tenant for the REST API.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Bind address; anything but loopback requires API keys.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int | None, typer.Option("--workers", help="In-process job workers (REPORTGEN_WORKERS).")] = (
        None
    ),
) -> None:
    """Run the REST API (and the in-process job runner unless REPORTGEN_BROKER_URL is set)."""
    import uvicorn

    from reportgen.api import create_app
    from reportgen.store.config import ServiceSettings

    settings = ServiceSettings.from_env(workers=workers, open_when_no_keys=host in LOOPBACK)
    jobs = f"celery at {settings.broker_url}" if settings.broker_url else f"{settings.workers} in-process workers"
    where = settings.url.split("@")[-1] if settings.database_url else settings.url.removeprefix("sqlite:///")
    typer.echo(f"reportgen API on http://{host}:{port}  (docs: /docs; database: {where}; jobs: {jobs})", err=True)
    if host not in LOOPBACK:
        typer.echo("bound beyond loopback: every request needs an API key (reportgen keys create --tenant NAME)",
                   err=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option("--concurrency", "-c", help="Jobs this worker runs at once.")] = 1,
    loglevel: Annotated[str, typer.Option("--loglevel")] = "INFO",
) -> None:
    """Run a Celery worker for report jobs: needs DATABASE_URL and REPORTGEN_BROKER_URL, nothing else."""
    from reportgen.jobs.celery_app import worker_main
    from reportgen.store.config import ServiceSettings

    settings = ServiceSettings.from_env()
    if not settings.broker_url:
        raise ReportgenError("`reportgen worker` needs REPORTGEN_BROKER_URL (e.g. redis://127.0.0.1:6379/0); "
                             "without a broker, `reportgen serve` runs jobs itself.")
    if not settings.database_url:
        typer.echo("warning: no DATABASE_URL: using the SQLite file in REPORTGEN_DATA_DIR, which only works when "
                   "the server and every worker share this machine.", err=True)
    worker_main(settings, concurrency=concurrency, loglevel=loglevel)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant name; created if new.")],
    label: Annotated[str, typer.Option("--label", help="A note to tell keys apart.")] = "",
) -> None:
    """Create an API key for a tenant and print it once (only a hash is stored)."""
    from reportgen.store.db import open_database
    from reportgen.store.keys import create_key

    with open_database().session() as s:
        row, key = create_key(s, tenant, label)
    typer.echo(key)
    typer.echo(f"key {row.id} (prefix {row.prefix}) for tenant {tenant!r}: store it now, it is not shown again.",
               err=True)


@keys_app.command("list")
def keys_list() -> None:
    """List API keys: id, prefix, tenant, created, last used, revoked."""
    from datetime import datetime

    from reportgen.store.db import open_database
    from reportgen.store.keys import list_keys

    def when(t: float | None) -> str:
        return datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "-"

    with open_database().session() as s:
        for k, t in list_keys(s):
            state = f"revoked {when(k.revoked_at)}" if k.revoked_at else "active"
            typer.echo(f"{k.id}  rgk_{k.prefix}_...  {t.name:<20} created {when(k.created_at)}  "
                       f"used {when(k.last_used_at)}  {state}  {k.label}")


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="Key id or prefix (see `reportgen keys list`).")]) -> None:
    """Revoke an API key; requests with it get 401 from then on."""
    from reportgen.store.db import open_database
    from reportgen.store.keys import revoke_key

    with open_database().session() as s:
        row = revoke_key(s, key)
    typer.echo(f"revoked {row.id} (prefix {row.prefix})")


@app.command("eval")
def eval_(
    gold: Annotated[Path | None, typer.Option("--gold", help="Gold set (.yaml/.json/.jsonl); docs/eval.md.")] = None,
    sop: Annotated[str | None, typer.Option("--sop", help="SOP id or YAML path (default: the gold set's).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="local or llm.")] = "local",
    model: Annotated[str | None, typer.Option("--model", help="Model name for the llm engine.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json-out", help="Write the result (or comparison) as JSON, "
                                                  "with every item's outcome.")] = None,
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
    from reportgen.evals.command import eval_command

    if bool(results) != compare:
        raise ReportgenError("compare saved results with `reportgen eval --compare A.json B.json`; "
                             "score a gold set with `reportgen eval --gold FILE` (no file arguments).")
    eval_command(gold, sop, engine=engine, model=model, json_out=json_out, compare=list(results or []), show=show,
                 section=section, case=case, budget_share=budget_share, limit=limit, lenient=lenient, seeds=seeds,
                 echo=typer.echo)


def main() -> None:
    try:
        app()
    except ReportgenError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
