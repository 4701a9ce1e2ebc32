"""The Typer app, the options several verbs share (one meaning each), and the exit-status rule."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from reportgen import __version__
from reportgen.config import Engine
from reportgen.errors import ReportgenError

app = typer.Typer(
    help="Reports whose every finding is backed by a located verbatim quote.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"reportgen {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    pass


# -q is --quiet in every verb; --json always means "the result as JSON on stdout" (files are -o).
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result as JSON on stdout.")]
EngineOpt = Annotated[
    Engine | None,
    typer.Option(
        "--engine",
        help="local (offline) or llm (an OpenAI-compatible API); default: llm when OPENAI_API_KEY or "
        "OPENAI_BASE_URL is set, else local.",
    ),
]
PasswordOpt = Annotated[str | None, typer.Option("--password", help="Password of an encrypted PDF.")]
SopsDirOpt = Annotated[list[Path] | None, typer.Option("--sops", help="Extra folder of SOP YAML files (repeatable).")]


def echo_json(data: Any) -> None:
    """`data` as indented JSON on stdout (non-ASCII kept as is)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def main() -> None:
    try:
        app()
    except ReportgenError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
