"""Verbs on sources alone: `ingest` (what was parsed) and `cite` (where a quote is)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from reportgen.cli.app import JsonOpt, PasswordOpt, app
from reportgen.clock import clock
from reportgen.errors import ReportgenError
from reportgen.grounding import Grounder, format_locator
from reportgen.ingest import ingest as ingest_source


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Transcripts, PDFs, DOCX, text, or zips of them.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the Documents with every segment as JSON.")] = False,
    password: PasswordOpt = None,
    ocr: Annotated[bool, typer.Option("--ocr", help="Recognise pages without a text layer (needs tesseract).")] = False,
) -> None:
    """Parse sources into located segments and print a summary (or JSON)."""
    failed = 0
    out: list[dict[str, Any]] = []
    for f in files:
        try:
            docs = ingest_source(f, password=password, ocr=ocr)
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
                typer.echo(f"  duration  {clock(d.duration)}")
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
        raise typer.Exit(1)


@app.command()
def cite(
    file: Annotated[Path, typer.Argument(help="The source to search.")],
    quote: Annotated[str, typer.Option("--quote", help="The verbatim quote to locate.")],
    as_json: JsonOpt = False,
    password: PasswordOpt = None,
) -> None:
    """Locate a quote in a source: status, span, segments, timestamp, speaker, page (exit 1 if not located)."""
    docs = ingest_source(file, password=password)
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
