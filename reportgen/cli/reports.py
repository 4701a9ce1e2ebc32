"""Verbs that make or re-render a report: `generate`, `render`, `demo`."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from reportgen.cli.app import EngineOpt, PasswordOpt, QuietOpt, SopsDirOpt, app
from reportgen.cli.extras import has_extra, require_extra
from reportgen.config import Settings
from reportgen.errors import ReportgenError
from reportgen.events import Event
from reportgen.extract.base import Extractor
from reportgen.models import Report
from reportgen.pipeline import generate as generate_report
from reportgen.pipeline import make_engine
from reportgen.render import write
from reportgen.render.pdf import pdf_engine_for
from reportgen.resources import samples_dir

ReferenceDocxOpt = Annotated[
    Path | None, typer.Option("--reference-docx", help="A .docx whose styles the DOCX output uses.")
]
TemplatesOpt = Annotated[Path | None, typer.Option("--templates", help="Folder of template overrides.")]
PdfEngineOpt = Annotated[
    str | None, typer.Option("--pdf-engine", help="What sets a .pdf: typst (the built-in look; the default) or "
                             "weasyprint (the HTML templates; the default with --templates).")
]


def _require_pdf(outputs: Sequence[Path], engine: str | None = None, templates: Path | None = None) -> None:
    """Fail before any work is done when a .pdf is asked for without the pdf extra, or with an engine that
    cannot set it."""
    for out in outputs:
        if out.suffix.lower() == ".pdf":
            require_extra("pdf", f"writing {out.name}")
            pdf_engine_for(engine, templates)


def _write_outputs(
    report: Report,
    outputs: Sequence[Path],
    reference_docx: Path | None,
    templates: Path | None,
    *,
    err: bool = False,
    pdf_engine: str | None = None,
) -> None:
    def one(out: Path) -> None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".json":
            out.write_text(report.model_dump_json(indent=2), encoding="utf-8")
        else:
            write(report, out, reference_docx=reference_docx, template_dir=templates, pdf_engine=pdf_engine)

    # Typst sets a PDF in Rust without holding the GIL, so a PDF set by it is made on a second thread while the
    # other formats are written (a 14-contract memo's DOCX+PDF: 0.85 s instead of 2.3 s). WeasyPrint stays
    # in line: its Pango and cairo calls are not made for threads.
    typst = [o for o in outputs if o.suffix.lower() == ".pdf" and pdf_engine_for(pdf_engine, templates) == "typst"]
    with ThreadPoolExecutor(max_workers=1) as side:
        background = {o: side.submit(one, o) for o in typst[: 1 if len(outputs) > 1 else 0]}
        for out in [o for o in outputs if o not in background] + list(background):
            if out in background:
                background[out].result()
            else:
                one(out)
            typer.echo(f"wrote {out}", err=err)


def _summary(report: Report, *, err: bool = False) -> None:
    """What the report holds, section by section; `err` sends it to stderr (stdout carries JSON)."""
    v = report.verification()
    kind = "extractive draft (offline engine)" if report.extractive else f"{report.engine} {report.model or ''}"
    typer.echo(f"{report.sop_name or report.sop_id}: {kind}", err=err)
    for s in report.sections:
        unsupported = sum(i.support != "supported" for i in s.findings())
        extra = f", {unsupported} not supported" if unsupported else ""
        extra += f", {len(s.passages)} passages to read" if s.passages else ""
        status = "  [" + s.status + "]" if s.status != "ok" else ""
        typer.echo(f"  {s.title:<32} {len(s.items):>3} items{extra}{status}", err=err)
    share = f"{v['located_share']:.0%}"
    read = f"; {v['passages']} passages to read (not findings)" if v["passages"] else ""
    typer.echo(f"  {v['items']} findings, {v['citations_located']}/{v['citations']} citations located ({share}){read}",
               err=err)
    if report.usage.calls or report.usage.cached_calls:
        u = report.usage
        typer.echo(
            f"  llm: {u.calls} calls ({u.cached_calls} cached), {u.input_tokens}+{u.output_tokens} tokens, "
            f"${u.cost_usd:.4f}",
            err=err,
        )
    for issue in report.issues:
        if issue.severity == "error":
            typer.echo(f"  error: {issue.message}", err=True)


def _progress(quiet: bool) -> Callable[[Event], None]:
    def on_event(ev: Event) -> None:
        if not quiet:
            typer.echo(f"[{ev.stage}] {ev.message}", err=True)

    return on_event


@contextmanager
def _offline_engine(engine: str | None, model_path: Path | None, quiet: bool) -> Iterator[str | Extractor | None]:
    """The engine to use: as chosen, or with --model-path the llm engine on a llama.cpp server serving that
    GGUF, started for this report and stopped after it."""
    if model_path is None:
        yield engine
        return
    if engine == "local":
        raise ReportgenError("--model-path runs the llm engine on a local model; drop --engine local.")
    from reportgen.extract.llama_server import DEFAULT_CONTEXT_WINDOW, serve_gguf  # httpx: --model-path only

    settings = Settings.from_env()
    window = settings.context_window or DEFAULT_CONTEXT_WINDOW
    if not quiet:
        typer.echo(f"starting a llama.cpp server for {model_path.name} ({window}-token window)...", err=True)
    with serve_gguf(model_path, context_window=window) as server:
        local = settings.model_copy(update={"openai_base_url": server.base_url, "openai_api_key": None,
                                            "model": server.model, "context_window": window})
        yield make_engine("llm", settings=local)


@app.command()
def generate(
    files: Annotated[list[Path], typer.Argument(help="Sources: transcripts, PDFs, DOCX, zips.")],
    sop: Annotated[str, typer.Option("--sop", help="SOP id (see `reportgen sops list`) or a YAML path.")],
    output: Annotated[
        list[Path] | None, typer.Option("-o", "--output", help="Output file; .json .pdf .docx .html .md (repeat).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the report as JSON on stdout (the summary goes to stderr).")
    ] = False,
    engine: EngineOpt = None,
    model: Annotated[str | None, typer.Option("--model", help="Model name for the llm engine.")] = None,
    model_path: Annotated[
        Path | None, typer.Option("--model-path", help="A GGUF model: the llm engine offline, on a llama.cpp server "
                                  "started for this report (docs/llm.md).")
    ] = None,
    sops: SopsDirOpt = None,
    meeting_date: Annotated[
        str | None, typer.Option("--date", help="Meeting date (YYYY-MM-DD) to resolve 'Friday' etc.")
    ] = None,
    password: PasswordOpt = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="Recognise pages without a text layer (needs tesseract).")] = False,
    reference_docx: ReferenceDocxOpt = None,
    templates: TemplatesOpt = None,
    pdf_engine: PdfEngineOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Fill an SOP from the sources; every item cited and located."""
    when = None
    if meeting_date:
        try:
            when = date.fromisoformat(meeting_date)
        except ValueError:
            raise ReportgenError(f"--date {meeting_date!r} is not a date: use YYYY-MM-DD.") from None
    _require_pdf(output or [], pdf_engine, templates)
    with _offline_engine(engine, model_path, quiet) as chosen:
        report = generate_report(
            files,
            sop,
            engine=chosen,
            model=None if model_path else model,
            password=password,
            ocr=ocr,
            meeting_date=when,
            sop_dirs=sops or [],
            on_event=_progress(quiet),
        )
    _summary(report, err=as_json)
    _write_outputs(report, output or [], reference_docx, templates, err=as_json, pdf_engine=pdf_engine)
    if as_json:
        typer.echo(report.model_dump_json(indent=2))


