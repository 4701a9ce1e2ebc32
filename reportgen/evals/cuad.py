"""CUAD gold for the diligence memo's contract_terms: expert clause labels mapped to the memo's clause kinds.

Each contract is one case, its PDF the source (ingested as a user's upload would be). CUAD has
no character offsets, so its verbatim clause texts are quotes placed in the text our own
ingest produces (gold.py: verbatim, then words with only punctuation between, then the
grounder); a clause split by `<omitted>` is its parts. A labelled agreement or effective date that
the text states more than once is evidenced at each occurrence (`date_evidence`, docs/eval.md).
The categories the section asks about map to its `clause` enum (CUAD_CLAUSES, also in
docs/eval.md); categories of one kind share one gold row, as the SOP asks for one row per clause
kind per agreement. The other 27 categories are kept under `meta.unscored`.

What a row must say (strict text agreement): for categories whose answer is a value (parties,
dates, renewal term, notice period, governing law) CUAD's normalised answer ("California",
"6/21/99"); for yes/no categories (change of control, assignment, caps...) the labelled clause
text itself. Each accepted text is listed under `meta.accept`.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from reportgen.errors import ReportgenError
from reportgen.evals.corpus import Contract, cuad_contracts
from reportgen.evals.folds import fold_of, load_folds
from reportgen.evals.gold import gold_from_cases, word_pattern
from reportgen.evals.runner import run_eval
from reportgen.evals.suite_report import kind_tables
from reportgen.ingest import ingest

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
_QUOTES = "\"'\u201c\u201d\u2018\u2019 "


def clause_texts(raw: str) -> list[str]:
    """CUAD stores each category's clause texts as a Python list literal; `<omitted>` joins parts."""
    raw = (raw or "").strip()
    if not raw:
        return []
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        value = [raw]
    out = []
    for v in value if isinstance(value, list) else [value]:
        for part in str(v).split("<omitted>"):
            part = part.strip().strip(_QUOTES).strip()
            if part:
                out.append(part)
    return out


def _answer(row: dict[str, str], name: str) -> str:
    for key in (f"{name}-Answer", f"{name}- Answer"):
        if key in row:
            return (row.get(key) or "").strip()
    return ""


def _is_value(answer: str) -> bool:
    return bool(answer) and answer.lower() not in ("yes", "no") and "[]" not in answer


