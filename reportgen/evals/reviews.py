"""Reviewed reports as gold: what reviewers accepted, edited and rejected becomes a gold set.

A reviewer judges only what the engine wrote, so the gold this makes is of a particular kind:
accepted items are positives as they stand, edited items are positives with the reviewer's
values (the edit is the reviewer saying what the item should have said), rejected items are
negatives, and pending items are unknown. Nobody adds the items the engine missed, so recall
against this gold is an upper bound; a section keeps `exhaustive: true` only when every one
of its items was judged (the re-run's unmatched predictions are then real false positives).

The sources go into the gold file inline (transcripts as turns, paged documents as pages,
anything else as text), so a review gold set re-runs without the store. Evidence is written
as turn ranges for transcripts and as char spans where the inline source rebuilds the stored
text exactly, else as the located quote's text.

Agreement (accepted as is / edited / rejected, per section and week or day) is counted from
the review state itself, never from a re-run: it says how often reviewers took the engine's
word, at the time they reviewed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from reportgen.errors import ReportgenError
from reportgen.evals.gold import GoldCase, GoldSet, build_source
from reportgen.evals.table import format_table
from reportgen.ingest import ingest
from reportgen.models import Document, Item, Report, Section
from reportgen.sop import SOP, SectionSpec

SOURCE = "reviews"  # the gold set's `meta.source` (per case), so `reportgen eval` knows to add the agreement
OUTCOMES = ("accepted", "edited", "rejected")


class ReviewedReport(NamedTuple):
    """A report with its review state, the Documents its citations point at (keyed by the report's
    DocumentRef ids), and when it was reviewed (the store's last edit; a report file's date)."""

    report: Report
    documents: dict[str, Document]
    reviewed_at: date
    meeting_date: date | None = None
    label: str | None = None  # the case id (a batch room's name); else the sources' name and hash


class Judgement(NamedTuple):
    """One item's review, the unit the agreement table counts."""

    report: str
    section: str
    outcome: str  # accepted | edited | rejected | pending
    reviewed_at: date


def outcome(section: Section, item: Item) -> str | None:
    """accepted (as is), edited, rejected or pending; None for an unrated scorecard slot nobody touched
    (it claims nothing). An edit not rejected counts as edited whether or not it was also accepted."""
    if item.review == "rejected":
        return "rejected"
    if item.edited:
        return "edited"
    if item.review == "accepted":
        return "accepted"
    return None if section.is_slot(item) else "pending"


def judgements(reports: Iterable[ReviewedReport]) -> list[Judgement]:
    return [Judgement(r.report.id, sec.id, o, r.reviewed_at)
            for r in reports for sec in r.report.sections for item in sec.items
            if (o := outcome(sec, item)) is not None]


def is_reviewed(report: Report) -> bool:
    return any(outcome(sec, i) in OUTCOMES for sec in report.sections for i in sec.items)


# -- the gold set -------------------------------------------------------------------------------


def _item_fields(spec: SectionSpec) -> set[str]:
    if spec.kind == "scorecard":
        return {"criterion", "name", "rating", "band", "rationale"}
    return set(spec.fields) or {"text"}


def _source(doc: Document) -> dict[str, Any]:
    if doc.kind == "transcript":
        turns = []
        for s in doc.segments:
            turn: dict[str, Any] = {"text": s.text}
            said = (("speaker", s.speaker), ("start", s.start), ("end", s.end))
            turn.update({k: v for k, v in said if v is not None})
            turns.append(turn)
        return {"filename": doc.filename, "turns": turns}
    if doc.pages and all(s.page for s in doc.segments):
        n = max([doc.pages, *(s.page or 1 for s in doc.segments)])
        pages: list[list[str]] = [[] for _ in range(n)]
        for s in doc.segments:
            pages[(s.page or 1) - 1].append(s.text)
        return {"filename": doc.filename, "pages": pages}
    return {"filename": doc.filename, "text": "\n\n".join(s.text for s in doc.segments)}


class _Source(NamedTuple):
    at: int  # its place among the case's sources
    doc: Document
    exact: bool  # the inline source rebuilds the stored text: char spans carry over
    position: dict[int, int]  # segment id -> turn index


