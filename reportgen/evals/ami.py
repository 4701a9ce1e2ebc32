"""AMI gold for meeting-action-items: the annotators' actions and decisions, at the lines that support them.

Each ami-dev meeting becomes one case. Its transcript (`Speaker X (hh:mm:ss): text`, one turn a
line) is given as turns, so line n is turn n-1 and the gold stays put whatever our transcript
parser does. Every `actions` entry is an `action_items` item with the annotator's sentence as
`task`; every `decisions` entry a `decisions` item with it as `what`. Their `evidence_turns`
(1-based lines, from AMI's summary links) are the evidence. Both sections are exhaustive: a
meeting with no actions expects none. AMI's sentences are abstractive ("The remote will sell
for 25 Euro."), so strict text agreement is a real bar for an extractive engine, not a formality.

`python -m reportgen.evals.ami --corpus ../shared/corpus` prints the AMI rows of `make eval` (the
validation fold, strict, each figure beside its random baseline) without running the other sets:
the cheapest way to see what a change to the action-item or decision detectors did.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.corpus import Meeting, ami_meetings, parse_transcript
from reportgen.evals.folds import fold_of
from reportgen.evals.gold import gold_from_cases
from reportgen.evals.runner import DEFAULT_SEEDS, run_eval
from reportgen.evals.suite_report import main_table

SECTIONS = {"actions": ("action_items", "task"), "decisions": ("decisions", "what")}


def ami_case(meeting: Meeting) -> dict[str, Any]:
    turns = parse_transcript(meeting.transcript)
    sections: dict[str, Any] = {}
    for key, (section, field) in SECTIONS.items():
        items: list[dict[str, Any]] = []
        for entry in meeting.gold.get(key) or []:
            lines = sorted({int(n) for n in entry.get("evidence_turns") or [] if 1 <= int(n) <= len(turns)})
            items.append({
                "id": f"{meeting.id}/{section}/{entry.get('id', len(items))}",
                "fields": {field: entry.get("text", "")},
                "evidence": [{"turns": [n - 1, n - 1]} for n in lines],
                "meta": {"ami_id": entry.get("id"), "linked_acts": len(entry.get("evidence") or [])},
            })
        sections[section] = {"items": items}
    return {
        "id": meeting.id,
        "sop": "meeting-action-items",
        "sources": [{"filename": f"{meeting.id}.txt", "turns": turns}],
        "sections": sections,
        "meta": {"origin": "AMI Meeting Corpus (ami-dev)", "turns": len(turns)},
    }


def convert_ami(
    folder: Path, fold: str = "validation", folds: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """The meetings of one fold (`validation`, `fit`, or `all`), in id order."""
    meetings = ami_meetings(folder)
    chosen = [m for m in meetings if fold == "all" or fold_of("ami", m.id, folds) == fold]
    if not chosen:
        raise ReportgenError(f"no AMI meetings of fold {fold!r} in {folder}; folds.json lists the split "
                             "(python -m reportgen.evals.folds CORPUS rewrites it).")
    for m in chosen:
        yield ami_case(m)


def main(argv: list[str] | None = None) -> int:
    """The AMI validation rows of `make eval`, the same run (`run_eval`, strict, random seeds) and table."""
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.ami", description=main.__doc__)
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (with ami-dev/)")
    ap.add_argument("--seeds", type=int, default=DEFAULT_SEEDS, help="random-baseline seeds")
    args = ap.parse_args(argv)
    try:
        gs = gold_from_cases("AMI validation fold", list(convert_ami(args.corpus / "ami-dev")), "meeting-action-items")
    except (ReportgenError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    run = run_eval(gs, engine="local", seeds=args.seeds, label="local")
    summary = {"sets": [{"key": "ami-val", "name": "AMI", "fold": "validation fold", "cases": len(run.cases),
                         "total_cases": len(run.cases), "subsample": None,
                         "sections": [sec.model_dump() for sec in run.sections]}]}
    print("\n".join(main_table(summary)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
