"""Gold sets from public annotated data, converted on demand (never shipped; tests use fixtures they make).

    python -m reportgen.evals.convert qmsum ../shared/corpus/qmsum-val qmsum.jsonl
    python -m reportgen.evals.convert ami   ../shared/corpus/ami-dev    ami-val.jsonl  [--fold validation]
    python -m reportgen.evals.convert cuad  ../shared/corpus/cuad-train cuad-val.jsonl [--fold validation]

AMI and CUAD are split into fit and validation folds (folds.py, folds.json); the converters
write the validation fold unless told otherwise. ami.py and cuad.py say how each maps to the
SOPs.

QMSum (meeting-action-items): each meeting's turns become a transcript source; its topic list
becomes the `topics` section (the topic as text, its turn spans as evidence), and the
specific queries that ask what was decided or concluded become the `decisions` section
(the reference answer as text, the query's turn spans as evidence). Those queries are a
sample of the meeting's decisions, not all of them, so `decisions` is marked not exhaustive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.ami import convert_ami
from reportgen.evals.cuad import CUAD_CLAUSES, convert_cuad

__all__ = ["CUAD_CLAUSES", "CONVERTERS", "convert", "convert_qmsum", "qmsum_case"]

DECISION_QUERY = re.compile(
    r"\b(decide[sd]?|decision|decisions|conclude[sd]?|conclusion|agreed upon|agree on|settled? on|final choice)\b",
    re.IGNORECASE,
)
OPINION_QUERY = re.compile(r"^\s*why did\b|\bopinion\b", re.IGNORECASE)


def _turn_range(span: list[Any]) -> tuple[int, int] | None:
    try:
        a, b = int(span[0]), int(span[-1])
    except (TypeError, ValueError, IndexError):
        return None
    return (a, b) if 0 <= a <= b else None


def qmsum_case(path: Path) -> dict[str, Any]:
    """One QMSum meeting as a gold case (see the module doc)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = [{"speaker": t.get("speaker") or None, "text": t.get("content") or ""}
                 for t in data["meeting_transcripts"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
        raise ReportgenError(
            f"{path}: not a QMSum meeting file ({e}); expected meeting_transcripts and topic_list."
        ) from None
    n = len(turns)

    def evidence(spans: list[Any]) -> list[dict[str, Any]]:
        out = []
        for s in spans or []:
            r = _turn_range(s)
            if r is not None and r[0] < n:
                out.append({"turns": [r[0], min(r[1], n - 1)]})
        return out

    topics = [{"fields": {"text": t["topic"]}, "evidence": evidence(t.get("relevant_text_span"))}
              for t in data.get("topic_list", []) if t.get("topic")]
    decisions = [
        {"fields": {"what": q["answer"]}, "evidence": evidence(q.get("relevant_text_span")),
         "meta": {"query": q["query"]}}
        for q in data.get("specific_query_list", [])
        if DECISION_QUERY.search(q.get("query", "")) and not OPINION_QUERY.search(q.get("query", ""))
    ]
    sections: dict[str, Any] = {}
    if topics:
        sections["topics"] = {"items": topics}
    if decisions:
        sections["decisions"] = {"items": decisions, "exhaustive": False}
    return {
        "id": path.stem,
        "sop": "meeting-action-items",
        "sources": [{"filename": path.name, "turns": turns}],
        "sections": sections,
        "meta": {"origin": "QMSum validation split", "turns": n},
    }


def convert_qmsum(folder: Path) -> Iterator[dict[str, Any]]:
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise ReportgenError(f"no QMSum meetings (*.json) in {folder}; pass the qmsum-val folder of the corpus.")
    for f in files:
        case = qmsum_case(f)
        if case["sections"]:
            yield case


def _all_folds(folder: Path, fold: str = "all", folds: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    return convert_qmsum(folder)


CONVERTERS = {"qmsum": _all_folds, "ami": convert_ami, "cuad": convert_cuad}


def convert(kind: str, source: Path, out: Path, fold: str = "validation") -> int:
    """Write the gold cases (of one fold, for AMI and CUAD) as JSONL; returns how many were written."""
    if kind not in CONVERTERS:
        raise ReportgenError(f"unknown converter {kind!r}: use one of {', '.join(CONVERTERS)}.")
    if fold not in ("validation", "fit", "all"):
        raise ReportgenError(f"unknown fold {fold!r}: use validation, fit or all.")
    cases = list(CONVERTERS[kind](source, fold))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(cases)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.convert", description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=sorted(CONVERTERS))
    ap.add_argument("source", type=Path, help="the corpus folder (qmsum-val, ami-dev, cuad-train or pdfs/cuad)")
    ap.add_argument("out", type=Path, help="the gold set to write (.jsonl)")
    ap.add_argument("--fold", default="validation", choices=["validation", "fit", "all"],
                    help="AMI and CUAD: which fold (folds.json); report numbers on validation only")
    args = ap.parse_args(argv)
    try:
        n = convert(args.kind, args.source, args.out, args.fold)
    except ReportgenError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    items = 0
    with args.out.open(encoding="utf-8") as fh:
        for line in fh:
            items += sum(len(s["items"]) for s in json.loads(line)["sections"].values())
    print(f"wrote {args.out}: {n} cases, {items} gold items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
