"""The whole-report pass: sections, scorecards, normalised values, and the issues list.

Every problem is both an item flag ("code: message", shown next to the item in every output)
and a `ReportIssue` (the list a reviewer works through).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from reportgen.dates import meeting_date_from, resolve_date
from reportgen.models import Document, Item, Report, ReportIssue, Section
from reportgen.sop import SOP, SectionSpec
from reportgen.validate.codes import DERIVED_CODES, ITEM_CODES, SECTION_CODES, add_flag, code_of
from reportgen.validate.duplicates import merge_duplicates
from reportgen.validate.fields import date_problems, declared_fields, evidence_problems, field_problems, is_empty
from reportgen.validate.people import People
from reportgen.validate.support import text_problems, value_problems


def validate_report(
    sop: SOP, report: Report, documents: list[Document], *, meeting_date: dt.date | None = None
) -> None:
    """Check every section and item of `report` against `sop`, mutating it in place.

    Fills defaults, normalises enum spelling and resolvable dates, merges duplicate items,
    flags what is wrong, records issues, and sets each section's status.
    """
    meeting_date = meeting_date or meeting_date_from(documents)
    people = People.of_documents(documents)
    by_doc = {d.id: d for d in documents}
    for item in (i for s in report.sections for i in s.items):
        item.flags = [f for f in item.flags if code_of(f) not in ITEM_CODES]
    report.issues = [i for i in report.issues if i.code not in ITEM_CODES | SECTION_CODES | DERIVED_CODES]
    if report.sop_id and report.sop_id != sop.id:
        report.issues.append(
            ReportIssue(
                severity="error",
                code="sop-mismatch",
                message=f"This report was made with SOP {report.sop_id!r} but is being checked against {sop.id!r}.",
            )
        )
    by_id = {s.id: s for s in report.sections}
    for spec in sop.sections:
        section = by_id.get(spec.id)
        if section is None:
            section = Section(id=spec.id, title=spec.title, kind=spec.kind, status="empty")  # shown, and flagged
            report.sections.append(section)
        _validate_section(spec, section, report, people, meeting_date, by_doc)
    order = {s.id: n for n, s in enumerate(sop.sections)}
    report.sections.sort(key=lambda s: order.get(s.id, len(order)))


def _validate_section(
    spec: SectionSpec,
    section: Section,
    report: Report,
    people: People,
    meeting_date: dt.date | None,
    documents: dict[str, Document],
) -> None:
    if spec.kind == "scorecard" and (section.items or section.passages):
        _complete_scorecard(spec, section)
    for item in section.items:
        _normalise(spec, item, meeting_date)
    merge_duplicates(spec, section)
    read = {p.criterion for p in section.passages}  # scorecard rows with passages to read have evidence, unrated
    for item in section.items:
        problems = field_problems(spec, item.fields, people)
        problems += date_problems(spec, item.fields, meeting_date)
        if not (section.is_slot(item) and item.fields.get("criterion") in read):
            problems += evidence_problems(spec, item)
        problems += value_problems(spec, item, documents)
        problems += text_problems(spec, item, documents)
        for flag in item.flags:
            if code_of(flag) in DERIVED_CODES:
                _issue(report, spec, code_of(flag), flag.split(":", 1)[1].strip(), "info", item.id)
        for code, msg in problems:
            add_flag(item, f"{code}: {msg}")
            _issue(report, spec, code, msg, "warning", item.id)
    if section.status == "failed":
        if not any(i.section_id == spec.id and i.severity == "error" for i in report.issues):
            reason = "; ".join(section.notes) or "the engine could not extract it"
            _issue(report, spec, "section-failed", f"This section could not be filled: {reason}", "error")
        return
    section.status = "ok" if section.items or section.passages else "empty"
    if not section.items and not section.passages and spec.required:
        _issue(report, spec, "section-empty", "Nothing was found in the sources for this required section.", "warning")
    limit = 1 if spec.kind == "verdict" else spec.max_items
    if limit is not None and len(section.items) > limit:
        _issue(
            report, spec, "too-many-items", f"{len(section.items)} items where the SOP expects at most {limit}.", "info"
        )


def _complete_scorecard(spec: SectionSpec, section: Section) -> None:
    """Exactly one item per criterion, in SOP order; missing criteria appear as not rated.

    Only for a scorecard the engine started: a row of "not rated" per criterion under a section that
    found no candidate at all (a podcast, a contract) told the reader nothing, and the hand check counted
    every such row as useless, so that section now just says why it is empty."""
    have = {i.fields.get("criterion") for i in section.items}
    for crit in spec.criteria:
        if crit.id not in have:
            fields = {"criterion": crit.id, "name": crit.name, "rating": None, "band": None, "rationale": ""}
            section.items.append(Item(fields=fields))
    order: dict[Any, int] = {c.id: n for n, c in enumerate(spec.criteria)}
    section.items.sort(key=lambda i: order.get(i.fields.get("criterion"), len(order)))


def _normalise(spec: SectionSpec, item: Item, meeting_date: dt.date | None) -> None:
    f = item.fields
    if spec.kind == "scorecard":
        crit = next((c for c in spec.criteria if c.id == f.get("criterion")), None)
        if crit is None:
            return
        f.setdefault("name", crit.name)
        f["rating"] = _as_int(f.get("rating"))
        band = next((b for b in crit.rubric if b.value == f["rating"]), None)
        f["band"] = band.label if band else None
        f.setdefault("rationale", "")
        return
    for name, fs in declared_fields(spec).items():
        value = f.get(name)
        if is_empty(value) and fs.default is not None:
            f[name] = value = fs.default
        elif name not in f:
            f[name] = [] if fs.type == "list" else None
        if fs.type == "enum" and isinstance(value, str):
            f[name] = _canonical(value, fs.values or [])
        elif fs.type == "rating":
            f[name] = _as_int(value)
        elif fs.type == "date" and isinstance(value, str) and value.strip():
            f[name] = resolve_date(value, meeting_date) or value.strip()


def _as_int(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _canonical(value: str, allowed: list[str]) -> str:
    def norm(s: str) -> str:
        return " ".join(re.sub(r"[_\-]+", " ", str(s)).lower().split())

    return next((a for a in allowed if norm(a) == norm(value)), value)


def _issue(report: Report, spec: SectionSpec, code: str, msg: str, severity: str, item_id: str | None = None) -> None:
    report.issues.append(
        ReportIssue(severity=severity, code=code, message=f"{spec.title}: {msg}", section_id=spec.id, item_id=item_id)
    )
