"""Gold sets from public annotated data, converted on demand (never shipped, never read by tests).

    python -m reportgen.evals.convert qmsum ../shared/corpus/qmsum-val qmsum.jsonl
    python -m reportgen.evals.convert cuad ../shared/corpus/pdfs/cuad cuad.jsonl

QMSum (meeting-action-items): each meeting's turns become a transcript source; its topic list
becomes the `topics` section (the topic as text, its turn spans as evidence), and the
specific queries that ask what was decided or concluded become the `decisions` section
(the reference answer as text, the query's turn spans as evidence). Those queries are a
sample of the meeting's decisions, not all of them, so `decisions` is marked not exhaustive.

CUAD (diligence-memo): each contract PDF is a source (by absolute path); the expert-labelled
clauses of the categories the memo's `contract_terms` section asks about become its items:
the clause kind as the `clause` enum, CUAD's normalised answer as the summary, and the
verbatim clause text as quotes. CUAD's other categories (insurance, audit rights, ...) are
kept under `meta.unscored` for reference; they are not what the section asks for.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError

DECISION_QUERY = re.compile(
    r"\b(decide[sd]?|decision|decisions|conclude[sd]?|conclusion|agreed upon|agree on|settled? on|final choice)\b",
    re.IGNORECASE,
)
OPINION_QUERY = re.compile(r"^\s*why did\b|\bopinion\b", re.IGNORECASE)

# CUAD category -> the contract_terms `clause` value it evidences (docs/eval.md lists the same).
CUAD_CLAUSES: dict[str, str] = {
    "Parties": "parties",
    "Agreement Date": "agreement dates",
    "Effective Date": "agreement dates",
    "Expiration Date": "term and renewal",
    "Renewal Term": "term and renewal",
    "Notice Period To Terminate Renewal": "term and renewal",
    "Termination For Convenience": "termination",
    "Change Of Control": "change of control",
    "Anti-Assignment": "assignment",
    "Exclusivity": "exclusivity",
    "Non-Compete": "exclusivity",
    "Cap On Liability": "liability cap",
    "Uncapped Liability": "liability cap",
    "Governing Law": "governing law",
}


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


def _clauses(raw: str) -> list[str]:
    """CUAD stores each category's clause texts as a Python list literal."""
    raw = (raw or "").strip()
    if not raw:
        return []
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return [raw]
    return [str(v).strip() for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def cuad_case(row: dict[str, str], folder: Path) -> dict[str, Any]:
    pdf = folder / row["pdf_file"]
    if not pdf.is_file():
        raise ReportgenError(f"{pdf}: listed in master_clauses.subset.csv but missing; is the CUAD folder complete?")
    items: list[dict[str, Any]] = []
    by_clause: dict[str, dict[str, Any]] = {}
    unscored: dict[str, list[str]] = {}
    for category in sorted({k for k in row if k.endswith("-Answer") or k.endswith("- Answer")}):
        name = category.replace("- Answer", "").replace("-Answer", "").strip()
        clauses = _clauses(row.get(name, ""))
        if not clauses:
            continue
        answer = (row.get(category) or "").strip()
        if name not in CUAD_CLAUSES:
            unscored[name] = clauses
            continue
        clause = CUAD_CLAUSES[name]
        useful = answer and answer.lower() not in ("yes", "no") and "[]" not in answer
        summary = answer if useful else clauses[0]
        item = by_clause.get(clause)
        if item is None:  # the SOP asks for one row per clause kind: categories of one kind share it
            item = by_clause[clause] = {"fields": {"clause": clause, "summary": summary}, "evidence": [],
                                        "meta": {"categories": []}}
            items.append(item)
        else:
            item["fields"]["summary"] += f"; {summary}"
        item["evidence"] += [{"quote": c} for c in clauses]
        item["meta"]["categories"].append(name)
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(row["pdf_file"]).stem).strip("-")[:60]
    return {
        "id": stem,
        "sop": "diligence-memo",
        "sources": [{"path": str(pdf.resolve())}],
        "sections": {"contract_terms": {"items": items}},
        "meta": {"origin": "CUAD v1 master clauses", "unscored": unscored},
    }


def convert_cuad(folder: Path) -> Iterator[dict[str, Any]]:
    csv_path = folder / "master_clauses.subset.csv"
    if not csv_path.is_file():
        raise ReportgenError(f"no master_clauses.subset.csv in {folder}; pass the pdfs/cuad folder of the corpus.")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("pdf_file"):
                yield cuad_case(row, folder)


CONVERTERS = {"qmsum": convert_qmsum, "cuad": convert_cuad}


def convert(kind: str, source: Path, out: Path) -> int:
    """Write the gold cases as JSONL; returns how many were written."""
    if kind not in CONVERTERS:
        raise ReportgenError(f"unknown converter {kind!r}: use one of {', '.join(CONVERTERS)}.")
    cases = list(CONVERTERS[kind](source))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for case in cases:
            fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    return len(cases)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.convert", description=__doc__.split("\n\n")[0])
    ap.add_argument("kind", choices=sorted(CONVERTERS))
    ap.add_argument("source", type=Path, help="the corpus folder (qmsum-val, or pdfs/cuad)")
    ap.add_argument("out", type=Path, help="the gold set to write (.jsonl)")
    args = ap.parse_args(argv)
    try:
        n = convert(args.kind, args.source, args.out)
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
