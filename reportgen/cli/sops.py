"""`reportgen sops list|show|check`: the SOP templates a report can follow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from reportgen.cli.app import JsonOpt, SopsDirOpt, app
from reportgen.errors import ReportgenError
from reportgen.sop import find_sops, get_sop, load_sop

sops_app = typer.Typer(help="List, show and check SOP templates.", no_args_is_help=True)
app.add_typer(sops_app, name="sops")


@sops_app.command("list")
def sops_list(as_json: JsonOpt = False, sops: SopsDirOpt = None) -> None:
    """List available SOPs (built-in, then --sops folders and REPORTGEN_SOPS)."""
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
def sops_show(
    sop_id: Annotated[str, typer.Argument(help="SOP id or YAML path.")],
    as_json: JsonOpt = False,
    sops: SopsDirOpt = None,
) -> None:
    """Show an SOP: its sections, fields and criteria."""
    s = get_sop(sop_id, sops or [])
    if as_json:
        typer.echo(s.model_dump_json(indent=2))
        return
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
def sops_check(files: Annotated[list[Path], typer.Argument(help="SOP YAML files.")]) -> None:
    """Check SOP YAML files; errors name file, line and key (exit 1 if any is bad)."""
    bad = 0
    for f in files:
        try:
            s = load_sop(f)
            typer.echo(f"ok  {f}: {s.id} v{s.version}, {len(s.sections)} sections")
        except ReportgenError as e:
            bad += 1
            typer.echo(f"error: {e}", err=True)
    if bad:
        raise typer.Exit(1)