def _evidence(item: Item, sources: dict[str, _Source]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in item.citations:
        src = sources.get(c.document_id or "")
        if not c.located or src is None or c.char_start is None or c.char_end is None:
            continue
        if src.doc.kind == "transcript" and c.segment_ids:
            turns = [src.position[i] for i in c.segment_ids if i in src.position]
            if turns:
                out.append({"source": src.at, "turns": [min(turns), max(turns)]})
                continue
        if src.exact:
            out.append({"source": src.at, "span": [c.char_start, c.char_end]})
        else:
            out.append({"source": src.at, "quote": src.doc.text[c.char_start:c.char_end]})
    return out


def _gold_item(item: Item, spec: SectionSpec, sources: dict[str, _Source], judged: str) -> dict[str, Any]:
    allowed = _item_fields(spec)
    return {"fields": {k: v for k, v in item.fields.items() if k in allowed},
            "evidence": _evidence(item, sources),
            "meta": {"review": judged, "item": item.id}}


def _case_id(report: Report) -> str:
    """The first source's name and a hash of every source's content: the same sources give the same id
    in every store, and the random baseline draws by case id, so a re-made review measures the same."""
    stem = re.sub(r"[^\w.-]+", "-", Path(report.documents[0].filename).stem)[:60] if report.documents else "report"
    digest = hashlib.sha256("|".join(sorted(d.sha256 for d in report.documents)).encode()).hexdigest()[:8]
    return f"{stem}-{digest}"


def gold_case(reviewed: ReviewedReport, sop: SOP) -> dict[str, Any] | None:
    """The gold case for one reviewed report, or None when nothing in it was judged."""
    report = reviewed.report
    if not is_reviewed(report):
        return None
    specs = {s.id: s for s in sop.sections}
    case_id = reviewed.label or _case_id(report)
    sources: dict[str, _Source] = {}
    inline: list[dict[str, Any]] = []
    for ref in report.documents:
        doc = reviewed.documents.get(ref.id)
        if doc is None:
            raise ReportgenError(f"report {report.id}: source {ref.filename!r} (sha256 {ref.sha256[:12]}) is missing; "
                                 "pass the file the report was made from.")
        src = _source(doc)
        src["filename"] = ref.filename
        probe = GoldCase.model_validate({"id": case_id, "sources": [src], "sections": {}})
        rebuilt = build_source(probe.sources[0], 0, probe)
        sources[ref.id] = _Source(len(inline), doc, rebuilt.text == doc.text,
                                  {s.id: k for k, s in enumerate(doc.segments)})
        inline.append(src)
    sections: dict[str, Any] = {}
    pending: dict[str, int] = {}
    for sec in report.sections:
        spec = specs.get(sec.id)
        if spec is None:
            continue
        judged = [(item, o) for item in sec.items if (o := outcome(sec, item)) is not None]
        if not any(o in OUTCOMES for _, o in judged):
            continue
        waiting = sum(o == "pending" for _, o in judged)
        sections[sec.id] = {
            "exhaustive": waiting == 0,
            "items": [_gold_item(i, spec, sources, o) for i, o in judged if o in ("accepted", "edited")],
            "negatives": [_gold_item(i, spec, sources, o) for i, o in judged if o == "rejected"],
        }
        pending[sec.id] = waiting
    if not sections:
        return None
    case: dict[str, Any] = {
        "id": case_id, "sop": report.sop_id, "sources": inline, "sections": sections,
        "meta": {"source": SOURCE, "report": report.id, "engine": report.engine, "model": report.model,
                 "reviewed_at": reviewed.reviewed_at.isoformat(), "pending": pending},
    }
    # the date relative dates were read against: the report's option, else a date the source carried
    said = reviewed.meeting_date or next((d.meta["date"] for d in reviewed.documents.values() if d.meta.get("date")),
                                         None)
    if said is not None:
        try:
            case["meeting_date"] = date.fromisoformat(str(said)[:10]).isoformat()
        except ValueError:
            pass  # a date the gold format cannot hold: the re-run reads relative dates without one
    return case


def gold_from_reviews(reports: Sequence[ReviewedReport], sop: SOP, name: str = "reviews") -> dict[str, Any]:
    """A gold set (`{name, sop, cases}`) from the reviewed reports of one SOP; others are left out."""
    cases = [c for r in reports if r.report.sop_id == sop.id and (c := gold_case(r, sop)) is not None]
    if not cases:
        raise ReportgenError(f"no reviewed reports of SOP {sop.id!r}: accept, edit or reject items in a report "
                             "first (the review page, or PATCH /v1/reports/{id}/items/{item_id}).")
    ids = [c["id"] for c in cases]
    for k, c in enumerate(cases):  # two rooms of one name in two batches: keep both cases apart
        if ids.count(c["id"]) > 1:
            c["id"] = f"{c['id']}-{c['meta']['report']}"
            ids[k] = c["id"]
    return {"name": name, "sop": sop.id, "cases": cases}


def dump_gold(gold: dict[str, Any], path: Path | None = None, fmt: str | None = None) -> str:
    """The gold set as YAML (the default), JSON or JSONL (by `fmt` or the path's suffix)."""
    fmt = fmt or (path.suffix.lower().lstrip(".") if path is not None else "yaml")
    if fmt == "jsonl":
        return "".join(json.dumps({**c, "sop": gold["sop"]}, ensure_ascii=False) + "\n" for c in gold["cases"])
    if fmt == "json":
        return json.dumps(gold, indent=2, ensure_ascii=False) + "\n"
    if fmt not in ("yaml", "yml"):
        raise ReportgenError(f"cannot write a gold set as {fmt!r}: use .yaml, .json or .jsonl.")
    return yaml.safe_dump(gold, sort_keys=False, allow_unicode=True, width=120, default_flow_style=None)


# -- agreement over time --------------------------------------------------------------------------


def period(day: date, by: str) -> str:
    if by == "day":
        return day.isoformat()
    if by == "week":
        y, w, _ = day.isocalendar()
        return f"{y}-W{w:02d}"
    raise ReportgenError(f"agreement by {by!r}: use 'week' or 'day'.")


def judgements_of_gold(gold: GoldSet) -> list[Judgement]:
    """The review state a review gold set carries (item meta, negatives, pending counts)."""
    out: list[Judgement] = []
    for c in gold.cases:
        if c.meta.get("source") != SOURCE:
            continue
        when = date.fromisoformat(str(c.meta.get("reviewed_at")))
        rep = str(c.meta.get("report") or c.id)
        for sid, sec in c.sections.items():
            out += [Judgement(rep, sid, str(i.meta.get("review", "accepted")), when) for i in sec.items]
            out += [Judgement(rep, sid, "rejected", when) for _ in sec.negatives]
            out += [Judgement(rep, sid, "pending", when)] * int((c.meta.get("pending") or {}).get(sid, 0))
    return out


def is_review_gold(gold: GoldSet) -> bool:
    return any(c.meta.get("source") == SOURCE for c in gold.cases)


def agreement(judged: Sequence[Judgement], by: str = "week") -> dict[str, Any]:
    """Per section and period: how many items reviewers accepted as is, edited, rejected, left pending;
    `agreed` = accepted as is / judged, `kept` = (accepted + edited) / judged. A section's `all` row
    sums its periods. Rates are None where nothing was judged."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for j in judged:
        for when in (period(j.reviewed_at, by), "all"):
            row = rows.setdefault((j.section, when), {"section": j.section, "period": when, "reports": set(),
                                                      **dict.fromkeys((*OUTCOMES, "pending"), 0)})
            row[j.outcome] += 1
            row["reports"].add(j.report)
    out = []
    for _, row in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] == "all", kv[0][1])):
        n = sum(row[o] for o in OUTCOMES)
        out.append({**row, "reports": len(row["reports"]), "judged": n,
                    "agreed": round(row["accepted"] / n, 3) if n else None,
                    "kept": round((row["accepted"] + row["edited"]) / n, 3) if n else None})
    return {"by": by, "rows": out}


def format_agreement(table: dict[str, Any]) -> str:
    headers = ["section", table["by"], "reports", "judged", "accepted as is", "edited", "rejected", "pending",
               "agreed", "kept"]
    rows = [[r["section"], r["period"], r["reports"], r["judged"], r["accepted"], r["edited"], r["rejected"],
             r["pending"], r["agreed"], r["kept"]] for r in table["rows"]]
    return ("Reviewer agreement (from review state; agreed = accepted as is / judged, kept = accepted or "
            "edited / judged)\n" + format_table(headers, rows))


# -- a report file and its sources ------------------------------------------------------------------


def reviewed_from_file(report_path: Path, source_paths: Sequence[Path], reviewed_on: date | None = None,
                       meeting_date: date | None = None) -> ReviewedReport:
    """A downloaded report JSON and the files it was made from, matched by content (sha256), then by
    name. The review date is `reviewed_on`, else the report's creation date (a file keeps no edit time)."""
    if not report_path.is_file():
        raise ReportgenError(f"report file not found: {report_path}. Pass a report JSON (the .json download).")
    try:
        report = Report.model_validate_json(report_path.read_bytes())
    except ValueError as e:
        raise ReportgenError(f"{report_path}: not a report JSON ({str(e).splitlines()[0]}).") from None
    docs: list[Document] = []
    for p in source_paths:
        if not p.is_file():
            raise ReportgenError(f"source not found: {p}.")
        docs += ingest(p)
    by_sha = {d.sha256: d for d in docs}
    by_name = {Path(d.filename).name: d for d in docs}
    found: dict[str, Document] = {}
    for ref in report.documents:
        doc = by_sha.get(ref.sha256) or by_name.get(Path(ref.filename).name)
        if doc is None:
            raise ReportgenError(f"{report_path}: its source {ref.filename!r} is not among --source "
                                 f"({', '.join(str(p) for p in source_paths) or 'none given'}); pass that file.")
        found[ref.id] = doc.model_copy(update={"id": ref.id})
    return ReviewedReport(report, found, reviewed_on or report.created_at.date(), meeting_date)