def case_id(filename: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", Path(filename).stem).strip("-")
    if len(stem) <= 60:
        return stem
    return f"{stem[:53]}-{hashlib.sha256(filename.encode()).hexdigest()[:6]}"


# Categories whose labelled text is a date, a value the agreement may state more than once (cover page,
# preamble, signature block). CUAD labels the text, not its position; see `date_evidence`.
DATE_CATEGORIES = frozenset({"Agreement Date", "Effective Date"})


def date_evidence(text: str, quote: str) -> list[dict[str, Any]]:
    """Evidence for a labelled date: every occurrence of it in our ingest's text, as spans, when it occurs more
    than once; else the quote (placed as any other). An occurrence is the labelled text's words with only
    spacing and punctuation between (the locator's second rule, `gold.word_pattern`: "November 14, 2002," is
    labelled with its comma), else its verbatim text, case aside. CUAD gives no offsets, and the default
    placement (the first occurrence, right for a party's name, which is defined where it first appears) would
    hold a row quoting the preamble's date wrong when a cover page states it first."""
    pattern = word_pattern(quote)
    found = [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern is not None else []
    if not found:
        low, q = text.lower(), quote.strip().lower()
        i = low.find(q) if q else -1
        while i >= 0:
            found.append((i, i + len(q)))
            i = low.find(q, i + 1)
    return [{"span": [a, b]} for a, b in found] if len(found) > 1 else [{"quote": quote}]


def cuad_case(row: dict[str, str], pdf: Path, name: str, text: str | None = None) -> dict[str, Any]:
    """One contract as a gold case; `text` (our own ingest's text of the PDF) places a labelled date at
    each of its occurrences (`date_evidence`), without it the quote's first occurrence stands for it."""
    if not pdf.is_file():
        raise ReportgenError(f"{pdf}: listed in CUAD's master clauses but missing; is the CUAD folder complete?")
    items: list[dict[str, Any]] = []
    by_clause: dict[str, dict[str, Any]] = {}
    unscored: dict[str, list[str]] = {}
    categories = [k for k in row if k and not k.endswith("Answer") and k not in ("Filename", "pdf_file")]
    for cat in categories:
        clauses = clause_texts(row.get(cat, ""))
        if not clauses:
            continue
        if cat not in CUAD_CLAUSES:
            unscored[cat] = clauses
            continue
        answer = _answer(row, cat)
        accept = [answer] if _is_value(answer) else clauses
        item = by_clause.get(CUAD_CLAUSES[cat])
        if item is None:
            item = by_clause[CUAD_CLAUSES[cat]] = {
                "fields": {"clause": CUAD_CLAUSES[cat], "summary": accept[0]}, "evidence": [],
                "meta": {"categories": [], "accept": []}}
            items.append(item)
        dated = text if cat in DATE_CATEGORIES else None
        for c in clauses:
            item["evidence"] += date_evidence(dated, c) if dated is not None else [{"quote": c}]
        item["meta"]["categories"].append(cat)
        item["meta"]["accept"] += [a for a in accept if a not in item["meta"]["accept"]]
    return {
        "id": case_id(name),
        "sop": "diligence-memo",
        "sources": [{"path": str(pdf.resolve())}],
        "sections": {"contract_terms": {"items": items}},
        "meta": {"origin": "CUAD v1 master clauses", "contract": name, "unscored": unscored},
    }


def _subset(folder: Path) -> list[Contract]:
    """The 14-contract sample layout (pdfs/cuad: master_clauses.subset.csv, PDFs beside it)."""
    with (folder / "master_clauses.subset.csv").open(encoding="utf-8", newline="") as fh:
        return [Contract(name=r["pdf_file"], row=r, pdf=folder / r["pdf_file"], txt=None)
                for r in csv.DictReader(fh) if r.get("pdf_file")]


def _text_of(pdf: Path) -> str | None:
    """Our own ingest's text of a contract, as the eval will build it (None when it is not one document)."""
    docs = ingest(pdf)
    return docs[0].text if len(docs) == 1 else None


def convert_cuad(folder: Path, fold: str = "validation", folds: dict[str, Any] | None = None,
                 text_of: Callable[[Path], str | None] | None = _text_of) -> Iterator[dict[str, Any]]:
    """The contracts of one fold (`validation`, `fit`, or `all`) of cuad-train, or every contract of the
    pdfs/cuad sample (the project tuned on those: they are fit data, never a validation number).
    `text_of` reads a PDF as the eval will (for `date_evidence`); None keeps every date at its first
    occurrence (the rule before; `--first-date` in main measures it)."""
    if (folder / "master_clauses.subset.csv").is_file() and not (folder / "master_clauses.csv").is_file():
        contracts = _subset(folder)
    else:
        contracts = [c for c in cuad_contracts(folder) if fold == "all" or fold_of("cuad", c.name, folds) == fold]
    if not contracts:
        raise ReportgenError(f"no CUAD contracts of fold {fold!r} in {folder}; folds.json lists the split.")
    for c in contracts:
        yield cuad_case(c.row, c.pdf, c.name, text_of(c.pdf) if text_of is not None and c.pdf.is_file() else None)


def main(argv: list[str] | None = None) -> int:
    """The CUAD rows alone (strict, per kind with P@80%R, beside the random baseline): the cheapest way to
    re-measure the clause model, without the rest of `make eval`.

        python -m reportgen.evals.cuad --corpus ../shared/corpus [--fold validation] [--out cuad.json]
    """
    ap = argparse.ArgumentParser(prog="python -m reportgen.evals.cuad", description="CUAD contract_terms, one fold")
    ap.add_argument("--corpus", type=Path, required=True, help="the shared corpus folder (../shared/corpus)")
    ap.add_argument("--fold", default="validation", choices=["validation", "fit"])
    ap.add_argument("--seeds", type=int, default=5, help="random-baseline seeds")
    ap.add_argument("--out", type=Path, default=None, help="write the run here (readable with reportgen eval --show)")
    ap.add_argument("--first-date", action="store_true",
                    help="place each labelled date at its first occurrence only (the gold rule before date_evidence)")
    args = ap.parse_args(argv)
    folder = args.corpus / "cuad-train"
    if not (folder / "master_clauses.csv").is_file():
        print(f"error: {folder}/master_clauses.csv not found; pass the shared corpus folder.", file=sys.stderr)
        return 2
    text_of = None if args.first_date else _text_of
    cases = list(convert_cuad(folder, fold=args.fold, folds=load_folds(), text_of=text_of))
    run = run_eval(gold_from_cases(f"CUAD {args.fold} fold", cases, "diligence-memo"), seeds=args.seeds, label="local")
    if args.out is not None:
        args.out.write_text(run.model_dump_json(indent=1, by_alias=True), encoding="utf-8")
    sections = [s.model_dump() for s in run.sections]
    for s in sections:
        print(f"{s['section']}: gold {s['gold']} pred {s['predicted']} matched {s['matched']}  P {s['precision']} "
              f"R {s['recall']} F1 {s['f1']} (random {s['baseline_f1']})")
    summary = {"sets": [{"key": "cuad-val", "name": "CUAD", "fold": f"{args.fold} fold", "sections": sections}]}
    print("\n".join(kind_tables(summary)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
