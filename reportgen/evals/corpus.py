"""Reading the shared corpus's labelled sets as they are laid out (../shared/corpus/README.md).

Nothing in the package depends on the corpus being there: every reader takes the folder as an
argument and says what is missing when it is not the expected layout.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError

_LINE = re.compile(r"^(?P<speaker>[^()]+?)\s*\((?P<h>\d+):(?P<m>\d\d):(?P<s>\d\d)\):\s?(?P<text>.*)$")


@dataclass
class Contract:
    """One CUAD contract: its master_clauses row, and its files (the PDF may be absent in small layouts)."""

    name: str  # master_clauses' Filename: the contract's identity in folds.json
    row: dict[str, str]
    pdf: Path
    txt: Path | None


@dataclass
class Meeting:
    id: str
    transcript: Path
    gold: dict[str, Any]


def require(path: Path, what: str, hint: str) -> Path:
    if not path.exists():
        raise ReportgenError(f"{what} not found: {path}. {hint}")
    return path


def cuad_contracts(folder: Path) -> list[Contract]:
    """CUAD's training layout: master_clauses.csv, pdf/, txt/ and manifest.csv (which maps the CSV's file
    names to the files on disk: a few differ, e.g. MACY'S vs MACY_S)."""
    table = require(folder / "master_clauses.csv", "CUAD master_clauses.csv",
                    "Pass the cuad-train folder of the shared corpus.")
    csv.field_size_limit(1 << 30)
    manifest: dict[str, dict[str, str]] = {}
    if (folder / "manifest.csv").is_file():
        with (folder / "manifest.csv").open(encoding="utf-8", newline="") as fh:
            manifest = {r["master_clauses_filename"]: r for r in csv.DictReader(fh)}
    out = []
    with table.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            name = row.get("Filename") or ""
            if not name:
                continue
            m = manifest.get(name, {})
            pdf = folder / "pdf" / (m.get("pdf") or name)
            txt = folder / "txt" / (m.get("txt") or Path(name).stem + ".txt")
            out.append(Contract(name=name, row=row, pdf=pdf, txt=txt if txt.is_file() else None))
    return out


def parse_transcript(path: Path) -> list[dict[str, Any]]:
    """AMI's one-turn-per-line transcript as turns (line n is turn n-1): `Speaker X (hh:mm:ss): text`."""
    turns = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        m = _LINE.match(line)
        if m is None:
            raise ReportgenError(f"{path} line {n}: not `Speaker X (hh:mm:ss): text`: {line[:60]!r}")
        start = int(m["h"]) * 3600 + int(m["m"]) * 60 + int(m["s"])
        turns.append({"speaker": m["speaker"].strip(), "start": float(start), "text": m["text"]})
    return turns


def ami_meetings(folder: Path) -> list[Meeting]:
    """ami-dev's meetings: gold/<id>.json with transcripts/<id>.txt beside it."""
    gold_dir = require(folder / "gold", "AMI gold folder", "Pass the ami-dev folder of the shared corpus.")
    out = []
    for g in sorted(gold_dir.glob("*.json")):
        transcript = require(folder / "transcripts" / f"{g.stem}.txt", "AMI transcript",
                             f"ami-dev/gold/{g.name} has no transcript beside it.")
        try:
            data = json.loads(g.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ReportgenError(f"{g}: not JSON ({e}).") from None
        out.append(Meeting(id=g.stem, transcript=transcript, gold=data))
    if not out:
        raise ReportgenError(f"no AMI meetings in {gold_dir}; pass the ami-dev folder of the shared corpus.")
    return out