@app.command()
def render(
    report_json: Annotated[Path, typer.Argument(help="A report JSON written by `generate -o report.json`.")],
    output: Annotated[list[Path], typer.Option("-o", "--output", help="Output file: .pdf .docx .html .md .json")],
    reference_docx: ReferenceDocxOpt = None,
    templates: TemplatesOpt = None,
    pdf_engine: PdfEngineOpt = None,
) -> None:
    """Render a report JSON to PDF, DOCX, HTML or Markdown."""
    _require_pdf(output, pdf_engine, templates)
    try:
        report = Report.model_validate_json(report_json.read_bytes())
    except FileNotFoundError:
        raise ReportgenError(f"{report_json}: file not found.") from None
    except ValidationError as e:
        raise ReportgenError(
            f"{report_json}: not a reportgen report JSON ({e.error_count()} problems, first: "
            f"{e.errors()[0]['loc']} {e.errors()[0]['msg']})."
        ) from None
    _write_outputs(report, output, reference_docx, templates, pdf_engine=pdf_engine)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the sample report.")] = Path(".reportgen/demo"),
    quiet: QuietOpt = False,
) -> None:
    """Generate a report from the bundled sample meeting, on the embedded defaults."""
    sample = samples_dir() / "launch-sync.txt"
    typer.echo(f"sample: {sample.name} (a fictional launch meeting shipped with reportgen)")
    report = generate_report(
        [sample], "meeting-action-items", meeting_date=date(2026, 3, 2), on_event=_progress(quiet)
    )
    _summary(report)
    formats = ["json", "md", "html", "pdf", "docx"]
    if not has_extra("pdf"):
        formats.remove("pdf")
        typer.echo("no report.pdf: PDF needs the pdf extra: pip install 'reportgen[pdf]'", err=True)
    _write_outputs(report, [out_dir / f"report.{ext}" for ext in formats], None, None)
